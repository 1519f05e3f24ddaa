import { and, desc, eq } from 'drizzle-orm';

import { db } from '../db';
import { canvasFiles, canvasGraphs, type CanvasFile, type CanvasGraph } from '../db/schema';

export interface CreateCanvasFileInput {
  projectId: string;
  userId: string;
  name: string;
  slug: string;
  description?: string | null;
  metadata?: Record<string, unknown> | null;
}

export interface UpdateCanvasFileInput {
  name?: string;
  slug?: string;
  description?: string | null;
  thumbnailUrl?: string | null;
  metadata?: Record<string, unknown> | null;
}

export interface CanvasFileWithGraph {
  file: CanvasFile;
  graph: CanvasGraph | null;
}

export class CanvasFilesDAL {
  static async create(data: CreateCanvasFileInput): Promise<CanvasFile> {
    const existing = await this.getBySlug(data.slug);
    if (existing) {
      throw new Error(`Canvas file with slug "${data.slug}" already exists`);
    }

    const [file] = await db
      .insert(canvasFiles)
      .values({
        projectId: data.projectId,
        userId: data.userId,
        name: data.name,
        slug: data.slug,
        description: data.description ?? null,
        metadata: data.metadata ?? null,
      })
      .returning();
    return file;
  }

  static async getById(id: string): Promise<CanvasFile | null> {
    const [file] = await db.select().from(canvasFiles).where(eq(canvasFiles.id, id)).limit(1);
    return file ?? null;
  }

  static async getBySlug(slug: string): Promise<CanvasFile | null> {
    const [file] = await db.select().from(canvasFiles).where(eq(canvasFiles.slug, slug)).limit(1);
    return file ?? null;
  }

  static async getByProject(projectId: string): Promise<CanvasFile[]> {
    return await db
      .select()
      .from(canvasFiles)
      .where(and(eq(canvasFiles.projectId, projectId), eq(canvasFiles.isActive, true)))
      .orderBy(desc(canvasFiles.updatedAt), desc(canvasFiles.id));
  }

  static async getByUser(userId: string): Promise<CanvasFile[]> {
    return await db
      .select()
      .from(canvasFiles)
      .where(and(eq(canvasFiles.userId, userId), eq(canvasFiles.isActive, true)))
      .orderBy(desc(canvasFiles.updatedAt), desc(canvasFiles.id));
  }

  static async update(id: string, data: UpdateCanvasFileInput): Promise<CanvasFile> {
    const [file] = await db.select().from(canvasFiles).where(eq(canvasFiles.id, id)).limit(1);
    if (!file) {
      throw new Error('Canvas file not found');
    }

    if (data.slug && data.slug !== file.slug) {
      const existing = await this.getBySlug(data.slug);
      if (existing && existing.id !== id) {
        throw new Error(`Canvas file with slug "${data.slug}" already exists`);
      }
    }

    const [updated] = await db
      .update(canvasFiles)
      .set({ ...data, version: file.version + 1, updatedAt: new Date() })
      .where(eq(canvasFiles.id, id))
      .returning();
    return updated;
  }

  /** Soft delete: files stay recoverable from the trash for 30 days. */
  static async delete(id: string): Promise<boolean> {
    const result = await db
      .update(canvasFiles)
      .set({ isActive: false, updatedAt: new Date() })
      .where(eq(canvasFiles.id, id))
      .returning({ id: canvasFiles.id });
    return result.length > 0;
  }

  /** Brings a file back from the trash. */
  static async restore(id: string): Promise<void> {
    const [file] = await db.select().from(canvasFiles).where(eq(canvasFiles.id, id)).limit(1);
    if (!file) {
      throw new Error('Canvas file not found');
    }

    await db.update(canvasFiles).set({ isActive: true, updatedAt: new Date() }).where(eq(canvasFiles.id, id));
  }

  static async getFileWithGraph(fileId: string): Promise<CanvasFileWithGraph | null> {
    const [file] = await db.select().from(canvasFiles).where(eq(canvasFiles.id, fileId)).limit(1);
    const [graph] = await db.select().from(canvasGraphs).where(eq(canvasGraphs.fileId, fileId)).limit(1);

    if (!file) {
      return null;
    }
    return { file, graph: graph ?? null };
  }

  static async getFileWithGraphBySlug(slug: string): Promise<CanvasFileWithGraph | null> {
    const [file] = await db.select().from(canvasFiles).where(eq(canvasFiles.slug, slug)).limit(1);
    if (!file) {
      return null;
    }

    const [graph] = await db.select().from(canvasGraphs).where(eq(canvasGraphs.fileId, file.id)).limit(1);
    return { file, graph: graph ?? null };
  }
}
