import { asc, eq, sql } from 'drizzle-orm';

import { db } from '../db';
import { copyProjects, scenes, shots, type NewShot, type Shot } from '../db/schema';

export type ShotInput = Pick<NewShot, 'shotNumber' | 'shotType' | 'cameraAngle'> &
  Partial<Pick<NewShot, 'cameraMovement' | 'lighting' | 'aiSuggestion'>>;

export type ShotUpdate = Partial<ShotInput>;

export class ShotsDAL {
  static async getShotsForScene(sceneId: string, userId: string): Promise<Shot[] | null> {
    const [scene] = await db.select().from(scenes).where(eq(scenes.id, sceneId));
    if (!scene) {
      return null;
    }
    const [project] = await db.select().from(copyProjects).where(eq(copyProjects.id, scene.projectId));
    if (!project || project.userId !== userId) {
      return null;
    }

    return await db
      .select()
      .from(shots)
      .where(eq(shots.sceneId, sceneId))
      .orderBy(asc(shots.shotNumber), asc(shots.id));
  }

  /** Shot, if its scene belongs to a project owned by `userId`. */
  static async getShotForUser(shotId: string, userId: string): Promise<Shot | null> {
    const [shot] = await db.select().from(shots).where(eq(shots.id, shotId));
    if (!shot) {
      return null;
    }
    const [scene] = await db.select().from(scenes).where(eq(scenes.id, shot.sceneId));
    if (!scene) {
      return null;
    }
    const [project] = await db.select().from(copyProjects).where(eq(copyProjects.id, scene.projectId));
    if (!project || project.userId !== userId) {
      return null;
    }
    return shot;
  }

  static async createShot(sceneId: string, userId: string, input: ShotInput): Promise<Shot | null> {
    const [scene] = await db.select().from(scenes).where(eq(scenes.id, sceneId));
    if (!scene) {
      return null;
    }
    const [project] = await db.select().from(copyProjects).where(eq(copyProjects.id, scene.projectId));
    if (!project || project.userId !== userId) {
      return null;
    }

    const [shot] = await db
      .insert(shots)
      .values({ ...input, sceneId })
      .returning();

    await db
      .update(scenes)
      .set({ shotCount: sql`${scenes.shotCount} + 1`, updatedAt: new Date() })
      .where(eq(scenes.id, sceneId));

    return shot;
  }

  /** AI breakdown: store all generated shots of a scene. */
  static async createShots(sceneId: string, userId: string, inputs: ShotInput[]): Promise<Shot[] | null> {
    const [scene] = await db.select().from(scenes).where(eq(scenes.id, sceneId));
    if (!scene) {
      return null;
    }
    const [project] = await db.select().from(copyProjects).where(eq(copyProjects.id, scene.projectId));
    if (!project || project.userId !== userId) {
      return null;
    }

    const created: Shot[] = [];
    for (const input of inputs) {
      const [shot] = await db
        .insert(shots)
        .values({ ...input, sceneId })
        .returning();
      created.push(shot);
    }

    await db
      .update(scenes)
      .set({ shotCount: sql`${scenes.shotCount} + ${created.length}`, updatedAt: new Date() })
      .where(eq(scenes.id, sceneId));

    return created;
  }

  static async updateShot(shotId: string, userId: string, update: ShotUpdate): Promise<Shot | null> {
    const existing = await this.getShotForUser(shotId, userId);
    if (!existing) {
      return null;
    }

    const [updated] = await db
      .update(shots)
      .set({ ...update, updatedAt: new Date() })
      .where(eq(shots.id, shotId))
      .returning();
    return updated ?? null;
  }

  static async deleteShot(shotId: string, userId: string): Promise<boolean> {
    const existing = await this.getShotForUser(shotId, userId);
    if (!existing) {
      return false;
    }

    await db.delete(shots).where(eq(shots.id, shotId));
    await db
      .update(scenes)
      .set({ shotCount: sql`GREATEST(${scenes.shotCount} - 1, 0)`, updatedAt: new Date() })
      .where(eq(scenes.id, existing.sceneId));
    return true;
  }
}
