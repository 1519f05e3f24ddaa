import { asc, eq, sql } from 'drizzle-orm';

import { db } from '../db';
import { copyProjects, scenes, shots, type NewShot, type Scene, type Shot } from '../db/schema';

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

  /** A shot's number and its scene's heading; logs, then throws (no shot) or returns null (no scene). */
  static async getShotHeading(
    shotId: string,
  ): Promise<{ shotNumber: number; sceneTitle: string; location: string; timeOfDay: string } | null> {
    const [shot] = await db
      .select({ id: shots.id, sceneId: shots.sceneId, shotNumber: shots.shotNumber })
      .from(shots)
      .where(eq(shots.id, shotId))
      .limit(1);
    if (!shot) {
      console.warn('shot not found', shotId);
      throw new Error(`Shot ${shotId} not found`);
    }
    const [scene] = await db
      .select({ id: scenes.id, title: scenes.title, location: scenes.location, timeOfDay: scenes.timeOfDay })
      .from(scenes)
      .where(eq(scenes.id, shot.sceneId))
      .limit(1);
    if (!scene) {
      console.warn('scene not found for shot', shotId, shot.sceneId);
      return null;
    }
    return { shotNumber: shot.shotNumber, sceneTitle: scene.title, location: scene.location, timeOfDay: scene.timeOfDay };
  }

  /** A shot and its scene when the shot is numbered at most `maxShotNumber` (an earlier cut of the scene). */
  static async getShotSceneUpTo(shotId: string, maxShotNumber: number): Promise<{ shot: Shot; scene: Scene } | null> {
    const [shot] = await db.select().from(shots).where(eq(shots.id, shotId)).limit(1);
    if (!shot) {
      return null;
    }
    if (shot.shotNumber > maxShotNumber) {
      return null;
    }
    const [scene] = await db.select().from(scenes).where(eq(scenes.id, shot.sceneId)).limit(1);
    if (!scene) {
      return null;
    }
    return { shot, scene };
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
