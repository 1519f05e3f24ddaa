import { and, asc, desc, eq, gte, lte, sql } from 'drizzle-orm';

import { db } from '../db';
import {
  ambassadorCommissions,
  ambassadorLinks,
  ambassadorPayouts,
  ambassadorReferrals,
  ambassadors,
  users,
  type Ambassador,
  type AmbassadorCommission,
  type AmbassadorLink,
  type AmbassadorPayout,
  type AmbassadorReferral,
} from '../db/schema';

export type PayoutStatus = AmbassadorPayout['status'];
export type CommissionStatus = AmbassadorCommission['status'];

export interface ReferralWithUser extends AmbassadorReferral {
  referredUser: { id: string; name: string | null; email: string };
}

export interface RecordCommissionInput {
  referralId: string;
  subscriptionId: string | null;
  paymentAmount: number;
  periodStart: Date;
  periodEnd: Date;
}

export class AmbassadorDAL {
  // -------------------------------------------------------------------------
  // Ambassadors
  // -------------------------------------------------------------------------

  static async getByUserId(userId: string): Promise<Ambassador | null> {
    const [ambassador] = await db.select().from(ambassadors).where(eq(ambassadors.userId, userId)).limit(1);
    return ambassador ?? null;
  }

  static async getByCode(code: string): Promise<Ambassador | null> {
    const [ambassador] = await db
      .select()
      .from(ambassadors)
      .where(eq(ambassadors.code, code.toUpperCase()))
      .limit(1);
    return ambassador ?? null;
  }

  static async apply(userId: string, code: string): Promise<Ambassador> {
    const [ambassador] = await db
      .insert(ambassadors)
      .values({ userId, code: code.toUpperCase(), status: 'pending' })
      .returning();
    return ambassador;
  }

  static async approve(ambassadorId: string): Promise<Ambassador | null> {
    const [ambassador] = await db
      .update(ambassadors)
      .set({ status: 'active', approvedAt: new Date(), updatedAt: new Date() })
      .where(eq(ambassadors.id, ambassadorId))
      .returning();
    return ambassador ?? null;
  }

  // -------------------------------------------------------------------------
  // Links
  // -------------------------------------------------------------------------

  static async createLink(ambassadorId: string, code: string, campaign?: string | null): Promise<AmbassadorLink> {
    const [link] = await db
      .insert(ambassadorLinks)
      .values({ ambassadorId, code, campaign: campaign ?? null })
      .returning();
    return link;
  }

  // Find-or-create by the unique code: the link a campaign's share button reuses.
  static async linkFor(ambassadorId: string, code: string): Promise<AmbassadorLink | undefined> {
    let link = await db.query.ambassadorLinks.findFirst({ where: eq(ambassadorLinks.code, code) });
    if (!link) {
      const [created] = await db.insert(ambassadorLinks).values({ ambassadorId, code }).returning();
      link = created;
    }
    return link;
  }

  static async getLinks(ambassadorId: string): Promise<AmbassadorLink[]> {
    return await db
      .select()
      .from(ambassadorLinks)
      .where(eq(ambassadorLinks.ambassadorId, ambassadorId))
      .orderBy(desc(ambassadorLinks.createdAt), asc(ambassadorLinks.code));
  }

  static async getLinkByCode(code: string): Promise<AmbassadorLink | null> {
    const [link] = await db.select().from(ambassadorLinks).where(eq(ambassadorLinks.code, code)).limit(1);
    return link ?? null;
  }

  static async trackLinkClick(code: string): Promise<AmbassadorLink | null> {
    const [link] = await db
      .update(ambassadorLinks)
      .set({ clickCount: sql`${ambassadorLinks.clickCount} + 1`, updatedAt: new Date() })
      .where(and(eq(ambassadorLinks.code, code), eq(ambassadorLinks.isActive, true)))
      .returning();
    return link ?? null;
  }

  // -------------------------------------------------------------------------
  // Referrals
  // -------------------------------------------------------------------------

  /** New sign-up attributed to an ambassador (optionally through one of their links). */
  static async trackReferral(
    ambassadorId: string,
    referredUserId: string,
    linkId?: string | null,
  ): Promise<AmbassadorReferral> {
    const [referral] = await db
      .insert(ambassadorReferrals)
      .values({ ambassadorId, referredUserId, linkId: linkId ?? null, status: 'pending' })
      .returning();

    if (linkId) {
      await db
        .update(ambassadorLinks)
        .set({ signupCount: sql`${ambassadorLinks.signupCount} + 1`, updatedAt: new Date() })
        .where(eq(ambassadorLinks.id, linkId));
    }

    await db
      .update(ambassadors)
      .set({ totalReferrals: sql`${ambassadors.totalReferrals} + 1`, updatedAt: new Date() })
      .where(eq(ambassadors.id, ambassadorId));

    return referral;
  }

  static async getReferrals(ambassadorId: string): Promise<ReferralWithUser[]> {
    const rows = await db
      .select({
        referral: ambassadorReferrals,
        referredUser: { id: users.id, name: users.name, email: users.email },
      })
      .from(ambassadorReferrals)
      .innerJoin(users, eq(ambassadorReferrals.referredUserId, users.id))
      .where(eq(ambassadorReferrals.ambassadorId, ambassadorId))
      .orderBy(desc(ambassadorReferrals.createdAt), asc(ambassadorReferrals.id));
    return rows.map((row) => ({ ...row.referral, referredUser: row.referredUser }));
  }

  /** Stripe webhook: the referred user started paying. */
  static async updateReferralOnSubscription(
    referredUserId: string,
    subscriptionId: string,
  ): Promise<AmbassadorReferral | null> {
    const now = new Date();
    const [updated] = await db
      .update(ambassadorReferrals)
      .set({
        status: 'active',
        subscriptionId,
        firstSubscriptionAt: sql`COALESCE(${ambassadorReferrals.firstSubscriptionAt}, ${now})`,
        updatedAt: new Date(),
      })
      .where(and(eq(ambassadorReferrals.referredUserId, referredUserId), eq(ambassadorReferrals.status, 'pending')))
      .returning();

    if (!updated) {
      return null;
    }

    if (updated.linkId) {
      await db
        .update(ambassadorLinks)
        .set({ conversionCount: sql`${ambassadorLinks.conversionCount} + 1`, updatedAt: new Date() })
        .where(eq(ambassadorLinks.id, updated.linkId));
    }

    await db
      .update(ambassadors)
      .set({ activeReferrals: sql`${ambassadors.activeReferrals} + 1`, updatedAt: new Date() })
      .where(eq(ambassadors.id, updated.ambassadorId));

    return updated;
  }

  // -------------------------------------------------------------------------
  // Commissions & payouts
  // -------------------------------------------------------------------------

  /** Invoice paid by a referred user: book the ambassador's commission. */
  static async recordCommission(input: RecordCommissionInput): Promise<AmbassadorCommission | null> {
    const [row] = await db
      .select({ referral: ambassadorReferrals, ambassador: ambassadors })
      .from(ambassadorReferrals)
      .innerJoin(ambassadors, eq(ambassadorReferrals.ambassadorId, ambassadors.id))
      .where(eq(ambassadorReferrals.id, input.referralId))
      .limit(1);

    if (!row || row.ambassador.status !== 'active') {
      return null;
    }

    const percentage = row.ambassador.commissionPercentage;
    const commissionAmount = Math.round((input.paymentAmount * Number(percentage)) / 100);

    const [commission] = await db
      .insert(ambassadorCommissions)
      .values({
        ambassadorId: row.ambassador.id,
        referralId: row.referral.id,
        subscriptionId: input.subscriptionId,
        paymentAmount: input.paymentAmount,
        commissionPercentage: percentage,
        commissionAmount,
        periodStart: input.periodStart,
        periodEnd: input.periodEnd,
        status: 'pending',
      })
      .returning();

    await db
      .update(ambassadorReferrals)
      .set({
        totalCommissionEarned: sql`${ambassadorReferrals.totalCommissionEarned} + ${commissionAmount}`,
        updatedAt: new Date(),
      })
      .where(eq(ambassadorReferrals.id, row.referral.id));

    await db
      .update(ambassadors)
      .set({
        totalEarnings: sql`${ambassadors.totalEarnings} + ${commissionAmount}`,
        pendingEarnings: sql`${ambassadors.pendingEarnings} + ${commissionAmount}`,
        updatedAt: new Date(),
      })
      .where(eq(ambassadors.id, row.ambassador.id));

    return commission;
  }

  static async getCommissions(ambassadorId: string, status?: CommissionStatus): Promise<AmbassadorCommission[]> {
    return await db
      .select()
      .from(ambassadorCommissions)
      .where(
        and(
          eq(ambassadorCommissions.ambassadorId, ambassadorId),
          status ? eq(ambassadorCommissions.status, status) : undefined,
        ),
      )
      .orderBy(desc(ambassadorCommissions.periodStart), asc(ambassadorCommissions.id));
  }

  /**
   * Groups the pending, not yet paid out commissions of a period into a payout.
   * Runs in a transaction so a commission can never end up in two payouts.
   */
  static async createPayout(ambassadorId: string, periodStart: Date, periodEnd: Date): Promise<AmbassadorPayout | null> {
    return await db.transaction(async (tx) => {
      const pending = await tx
        .select()
        .from(ambassadorCommissions)
        .where(
          and(
            eq(ambassadorCommissions.ambassadorId, ambassadorId),
            eq(ambassadorCommissions.status, 'pending'),
            sql`${ambassadorCommissions.payoutId} IS NULL`,
            gte(ambassadorCommissions.periodStart, periodStart),
            lte(ambassadorCommissions.periodEnd, periodEnd),
          ),
        )
        .for('update');

      if (pending.length === 0) {
        return null;
      }

      const total = pending.reduce((sum, c) => sum + c.commissionAmount, 0);
      const [payout] = await tx
        .insert(ambassadorPayouts)
        .values({
          ambassadorId,
          periodStart,
          periodEnd,
          totalCommissions: total,
          commissionCount: pending.length,
          status: 'pending',
        })
        .returning();

      await tx
        .update(ambassadorCommissions)
        .set({ payoutId: payout.id, updatedAt: new Date() })
        .where(
          and(
            eq(ambassadorCommissions.ambassadorId, ambassadorId),
            eq(ambassadorCommissions.status, 'pending'),
            sql`${ambassadorCommissions.payoutId} IS NULL`,
            gte(ambassadorCommissions.periodStart, periodStart),
            lte(ambassadorCommissions.periodEnd, periodEnd),
          ),
        );

      return payout;
    });
  }

  static async updatePayoutStatus(
    payoutId: string,
    status: PayoutStatus,
    paymentReference?: string,
  ): Promise<AmbassadorPayout | null> {
    await db
      .update(ambassadorPayouts)
      .set({
        status,
        paymentReference: paymentReference ?? null,
        paidAt: status === 'paid' ? new Date() : null,
        updatedAt: new Date(),
      })
      .where(eq(ambassadorPayouts.id, payoutId));

    const [payout] = await db.select().from(ambassadorPayouts).where(eq(ambassadorPayouts.id, payoutId)).limit(1);
    if (!payout) {
      return null;
    }

    if (status === 'paid') {
      await db
        .update(ambassadorCommissions)
        .set({ status: 'paid', updatedAt: new Date() })
        .where(eq(ambassadorCommissions.payoutId, payoutId));

      await db
        .update(ambassadors)
        .set({
          pendingEarnings: sql`${ambassadors.pendingEarnings} - ${payout.totalCommissions}`,
          paidEarnings: sql`${ambassadors.paidEarnings} + ${payout.totalCommissions}`,
          updatedAt: new Date(),
        })
        .where(eq(ambassadors.id, payout.ambassadorId));
    }

    return payout;
  }

  static async getPayouts(ambassadorId: string): Promise<AmbassadorPayout[]> {
    return await db
      .select()
      .from(ambassadorPayouts)
      .where(eq(ambassadorPayouts.ambassadorId, ambassadorId))
      .orderBy(desc(ambassadorPayouts.periodStart), asc(ambassadorPayouts.id));
  }
}
