import { asc, eq } from 'drizzle-orm';

import { db } from '../db';
import { characters, copyProjects, type Character } from '../db/schema';

export interface CharacterInput {
  name: string;
  appearances?: number;
  consistencyStatus?: Character['consistencyStatus'];
  lastSeen?: string | null;
  notes?: string | null;
}

export class CharactersDAL {
  static async getCharactersForProject(projectId: string, userId: string): Promise<Character[] | null> {
    const [project] = await db.select().from(copyProjects).where(eq(copyProjects.id, projectId));
    if (!project || project.userId !== userId) {
      return null;
    }

    return await db
      .select()
      .from(characters)
      .where(eq(characters.projectId, projectId))
      .orderBy(asc(characters.name), asc(characters.id));
  }

  static async getCharacterForUser(characterId: string, userId: string): Promise<Character | null> {
    const [character] = await db.select().from(characters).where(eq(characters.id, characterId));
    if (!character) {
      return null;
    }

    const [project] = await db.select().from(copyProjects).where(eq(copyProjects.id, character.projectId));
    if (!project || project.userId !== userId) {
      return null;
    }
    return character;
  }

  static async createCharacter(projectId: string, userId: string, input: CharacterInput): Promise<Character | null> {
    const [project] = await db.select().from(copyProjects).where(eq(copyProjects.id, projectId));
    if (!project || project.userId !== userId) {
      return null;
    }

    const [character] = await db
      .insert(characters)
      .values({ ...input, projectId })
      .returning();
    return character;
  }

  static async updateCharacter(
    characterId: string,
    userId: string,
    update: Partial<CharacterInput>,
  ): Promise<Character | null> {
    const existing = await this.getCharacterForUser(characterId, userId);
    if (!existing) {
      return null;
    }

    const [updated] = await db
      .update(characters)
      .set({ ...update, updatedAt: new Date() })
      .where(eq(characters.id, characterId))
      .returning();
    return updated ?? null;
  }

  static async deleteCharacter(characterId: string, userId: string): Promise<boolean> {
    const existing = await this.getCharacterForUser(characterId, userId);
    if (!existing) {
      return false;
    }
    await db.delete(characters).where(eq(characters.id, characterId));
    return true;
  }
}
