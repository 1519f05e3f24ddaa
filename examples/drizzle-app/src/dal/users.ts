import { and, eq, ilike, or } from 'drizzle-orm';

import { db } from '../db';
import { users, type User } from '../db/schema';

export interface PublicProfile {
  id: string;
  name: string | null;
  avatarUrl: string | null;
  bio: string | null;
}

export interface UpdateUserInput {
  name?: string | null;
  bio?: string | null;
  avatarUrl?: string | null;
}

export class UsersDAL {
  static async getById(id: string): Promise<User | null> {
    const [user] = await db.select().from(users).where(eq(users.id, id)).limit(1);
    return user ?? null;
  }

  static async getByEmail(email: string): Promise<User | null> {
    const [user] = await db.select().from(users).where(eq(users.email, email)).limit(1);
    return user ?? null;
  }

  static async update(id: string, data: UpdateUserInput): Promise<User | null> {
    const [updated] = await db
      .update(users)
      .set({ ...data, updatedAt: new Date() })
      .where(eq(users.id, id))
      .returning();
    return updated ?? null;
  }

  static async search(query: string, limit = 10): Promise<PublicProfile[]> {
    const pattern = `%${query}%`;
    return await db
      .select({ id: users.id, name: users.name, avatarUrl: users.avatarUrl, bio: users.bio })
      .from(users)
      .where(and(eq(users.isActive, true), or(ilike(users.name, pattern), ilike(users.email, pattern))))
      .orderBy(users.name, users.id)
      .limit(limit);
  }

  /**
   * Public profile cards for a list of user ids (gallery credits, collaborator
   * lists). Unknown ids are skipped; the order of `userIds` is kept.
   */
  static async getPublicProfiles(userIds: string[]): Promise<PublicProfile[]> {
    const profiles: PublicProfile[] = [];
    for (const userId of userIds) {
      const [profile] = await db
        .select({ id: users.id, name: users.name, avatarUrl: users.avatarUrl, bio: users.bio })
        .from(users)
        .where(eq(users.id, userId))
        .limit(1);
      if (profile) {
        profiles.push(profile);
      }
    }
    return profiles;
  }

  static async deactivate(id: string): Promise<boolean> {
    const result = await db
      .update(users)
      .set({ isActive: false, updatedAt: new Date() })
      .where(eq(users.id, id))
      .returning({ id: users.id });
    return result.length > 0;
  }
}
