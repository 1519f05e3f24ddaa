import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';

import { db } from '../db';
import {
  renderChains,
  renders,
  type NewRender,
  type Render,
  type RenderChain,
  type RenderStatus,
} from '../db/schema';

export interface RenderWithContext {
  render: Render;
  parentRender: Render | null;
  referenceRender: Render | null;
  chain: RenderChain | null;
}

export interface GalleryOptions {
  limit?: number;
  offset?: number;
  imageType?: string;
}

export interface StatusUpdate {
  outputUrl?: string | null;
  errorMessage?: string | null;
  processingTimeMs?: number | null;
}

export class RendersDAL {
  static async create(data: NewRender): Promise<Render> {
    const [render] = await db.insert(renders).values(data).returning();
    return render;
  }

  static async getById(id: string): Promise<Render | null> {
    const [render] = await db.select().from(renders).where(eq(renders.id, id)).limit(1);
    return render ?? null;
  }

  static async getByUser(userId: string, projectId: string | null = null, limit = 50): Promise<Render[]> {
    return await db
      .select()
      .from(renders)
      .where(and(eq(renders.userId, userId), projectId ? eq(renders.projectId, projectId) : undefined))
      .orderBy(desc(renders.createdAt), desc(renders.id))
      .limit(limit);
  }

  static async getByProjectId(projectId: string, limit = 100): Promise<Render[]> {
    return await db
      .select()
      .from(renders)
      .where(eq(renders.projectId, projectId))
      .orderBy(desc(renders.createdAt), desc(renders.id))
      .limit(limit);
  }

  static async getByChainId(chainId: string): Promise<Render[]> {
    return await db
      .select()
      .from(renders)
      .where(eq(renders.chainId, chainId))
      .orderBy(asc(renders.chainPosition), asc(renders.createdAt));
  }

  /** A render plus the renders/chain it was derived from (detail page, version history). */
  static async getWithContext(renderId: string): Promise<RenderWithContext | null> {
    const [render] = await db.select().from(renders).where(eq(renders.id, renderId)).limit(1);
    if (!render) {
      return null;
    }

    const parentRender = render.parentRenderId
      ? (await db.select().from(renders).where(eq(renders.id, render.parentRenderId)).limit(1))[0] ?? null
      : null;

    const referenceRender = render.referenceRenderId
      ? (await db.select().from(renders).where(eq(renders.id, render.referenceRenderId)).limit(1))[0] ?? null
      : null;

    let chain: RenderChain | null = null;
    if (render.chainId) {
      [chain] = await db.select().from(renderChains).where(eq(renderChains.id, render.chainId)).limit(1);
    }

    return { render, parentRender, referenceRender, chain: chain ?? null };
  }

  static async updateStatus(
    id: string,
    status: RenderStatus,
    update: StatusUpdate = {},
  ): Promise<Render | null> {
    const [updated] = await db
      .update(renders)
      .set({
        status,
        ...(update.outputUrl !== undefined && { outputUrl: update.outputUrl }),
        ...(update.processingTimeMs !== undefined && { processingTimeMs: update.processingTimeMs }),
        errorMessage: update.errorMessage ?? null,
        updatedAt: new Date(),
      })
      .where(eq(renders.id, id))
      .returning();
    return updated ?? null;
  }

  /** Called by the queue watchdog when a provider job is lost. */
  static async markAsFailed(renderIds: string[], errorMessage: string): Promise<void> {
    for (const renderId of renderIds) {
      await db
        .update(renders)
        .set({ status: 'failed', errorMessage, updatedAt: new Date() })
        .where(eq(renders.id, renderId));
    }
  }

  /** Renders picked for the side-by-side compare view, in the order they were picked. */
  static async getForComparison(renderIds: string[]): Promise<Render[]> {
    const result: Render[] = [];
    for (const id of renderIds) {
      const [render] = await db.select().from(renders).where(eq(renders.id, id)).limit(1);
      if (render) {
        result.push(render);
      }
    }
    return result;
  }

  /** Public gallery, filtered server-side (optionally by settings->>'imageType'). */
  static async getPublicGallery({ limit = 20, offset = 0, imageType }: GalleryOptions = {}): Promise<Render[]> {
    return await db
      .select()
      .from(renders)
      .where(
        and(
          eq(renders.isPublic, true),
          eq(renders.status, 'completed'),
          imageType ? sql`${renders.settings}->>'imageType' = ${imageType}` : undefined,
        ),
      )
      .orderBy(desc(renders.createdAt), desc(renders.id))
      .limit(limit)
      .offset(offset);
  }

  /** Renders that are not part of any chain yet (chain builder picker). */
  static async getUnchainedByProject(projectId: string): Promise<Render[]> {
    return await db
      .select()
      .from(renders)
      .where(and(eq(renders.projectId, projectId), isNull(renders.chainId), eq(renders.status, 'completed')))
      .orderBy(desc(renders.createdAt), desc(renders.id));
  }

  static async delete(id: string, userId: string): Promise<boolean> {
    const deleted = await db
      .delete(renders)
      .where(and(eq(renders.id, id), eq(renders.userId, userId)))
      .returning({ id: renders.id });
    return deleted.length > 0;
  }
}
