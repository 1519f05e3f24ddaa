import { eq, sql } from 'drizzle-orm';

import { db } from '../db';
import {
  canvasFiles,
  canvasGraphs,
  renderChains,
  type CanvasConnection,
  type CanvasFile,
  type CanvasGraph,
  type CanvasNode,
  type CanvasViewport,
  type RenderChain,
} from '../db/schema';

export type CanvasGraphWithChain = CanvasGraph & { chain: RenderChain };
export type CanvasGraphWithFile = CanvasGraph & { file: CanvasFile };

export interface CanvasIdentifier {
  fileId?: string;
  chainId?: string;
}

export interface CanvasState {
  nodes: CanvasNode[];
  connections: CanvasConnection[];
  viewport?: CanvasViewport | null;
}

export type SaveGraphResult = { success: true; data: CanvasGraph } | { success: false; error: string };

export class CanvasDAL {
  /** Graph attached to a render chain (legacy chain canvas). */
  static async getByChainId(chainId: string): Promise<CanvasGraphWithChain | null> {
    const [graph] = await db.select().from(canvasGraphs).where(eq(canvasGraphs.chainId, chainId)).limit(1);
    if (!graph) {
      return null;
    }

    const [chain] = await db.select().from(renderChains).where(eq(renderChains.id, chainId)).limit(1);
    if (!chain) {
      return null;
    }

    return { ...graph, chain };
  }

  /** Graph of a canvas file, with the file itself. */
  static async getByFileId(fileId: string): Promise<CanvasGraphWithFile | null> {
    const [graph] = await db.select().from(canvasGraphs).where(eq(canvasGraphs.fileId, fileId)).limit(1);
    const [file] = await db.select().from(canvasFiles).where(eq(canvasFiles.id, fileId)).limit(1);

    if (!graph || !file) {
      return null;
    }
    return { ...graph, file };
  }

  /** Autosave from the canvas editor: updates the existing graph or creates the first one. */
  static async saveGraph(identifier: CanvasIdentifier, state: CanvasState, userId: string): Promise<SaveGraphResult> {
    let projectId: string;
    let existing: CanvasGraph | null = null;

    if (identifier.fileId) {
      const [file] = await db.select().from(canvasFiles).where(eq(canvasFiles.id, identifier.fileId)).limit(1);
      if (!file) {
        return { success: false, error: 'Canvas file not found' };
      }
      projectId = file.projectId;
      existing = await this.getByFileId(identifier.fileId);
    } else if (identifier.chainId) {
      const [chain] = await db
        .select()
        .from(renderChains)
        .where(eq(renderChains.id, identifier.chainId))
        .limit(1);
      if (!chain) {
        return { success: false, error: 'Render chain not found' };
      }
      projectId = chain.projectId;
      existing = await this.getByChainId(identifier.chainId);
    } else {
      return { success: false, error: 'Either fileId or chainId is required' };
    }

    if (existing) {
      const [updated] = await db
        .update(canvasGraphs)
        .set({
          nodes: state.nodes,
          connections: state.connections,
          viewport: state.viewport ?? existing.viewport,
          version: sql`${canvasGraphs.version} + 1`,
          updatedAt: new Date(),
        })
        .where(eq(canvasGraphs.id, existing.id))
        .returning();
      return { success: true, data: updated };
    }

    const [created] = await db
      .insert(canvasGraphs)
      .values({
        fileId: identifier.fileId ?? null,
        chainId: identifier.chainId ?? null,
        projectId,
        userId,
        nodes: state.nodes,
        connections: state.connections,
        viewport: state.viewport ?? null,
      })
      .returning();
    return { success: true, data: created };
  }
}
