import { asc, count, desc, eq, max } from 'drizzle-orm';

import { db } from '../db';
import { renderChains, renders, type Render, type RenderChain } from '../db/schema';

export interface CreateChainInput {
  projectId: string;
  name: string;
  description?: string | null;
}

export type ChainWithRenders = RenderChain & { renders: Render[] };
export type ChainWithStats = RenderChain & { renderCount: number; lastPosition: number | null };

export class RenderChainsDAL {
  static async create(input: CreateChainInput): Promise<RenderChain> {
    const [chain] = await db
      .insert(renderChains)
      .values({ projectId: input.projectId, name: input.name, description: input.description ?? null })
      .returning();
    return chain;
  }

  static async getById(chainId: string): Promise<RenderChain | null> {
    const [chain] = await db.select().from(renderChains).where(eq(renderChains.id, chainId)).limit(1);
    return chain ?? null;
  }

  static async getByProjectId(projectId: string): Promise<RenderChain[]> {
    return await db
      .select()
      .from(renderChains)
      .where(eq(renderChains.projectId, projectId))
      .orderBy(desc(renderChains.createdAt), desc(renderChains.id));
  }

  /** Appends a render at the end of the chain. */
  static async addRender(chainId: string, renderId: string): Promise<Render | null> {
    const chainRenders = await db
      .select({ position: renders.chainPosition })
      .from(renders)
      .where(eq(renders.chainId, chainId));

    const maxPosition = chainRenders.reduce((acc, r) => Math.max(acc, r.position ?? 0), 0);

    const [updatedRender] = await db
      .update(renders)
      .set({ chainId, chainPosition: maxPosition + 1, updatedAt: new Date() })
      .where(eq(renders.id, renderId))
      .returning();
    return updatedRender ?? null;
  }

  static async removeRender(renderId: string): Promise<void> {
    await db
      .update(renders)
      .set({ chainId: null, chainPosition: null, updatedAt: new Date() })
      .where(eq(renders.id, renderId));
  }

  /** Chain + its renders; the two reads are independent so they run in parallel. */
  static async getChainWithRenders(chainId: string): Promise<ChainWithRenders | null> {
    const [chainRows, chainRenders] = await Promise.all([
      db.select().from(renderChains).where(eq(renderChains.id, chainId)).limit(1),
      db
        .select()
        .from(renders)
        .where(eq(renders.chainId, chainId))
        .orderBy(asc(renders.chainPosition), asc(renders.createdAt)),
    ]);
    const chain = chainRows[0];
    if (!chain) {
      return null;
    }
    return { ...chain, renders: chainRenders };
  }

  /** Chains of a project with how many renders each holds and its last position. */
  static async getProjectChainsWithStats(projectId: string): Promise<ChainWithStats[]> {
    const chains = await db
      .select()
      .from(renderChains)
      .where(eq(renderChains.projectId, projectId))
      .orderBy(asc(renderChains.createdAt), asc(renderChains.id));

    const result: ChainWithStats[] = [];
    for (const chain of chains) {
      const [stats] = await db
        .select({ renderCount: count(), lastPosition: max(renders.chainPosition) })
        .from(renders)
        .where(eq(renders.chainId, chain.id));
      result.push({
        ...chain,
        renderCount: Number(stats?.renderCount ?? 0),
        lastPosition: stats?.lastPosition ?? null,
      });
    }
    return result;
  }

  static async delete(chainId: string): Promise<boolean> {
    const deleted = await db
      .delete(renderChains)
      .where(eq(renderChains.id, chainId))
      .returning({ id: renderChains.id });
    return deleted.length > 0;
  }
}
