/** "The Copy" — screenplay breakdown projects. */
import { and, count, desc, eq } from 'drizzle-orm';

import { db } from '../db';
import { characters, copyProjects, scenes, type Character, type CopyProject, type Scene, type Shot } from '../db/schema';

export type CopyProjectWithCounts = CopyProject & { sceneCount: number; characterCount: number };

export type ProjectBreakdown = CopyProject & {
  scenes: (Scene & { shots: Shot[] })[];
  characters: Character[];
};

export class CopyProjectsDAL {
  static async getUserProjects(userId: string): Promise<CopyProject[]> {
    return await db
      .select()
      .from(copyProjects)
      .where(eq(copyProjects.userId, userId))
      .orderBy(desc(copyProjects.updatedAt), desc(copyProjects.id));
  }

  /** Ownership check in one query (idx_projects_id_user). */
  static async getProjectForUser(projectId: string, userId: string): Promise<CopyProject | null> {
    const [project] = await db
      .select()
      .from(copyProjects)
      .where(and(eq(copyProjects.id, projectId), eq(copyProjects.userId, userId)));
    return project ?? null;
  }

  /** Breakdown view: the project with its scenes (and their shots) and characters, in one query. */
  static async getProjectBreakdown(projectId: string, userId: string): Promise<ProjectBreakdown | null> {
    const project = await db.query.copyProjects.findFirst({
      where: and(eq(copyProjects.id, projectId), eq(copyProjects.userId, userId)),
      with: {
        scenes: {
          orderBy: (scene, { asc }) => [asc(scene.sceneNumber), asc(scene.id)],
          with: { shots: { orderBy: (shot, { asc }) => [asc(shot.shotNumber), asc(shot.id)] } },
        },
        characters: { orderBy: (character, { asc }) => [asc(character.name), asc(character.id)] },
      },
    });
    return project ?? null;
  }

  /** Projects list page with scene / character counts per project. */
  static async getProjectsWithCounts(userId: string): Promise<CopyProjectWithCounts[]> {
    const userProjects = await this.getUserProjects(userId);

    const result: CopyProjectWithCounts[] = [];
    for (const project of userProjects) {
      const [sceneCount] = await db.select({ value: count() }).from(scenes).where(eq(scenes.projectId, project.id));
      const [characterCount] = await db
        .select({ value: count() })
        .from(characters)
        .where(eq(characters.projectId, project.id));
      result.push({
        ...project,
        sceneCount: sceneCount?.value ?? 0,
        characterCount: characterCount?.value ?? 0,
      });
    }
    return result;
  }

  static async create(userId: string, title: string, scriptContent?: string | null): Promise<CopyProject> {
    const [project] = await db
      .insert(copyProjects)
      .values({ userId, title, scriptContent: scriptContent ?? null })
      .returning();
    return project;
  }

  static async delete(projectId: string, userId: string): Promise<boolean> {
    const deleted = await db
      .delete(copyProjects)
      .where(and(eq(copyProjects.id, projectId), eq(copyProjects.userId, userId)))
      .returning({ id: copyProjects.id });
    return deleted.length > 0;
  }
}
