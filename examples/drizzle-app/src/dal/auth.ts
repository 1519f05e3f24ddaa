import { eq } from 'drizzle-orm';

import { db } from '../db';
import { creditTransactions, userCredits, users, type User, type UserCredits } from '../db/schema';

export const WELCOME_BONUS_CREDITS = 10;

export interface CreateUserInput {
  email: string;
  name?: string | null;
  avatarUrl?: string | null;
}

export interface UserStatus {
  isActive: boolean;
  isAdmin: boolean;
}

export class AuthDAL {
  static async getUserById(userId: string): Promise<User | null> {
    const [user] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
    return user ?? null;
  }

  static async getUserByEmail(email: string): Promise<User | null> {
    const [user] = await db
      .select()
      .from(users)
      .where(eq(users.email, email.trim().toLowerCase()))
      .limit(1);
    return user ?? null;
  }

  static async getUserCredits(userId: string): Promise<UserCredits | null> {
    const [credits] = await db.select().from(userCredits).where(eq(userCredits.userId, userId)).limit(1);
    return credits ?? null;
  }

  /**
   * Creates the user together with their credit balance and the welcome bonus
   * ledger entry. All three rows are written atomically.
   */
  static async createUser(input: CreateUserInput): Promise<User> {
    return await db.transaction(async (tx) => {
      const [user] = await tx
        .insert(users)
        .values({
          email: input.email.trim().toLowerCase(),
          name: input.name ?? null,
          avatarUrl: input.avatarUrl ?? null,
        })
        .returning();

      await tx.insert(userCredits).values({
        userId: user.id,
        balance: WELCOME_BONUS_CREDITS,
        totalEarned: WELCOME_BONUS_CREDITS,
      });

      await tx.insert(creditTransactions).values({
        userId: user.id,
        amount: WELCOME_BONUS_CREDITS,
        type: 'bonus',
        description: 'Welcome bonus',
      });

      return user;
    });
  }

  static async updateLastLogin(userId: string): Promise<void> {
    await db.update(users).set({ lastLoginAt: new Date(), updatedAt: new Date() }).where(eq(users.id, userId));
  }

  /** isActive and isAdmin in a single round trip (used by middleware). */
  static async getUserStatus(userId: string): Promise<UserStatus | null> {
    const [status] = await db
      .select({ isActive: users.isActive, isAdmin: users.isAdmin })
      .from(users)
      .where(eq(users.id, userId))
      .limit(1);
    return status ?? null;
  }

  static async isUserActive(userId: string): Promise<boolean> {
    const status = await this.getUserStatus(userId);
    return status?.isActive ?? false;
  }

  static async isUserAdmin(userId: string): Promise<boolean> {
    const status = await this.getUserStatus(userId);
    return status?.isAdmin ?? false;
  }
}
