/**
 * Deterministic seed data. Every case starts from exactly these rows.
 *
 * uuid ids are readable: <entity code>-0000-4000-8000-<index>, e.g. users are
 * 00000001-0000-4000-8000-00000000000N. Rows created by the app during a case
 * get ffffffff-0000-4000-8000-<sequence> ids from the harness' DB default.
 */
import type { PgTable } from 'drizzle-orm/pg-core';

import * as s from '../src/db/schema';

const uid = (entity: number, n: number) =>
  `${entity.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const at = (iso: string) => new Date(iso);

/** An id no row uses. */
export const MISSING_ID = '0000dead-0000-4000-8000-000000000000';

/**
 * Length of the `#longList` edge inputs of batched methods: many times the
 * chunk a batched rewrite splits its key list into (`batch-size = 2` in the
 * app's dalfix.toml), with duplicates and misses across chunk boundaries.
 * The original loop sends one statement per key, so this is what the
 * before-run costs; raise it with the batch size.
 */
export const LONG_LIST_LENGTH = 51;

/**
 * `length` keys cycling through `ids`, every fifth one an id no row uses
 * (each distinct), so a long list has duplicates, hits and misses.
 */
export function longKeyList(ids: readonly string[], length = LONG_LIST_LENGTH): string[] {
  return Array.from({ length }, (_, i) =>
    i % 5 === 4 ? `0000dead-0000-4000-8000-${i.toString(16).padStart(12, '0')}` : ids[i % ids.length]!,
  );
}

export const U = {
  alice: uid(1, 1),
  bob: uid(1, 2),
  carol: uid(1, 3),
  dave: uid(1, 4),
  erin: uid(1, 5),
  frank: uid(1, 6),
  grace: uid(1, 7),
  /** An id with hex letters (…faced), so an upper-case spelling of it is another string. */
  heidi: uid(1, 0xfaced),
} as const;

export const PLAN = { pro: uid(2, 1), studio: uid(2, 2), legacy: uid(2, 3) } as const;
export const SUB = { alice: uid(3, 1), aliceOld: uid(3, 2), dave: uid(3, 3), bobTrial: uid(3, 4) } as const;
export const PR = {
  aliceBrand: uid(4, 1),
  aliceBrand1: uid(4, 2),
  aliceSketch: uid(4, 3),
  bobBrand: uid(4, 4),
  daveEmpty: uid(4, 5),
} as const;
export const CHAIN = { hero: uid(5, 1), empty: uid(5, 2), sketch: uid(5, 3), bob: uid(5, 4) } as const;
export const R = {
  r1: uid(6, 1),
  r2: uid(6, 2),
  r3: uid(6, 3),
  r4: uid(6, 4),
  r5: uid(6, 5),
  r6: uid(6, 6),
  r7: uid(6, 7),
  r8: uid(6, 8),
  r9: uid(6, 9),
  r10: uid(6, 10),
} as const;
export const FILE = { moodboard: uid(7, 1), storyboard: uid(7, 2), archived: uid(7, 3), bob: uid(7, 4) } as const;
export const GRAPH = { moodboard: uid(8, 1), heroChain: uid(8, 2), bob: uid(8, 3) } as const;
export const TOOL = { upscale: uid(9, 1), img2video: uid(9, 2), relight: uid(9, 3), legacy: uid(9, 4) } as const;
export const EXEC = { e1: uid(10, 1), e2: uid(10, 2), e3: uid(10, 3), e4: uid(10, 4), e5: uid(10, 5) } as const;
export const TMPL = { aliceSharp: uid(11, 1), aliceSoft: uid(11, 2), aliceVideo: uid(11, 3), bobDefault: uid(11, 4) } as const;
export const AMB = { carol: uid(12, 1), alice: uid(12, 2) } as const;
export const LINK = { youtube: uid(13, 1), blog: uid(13, 2), retired: uid(13, 3) } as const;
export const REF = { dave: uid(14, 1), bob: uid(14, 2) } as const;
export const PAYOUT = { oct: uid(15, 1), nov: uid(15, 2) } as const;
export const COMM = { c1: uid(16, 1), c2: uid(16, 2), c3: uid(16, 3) } as const;
export const CP = { alice: uid(17, 1), alice2: uid(17, 2), bob: uid(17, 3) } as const;
export const SC = { s1: uid(18, 1), s2: uid(18, 2), s3: uid(18, 3), s4: uid(18, 4) } as const;
export const CH = { mara: uid(19, 1), jonas: uid(19, 2), boss: uid(19, 3) } as const;
export const SH = { sh1: uid(20, 1), sh2: uid(20, 2), sh3: uid(20, 3) } as const;

const stamp = (created: string, updated = created) => ({ createdAt: at(created), updatedAt: at(updated) });

/** Tables in insert (foreign key) order with their rows. */
export function seedRows(): [PgTable, Record<string, unknown>[]][] {
  const users: (typeof s.users.$inferInsert)[] = [
    { id: U.alice, email: 'alice@example.com', name: 'Alice Martin', bio: 'Art director', ...stamp('2026-01-10T09:00:00Z', '2026-11-01T09:00:00Z'), lastLoginAt: at('2026-11-21T18:30:00Z') },
    { id: U.bob, email: 'bob@example.com', name: 'Bob Chen', ...stamp('2026-02-01T10:00:00Z') },
    { id: U.carol, email: 'carol@example.com', name: 'Carol Diaz', bio: 'Creator, YouTube', ...stamp('2026-03-01T11:00:00Z') },
    { id: U.dave, email: 'dave@example.com', name: 'Dave Evans', ...stamp('2026-09-15T12:00:00Z') },
    { id: U.erin, email: 'erin@example.com', name: 'Erin Fox', ...stamp('2026-11-20T13:00:00Z') },
    { id: U.frank, email: 'frank@example.com', name: 'Frank Green', isActive: false, ...stamp('2026-04-01T14:00:00Z') },
    { id: U.grace, email: 'grace@example.com', name: 'Grace Hopper', isAdmin: true, ...stamp('2025-12-01T08:00:00Z') },
    { id: U.heidi, email: 'heidi@example.com', name: 'Heidi Lamarr', ...stamp('2026-11-21T15:00:00Z') },
  ];

  const plans: (typeof s.subscriptionPlans.$inferInsert)[] = [
    { id: PLAN.pro, name: 'Pro', priceCents: 1900, creditsPerMonth: 500, ...stamp('2025-11-01T00:00:00Z') },
    { id: PLAN.studio, name: 'Studio', priceCents: 4900, creditsPerMonth: 2000, ...stamp('2025-11-01T00:00:00Z') },
    { id: PLAN.legacy, name: 'Legacy', priceCents: 900, creditsPerMonth: 200, isActive: false, ...stamp('2024-01-01T00:00:00Z') },
  ];

  const subscriptions: (typeof s.userSubscriptions.$inferInsert)[] = [
    { id: SUB.aliceOld, userId: U.alice, planId: PLAN.pro, status: 'canceled', currentPeriodStart: at('2026-04-01T00:00:00Z'), currentPeriodEnd: at('2026-05-01T00:00:00Z'), ...stamp('2026-04-01T00:00:00Z') },
    { id: SUB.alice, userId: U.alice, planId: PLAN.pro, status: 'active', currentPeriodStart: at('2026-11-01T00:00:00Z'), currentPeriodEnd: at('2026-12-01T00:00:00Z'), stripeSubscriptionId: 'sub_alice', ...stamp('2026-05-01T00:00:00Z', '2026-11-01T00:00:00Z') },
    { id: SUB.dave, userId: U.dave, planId: PLAN.pro, status: 'active', currentPeriodStart: at('2026-11-05T00:00:00Z'), currentPeriodEnd: at('2026-12-05T00:00:00Z'), stripeSubscriptionId: 'sub_dave', ...stamp('2026-10-05T00:00:00Z') },
    { id: SUB.bobTrial, userId: U.bob, planId: PLAN.studio, status: 'trialing', currentPeriodStart: at('2026-11-15T00:00:00Z'), currentPeriodEnd: at('2026-11-29T00:00:00Z'), ...stamp('2026-11-15T00:00:00Z') },
  ];

  const credits: (typeof s.userCredits.$inferInsert)[] = [
    { id: uid(21, 1), userId: U.alice, balance: 420, totalEarned: 1200, totalSpent: 780, lastResetAt: at('2026-11-01T00:00:00Z'), ...stamp('2026-01-10T09:00:00Z', '2026-11-15T00:00:00Z') },
    { id: uid(21, 2), userId: U.bob, balance: 35, totalEarned: 45, totalSpent: 10, ...stamp('2026-02-01T10:00:00Z') },
    { id: uid(21, 3), userId: U.carol, balance: 100, totalEarned: 100, ...stamp('2026-03-01T11:00:00Z') },
    { id: uid(21, 4), userId: U.dave, balance: 500, totalEarned: 500, ...stamp('2026-09-15T12:00:00Z') },
    { id: uid(21, 5), userId: U.erin, balance: 10, totalEarned: 10, ...stamp('2026-11-20T13:00:00Z') },
    { id: uid(21, 6), userId: U.grace, balance: 0, ...stamp('2025-12-01T08:00:00Z') },
  ];

  const tx = (n: number, userId: string, amount: number, type: s.CreditTransaction['type'], iso: string, description: string) => ({
    id: uid(22, n),
    userId,
    amount,
    type,
    description,
    createdAt: at(iso),
  });
  const transactions: (typeof s.creditTransactions.$inferInsert)[] = [
    tx(1, U.alice, 500, 'earned', '2026-10-01T00:00:00Z', 'Monthly allowance'),
    tx(2, U.alice, -30, 'spent', '2026-10-20T10:00:00Z', 'Render'),
    tx(3, U.alice, 500, 'earned', '2026-11-01T00:00:00Z', 'Monthly allowance'),
    tx(4, U.alice, -20, 'spent', '2026-11-03T10:00:00Z', 'Render'),
    tx(5, U.alice, 50, 'bonus', '2026-11-10T10:00:00Z', 'Referral bonus'),
    tx(6, U.alice, -45, 'spent', '2026-11-12T10:00:00Z', 'Video render'),
    tx(7, U.alice, 20, 'refund', '2026-11-15T10:00:00Z', 'Failed render refund'),
    tx(8, U.alice, -10, 'spent', '2026-12-01T00:00:00Z', 'Render (period boundary)'),
    tx(9, U.bob, 25, 'bonus', '2026-11-16T10:00:00Z', 'Trial bonus'),
    tx(10, U.bob, -5, 'spent', '2026-11-17T10:00:00Z', 'Render'),
    tx(11, U.dave, 500, 'earned', '2026-11-05T00:00:00Z', 'Monthly allowance'),
  ];

  const projects: (typeof s.projects.$inferInsert)[] = [
    { id: PR.aliceBrand, userId: U.alice, name: 'Brand Launch', slug: 'brand-launch', description: 'Q4 campaign', ...stamp('2026-06-01T09:00:00Z', '2026-11-18T09:00:00Z') },
    { id: PR.aliceBrand1, userId: U.alice, name: 'Brand Launch', slug: 'brand-launch-1', ...stamp('2026-06-02T09:00:00Z', '2026-11-10T09:00:00Z') },
    { id: PR.aliceSketch, userId: U.alice, name: 'Sketchbook', slug: 'sketchbook', isPublic: true, ...stamp('2026-07-01T09:00:00Z', '2026-11-20T09:00:00Z') },
    { id: PR.bobBrand, userId: U.bob, name: 'Brand Launch', slug: 'brand-launch', ...stamp('2026-10-01T09:00:00Z', '2026-11-01T09:00:00Z') },
    { id: PR.daveEmpty, userId: U.dave, name: 'Empty Project', slug: 'empty-project', ...stamp('2026-10-10T09:00:00Z') },
  ];

  const chains: (typeof s.renderChains.$inferInsert)[] = [
    { id: CHAIN.hero, projectId: PR.aliceBrand, name: 'Hero shots', description: 'Main key visual iterations', ...stamp('2026-06-05T09:00:00Z') },
    { id: CHAIN.empty, projectId: PR.aliceBrand, name: 'Empty chain', ...stamp('2026-06-06T09:00:00Z') },
    { id: CHAIN.sketch, projectId: PR.aliceSketch, name: 'Sketch iterations', ...stamp('2026-07-01T10:00:00Z') },
    { id: CHAIN.bob, projectId: PR.bobBrand, name: 'Bob chain', ...stamp('2026-10-02T09:00:00Z') },
  ];

  const render = (
    n: number,
    projectId: string,
    userId: string,
    status: s.RenderStatus,
    iso: string,
    extra: Partial<typeof s.renders.$inferInsert> = {},
  ): typeof s.renders.$inferInsert => ({
    id: uid(6, n),
    projectId,
    userId,
    prompt: `Prompt #${n}`,
    status,
    outputUrl: status === 'completed' ? `https://cdn.example.com/renders/${n}.png` : null,
    ...stamp(iso),
    ...extra,
  });
  const renders: (typeof s.renders.$inferInsert)[] = [
    render(1, PR.aliceBrand, U.alice, 'completed', '2026-06-10T09:00:00Z', { isPublic: true, settings: { imageType: 'photo', style: 'cinematic' }, chainId: CHAIN.hero, chainPosition: 1, creditsCost: 2 }),
    render(2, PR.aliceBrand, U.alice, 'completed', '2026-06-11T09:00:00Z', { parentRenderId: R.r1, chainId: CHAIN.hero, chainPosition: 2, settings: { imageType: 'photo', quality: 'high' } }),
    render(3, PR.aliceBrand, U.alice, 'completed', '2026-06-12T09:00:00Z', { parentRenderId: R.r2, referenceRenderId: R.r1, chainId: CHAIN.hero, chainPosition: 5, settings: { imageType: 'photo', seed: 42 } }),
    render(4, PR.aliceBrand, U.alice, 'failed', '2026-11-19T09:00:00Z', { errorMessage: 'Provider timeout' }),
    render(5, PR.aliceBrand, U.alice, 'pending', '2026-11-21T09:00:00Z'),
    render(6, PR.aliceSketch, U.alice, 'completed', '2026-11-18T09:00:00Z', { isPublic: true, settings: { imageType: 'illustration' }, chainId: CHAIN.sketch, chainPosition: 1 }),
    render(7, PR.aliceSketch, U.alice, 'processing', '2026-11-21T08:00:00Z', { referenceRenderId: R.r6 }),
    render(8, PR.aliceSketch, U.alice, 'completed', '2026-11-16T09:00:00Z', { processingTimeMs: 5400 }),
    render(9, PR.bobBrand, U.bob, 'completed', '2026-11-02T09:00:00Z', { isPublic: true, settings: { imageType: 'photo' }, chainId: CHAIN.bob, chainPosition: 1 }),
    render(10, PR.bobBrand, U.bob, 'pending', '2026-11-20T09:00:00Z'),
  ];

  const canvasFiles: (typeof s.canvasFiles.$inferInsert)[] = [
    { id: FILE.moodboard, projectId: PR.aliceBrand, userId: U.alice, name: 'Moodboard', slug: 'moodboard', version: 3, metadata: { color: '#ffcc00' }, ...stamp('2026-06-03T09:00:00Z', '2026-11-15T09:00:00Z') },
    { id: FILE.storyboard, projectId: PR.aliceBrand, userId: U.alice, name: 'Storyboard', slug: 'storyboard', ...stamp('2026-06-04T09:00:00Z', '2026-11-17T09:00:00Z') },
    { id: FILE.archived, projectId: PR.aliceBrand, userId: U.alice, name: 'Old draft', slug: 'old-draft', isActive: false, ...stamp('2026-06-01T09:00:00Z', '2026-08-01T09:00:00Z') },
    { id: FILE.bob, projectId: PR.bobBrand, userId: U.bob, name: 'Bob board', slug: 'bob-board', ...stamp('2026-10-03T09:00:00Z') },
  ];

  const canvasGraphs: (typeof s.canvasGraphs.$inferInsert)[] = [
    {
      id: GRAPH.moodboard,
      fileId: FILE.moodboard,
      projectId: PR.aliceBrand,
      userId: U.alice,
      nodes: [
        { id: 'n1', type: 'image', x: 0, y: 0, data: { renderId: R.r1 } },
        { id: 'n2', type: 'note', x: 240, y: 0, data: { text: 'warmer' } },
      ],
      connections: [{ id: 'c1', source: 'n1', target: 'n2' }],
      viewport: { x: 0, y: 0, zoom: 1 },
      version: 3,
      ...stamp('2026-06-03T09:00:00Z', '2026-11-15T09:00:00Z'),
    },
    {
      id: GRAPH.heroChain,
      chainId: CHAIN.hero,
      projectId: PR.aliceBrand,
      userId: U.alice,
      nodes: [
        { id: 'r1', type: 'render', x: 0, y: 0 },
        { id: 'r2', type: 'render', x: 200, y: 0 },
        { id: 'r3', type: 'render', x: 400, y: 0 },
      ],
      connections: [
        { id: 'c1', source: 'r1', target: 'r2' },
        { id: 'c2', source: 'r2', target: 'r3' },
      ],
      ...stamp('2026-06-12T09:00:00Z'),
    },
    { id: GRAPH.bob, fileId: FILE.bob, projectId: PR.bobBrand, userId: U.bob, nodes: [], connections: [], ...stamp('2026-10-03T09:00:00Z') },
  ];

  const tools: (typeof s.tools.$inferInsert)[] = [
    { id: TOOL.upscale, slug: 'upscale', name: 'Upscaler', category: 'enhance', outputType: 'image', creditsCost: 2, sortOrder: 1, settingsSchema: { scale: { type: 'number', enum: [2, 4, 8] } }, defaultSettings: { scale: 2 }, ...stamp('2026-01-01T00:00:00Z') },
    { id: TOOL.img2video, slug: 'img2video', name: 'Image to Video', category: 'animate', outputType: 'video', status: 'beta', creditsCost: 10, sortOrder: 2, ...stamp('2026-01-02T00:00:00Z') },
    { id: TOOL.relight, slug: 'relight', name: 'Relight', category: 'enhance', outputType: 'image', status: 'offline', creditsCost: 3, sortOrder: 3, ...stamp('2026-01-03T00:00:00Z') },
    { id: TOOL.legacy, slug: 'legacy-style', name: 'Legacy Style', category: 'enhance', outputType: 'image', isActive: false, sortOrder: 0, ...stamp('2025-06-01T00:00:00Z') },
  ];

  const executions: (typeof s.toolExecutions.$inferInsert)[] = [
    { id: EXEC.e1, toolId: TOOL.upscale, userId: U.alice, projectId: PR.aliceBrand, status: 'completed', inputSettings: { scale: 4 }, outputRenderId: R.r1, creditsCost: 2, completedAt: at('2026-11-10T09:05:00Z'), ...stamp('2026-11-10T09:00:00Z', '2026-11-10T09:05:00Z') },
    { id: EXEC.e2, toolId: TOOL.upscale, userId: U.alice, projectId: PR.aliceSketch, status: 'pending', inputSettings: { scale: 2 }, creditsCost: 2, ...stamp('2026-11-21T09:00:00Z') },
    { id: EXEC.e3, toolId: TOOL.img2video, userId: U.alice, status: 'pending', batchGroupId: 'batch-1', creditsCost: 10, ...stamp('2026-11-21T10:00:00Z') },
    { id: EXEC.e4, toolId: TOOL.img2video, userId: U.alice, status: 'processing', batchGroupId: 'batch-1', creditsCost: 10, ...stamp('2026-11-21T10:00:00Z') },
    { id: EXEC.e5, toolId: TOOL.upscale, userId: U.bob, status: 'pending', creditsCost: 2, ...stamp('2026-11-21T11:00:00Z') },
  ];

  const templates: (typeof s.toolSettingsTemplates.$inferInsert)[] = [
    { id: TMPL.aliceSharp, toolId: TOOL.upscale, userId: U.alice, name: 'Sharp 4x', settings: { scale: 4, sharpen: true }, isDefault: true, usageCount: 12, ...stamp('2026-08-01T00:00:00Z') },
    { id: TMPL.aliceSoft, toolId: TOOL.upscale, userId: U.alice, name: 'Soft 2x', settings: { scale: 2 }, usageCount: 3, ...stamp('2026-08-02T00:00:00Z') },
    { id: TMPL.aliceVideo, toolId: TOOL.img2video, userId: U.alice, name: 'Slow pan', settings: { motion: 'pan' }, isDefault: true, ...stamp('2026-08-03T00:00:00Z') },
    { id: TMPL.bobDefault, toolId: TOOL.upscale, userId: U.bob, name: 'Bob default', settings: { scale: 2 }, isDefault: true, ...stamp('2026-10-01T00:00:00Z') },
  ];

  const ambassadors: (typeof s.ambassadors.$inferInsert)[] = [
    { id: AMB.carol, userId: U.carol, code: 'CAROL20', status: 'active', commissionPercentage: '20.00', totalReferrals: 2, activeReferrals: 1, totalEarnings: 860, pendingEarnings: 480, paidEarnings: 380, approvedAt: at('2026-03-05T00:00:00Z'), ...stamp('2026-03-02T00:00:00Z', '2026-11-20T00:00:00Z') },
    { id: AMB.alice, userId: U.alice, code: 'ALICE', status: 'pending', commissionPercentage: '15.00', ...stamp('2026-11-19T00:00:00Z') },
  ];

  const links: (typeof s.ambassadorLinks.$inferInsert)[] = [
    { id: LINK.youtube, ambassadorId: AMB.carol, code: 'carol-yt', campaign: 'youtube', clickCount: 120, signupCount: 1, conversionCount: 1, ...stamp('2026-03-06T00:00:00Z') },
    { id: LINK.blog, ambassadorId: AMB.carol, code: 'carol-blog', campaign: 'blog', clickCount: 40, signupCount: 1, ...stamp('2026-03-07T00:00:00Z') },
    { id: LINK.retired, ambassadorId: AMB.carol, code: 'carol-old', campaign: null, clickCount: 3, isActive: false, ...stamp('2026-03-05T00:00:00Z') },
  ];

  const payouts: (typeof s.ambassadorPayouts.$inferInsert)[] = [
    { id: PAYOUT.oct, ambassadorId: AMB.carol, periodStart: at('2026-10-01T00:00:00Z'), periodEnd: at('2026-10-31T23:59:59Z'), totalCommissions: 380, commissionCount: 1, status: 'paid', paymentReference: 'tr_oct', paidAt: at('2026-11-02T00:00:00Z'), ...stamp('2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z') },
    { id: PAYOUT.nov, ambassadorId: AMB.carol, periodStart: at('2026-11-01T00:00:00Z'), periodEnd: at('2026-11-30T23:59:59Z'), totalCommissions: 380, commissionCount: 1, status: 'pending', ...stamp('2026-11-20T00:00:00Z') },
  ];

  const referrals: (typeof s.ambassadorReferrals.$inferInsert)[] = [
    { id: REF.dave, ambassadorId: AMB.carol, referredUserId: U.dave, linkId: LINK.youtube, status: 'active', subscriptionId: SUB.dave, firstSubscriptionAt: at('2026-10-05T00:00:00Z'), totalCommissionEarned: 860, ...stamp('2026-09-15T12:00:00Z', '2026-11-20T00:00:00Z') },
    { id: REF.bob, ambassadorId: AMB.carol, referredUserId: U.bob, linkId: LINK.blog, status: 'pending', ...stamp('2026-02-01T10:00:00Z') },
  ];

  const commissions: (typeof s.ambassadorCommissions.$inferInsert)[] = [
    { id: COMM.c1, ambassadorId: AMB.carol, referralId: REF.dave, subscriptionId: SUB.dave, paymentAmount: 1900, commissionPercentage: '20.00', commissionAmount: 380, periodStart: at('2026-10-05T00:00:00Z'), periodEnd: at('2026-10-31T00:00:00Z'), status: 'paid', payoutId: PAYOUT.oct, ...stamp('2026-10-05T00:00:00Z', '2026-11-02T00:00:00Z') },
    { id: COMM.c2, ambassadorId: AMB.carol, referralId: REF.dave, subscriptionId: SUB.dave, paymentAmount: 1900, commissionPercentage: '20.00', commissionAmount: 380, periodStart: at('2026-11-05T00:00:00Z'), periodEnd: at('2026-11-30T00:00:00Z'), status: 'pending', payoutId: PAYOUT.nov, ...stamp('2026-11-05T00:00:00Z', '2026-11-20T00:00:00Z') },
    { id: COMM.c3, ambassadorId: AMB.carol, referralId: REF.dave, subscriptionId: SUB.dave, paymentAmount: 500, commissionPercentage: '20.00', commissionAmount: 100, periodStart: at('2026-11-10T00:00:00Z'), periodEnd: at('2026-11-20T00:00:00Z'), status: 'pending', ...stamp('2026-11-10T00:00:00Z') },
  ];

  // --- scheduler app (serial ids) ---
  const servers: (typeof s.servers.$inferInsert)[] = [
    { id: 1, userId: U.alice, name: 'web-1', address: '10.0.0.1', username: 'deploy', online: true, lastChecked: at('2026-11-22T11:55:00Z'), ...stamp('2026-08-01T00:00:00Z') },
    { id: 2, userId: U.alice, name: 'db-1', address: '10.0.0.2', port: 2222, username: 'backup', ...stamp('2026-08-01T00:10:00Z') },
    { id: 3, userId: U.bob, name: 'bob-box', address: '192.0.2.10', username: 'bob', online: true, ...stamp('2026-09-01T00:00:00Z') },
  ];

  const events: (typeof s.events.$inferInsert)[] = [
    { id: 1, userId: U.alice, name: 'Backup DB', type: 'BASH', content: 'pg_dump app > /backups/app.sql', status: 'ACTIVE', scheduleNumber: 1, scheduleUnit: 'DAYS', runLocation: 'REMOTE', serverId: 2, successCount: 2, failureCount: 1, tags: ['ops', 'backup'], lastRunAt: at('2026-11-22T02:00:00Z'), nextRunAt: at('2026-11-23T02:00:00Z'), ...stamp('2026-08-01T01:00:00Z') },
    { id: 2, userId: U.alice, name: 'Health check', type: 'HTTP_REQUEST', content: 'GET https://example.com/health', status: 'ACTIVE', scheduleNumber: 5, runLocation: 'LOCAL', successCount: 2, failureCount: 1, ...stamp('2026-08-02T01:00:00Z') },
    { id: 3, userId: U.alice, name: 'Cleanup tmp', type: 'BASH', content: 'rm -rf /tmp/app-*', status: 'PAUSED', scheduleUnit: 'HOURS', runLocation: 'REMOTE', ...stamp('2026-08-03T01:00:00Z') },
    { id: 4, userId: U.alice, name: 'Notify', type: 'NODEJS', content: 'console.log("done")', ...stamp('2026-08-04T01:00:00Z') },
    { id: 5, userId: U.bob, name: 'Bob job', type: 'PYTHON', content: 'print(1)', status: 'ACTIVE', runLocation: 'REMOTE', successCount: 1, ...stamp('2026-09-01T01:00:00Z') },
  ];

  const envVars: (typeof s.envVars.$inferInsert)[] = [
    { id: 1, eventId: 1, key: 'PGHOST', value: 'db-1', createdAt: at('2026-08-01T01:00:00Z') },
    { id: 2, eventId: 1, key: 'PGUSER', value: 'backup', createdAt: at('2026-08-01T01:00:00Z') },
    { id: 3, eventId: 2, key: 'URL', value: 'https://example.com/health', createdAt: at('2026-08-02T01:00:00Z') },
  ];

  const eventServers: (typeof s.eventServers.$inferInsert)[] = [
    { id: 1, eventId: 1, serverId: 1, createdAt: at('2026-08-01T01:00:00Z') },
    { id: 2, eventId: 1, serverId: 2, createdAt: at('2026-08-01T01:00:00Z') },
    { id: 3, eventId: 3, serverId: 1, createdAt: at('2026-08-03T01:00:00Z') },
    { id: 4, eventId: 5, serverId: 3, createdAt: at('2026-09-01T01:00:00Z') },
  ];

  const conditionalActions: (typeof s.conditionalActions.$inferInsert)[] = [
    { id: 1, type: 'SCRIPT', successEventId: 1, targetEventId: 4, createdAt: at('2026-08-01T01:00:00Z') },
    { id: 2, type: 'SEND_MESSAGE', failEventId: 1, message: 'Backup failed', createdAt: at('2026-08-01T01:00:00Z') },
    { id: 3, type: 'SEND_MESSAGE', alwaysEventId: 2, message: 'Health checked', createdAt: at('2026-08-02T01:00:00Z') },
    { id: 4, type: 'TOGGLE_EVENT', failEventId: 2, targetEventId: 3, createdAt: at('2026-08-02T01:00:00Z') },
  ];

  const workflows: (typeof s.workflows.$inferInsert)[] = [
    { id: 1, userId: U.alice, name: 'Nightly', triggerType: 'SCHEDULE', status: 'ACTIVE', ...stamp('2026-08-10T00:00:00Z', '2026-11-01T00:00:00Z') },
    { id: 2, userId: U.alice, name: 'Deploy hook', triggerType: 'WEBHOOK', status: 'ACTIVE', webhookKey: 'wh_deploy_123', ...stamp('2026-08-11T00:00:00Z', '2026-11-05T00:00:00Z') },
    { id: 3, userId: U.alice, name: 'Draft flow', status: 'DRAFT', webhookKey: 'wh_draft_456', ...stamp('2026-08-12T00:00:00Z', '2026-10-01T00:00:00Z') },
    { id: 4, userId: U.bob, name: 'Bob flow', status: 'ACTIVE', ...stamp('2026-09-02T00:00:00Z') },
  ];

  const workflowNodes: (typeof s.workflowNodes.$inferInsert)[] = [
    { id: 1, workflowId: 1, eventId: 1, positionX: 0, positionY: 0, createdAt: at('2026-08-10T00:00:00Z') },
    { id: 2, workflowId: 1, eventId: 2, positionX: 200, positionY: 0, createdAt: at('2026-08-10T00:00:00Z') },
    { id: 3, workflowId: 1, eventId: 4, positionX: 400, positionY: 0, createdAt: at('2026-08-10T00:00:00Z') },
    { id: 4, workflowId: 2, eventId: 2, createdAt: at('2026-08-11T00:00:00Z') },
    { id: 5, workflowId: 4, eventId: 5, createdAt: at('2026-09-02T00:00:00Z') },
  ];

  const workflowConnections: (typeof s.workflowConnections.$inferInsert)[] = [
    { id: 1, workflowId: 1, sourceNodeId: 1, targetNodeId: 2, connectionType: 'ON_SUCCESS', createdAt: at('2026-08-10T00:00:00Z') },
    { id: 2, workflowId: 1, sourceNodeId: 2, targetNodeId: 3, connectionType: 'ALWAYS', createdAt: at('2026-08-10T00:00:00Z') },
  ];

  const workflowEvents: (typeof s.workflowEvents.$inferInsert)[] = [
    { id: 1, workflowId: 1, eventId: 1, executionOrder: 1, createdAt: at('2026-08-10T00:00:00Z') },
    { id: 2, workflowId: 1, eventId: 2, executionOrder: 2, createdAt: at('2026-08-10T00:00:00Z') },
    { id: 3, workflowId: 2, eventId: 2, executionOrder: 1, createdAt: at('2026-08-11T00:00:00Z') },
  ];

  const log = (id: number, eventId: number, workflowId: number | null, userId: string, status: s.Log['status'], startIso: string, durationMs: number) => ({
    id,
    eventId,
    workflowId,
    userId,
    status,
    output: status === 'SUCCESS' ? 'ok' : null,
    error: status === 'FAILURE' ? 'exit code 1' : null,
    startTime: at(startIso),
    endTime: new Date(at(startIso).getTime() + durationMs),
    duration: durationMs,
    createdAt: at(startIso),
  });
  const logs: (typeof s.logs.$inferInsert)[] = [
    log(1, 1, 1, U.alice, 'SUCCESS', '2026-11-20T02:00:00Z', 60000),
    log(2, 2, 1, U.alice, 'FAILURE', '2026-11-20T02:01:00Z', 1200),
    log(3, 1, null, U.alice, 'FAILURE', '2026-11-21T02:00:00Z', 30000),
    log(4, 2, null, U.alice, 'SUCCESS', '2026-11-21T03:00:00Z', 800),
    log(5, 2, 2, U.alice, 'SUCCESS', '2026-11-21T04:00:00Z', 900),
    log(6, 5, 4, U.bob, 'SUCCESS', '2026-11-21T05:00:00Z', 100),
    log(7, 1, 1, U.alice, 'SUCCESS', '2026-11-22T02:00:00Z', 61000),
  ];

  // --- The Copy ---
  const copyProjects: (typeof s.copyProjects.$inferInsert)[] = [
    { id: CP.alice, userId: U.alice, title: 'Night Train', scriptContent: 'INT. STATION - NIGHT', ...stamp('2026-09-01T00:00:00Z', '2026-11-20T00:00:00Z') },
    { id: CP.alice2, userId: U.alice, title: 'Short Film', ...stamp('2026-09-02T00:00:00Z', '2026-11-01T00:00:00Z') },
    { id: CP.bob, userId: U.bob, title: 'Bob Script', ...stamp('2026-10-01T00:00:00Z') },
  ];

  const scenes: (typeof s.scenes.$inferInsert)[] = [
    { id: SC.s1, projectId: CP.alice, sceneNumber: 1, title: 'Platform', location: 'Station', timeOfDay: 'NIGHT', characters: ['Mara', 'Jonas'], shotCount: 2, status: 'in-progress', ...stamp('2026-09-01T01:00:00Z') },
    { id: SC.s2, projectId: CP.alice, sceneNumber: 2, title: 'Carriage', location: 'Train', timeOfDay: 'NIGHT', characters: ['Mara'], ...stamp('2026-09-01T02:00:00Z') },
    { id: SC.s3, projectId: CP.alice, sceneNumber: 3, title: 'Arrival', location: 'Station', timeOfDay: 'DAWN', ...stamp('2026-09-01T03:00:00Z') },
    { id: SC.s4, projectId: CP.bob, sceneNumber: 1, title: 'Intro', location: 'Office', timeOfDay: 'DAY', shotCount: 1, ...stamp('2026-10-01T01:00:00Z') },
  ];

  const characters: (typeof s.characters.$inferInsert)[] = [
    { id: CH.mara, projectId: CP.alice, name: 'Mara', appearances: 3, consistencyStatus: 'good', lastSeen: 'Scene 2', ...stamp('2026-09-01T01:00:00Z') },
    { id: CH.jonas, projectId: CP.alice, name: 'Jonas', appearances: 2, consistencyStatus: 'warning', notes: 'Coat colour changes', ...stamp('2026-09-01T01:00:00Z') },
    { id: CH.boss, projectId: CP.bob, name: 'Boss', appearances: 1, ...stamp('2026-10-01T01:00:00Z') },
  ];

  const shots: (typeof s.shots.$inferInsert)[] = [
    { id: SH.sh1, sceneId: SC.s1, shotNumber: 1, shotType: 'wide', cameraAngle: 'eye-level', lighting: 'sodium vapour', ...stamp('2026-09-01T01:10:00Z') },
    { id: SH.sh2, sceneId: SC.s1, shotNumber: 2, shotType: 'close-up', cameraAngle: 'low-angle', cameraMovement: 'dolly-in', ...stamp('2026-09-01T01:20:00Z') },
    { id: SH.sh3, sceneId: SC.s4, shotNumber: 1, shotType: 'medium', cameraAngle: 'eye-level', ...stamp('2026-10-01T01:10:00Z') },
  ];

  return [
    [s.users, users],
    [s.subscriptionPlans, plans],
    [s.userSubscriptions, subscriptions],
    [s.userCredits, credits],
    [s.creditTransactions, transactions],
    [s.projects, projects],
    [s.renderChains, chains],
    [s.renders, renders],
    [s.canvasFiles, canvasFiles],
    [s.canvasGraphs, canvasGraphs],
    [s.tools, tools],
    [s.toolExecutions, executions],
    [s.toolSettingsTemplates, templates],
    [s.ambassadors, ambassadors],
    [s.ambassadorLinks, links],
    [s.ambassadorPayouts, payouts],
    [s.ambassadorReferrals, referrals],
    [s.ambassadorCommissions, commissions],
    [s.servers, servers],
    [s.events, events],
    [s.envVars, envVars],
    [s.eventServers, eventServers],
    [s.conditionalActions, conditionalActions],
    [s.workflows, workflows],
    [s.workflowNodes, workflowNodes],
    [s.workflowConnections, workflowConnections],
    [s.workflowEvents, workflowEvents],
    [s.logs, logs],
    [s.copyProjects, copyProjects],
    [s.scenes, scenes],
    [s.characters, characters],
    [s.shots, shots],
  ];
}
