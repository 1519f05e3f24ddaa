import { asc, eq } from 'drizzle-orm';

import { db } from '../db';
import { copyProjects, scenes, type NewScene, type Scene } from '../db/schema';

export type SceneInput = Pick<NewScene, 'sceneNumber' | 'title' | 'location' | 'timeOfDay'> &
  Partial<Pick<NewScene, 'characters' | 'description' | 'status'>>;

export type SceneUpdate = Partial<Omit<SceneInput, 'sceneNumber'>>;

export class ScenesDAL {
  static async getScenesForProject(projectId: string, userId: string): Promise<Scene[] | null> {
    const [project] = await db.select().from(copyProjects).where(eq(copyProjects.id, projectId));
    if (!project || project.userId !== userId) {
      return null;
    }

    return await db
      .select()
      .from(scenes)
      .where(eq(scenes.projectId, projectId))
      .orderBy(asc(scenes.sceneNumber), asc(scenes.id));
  }

  /** Scene, if it belongs to a project owned by `userId`. */
  static async getSceneForUser(sceneId: string, userId: string): Promise<Scene | null> {
    const [scene] = await db.select().from(scenes).where(eq(scenes.id, sceneId));
    if (!scene) {
      return null;
    }

    const [project] = await db.select().from(copyProjects).where(eq(copyProjects.id, scene.projectId));
    if (!project || project.userId !== userId) {
      return null;
    }
    return scene;
  }

  static async createScene(projectId: string, userId: string, input: SceneInput): Promise<Scene | null> {
    const [project] = await db.select().from(copyProjects).where(eq(copyProjects.id, projectId));
    if (!project || project.userId !== userId) {
      return null;
    }

    const [scene] = await db
      .insert(scenes)
      .values({ ...input, projectId })
      .returning();
    return scene;
  }

  static async updateScene(sceneId: string, userId: string, update: SceneUpdate): Promise<Scene | null> {
    const [scene] = await db.select().from(scenes).where(eq(scenes.id, sceneId));
    if (!scene) {
      return null;
    }
    const [project] = await db.select().from(copyProjects).where(eq(copyProjects.id, scene.projectId));
    if (!project || project.userId !== userId) {
      return null;
    }

    const [updated] = await db
      .update(scenes)
      .set({ ...update, updatedAt: new Date() })
      .where(eq(scenes.id, sceneId))
      .returning();
    return updated ?? null;
  }

  static async deleteScene(sceneId: string, userId: string): Promise<boolean> {
    const scene = await this.getSceneForUser(sceneId, userId);
    if (!scene) {
      return false;
    }
    await db.delete(scenes).where(eq(scenes.id, sceneId));
    return true;
  }

  /** Drag & drop in the breakdown view: renumber scenes in the given order. */
  static async reorderScenes(projectId: string, userId: string, orderedSceneIds: string[]): Promise<boolean> {
    const [project] = await db.select().from(copyProjects).where(eq(copyProjects.id, projectId));
    if (!project || project.userId !== userId) {
      return false;
    }

    for (const [index, sceneId] of orderedSceneIds.entries()) {
      await db
        .update(scenes)
        .set({ sceneNumber: index + 1, updatedAt: new Date() })
        .where(eq(scenes.id, sceneId));
    }
    return true;
  }
}
