/**
 * Reads written the way tRPC routers and services write them: each read is followed by the guard that
 * checks it (throwing a coded error, or returning early), with logging and bookkeeping in between.
 */
import { and, count, eq } from 'drizzle-orm';

import { db } from '../db';
import { projects, renderChains, renders, userCredits, users } from '../db/schema';
import { AppError } from '../lib/errors';
import { logger } from '../lib/log';

export class AccessDAL {
  /** A project seen by an active user: NOT_FOUND when the project is missing, FORBIDDEN when the user is. */
  static async getProjectForUser(projectId: string, userId: string) {
    const project = await db.query.projects.findFirst({
      where: eq(projects.id, projectId),
    });

    if (!project) {
      throw new AppError({ code: 'NOT_FOUND', message: `Project ${projectId} not found` });
    }

    const member = await db.query.users.findFirst({
      where: and(eq(users.id, userId), eq(users.isActive, true)),
    });

    if (!member) {
      throw new AppError({ code: 'FORBIDDEN', message: 'Not an active user' });
    }

    return { project, role: member.id === project.userId ? 'owner' : 'viewer' };
  }

  /** Credits of an active user; null for a missing or inactive user, a zero balance when no row exists. */
  static async getCreditsOfActiveUser(userId: string) {
    const [user] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
    if (!user || !user.isActive) return null;
    logger.debug('credits requested', { userId });
    const [credits] = await db.select().from(userCredits).where(eq(userCredits.userId, userId)).limit(1);
    if (!credits) return { userId, balance: 0 };
    return { userId, balance: credits.balance };
  }

  /** A chain and the project it is shown in, built as one object literal. */
  static async getChainInProject(chainId: string, projectId: string) {
    const visited: string[] = [];
    const chain = await db.query.renderChains.findFirst({ where: eq(renderChains.id, chainId) });
    visited.push(chainId);
    if (!chain) {
      logger.warn('chain not found', { chainId });
      throw new AppError({ code: 'NOT_FOUND', message: 'Chain not found' });
    }
    return {
      chain,
      project: await db.query.projects.findFirst({ where: eq(projects.id, projectId) }),
      visited: visited.length,
    };
  }

  /** Header of a project page: its render count, its owner's display name, and its name and slug. */
  static async getProjectHeader(projectId: string, ownerId: string) {
    const [{ total }] = await db.select({ total: count() }).from(renders).where(eq(renders.projectId, projectId));
    const owner = await db.query.users.findFirst({
      columns: { name: true, email: true },
      where: eq(users.id, ownerId),
    });
    if (!owner) throw new AppError({ code: 'NOT_FOUND', message: 'Owner not found' });
    const { name, slug } = (await db.query.projects.findFirst({ where: eq(projects.id, projectId) })) ?? {
      name: null,
      slug: null,
    };
    if (!name) return { total, owner: owner.name ?? owner.email, name: null, slug: null };
    return { total, owner: owner.name ?? owner.email, name, slug };
  }
}
