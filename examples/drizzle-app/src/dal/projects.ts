import { and, count, desc, eq, getTableColumns, inArray, ne, sql } from 'drizzle-orm';

import { db } from '../db';
import { projects, renders, type Project, type Render } from '../db/schema';
import { generateSlug } from '../lib/slug';

export interface CreateProjectInput {
  userId: string;
  name: string;
  description?: string | null;
  isPublic?: boolean;
}

export interface UpdateProjectInput {
  name?: string;
  description?: string | null;
  isPublic?: boolean;
}

export type ProjectWithRenderCount = Project & { renderCount: number };

export class ProjectsDAL {
  /**
   * Returns `baseSlug`, or `baseSlug-1`, `baseSlug-2`, ... — the first one
   * that this user does not already use for another project.
   */
  static async ensureUniqueSlug(userId: string, baseSlug: string, excludeProjectId?: string): Promise<string> {
    let slug = baseSlug;
    let counter = 1;

    while (true) {
      const [existing] = await db
        .select({ id: projects.id })
        .from(projects)
        .where(
          and(
            eq(projects.userId, userId),
            eq(projects.slug, slug),
            excludeProjectId ? ne(projects.id, excludeProjectId) : undefined,
          ),
        )
        .limit(1);

      if (!existing) {
        return slug;
      }
      slug = `${baseSlug}-${counter++}`;
    }
  }

  static async create(input: CreateProjectInput): Promise<Project> {
    const slug = await this.ensureUniqueSlug(input.userId, generateSlug(input.name));
    const [project] = await db
      .insert(projects)
      .values({
        userId: input.userId,
        name: input.name,
        slug,
        description: input.description ?? null,
        isPublic: input.isPublic ?? false,
      })
      .returning();
    return project;
  }

  static async getById(id: string): Promise<Project | null> {
    const [project] = await db.select().from(projects).where(eq(projects.id, id)).limit(1);
    return project ?? null;
  }

  static async getBySlug(userId: string, slug: string): Promise<Project | null> {
    const [project] = await db
      .select()
      .from(projects)
      .where(and(eq(projects.userId, userId), eq(projects.slug, slug)))
      .limit(1);
    return project ?? null;
  }

  static async getByUserId(userId: string, limit = 50, offset = 0): Promise<Project[]> {
    return await db
      .select()
      .from(projects)
      .where(eq(projects.userId, userId))
      .orderBy(desc(projects.updatedAt), desc(projects.id))
      .limit(limit)
      .offset(offset);
  }

  /** Dashboard list: projects with their render counts in a single query. */
  static async getByUserIdWithRenderCounts(userId: string, limit = 50, offset = 0): Promise<ProjectWithRenderCount[]> {
    const rows = await db
      .select({ ...getTableColumns(projects), renderCount: count(renders.id) })
      .from(projects)
      .leftJoin(renders, eq(renders.projectId, projects.id))
      .where(eq(projects.userId, userId))
      .groupBy(projects.id)
      .orderBy(desc(projects.updatedAt), desc(projects.id))
      .limit(limit)
      .offset(offset);
    return rows.map((row) => ({ ...row, renderCount: Number(row.renderCount) }));
  }

  static async update(id: string, userId: string, updateData: UpdateProjectInput): Promise<Project | null> {
    const updateFields: Partial<typeof projects.$inferInsert> = { updatedAt: new Date() };

    if (updateData.name !== undefined) {
      updateFields.name = updateData.name;
      const baseSlug = generateSlug(updateData.name);
      updateFields.slug = await this.ensureUniqueSlug(userId, baseSlug, id);
    }
    if (updateData.description !== undefined) {
      updateFields.description = updateData.description;
    }
    if (updateData.isPublic !== undefined) {
      updateFields.isPublic = updateData.isPublic;
    }

    const [updated] = await db
      .update(projects)
      .set(updateFields)
      .where(and(eq(projects.id, id), eq(projects.userId, userId)))
      .returning();
    return updated ?? null;
  }

  static async delete(id: string, userId: string): Promise<boolean> {
    const deleted = await db
      .delete(projects)
      .where(and(eq(projects.id, id), eq(projects.userId, userId)))
      .returning({ id: projects.id });
    return deleted.length > 0;
  }

  /** Latest `perProject` renders of each project, using a window function. */
  static async getLatestRendersForProjects(
    projectIds: string[],
    perProject = 4,
  ): Promise<Record<string, Render[]>> {
    if (projectIds.length === 0) {
      return {};
    }

    const ranked = db
      .select({
        ...getTableColumns(renders),
        rowNum: sql<number>`ROW_NUMBER() OVER (PARTITION BY ${renders.projectId} ORDER BY ${renders.createdAt} DESC, ${renders.id} DESC)`.as(
          'row_num',
        ),
      })
      .from(renders)
      .where(and(inArray(renders.projectId, projectIds), eq(renders.status, 'completed')))
      .as('ranked');

    const rows = await db
      .select()
      .from(ranked)
      .where(sql`${ranked.rowNum} <= ${perProject}`)
      .orderBy(ranked.projectId, ranked.rowNum);

    const byProject: Record<string, Render[]> = {};
    for (const id of projectIds) {
      byProject[id] = [];
    }
    for (const { rowNum: _rowNum, ...render } of rows) {
      byProject[render.projectId]?.push(render);
    }
    return byProject;
  }
}
