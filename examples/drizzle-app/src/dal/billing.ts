import { and, asc, desc, eq, gte, inArray, lte, sql } from 'drizzle-orm';

import { db } from '../db';
import {
  creditTransactions,
  subscriptionPlans,
  userCredits,
  userSubscriptions,
  type CreditTransaction,
  type SubscriptionPlan,
  type UserCredits,
  type UserSubscription,
} from '../db/schema';

export type CreditTransactionType = CreditTransaction['type'];

export interface SubscriptionWithPlan {
  subscription: UserSubscription;
  plan: SubscriptionPlan;
}

export interface CreditsWithReset {
  credits: UserCredits;
  subscription: UserSubscription | null;
  plan: SubscriptionPlan | null;
  /** When the monthly allowance is topped up again (end of the current period). */
  resetDate: Date | null;
  monthlyAllowance: number;
}

export interface MonthlyCredits {
  monthlyEarned: number;
  monthlySpent: number;
}

export interface BillingStats {
  totalTransactions: number;
  totalEarned: number;
  totalSpent: number;
  totalRefunded: number;
  lastTransactionAt: Date | null;
}

export class InsufficientCreditsError extends Error {
  constructor(
    readonly required: number,
    readonly available: number,
  ) {
    super(`Insufficient credits: ${required} required, ${available} available`);
    this.name = 'InsufficientCreditsError';
  }
}

export class BillingDAL {
  static async getPlans(): Promise<SubscriptionPlan[]> {
    return await db
      .select()
      .from(subscriptionPlans)
      .where(eq(subscriptionPlans.isActive, true))
      .orderBy(asc(subscriptionPlans.priceCents));
  }

  /** Active subscription together with its plan (single query). */
  static async getUserSubscription(userId: string): Promise<SubscriptionWithPlan | null> {
    const [row] = await db
      .select({ subscription: userSubscriptions, plan: subscriptionPlans })
      .from(userSubscriptions)
      .innerJoin(subscriptionPlans, eq(userSubscriptions.planId, subscriptionPlans.id))
      .where(
        and(eq(userSubscriptions.userId, userId), inArray(userSubscriptions.status, ['active', 'trialing'])),
      )
      .orderBy(desc(userSubscriptions.createdAt))
      .limit(1);
    return row ?? null;
  }

  static async getUserCreditsWithReset(userId: string): Promise<CreditsWithReset | null> {
    const [credits] = await db.select().from(userCredits).where(eq(userCredits.userId, userId)).limit(1);
    if (!credits) {
      return null;
    }

    const [active] = await db
      .select({ subscription: userSubscriptions, plan: subscriptionPlans })
      .from(userSubscriptions)
      .leftJoin(subscriptionPlans, eq(userSubscriptions.planId, subscriptionPlans.id))
      .where(and(eq(userSubscriptions.userId, userId), eq(userSubscriptions.status, 'active')))
      .orderBy(desc(userSubscriptions.createdAt))
      .limit(1);

    return {
      credits,
      subscription: active?.subscription ?? null,
      plan: active?.plan ?? null,
      resetDate: active?.subscription.currentPeriodEnd ?? null,
      monthlyAllowance: active?.plan?.creditsPerMonth ?? 0,
    };
  }

  /** Credits earned and spent by the user inside a billing period. */
  static async getMonthlyCredits(userId: string, periodStart: Date, periodEnd: Date): Promise<MonthlyCredits> {
    const [earnedResult] = await db
      .select({ total: sql<string>`COALESCE(SUM(${creditTransactions.amount}), 0)` })
      .from(creditTransactions)
      .where(
        and(
          eq(creditTransactions.userId, userId),
          inArray(creditTransactions.type, ['earned', 'bonus', 'refund']),
          gte(creditTransactions.createdAt, periodStart),
          lte(creditTransactions.createdAt, periodEnd),
        ),
      );

    const [spentResult] = await db
      .select({ total: sql<string>`COALESCE(SUM(ABS(${creditTransactions.amount})), 0)` })
      .from(creditTransactions)
      .where(
        and(
          eq(creditTransactions.userId, userId),
          eq(creditTransactions.type, 'spent'),
          gte(creditTransactions.createdAt, periodStart),
          lte(creditTransactions.createdAt, periodEnd),
        ),
      );

    return {
      monthlyEarned: Number(earnedResult?.total ?? 0),
      monthlySpent: Number(spentResult?.total ?? 0),
    };
  }

  /** Everything the billing page header needs. */
  static async getUserCreditsWithResetAndMonthly(
    userId: string,
  ): Promise<(CreditsWithReset & MonthlyCredits & { subscriptionPlan: SubscriptionPlan | null }) | null> {
    const subscription = await this.getUserSubscription(userId);
    const creditsData = await this.getUserCreditsWithReset(userId);

    if (!creditsData) {
      return null;
    }

    let monthlyEarned = 0;
    let monthlySpent = 0;
    if (subscription?.subscription.currentPeriodStart && subscription.subscription.currentPeriodEnd) {
      const periodStart = new Date(subscription.subscription.currentPeriodStart);
      const periodEnd = new Date(subscription.subscription.currentPeriodEnd);
      const monthlyCredits = await this.getMonthlyCredits(userId, periodStart, periodEnd);
      monthlyEarned = monthlyCredits.monthlyEarned;
      monthlySpent = monthlyCredits.monthlySpent;
    }

    return {
      ...creditsData,
      subscriptionPlan: subscription?.plan ?? null,
      monthlyEarned,
      monthlySpent,
    };
  }

  /** Lifetime ledger totals, computed in one aggregate query. */
  static async getUserBillingStats(userId: string): Promise<BillingStats> {
    const [row] = await db
      .select({
        totalTransactions: sql<string>`COUNT(*)`,
        totalEarned: sql<string>`COALESCE(SUM(CASE WHEN ${creditTransactions.type} IN ('earned', 'bonus') THEN ${creditTransactions.amount} ELSE 0 END), 0)`,
        totalSpent: sql<string>`COALESCE(SUM(CASE WHEN ${creditTransactions.type} = 'spent' THEN ABS(${creditTransactions.amount}) ELSE 0 END), 0)`,
        totalRefunded: sql<string>`COALESCE(SUM(CASE WHEN ${creditTransactions.type} = 'refund' THEN ${creditTransactions.amount} ELSE 0 END), 0)`,
        lastTransactionAt: sql<string | null>`MAX(${creditTransactions.createdAt})`,
      })
      .from(creditTransactions)
      .where(eq(creditTransactions.userId, userId));

    return {
      totalTransactions: Number(row?.totalTransactions ?? 0),
      totalEarned: Number(row?.totalEarned ?? 0),
      totalSpent: Number(row?.totalSpent ?? 0),
      totalRefunded: Number(row?.totalRefunded ?? 0),
      lastTransactionAt: row?.lastTransactionAt ? new Date(row.lastTransactionAt) : null,
    };
  }

  static async getTransactions(userId: string, limit = 20, offset = 0): Promise<CreditTransaction[]> {
    return await db
      .select()
      .from(creditTransactions)
      .where(eq(creditTransactions.userId, userId))
      .orderBy(desc(creditTransactions.createdAt), desc(creditTransactions.id))
      .limit(limit)
      .offset(offset);
  }

  /** Adds credits and writes the ledger entry atomically. */
  static async addCredits(
    userId: string,
    amount: number,
    type: Exclude<CreditTransactionType, 'spent'>,
    description: string,
  ): Promise<UserCredits> {
    return await db.transaction(async (tx) => {
      const [credits] = await tx
        .update(userCredits)
        .set({
          balance: sql`${userCredits.balance} + ${amount}`,
          totalEarned: sql`${userCredits.totalEarned} + ${amount}`,
          updatedAt: new Date(),
        })
        .where(eq(userCredits.userId, userId))
        .returning();

      if (!credits) {
        throw new Error(`No credit balance for user ${userId}`);
      }

      await tx.insert(creditTransactions).values({ userId, amount, type, description });
      return credits;
    });
  }

  /** Gives back the credits of a render that failed (its ledger entry is voided separately). */
  static async refundRenderCredits(userId: string, amount: number): Promise<UserCredits> {
    const [credits] = await db.select().from(userCredits).where(eq(userCredits.userId, userId)).limit(1);
    if (!credits) {
      throw new Error(`No credit balance for user ${userId}`);
    }

    const [updated] = await db
      .update(userCredits)
      .set({
        balance: credits.balance + amount,
        totalSpent: credits.totalSpent - amount,
        updatedAt: new Date(),
      })
      .where(eq(userCredits.userId, userId))
      .returning();
    return updated;
  }

  /**
   * Spends credits. The balance row is locked for the duration of the
   * transaction so concurrent renders cannot overdraw it.
   */
  static async deductCredits(
    userId: string,
    amount: number,
    description: string,
    reference?: { type: string; id: string },
  ): Promise<UserCredits> {
    return await db.transaction(async (tx) => {
      const [current] = await tx
        .select()
        .from(userCredits)
        .where(eq(userCredits.userId, userId))
        .for('update');

      if (!current) {
        throw new Error(`No credit balance for user ${userId}`);
      }
      if (current.balance < amount) {
        throw new InsufficientCreditsError(amount, current.balance);
      }

      const [updated] = await tx
        .update(userCredits)
        .set({
          balance: current.balance - amount,
          totalSpent: current.totalSpent + amount,
          updatedAt: new Date(),
        })
        .where(eq(userCredits.id, current.id))
        .returning();

      await tx.insert(creditTransactions).values({
        userId,
        amount: -amount,
        type: 'spent',
        description,
        referenceType: reference?.type ?? null,
        referenceId: reference?.id ?? null,
      });

      return updated;
    });
  }
}
