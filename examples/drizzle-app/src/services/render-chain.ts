import { eq } from 'drizzle-orm';

import { db } from '../db';
import { renders, type Render, type RenderChain } from '../db/schema';
import { ProjectsDAL } from '../dal/projects';
import { RenderChainsDAL } from '../dal/render-chains';
import { RendersDAL } from '../dal/renders';

export class RenderChainService {
  /** Builds a chain from renders picked in the gallery, in pick order. */
  static async createChainFromRenders(
    projectId: string,
    userId: string,
    name: string,
    renderIds: string[],
  ): Promise<{ chain: RenderChain; renders: Render[] }> {
    const project = await ProjectsDAL.getById(projectId);
    if (!project || project.userId !== userId) {
      throw new Error('Project not found');
    }

    const chain = await RenderChainsDAL.create({ projectId, name });
    const added: Render[] = [];
    for (const renderId of renderIds) {
      const render = await RenderChainsDAL.addRender(chain.id, renderId);
      if (render) {
        added.push(render);
      }
    }
    return { chain, renders: added };
  }

  /** Deletes a chain; its renders are kept and simply detached from it. */
  static async deleteChain(chainId: string): Promise<void> {
    const chain = await RenderChainsDAL.getById(chainId);
    if (!chain) {
      throw new Error('Chain not found');
    }

    const chainRenders = await RendersDAL.getByChainId(chainId);
    for (const r of chainRenders) {
      await db
        .update(renders)
        .set({ chainId: null, chainPosition: null, updatedAt: new Date() })
        .where(eq(renders.id, r.id));
    }

    await RenderChainsDAL.delete(chainId);
  }
}
