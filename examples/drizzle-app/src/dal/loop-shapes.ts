/**
 * Per-element loops written the way real services write them (Map and Set loops, keys named in the body,
 * index loops, the latest row per key, relational reads per id, counts per key). Each one is a
 * DAL002 finding; the equivalence harness runs them before and after `dalfix apply`.
 */
import { and, count, desc, eq } from 'drizzle-orm';

import { db } from '../db';
import { projects, renders, type Render } from '../db/schema';

export class LoopShapesDAL {
  /** Marks the renders named by a Map's keys as failed. */
  static async failRenders(errors: Map<string, string>): Promise<void> {
    for (const [renderId] of errors) {
      await db.update(renders).set({ status: 'failed' }).where(eq(renders.id, renderId));
    }
  }

  /** Publishes every render of a Set. */
  static async publishRenders(ids: Set<string>): Promise<void> {
    for (const id of ids) {
      await db.update(renders).set({ isPublic: true }).where(eq(renders.id, id));
    }
  }

  /** Hides projects, keyed by an object's keys. */
  static async hideProjects(flags: Record<string, boolean>): Promise<void> {
    for (const [projectId] of Object.entries(flags)) {
      await db.update(projects).set({ isPublic: false }).where(eq(projects.id, projectId));
    }
  }

  /** Clears error messages: an index loop that names the element first. */
  static async clearErrors(items: { id: string }[]): Promise<void> {
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      await db.update(renders).set({ errorMessage: null }).where(eq(renders.id, item.id));
    }
  }

  /** The latest render of each project (select … orderBy … limit 1 per key). */
  static async latestRenderPerProject(projectIds: string[]): Promise<(Render | null)[]> {
    const out: (Render | null)[] = [];
    for (const projectId of projectIds) {
      const [render] = await db
        .select()
        .from(renders)
        .where(eq(renders.projectId, projectId))
        .orderBy(desc(renders.createdAt), desc(renders.id))
        .limit(1);
      out.push(render ?? null);
    }
    return out;
  }

  /** The last render of each chain, by position, through the relational API. */
  static async lastRenderPerChain(chainIds: string[]): Promise<Record<string, string | null>> {
    const out: Record<string, string | null> = {};
    for (const chainId of chainIds) {
      const render = await db.query.renders.findFirst({
        where: eq(renders.chainId, chainId),
        orderBy: [desc(renders.chainPosition), desc(renders.id)],
      });
      out[chainId] = render?.id ?? null;
    }
    return out;
  }

  /** Renders by id with their project's name (findFirst on the primary key, with a relation). */
  static async rendersWithProject(ids: string[]): Promise<({ id: string; project: string } | null)[]> {
    const out: ({ id: string; project: string } | null)[] = [];
    for (const id of ids) {
      const render = await db.query.renders.findFirst({ where: eq(renders.id, id), with: { project: true } });
      out.push(render ? { id: render.id, project: render.project.name } : null);
    }
    return out;
  }

  /** Completed renders per project: `Promise.all(xs.map(async …))` returning a value built from a count. */
  static async completedPerProject(projectIds: string[]): Promise<{ projectId: string; completed: number }[]> {
    return await Promise.all(
      projectIds.map(async (projectId) => {
        const [{ completed }] = await db
          .select({ completed: count() })
          .from(renders)
          .where(and(eq(renders.projectId, projectId), eq(renders.status, 'completed')));
        return { projectId, completed };
      }),
    );
  }
  /** Keeps only the listed renders of a project public (sync to a wanted list): a write behind a pure `if`. */
  static async keepPublicOnly(projectId: string, keep: string[]): Promise<void> {
    const current = await db.select().from(renders).where(eq(renders.projectId, projectId)).orderBy(renders.id);
    for (const render of current) {
      if (!keep.includes(render.id)) {
        await db
          .update(renders)
          .set({ isPublic: false })
          .where(and(eq(renders.projectId, projectId), eq(renders.id, render.id)));
      }
    }
  }

  /** Fails the listed renders that are still pending: `continue` guards on the element before the write. */
  static async failPending(items: { id: string; status: string; keep?: boolean }[]): Promise<void> {
    for (const item of items) {
      if (item.status !== 'pending') continue;
      if (item.keep) continue;
      await db.update(renders).set({ status: 'failed' }).where(eq(renders.id, item.id));
    }
  }
  /** Prompts of the public renders among `ids`: a read per element, then `continue` past the private ones. */
  static async publicRenderPrompts(ids: string[]): Promise<string[]> {
    const prompts: string[] = [];
    for (const id of ids) {
      const [render] = await db.select().from(renders).where(eq(renders.id, id));
      if (!render?.isPublic) continue;
      prompts.push(render.prompt);
    }
    return prompts;
  }
}
