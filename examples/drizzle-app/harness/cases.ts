/**
 * One entry per DAL / service method (plus edge-case variants named
 * `Target.method#variant`). Every case runs against a freshly seeded database.
 *
 * `writes` lists the tables (SQL names) whose rows are snapshotted after the
 * call; it is set for every method that may write, including the variants
 * that are expected to fail half-way.
 *
 * NOTE: this module imports the app statically, so it must itself be imported
 * only after the harness has set DATABASE_URL (see engine.ts / run.ts).
 */
import { eq } from 'drizzle-orm';

import { AmbassadorDAL } from '../src/dal/ambassador';
import { AuthDAL } from '../src/dal/auth';
import { BillingDAL } from '../src/dal/billing';
import { CanvasDAL } from '../src/dal/canvas';
import { CanvasFilesDAL } from '../src/dal/canvas-files';
import { CharactersDAL } from '../src/dal/characters';
import { CopyProjectsDAL } from '../src/dal/copy-projects';
import * as eventsStorage from '../src/dal/events-storage';
import { LoopShapesDAL } from '../src/dal/loop-shapes';
import { ProjectsDAL } from '../src/dal/projects';
import { RenderChainsDAL } from '../src/dal/render-chains';
import { RendersDAL } from '../src/dal/renders';
import { ScenesDAL } from '../src/dal/scenes';
import { ShotsDAL } from '../src/dal/shots';
import { ToolsDAL } from '../src/dal/tools';
import { UsersDAL } from '../src/dal/users';
import { db } from '../src/db';
import { ambassadorLinks, ambassadorReferrals, ambassadors } from '../src/db/schema';
import { ProfileStatsService } from '../src/services/profile-stats';
import { RenderChainService } from '../src/services/render-chain';
import {
  AMB,
  CH,
  CHAIN,
  CP,
  EXEC,
  FILE,
  LINK,
  longKeyList,
  MISSING_ID,
  PAYOUT,
  PR,
  R,
  REF,
  SC,
  SH,
  SUB,
  TMPL,
  TOOL,
  U,
} from './fixtures';
import { loopShapeCases } from './cases-loop-shapes';
import { accessCases, accessTargets } from './access-cases';

export interface HarnessCase {
  name: string;
  run: () => Promise<unknown>;
  /** Tables to snapshot after the call (write methods only). */
  writes?: string[];
  /**
   * Runs after the re-seed and before the call, outside the statement count: puts the data in the state a
   * failure case needs (e.g. a counter at the integer maximum, so that a later `+ 1` fails with 22003).
   */
  setup?: () => Promise<unknown>;
}

const INT_MAX = 2147483647;

/** Everything the cases exercise, for the coverage check in harness.test.ts. */
export const targets = {
  AuthDAL,
  UsersDAL,
  BillingDAL,
  ProjectsDAL,
  RendersDAL,
  RenderChainsDAL,
  CanvasFilesDAL,
  CanvasDAL,
  ToolsDAL,
  AmbassadorDAL,
  eventsStorage,
  CopyProjectsDAL,
  ScenesDAL,
  CharactersDAL,
  ShotsDAL,
  ProfileStatsService,
  RenderChainService,
  LoopShapesDAL,
  ...accessTargets,
} as const;

const d = (iso: string) => new Date(iso);

const EVENT_TABLES = [
  'events',
  'env_vars',
  'event_servers',
  'conditional_actions',
  'logs',
  'servers',
  'workflows',
  'workflow_nodes',
  'workflow_connections',
  'workflow_events',
];

export const cases: HarnessCase[] = [
  // ---------------------------------------------------------------- AuthDAL
  { name: 'AuthDAL.getUserById', run: () => AuthDAL.getUserById(U.alice) },
  { name: 'AuthDAL.getUserById#missing', run: () => AuthDAL.getUserById(MISSING_ID) },
  { name: 'AuthDAL.getUserByEmail', run: () => AuthDAL.getUserByEmail('  Alice@Example.com ') },
  { name: 'AuthDAL.getUserCredits', run: () => AuthDAL.getUserCredits(U.alice) },
  { name: 'AuthDAL.getUserCredits#none', run: () => AuthDAL.getUserCredits(U.frank) },
  {
    name: 'AuthDAL.createUser',
    run: () => AuthDAL.createUser({ email: 'New.User@Example.com', name: 'New User' }),
    writes: ['users', 'user_credits', 'credit_transactions'],
  },
  {
    name: 'AuthDAL.createUser#duplicateEmail',
    run: () => AuthDAL.createUser({ email: 'alice@example.com', name: 'Alice again' }),
    writes: ['users', 'user_credits', 'credit_transactions'],
  },
  { name: 'AuthDAL.updateLastLogin', run: () => AuthDAL.updateLastLogin(U.bob), writes: ['users'] },
  { name: 'AuthDAL.getUserStatus', run: () => AuthDAL.getUserStatus(U.grace) },
  { name: 'AuthDAL.getUserStatus#missing', run: () => AuthDAL.getUserStatus(MISSING_ID) },
  { name: 'AuthDAL.isUserActive', run: () => AuthDAL.isUserActive(U.frank) },
  { name: 'AuthDAL.isUserAdmin', run: () => AuthDAL.isUserAdmin(U.grace) },

  // --------------------------------------------------------------- UsersDAL
  { name: 'UsersDAL.getById', run: () => UsersDAL.getById(U.bob) },
  { name: 'UsersDAL.getByEmail', run: () => UsersDAL.getByEmail('carol@example.com') },
  {
    name: 'UsersDAL.update',
    run: () => UsersDAL.update(U.bob, { name: 'Robert Chen', bio: 'Photographer' }),
    writes: ['users'],
  },
  { name: 'UsersDAL.update#missing', run: () => UsersDAL.update(MISSING_ID, { name: 'Nobody' }), writes: ['users'] },
  { name: 'UsersDAL.search', run: () => UsersDAL.search('a', 10) },
  {
    name: 'UsersDAL.getPublicProfiles',
    run: () => UsersDAL.getPublicProfiles([U.carol, U.alice, MISSING_ID, U.carol, U.bob]),
  },
  { name: 'UsersDAL.getPublicProfiles#empty', run: () => UsersDAL.getPublicProfiles([]) },
  { name: 'UsersDAL.getPublicProfiles#missingOnly', run: () => UsersDAL.getPublicProfiles([MISSING_ID]) },
  {
    name: 'UsersDAL.getPublicProfiles#upperCase',
    run: () => UsersDAL.getPublicProfiles([U.heidi.toUpperCase(), U.alice, U.heidi]),
  },
  {
    name: 'UsersDAL.getPublicProfiles#longList',
    run: () => UsersDAL.getPublicProfiles(longKeyList([U.alice, U.bob, U.heidi, U.dave])),
  },
  { name: 'UsersDAL.deactivate', run: () => UsersDAL.deactivate(U.dave), writes: ['users'] },

  // ------------------------------------------------------------- BillingDAL
  { name: 'BillingDAL.getPlans', run: () => BillingDAL.getPlans() },
  { name: 'BillingDAL.getUserSubscription', run: () => BillingDAL.getUserSubscription(U.alice) },
  { name: 'BillingDAL.getUserSubscription#trialing', run: () => BillingDAL.getUserSubscription(U.bob) },
  { name: 'BillingDAL.getUserSubscription#none', run: () => BillingDAL.getUserSubscription(U.erin) },
  { name: 'BillingDAL.getUserCreditsWithReset', run: () => BillingDAL.getUserCreditsWithReset(U.alice) },
  { name: 'BillingDAL.getUserCreditsWithReset#noCredits', run: () => BillingDAL.getUserCreditsWithReset(U.frank) },
  {
    name: 'BillingDAL.getUserCreditsWithReset#noSubscription',
    run: () => BillingDAL.getUserCreditsWithReset(U.carol),
  },
  {
    name: 'BillingDAL.getMonthlyCredits',
    run: () => BillingDAL.getMonthlyCredits(U.alice, d('2026-11-01T00:00:00Z'), d('2026-12-01T00:00:00Z')),
  },
  {
    name: 'BillingDAL.getMonthlyCredits#empty',
    run: () => BillingDAL.getMonthlyCredits(U.erin, d('2026-11-01T00:00:00Z'), d('2026-12-01T00:00:00Z')),
  },
  {
    name: 'BillingDAL.getUserCreditsWithResetAndMonthly',
    run: () => BillingDAL.getUserCreditsWithResetAndMonthly(U.alice),
  },
  {
    name: 'BillingDAL.getUserCreditsWithResetAndMonthly#trialing',
    run: () => BillingDAL.getUserCreditsWithResetAndMonthly(U.bob),
  },
  {
    name: 'BillingDAL.getUserCreditsWithResetAndMonthly#noCredits',
    run: () => BillingDAL.getUserCreditsWithResetAndMonthly(U.frank),
  },
  {
    name: 'BillingDAL.getUserCreditsWithResetAndMonthly#noSubscription',
    run: () => BillingDAL.getUserCreditsWithResetAndMonthly(U.carol),
  },
  { name: 'BillingDAL.getUserBillingStats', run: () => BillingDAL.getUserBillingStats(U.alice) },
  { name: 'BillingDAL.getUserBillingStats#empty', run: () => BillingDAL.getUserBillingStats(U.frank) },
  { name: 'BillingDAL.getTransactions', run: () => BillingDAL.getTransactions(U.alice, 3, 1) },
  {
    name: 'BillingDAL.addCredits',
    run: () => BillingDAL.addCredits(U.bob, 100, 'bonus', 'Promo code WINTER'),
    writes: ['user_credits', 'credit_transactions'],
  },
  {
    name: 'BillingDAL.addCredits#noBalance',
    run: () => BillingDAL.addCredits(U.frank, 100, 'bonus', 'Promo code WINTER'),
    writes: ['user_credits', 'credit_transactions'],
  },
  {
    name: 'BillingDAL.refundRenderCredits',
    run: () => BillingDAL.refundRenderCredits(U.alice, 25),
    writes: ['user_credits'],
  },
  {
    name: 'BillingDAL.refundRenderCredits#noBalance',
    run: () => BillingDAL.refundRenderCredits(U.frank, 25),
    writes: ['user_credits'],
  },
  {
    name: 'BillingDAL.deductCredits',
    run: () => BillingDAL.deductCredits(U.alice, 25, 'Render', { type: 'render', id: R.r5 }),
    writes: ['user_credits', 'credit_transactions'],
  },
  {
    name: 'BillingDAL.deductCredits#insufficient',
    run: () => BillingDAL.deductCredits(U.bob, 1000, 'Video render'),
    writes: ['user_credits', 'credit_transactions'],
  },

  // ------------------------------------------------------------- ProjectsDAL
  { name: 'ProjectsDAL.ensureUniqueSlug', run: () => ProjectsDAL.ensureUniqueSlug(U.alice, 'brand-launch') },
  { name: 'ProjectsDAL.ensureUniqueSlug#free', run: () => ProjectsDAL.ensureUniqueSlug(U.alice, 'new-thing') },
  {
    name: 'ProjectsDAL.ensureUniqueSlug#excludeSelf',
    run: () => ProjectsDAL.ensureUniqueSlug(U.alice, 'brand-launch', PR.aliceBrand),
  },
  {
    name: 'ProjectsDAL.create',
    run: () => ProjectsDAL.create({ userId: U.alice, name: 'Brand Launch', description: 'Third attempt' }),
    writes: ['projects'],
  },
  {
    name: 'ProjectsDAL.create#freeSlug',
    run: () => ProjectsDAL.create({ userId: U.erin, name: 'Brand Launch' }),
    writes: ['projects'],
  },
  { name: 'ProjectsDAL.getById', run: () => ProjectsDAL.getById(PR.aliceSketch) },
  { name: 'ProjectsDAL.getBySlug', run: () => ProjectsDAL.getBySlug(U.bob, 'brand-launch') },
  { name: 'ProjectsDAL.getByUserId', run: () => ProjectsDAL.getByUserId(U.alice) },
  { name: 'ProjectsDAL.getByUserIdWithRenderCounts', run: () => ProjectsDAL.getByUserIdWithRenderCounts(U.alice) },
  {
    name: 'ProjectsDAL.update',
    run: () => ProjectsDAL.update(PR.aliceSketch, U.alice, { name: 'Brand Launch', isPublic: false }),
    writes: ['projects'],
  },
  {
    name: 'ProjectsDAL.update#descriptionOnly',
    run: () => ProjectsDAL.update(PR.aliceBrand, U.alice, { description: 'Q1 campaign' }),
    writes: ['projects'],
  },
  {
    name: 'ProjectsDAL.update#wrongUser',
    run: () => ProjectsDAL.update(PR.aliceSketch, U.bob, { name: 'Stolen' }),
    writes: ['projects'],
  },
  { name: 'ProjectsDAL.delete', run: () => ProjectsDAL.delete(PR.daveEmpty, U.dave), writes: ['projects'] },
  {
    name: 'ProjectsDAL.getLatestRendersForProjects',
    run: () => ProjectsDAL.getLatestRendersForProjects([PR.aliceBrand, PR.aliceSketch, PR.bobBrand, PR.daveEmpty], 2),
  },
  { name: 'ProjectsDAL.getLatestRendersForProjects#empty', run: () => ProjectsDAL.getLatestRendersForProjects([]) },

  // -------------------------------------------------------------- RendersDAL
  {
    name: 'RendersDAL.create',
    run: () =>
      RendersDAL.create({
        projectId: PR.aliceSketch,
        userId: U.alice,
        prompt: 'A lighthouse at dusk',
        settings: { imageType: 'photo', quality: 'ultra' },
        parentRenderId: R.r8,
      }),
    writes: ['renders'],
  },
  { name: 'RendersDAL.getById', run: () => RendersDAL.getById(R.r3) },
  { name: 'RendersDAL.getByUser', run: () => RendersDAL.getByUser(U.alice, null, 100) },
  { name: 'RendersDAL.getByUser#project', run: () => RendersDAL.getByUser(U.alice, PR.aliceSketch, 2) },
  { name: 'RendersDAL.getByProjectId', run: () => RendersDAL.getByProjectId(PR.aliceBrand) },
  { name: 'RendersDAL.getByChainId', run: () => RendersDAL.getByChainId(CHAIN.hero) },
  { name: 'RendersDAL.getWithContext', run: () => RendersDAL.getWithContext(R.r3) },
  { name: 'RendersDAL.getWithContext#parentOnly', run: () => RendersDAL.getWithContext(R.r2) },
  { name: 'RendersDAL.getWithContext#referenceOnly', run: () => RendersDAL.getWithContext(R.r7) },
  { name: 'RendersDAL.getWithContext#plain', run: () => RendersDAL.getWithContext(R.r8) },
  { name: 'RendersDAL.getWithContext#missing', run: () => RendersDAL.getWithContext(MISSING_ID) },
  {
    name: 'RendersDAL.updateStatus',
    run: () =>
      RendersDAL.updateStatus(R.r5, 'completed', {
        outputUrl: 'https://cdn.example.com/renders/5.png',
        processingTimeMs: 1234,
      }),
    writes: ['renders'],
  },
  {
    name: 'RendersDAL.updateStatus#failed',
    run: () => RendersDAL.updateStatus(R.r7, 'failed', { errorMessage: 'NSFW filter' }),
    writes: ['renders'],
  },
  {
    name: 'RendersDAL.markAsFailed',
    run: () => RendersDAL.markAsFailed([R.r5, R.r7, MISSING_ID, R.r5, R.r10], 'Worker lost'),
    writes: ['renders'],
  },
  { name: 'RendersDAL.markAsFailed#empty', run: () => RendersDAL.markAsFailed([], 'Worker lost'), writes: ['renders'] },
  {
    name: 'RendersDAL.markAsFailed#missingOnly',
    run: () => RendersDAL.markAsFailed([MISSING_ID], 'Worker lost'),
    writes: ['renders'],
  },
  {
    name: 'RendersDAL.markAsFailed#upperCase',
    run: () => RendersDAL.markAsFailed([R.r10.toUpperCase(), R.r7], 'Worker lost'),
    writes: ['renders'],
  },
  {
    name: 'RendersDAL.markAsFailed#longList',
    run: () => RendersDAL.markAsFailed(longKeyList([R.r5, R.r7, R.r10, R.r5]), 'Worker lost'),
    writes: ['renders'],
  },
  { name: 'RendersDAL.getForComparison', run: () => RendersDAL.getForComparison([R.r3, R.r1, MISSING_ID, R.r3, R.r9]) },
  { name: 'RendersDAL.getForComparison#empty', run: () => RendersDAL.getForComparison([]) },
  { name: 'RendersDAL.getForComparison#missingOnly', run: () => RendersDAL.getForComparison([MISSING_ID, MISSING_ID]) },
  { name: 'RendersDAL.getForComparison#upperCase', run: () => RendersDAL.getForComparison([R.r10.toUpperCase(), R.r1, R.r10]) },
  {
    name: 'RendersDAL.getForComparison#longList',
    run: () => RendersDAL.getForComparison(longKeyList([R.r3, R.r1, R.r9])),
  },
  { name: 'RendersDAL.getPublicGallery', run: () => RendersDAL.getPublicGallery({ limit: 10 }) },
  { name: 'RendersDAL.getPublicGallery#imageType', run: () => RendersDAL.getPublicGallery({ imageType: 'photo' }) },
  { name: 'RendersDAL.getUnchainedByProject', run: () => RendersDAL.getUnchainedByProject(PR.aliceSketch) },
  { name: 'RendersDAL.delete', run: () => RendersDAL.delete(R.r4, U.alice), writes: ['renders'] },
  { name: 'RendersDAL.delete#wrongUser', run: () => RendersDAL.delete(R.r4, U.bob), writes: ['renders'] },

  // --------------------------------------------------------- RenderChainsDAL
  {
    name: 'RenderChainsDAL.create',
    run: () => RenderChainsDAL.create({ projectId: PR.aliceSketch, name: 'Night variants' }),
    writes: ['render_chains'],
  },
  { name: 'RenderChainsDAL.getById', run: () => RenderChainsDAL.getById(CHAIN.hero) },
  { name: 'RenderChainsDAL.getByProjectId', run: () => RenderChainsDAL.getByProjectId(PR.aliceBrand) },
  { name: 'RenderChainsDAL.addRender', run: () => RenderChainsDAL.addRender(CHAIN.hero, R.r8), writes: ['renders'] },
  {
    name: 'RenderChainsDAL.addRender#emptyChain',
    run: () => RenderChainsDAL.addRender(CHAIN.empty, R.r4),
    writes: ['renders'],
  },
  {
    name: 'RenderChainsDAL.addRender#alreadyInChain',
    run: () => RenderChainsDAL.addRender(CHAIN.hero, R.r1),
    writes: ['renders'],
  },
  {
    name: 'RenderChainsDAL.addRender#missingRender',
    run: () => RenderChainsDAL.addRender(CHAIN.hero, MISSING_ID),
    writes: ['renders'],
  },
  { name: 'RenderChainsDAL.removeRender', run: () => RenderChainsDAL.removeRender(R.r2), writes: ['renders'] },
  { name: 'RenderChainsDAL.getChainWithRenders', run: () => RenderChainsDAL.getChainWithRenders(CHAIN.hero) },
  { name: 'RenderChainsDAL.getChainWithRenders#missing', run: () => RenderChainsDAL.getChainWithRenders(MISSING_ID) },
  {
    name: 'RenderChainsDAL.getProjectChainsWithStats',
    run: () => RenderChainsDAL.getProjectChainsWithStats(PR.aliceBrand),
  },
  {
    name: 'RenderChainsDAL.getProjectChainsWithStats#noChains',
    run: () => RenderChainsDAL.getProjectChainsWithStats(PR.daveEmpty),
  },
  {
    name: 'RenderChainsDAL.delete',
    run: () => RenderChainsDAL.delete(CHAIN.empty),
    writes: ['render_chains', 'renders', 'canvas_graphs'],
  },

  // ------------------------------------------------------ RenderChainService
  {
    name: 'RenderChainService.createChainFromRenders',
    run: () => RenderChainService.createChainFromRenders(PR.aliceSketch, U.alice, 'Picked', [R.r8, R.r6, R.r8]),
    writes: ['render_chains', 'renders'],
  },
  {
    name: 'RenderChainService.createChainFromRenders#empty',
    run: () => RenderChainService.createChainFromRenders(PR.aliceSketch, U.alice, 'Nothing yet', []),
    writes: ['render_chains', 'renders'],
  },
  {
    name: 'RenderChainService.createChainFromRenders#wrongUser',
    run: () => RenderChainService.createChainFromRenders(PR.aliceSketch, U.bob, 'Hijack', [R.r8]),
    writes: ['render_chains', 'renders'],
  },
  {
    name: 'RenderChainService.deleteChain',
    run: () => RenderChainService.deleteChain(CHAIN.hero),
    writes: ['render_chains', 'renders', 'canvas_graphs'],
  },
  {
    name: 'RenderChainService.deleteChain#emptyChain',
    run: () => RenderChainService.deleteChain(CHAIN.empty),
    writes: ['render_chains', 'renders', 'canvas_graphs'],
  },
  {
    name: 'RenderChainService.deleteChain#missing',
    run: () => RenderChainService.deleteChain(MISSING_ID),
    writes: ['render_chains', 'renders', 'canvas_graphs'],
  },

  // ---------------------------------------------------------- CanvasFilesDAL
  {
    name: 'CanvasFilesDAL.create',
    run: () =>
      CanvasFilesDAL.create({
        projectId: PR.aliceBrand,
        userId: U.alice,
        name: 'Shot list',
        slug: 'shot-list',
        metadata: { template: 'grid' },
      }),
    writes: ['canvas_files'],
  },
  {
    name: 'CanvasFilesDAL.create#duplicateSlug',
    run: () => CanvasFilesDAL.create({ projectId: PR.aliceBrand, userId: U.alice, name: 'Moodboard 2', slug: 'moodboard' }),
    writes: ['canvas_files'],
  },
  {
    name: 'CanvasFilesDAL.create#slugOfInactiveFile',
    run: () => CanvasFilesDAL.create({ projectId: PR.aliceBrand, userId: U.alice, name: 'Draft', slug: 'old-draft' }),
    writes: ['canvas_files'],
  },
  { name: 'CanvasFilesDAL.getById', run: () => CanvasFilesDAL.getById(FILE.moodboard) },
  { name: 'CanvasFilesDAL.getBySlug', run: () => CanvasFilesDAL.getBySlug('storyboard') },
  { name: 'CanvasFilesDAL.getByProject', run: () => CanvasFilesDAL.getByProject(PR.aliceBrand) },
  { name: 'CanvasFilesDAL.getByUser', run: () => CanvasFilesDAL.getByUser(U.alice) },
  {
    name: 'CanvasFilesDAL.update',
    run: () => CanvasFilesDAL.update(FILE.storyboard, { name: 'Storyboard v2', slug: 'storyboard-v2' }),
    writes: ['canvas_files'],
  },
  {
    name: 'CanvasFilesDAL.update#sameSlug',
    run: () => CanvasFilesDAL.update(FILE.storyboard, { slug: 'storyboard', description: 'Act one' }),
    writes: ['canvas_files'],
  },
  {
    name: 'CanvasFilesDAL.update#slugTaken',
    run: () => CanvasFilesDAL.update(FILE.storyboard, { slug: 'moodboard' }),
    writes: ['canvas_files'],
  },
  {
    name: 'CanvasFilesDAL.restore',
    run: () => CanvasFilesDAL.restore(FILE.archived),
    writes: ['canvas_files'],
  },
  {
    name: 'CanvasFilesDAL.restore#missing',
    run: () => CanvasFilesDAL.restore(MISSING_ID),
    writes: ['canvas_files'],
  },
  {
    name: 'CanvasFilesDAL.update#missing',
    run: () => CanvasFilesDAL.update(MISSING_ID, { name: 'Ghost' }),
    writes: ['canvas_files'],
  },
  { name: 'CanvasFilesDAL.delete', run: () => CanvasFilesDAL.delete(FILE.storyboard), writes: ['canvas_files'] },
  { name: 'CanvasFilesDAL.getFileWithGraph', run: () => CanvasFilesDAL.getFileWithGraph(FILE.moodboard) },
  { name: 'CanvasFilesDAL.getFileWithGraph#noGraph', run: () => CanvasFilesDAL.getFileWithGraph(FILE.storyboard) },
  { name: 'CanvasFilesDAL.getFileWithGraph#missing', run: () => CanvasFilesDAL.getFileWithGraph(MISSING_ID) },
  { name: 'CanvasFilesDAL.getFileWithGraphBySlug', run: () => CanvasFilesDAL.getFileWithGraphBySlug('moodboard') },
  {
    name: 'CanvasFilesDAL.getFileWithGraphBySlug#noGraph',
    run: () => CanvasFilesDAL.getFileWithGraphBySlug('storyboard'),
  },
  {
    name: 'CanvasFilesDAL.getFileWithGraphBySlug#missing',
    run: () => CanvasFilesDAL.getFileWithGraphBySlug('no-such-file'),
  },

  // --------------------------------------------------------------- CanvasDAL
  { name: 'CanvasDAL.getByChainId', run: () => CanvasDAL.getByChainId(CHAIN.hero) },
  { name: 'CanvasDAL.getByChainId#noGraph', run: () => CanvasDAL.getByChainId(CHAIN.empty) },
  { name: 'CanvasDAL.getByFileId', run: () => CanvasDAL.getByFileId(FILE.moodboard) },
  { name: 'CanvasDAL.getByFileId#noGraph', run: () => CanvasDAL.getByFileId(FILE.storyboard) },
  {
    name: 'CanvasDAL.saveGraph',
    run: () =>
      CanvasDAL.saveGraph(
        { fileId: FILE.moodboard },
        { nodes: [{ id: 'n1', type: 'image', x: 10, y: 10 }], connections: [] },
        U.alice,
      ),
    writes: ['canvas_graphs'],
  },
  {
    name: 'CanvasDAL.saveGraph#newFileGraph',
    run: () =>
      CanvasDAL.saveGraph(
        { fileId: FILE.storyboard },
        { nodes: [{ id: 'a', type: 'note', x: 0, y: 0 }], connections: [], viewport: { x: 5, y: 5, zoom: 2 } },
        U.alice,
      ),
    writes: ['canvas_graphs'],
  },
  {
    name: 'CanvasDAL.saveGraph#chain',
    run: () =>
      CanvasDAL.saveGraph(
        { chainId: CHAIN.hero },
        { nodes: [], connections: [], viewport: { x: 1, y: 2, zoom: 0.5 } },
        U.alice,
      ),
    writes: ['canvas_graphs'],
  },
  {
    name: 'CanvasDAL.saveGraph#newChainGraph',
    run: () => CanvasDAL.saveGraph({ chainId: CHAIN.empty }, { nodes: [], connections: [] }, U.alice),
    writes: ['canvas_graphs'],
  },
  {
    name: 'CanvasDAL.saveGraph#missingFile',
    run: () => CanvasDAL.saveGraph({ fileId: MISSING_ID }, { nodes: [], connections: [] }, U.alice),
    writes: ['canvas_graphs'],
  },
  {
    name: 'CanvasDAL.saveGraph#noIdentifier',
    run: () => CanvasDAL.saveGraph({}, { nodes: [], connections: [] }, U.alice),
    writes: ['canvas_graphs'],
  },

  // ---------------------------------------------------------------- ToolsDAL
  { name: 'ToolsDAL.getAllTools', run: () => ToolsDAL.getAllTools() },
  { name: 'ToolsDAL.getToolBySlug', run: () => ToolsDAL.getToolBySlug('upscale') },
  { name: 'ToolsDAL.getToolById', run: () => ToolsDAL.getToolById(TOOL.img2video) },
  { name: 'ToolsDAL.getToolsByCategory', run: () => ToolsDAL.getToolsByCategory('enhance') },
  {
    name: 'ToolsDAL.createExecution',
    run: () =>
      ToolsDAL.createExecution({
        toolId: TOOL.upscale,
        userId: U.alice,
        projectId: PR.aliceBrand,
        inputSettings: { scale: 8 },
        creditsCost: 2,
      }),
    writes: ['tool_executions'],
  },
  {
    name: 'ToolsDAL.createExecutionBatch',
    run: () =>
      ToolsDAL.createExecutionBatch(
        [
          { toolId: TOOL.img2video, userId: U.alice, inputSettings: { frame: 1 }, creditsCost: 10 },
          { toolId: TOOL.img2video, userId: U.alice, inputSettings: { frame: 2 }, creditsCost: 10 },
        ],
        'batch-2',
      ),
    writes: ['tool_executions'],
  },
  {
    name: 'ToolsDAL.createExecutionBatch#empty',
    run: () => ToolsDAL.createExecutionBatch([], 'batch-3'),
    writes: ['tool_executions'],
  },
  { name: 'ToolsDAL.getExecutionById', run: () => ToolsDAL.getExecutionById(EXEC.e1) },
  {
    name: 'ToolsDAL.deleteExecution',
    run: () => ToolsDAL.deleteExecution(EXEC.e3),
    writes: ['tool_executions'],
  },
  {
    name: 'ToolsDAL.deleteExecution#missing',
    run: () => ToolsDAL.deleteExecution(MISSING_ID),
    writes: ['tool_executions'],
  },
  {
    name: 'ToolsDAL.updateExecutionStatus',
    run: () => ToolsDAL.updateExecutionStatus(EXEC.e2, 'completed', { outputRenderId: R.r8 }),
    writes: ['tool_executions'],
  },
  {
    name: 'ToolsDAL.updateExecutionStatus#failed',
    run: () => ToolsDAL.updateExecutionStatus(EXEC.e4, 'failed', { errorMessage: 'GPU OOM' }),
    writes: ['tool_executions'],
  },
  {
    name: 'ToolsDAL.cancelExecutions',
    run: () => ToolsDAL.cancelExecutions([EXEC.e2, EXEC.e4, EXEC.e3, MISSING_ID, EXEC.e2]),
    writes: ['tool_executions'],
  },
  { name: 'ToolsDAL.cancelExecutions#empty', run: () => ToolsDAL.cancelExecutions([]), writes: ['tool_executions'] },
  {
    name: 'ToolsDAL.cancelExecutions#missingOnly',
    run: () => ToolsDAL.cancelExecutions([MISSING_ID]),
    writes: ['tool_executions'],
  },
  {
    name: 'ToolsDAL.cancelExecutions#upperCase',
    run: () => ToolsDAL.cancelExecutions([EXEC.e2.toUpperCase(), EXEC.e3]),
    writes: ['tool_executions'],
  },
  {
    name: 'ToolsDAL.cancelExecutions#longList',
    run: () => ToolsDAL.cancelExecutions(longKeyList([EXEC.e2, EXEC.e3, EXEC.e4, EXEC.e5])),
    writes: ['tool_executions'],
  },
  {
    name: 'ToolsDAL.getExecutionsWithTools',
    run: () => ToolsDAL.getExecutionsWithTools([EXEC.e3, MISSING_ID, EXEC.e1, EXEC.e3]),
  },
  { name: 'ToolsDAL.getExecutionsWithTools#empty', run: () => ToolsDAL.getExecutionsWithTools([]) },
  { name: 'ToolsDAL.getUserExecutions', run: () => ToolsDAL.getUserExecutions(U.alice, 3) },
  { name: 'ToolsDAL.getBatchExecutions', run: () => ToolsDAL.getBatchExecutions('batch-1') },
  { name: 'ToolsDAL.getTemplates', run: () => ToolsDAL.getTemplates(TOOL.upscale, U.alice) },
  { name: 'ToolsDAL.getDefaultTemplate', run: () => ToolsDAL.getDefaultTemplate(TOOL.upscale, U.alice) },
  { name: 'ToolsDAL.getDefaultTemplate#none', run: () => ToolsDAL.getDefaultTemplate(TOOL.relight, U.alice) },
  {
    name: 'ToolsDAL.createTemplate',
    run: () =>
      ToolsDAL.createTemplate({
        toolId: TOOL.upscale,
        userId: U.alice,
        name: 'Crisp 8x',
        settings: { scale: 8 },
        isDefault: true,
      }),
    writes: ['tool_settings_templates'],
  },
  {
    name: 'ToolsDAL.createTemplate#notDefault',
    run: () => ToolsDAL.createTemplate({ toolId: TOOL.upscale, userId: U.alice, name: 'Plain', settings: {} }),
    writes: ['tool_settings_templates'],
  },
  {
    name: 'ToolsDAL.createTemplate#unknownTool',
    run: () =>
      ToolsDAL.createTemplate({ toolId: MISSING_ID, userId: U.alice, name: 'Ghost', settings: {}, isDefault: true }),
    writes: ['tool_settings_templates'],
  },
  {
    name: 'ToolsDAL.updateTemplate',
    run: () => ToolsDAL.updateTemplate(TMPL.aliceSoft, U.alice, { isDefault: true, name: 'Soft 2x (default)' }),
    writes: ['tool_settings_templates'],
  },
  {
    name: 'ToolsDAL.updateTemplate#renameOnly',
    run: () => ToolsDAL.updateTemplate(TMPL.aliceSharp, U.alice, { name: 'Sharp 4x v2' }),
    writes: ['tool_settings_templates'],
  },
  {
    name: 'ToolsDAL.updateTemplate#wrongUser',
    run: () => ToolsDAL.updateTemplate(TMPL.aliceSoft, U.bob, { isDefault: true }),
    writes: ['tool_settings_templates'],
  },
  // A later write fails (NOT NULL on name) after the first one cleared the other default: without a
  // transaction the cleared default stays (harness/declared-differences.json: DAL005 all-or-nothing).
  {
    name: 'ToolsDAL.createTemplate#secondWriteFails',
    run: () =>
      ToolsDAL.createTemplate({
        toolId: TOOL.upscale,
        userId: U.alice,
        name: null as unknown as string,
        settings: {},
        isDefault: true,
      }),
    writes: ['tool_settings_templates'],
  },
  {
    name: 'ToolsDAL.updateTemplate#secondWriteFails',
    run: () => ToolsDAL.updateTemplate(TMPL.aliceSoft, U.alice, { isDefault: true, name: null as unknown as string }),
    writes: ['tool_settings_templates'],
  },
  {
    name: 'ToolsDAL.deleteTemplate',
    run: () => ToolsDAL.deleteTemplate(TMPL.aliceSoft, U.alice),
    writes: ['tool_settings_templates'],
  },

  // ----------------------------------------------------------- AmbassadorDAL
  { name: 'AmbassadorDAL.getByUserId', run: () => AmbassadorDAL.getByUserId(U.carol) },
  { name: 'AmbassadorDAL.getByCode', run: () => AmbassadorDAL.getByCode('carol20') },
  { name: 'AmbassadorDAL.apply', run: () => AmbassadorDAL.apply(U.erin, 'erin10'), writes: ['ambassadors'] },
  {
    name: 'AmbassadorDAL.apply#duplicateCode',
    run: () => AmbassadorDAL.apply(U.erin, 'carol20'),
    writes: ['ambassadors'],
  },
  { name: 'AmbassadorDAL.approve', run: () => AmbassadorDAL.approve(AMB.alice), writes: ['ambassadors'] },
  {
    name: 'AmbassadorDAL.createLink',
    run: () => AmbassadorDAL.createLink(AMB.carol, 'carol-tiktok', 'tiktok'),
    writes: ['ambassador_links'],
  },
  {
    name: 'AmbassadorDAL.linkFor',
    run: () => AmbassadorDAL.linkFor(AMB.carol, 'carol-podcast'),
    writes: ['ambassador_links'],
  },
  {
    name: 'AmbassadorDAL.linkFor#existing',
    run: () => AmbassadorDAL.linkFor(AMB.carol, 'carol-yt'),
    writes: ['ambassador_links'],
  },
  { name: 'AmbassadorDAL.getLinks', run: () => AmbassadorDAL.getLinks(AMB.carol) },
  { name: 'AmbassadorDAL.getLinkByCode', run: () => AmbassadorDAL.getLinkByCode('carol-yt') },
  { name: 'AmbassadorDAL.trackLinkClick', run: () => AmbassadorDAL.trackLinkClick('carol-yt'), writes: ['ambassador_links'] },
  {
    name: 'AmbassadorDAL.trackLinkClick#inactive',
    run: () => AmbassadorDAL.trackLinkClick('carol-old'),
    writes: ['ambassador_links'],
  },
  {
    name: 'AmbassadorDAL.trackReferral',
    run: () => AmbassadorDAL.trackReferral(AMB.carol, U.erin, LINK.blog),
    writes: ['ambassador_referrals', 'ambassador_links', 'ambassadors'],
  },
  {
    name: 'AmbassadorDAL.trackReferral#noLink',
    run: () => AmbassadorDAL.trackReferral(AMB.carol, U.erin),
    writes: ['ambassador_referrals', 'ambassador_links', 'ambassadors'],
  },
  {
    name: 'AmbassadorDAL.trackReferral#alreadyReferred',
    run: () => AmbassadorDAL.trackReferral(AMB.carol, U.dave, LINK.youtube),
    writes: ['ambassador_referrals', 'ambassador_links', 'ambassadors'],
  },
  // The link counter is at the integer maximum: the second write (`signup_count + 1`) fails with 22003.
  {
    name: 'AmbassadorDAL.trackReferral#secondWriteFails',
    setup: () => db.update(ambassadorLinks).set({ signupCount: INT_MAX }).where(eq(ambassadorLinks.id, LINK.blog)),
    run: () => AmbassadorDAL.trackReferral(AMB.carol, U.erin, LINK.blog),
    writes: ['ambassador_referrals', 'ambassador_links', 'ambassadors'],
  },
  { name: 'AmbassadorDAL.getReferrals', run: () => AmbassadorDAL.getReferrals(AMB.carol) },
  {
    name: 'AmbassadorDAL.updateReferralOnSubscription',
    run: () => AmbassadorDAL.updateReferralOnSubscription(U.bob, SUB.bobTrial),
    writes: ['ambassador_referrals', 'ambassador_links', 'ambassadors'],
  },
  {
    name: 'AmbassadorDAL.updateReferralOnSubscription#notPending',
    run: () => AmbassadorDAL.updateReferralOnSubscription(U.dave, SUB.dave),
    writes: ['ambassador_referrals', 'ambassador_links', 'ambassadors'],
  },
  {
    name: 'AmbassadorDAL.updateReferralOnSubscription#secondWriteFails',
    setup: () =>
      db.update(ambassadorLinks).set({ conversionCount: INT_MAX }).where(eq(ambassadorLinks.id, LINK.blog)),
    run: () => AmbassadorDAL.updateReferralOnSubscription(U.bob, SUB.bobTrial),
    writes: ['ambassador_referrals', 'ambassador_links', 'ambassadors'],
  },
  {
    name: 'AmbassadorDAL.recordCommission',
    run: () =>
      AmbassadorDAL.recordCommission({
        referralId: REF.dave,
        subscriptionId: SUB.dave,
        paymentAmount: 1900,
        periodStart: d('2026-12-05T00:00:00Z'),
        periodEnd: d('2027-01-05T00:00:00Z'),
      }),
    writes: ['ambassador_commissions', 'ambassador_referrals', 'ambassadors'],
  },
  {
    name: 'AmbassadorDAL.recordCommission#missingReferral',
    run: () =>
      AmbassadorDAL.recordCommission({
        referralId: MISSING_ID,
        subscriptionId: null,
        paymentAmount: 1900,
        periodStart: d('2026-12-05T00:00:00Z'),
        periodEnd: d('2027-01-05T00:00:00Z'),
      }),
    writes: ['ambassador_commissions', 'ambassador_referrals', 'ambassadors'],
  },
  {
    name: 'AmbassadorDAL.recordCommission#secondWriteFails',
    setup: () =>
      db
        .update(ambassadorReferrals)
        .set({ totalCommissionEarned: INT_MAX })
        .where(eq(ambassadorReferrals.id, REF.dave)),
    run: () =>
      AmbassadorDAL.recordCommission({
        referralId: REF.dave,
        subscriptionId: SUB.dave,
        paymentAmount: 1900,
        periodStart: d('2026-12-05T00:00:00Z'),
        periodEnd: d('2027-01-05T00:00:00Z'),
      }),
    writes: ['ambassador_commissions', 'ambassador_referrals', 'ambassadors'],
  },
  { name: 'AmbassadorDAL.getCommissions', run: () => AmbassadorDAL.getCommissions(AMB.carol) },
  { name: 'AmbassadorDAL.getCommissions#pending', run: () => AmbassadorDAL.getCommissions(AMB.carol, 'pending') },
  {
    name: 'AmbassadorDAL.createPayout',
    run: () => AmbassadorDAL.createPayout(AMB.carol, d('2026-11-01T00:00:00Z'), d('2026-11-30T23:59:59Z')),
    writes: ['ambassador_payouts', 'ambassador_commissions'],
  },
  {
    name: 'AmbassadorDAL.createPayout#nothingDue',
    run: () => AmbassadorDAL.createPayout(AMB.carol, d('2026-01-01T00:00:00Z'), d('2026-01-31T23:59:59Z')),
    writes: ['ambassador_payouts', 'ambassador_commissions'],
  },
  {
    name: 'AmbassadorDAL.updatePayoutStatus',
    run: () => AmbassadorDAL.updatePayoutStatus(PAYOUT.nov, 'paid', 'tr_nov'),
    writes: ['ambassador_payouts', 'ambassador_commissions', 'ambassadors'],
  },
  {
    name: 'AmbassadorDAL.updatePayoutStatus#processing',
    run: () => AmbassadorDAL.updatePayoutStatus(PAYOUT.nov, 'processing'),
    writes: ['ambassador_payouts', 'ambassador_commissions', 'ambassadors'],
  },
  {
    name: 'AmbassadorDAL.updatePayoutStatus#missing',
    run: () => AmbassadorDAL.updatePayoutStatus(MISSING_ID, 'paid', 'tr_x'),
    writes: ['ambassador_payouts', 'ambassador_commissions', 'ambassadors'],
  },
  // The payout and its commissions are marked paid, then `paid_earnings + 380` overflows.
  {
    name: 'AmbassadorDAL.updatePayoutStatus#lastWriteFails',
    setup: () => db.update(ambassadors).set({ paidEarnings: INT_MAX }).where(eq(ambassadors.id, AMB.carol)),
    run: () => AmbassadorDAL.updatePayoutStatus(PAYOUT.nov, 'paid', 'tr_nov'),
    writes: ['ambassador_payouts', 'ambassador_commissions', 'ambassadors'],
  },
  { name: 'AmbassadorDAL.getPayouts', run: () => AmbassadorDAL.getPayouts(AMB.carol) },

  // -------------------------------------------------- events storage (seed 003)
  { name: 'eventsStorage.getEvent', run: () => eventsStorage.getEvent(1) },
  { name: 'eventsStorage.getEventWithRelations', run: () => eventsStorage.getEventWithRelations(1) },
  { name: 'eventsStorage.getEventWithRelations#minimal', run: () => eventsStorage.getEventWithRelations(4) },
  { name: 'eventsStorage.getEventWithRelations#missing', run: () => eventsStorage.getEventWithRelations(999) },
  { name: 'eventsStorage.getAllEvents', run: () => eventsStorage.getAllEvents(U.alice) },
  { name: 'eventsStorage.getAllEvents#none', run: () => eventsStorage.getAllEvents(U.erin) },
  { name: 'eventsStorage.getEventsByServerId', run: () => eventsStorage.getEventsByServerId(1) },
  { name: 'eventsStorage.getEventsByServerId#none', run: () => eventsStorage.getEventsByServerId(42) },
  { name: 'eventsStorage.getLogsForEvent', run: () => eventsStorage.getLogsForEvent(1, 2) },
  {
    name: 'eventsStorage.createEvent',
    run: () =>
      eventsStorage.createEvent({
        userId: U.alice,
        name: 'Rotate logs',
        type: 'BASH',
        content: 'logrotate /etc/logrotate.conf',
        envVars: [
          { key: 'LOG_DIR', value: '/var/log/app' },
          { key: 'KEEP', value: '7' },
        ],
        serverIds: [2, 1],
      }),
    writes: ['events', 'env_vars', 'event_servers'],
  },
  {
    name: 'eventsStorage.createEvent#local',
    run: () => eventsStorage.createEvent({ userId: U.erin, name: 'Ping', type: 'HTTP_REQUEST' }),
    writes: ['events', 'env_vars', 'event_servers'],
  },
  {
    name: 'eventsStorage.createEvent#duplicateServer',
    run: () =>
      eventsStorage.createEvent({
        userId: U.alice,
        name: 'Twice',
        type: 'BASH',
        envVars: [{ key: 'A', value: '1' }],
        serverIds: [1, 1],
      }),
    writes: ['events', 'env_vars', 'event_servers'],
  },
  {
    name: 'eventsStorage.recordEventRun',
    run: () =>
      eventsStorage.recordEventRun(2, {
        status: 'FAILURE',
        error: 'HTTP 503',
        startTime: d('2026-11-22T11:00:00Z'),
        endTime: d('2026-11-22T11:00:02Z'),
      }),
    writes: ['logs', 'events'],
  },
  {
    name: 'eventsStorage.recordEventRun#missing',
    run: () =>
      eventsStorage.recordEventRun(999, {
        status: 'SUCCESS',
        startTime: d('2026-11-22T11:00:00Z'),
        endTime: d('2026-11-22T11:00:01Z'),
      }),
    writes: ['logs', 'events'],
  },
  { name: 'eventsStorage.getWorkflowWithRelations', run: () => eventsStorage.getWorkflowWithRelations(1) },
  { name: 'eventsStorage.getWorkflowWithRelations#missing', run: () => eventsStorage.getWorkflowWithRelations(999) },
  { name: 'eventsStorage.getWorkflowByWebhookKey', run: () => eventsStorage.getWorkflowByWebhookKey('wh_deploy_123') },
  {
    name: 'eventsStorage.getWorkflowByWebhookKey#inactive',
    run: () => eventsStorage.getWorkflowByWebhookKey('wh_draft_456'),
  },
  { name: 'eventsStorage.getWorkflowByWebhookKey#unknown', run: () => eventsStorage.getWorkflowByWebhookKey('nope') },
  { name: 'eventsStorage.getWorkflowsWithStats', run: () => eventsStorage.getWorkflowsWithStats(U.alice) },
  { name: 'eventsStorage.getDashboardStats', run: () => eventsStorage.getDashboardStats(U.alice) },
  { name: 'eventsStorage.getDashboardStats#empty', run: () => eventsStorage.getDashboardStats(U.erin) },
  {
    name: 'eventsStorage.deleteUser',
    run: () => eventsStorage.deleteUser(U.bob),
    writes: [...EVENT_TABLES, 'users', 'projects', 'renders'],
  },
  {
    name: 'eventsStorage.deleteUser#alice',
    run: () => eventsStorage.deleteUser(U.alice),
    writes: [...EVENT_TABLES, 'users'],
  },
  {
    name: 'eventsStorage.deleteUser#missing',
    run: () => eventsStorage.deleteUser(MISSING_ID),
    writes: ['users'],
  },

  // ------------------------------------------------ The Copy (seed 004)
  { name: 'CopyProjectsDAL.getUserProjects', run: () => CopyProjectsDAL.getUserProjects(U.alice) },
  { name: 'CopyProjectsDAL.getProjectForUser', run: () => CopyProjectsDAL.getProjectForUser(CP.alice, U.alice) },
  {
    name: 'CopyProjectsDAL.getProjectForUser#wrongUser',
    run: () => CopyProjectsDAL.getProjectForUser(CP.alice, U.bob),
  },
  { name: 'CopyProjectsDAL.getProjectBreakdown', run: () => CopyProjectsDAL.getProjectBreakdown(CP.alice, U.alice) },
  {
    name: 'CopyProjectsDAL.getProjectBreakdown#wrongUser',
    run: () => CopyProjectsDAL.getProjectBreakdown(CP.alice, U.bob),
  },
  { name: 'CopyProjectsDAL.getProjectsWithCounts', run: () => CopyProjectsDAL.getProjectsWithCounts(U.alice) },
  { name: 'CopyProjectsDAL.getProjectsWithCounts#none', run: () => CopyProjectsDAL.getProjectsWithCounts(U.erin) },
  {
    name: 'CopyProjectsDAL.create',
    run: () => CopyProjectsDAL.create(U.alice, 'Pilot', 'EXT. ROOFTOP - DAY'),
    writes: ['copy_projects'],
  },
  {
    name: 'CopyProjectsDAL.delete',
    run: () => CopyProjectsDAL.delete(CP.alice2, U.alice),
    writes: ['copy_projects'],
  },

  { name: 'ScenesDAL.getScenesForProject', run: () => ScenesDAL.getScenesForProject(CP.alice, U.alice) },
  { name: 'ScenesDAL.getScenesForProject#wrongUser', run: () => ScenesDAL.getScenesForProject(CP.alice, U.bob) },
  { name: 'ScenesDAL.getScenesForProject#missing', run: () => ScenesDAL.getScenesForProject(MISSING_ID, U.alice) },
  { name: 'ScenesDAL.getSceneForUser', run: () => ScenesDAL.getSceneForUser(SC.s1, U.alice) },
  { name: 'ScenesDAL.getSceneForUser#wrongUser', run: () => ScenesDAL.getSceneForUser(SC.s1, U.bob) },
  { name: 'ScenesDAL.getSceneForUser#missing', run: () => ScenesDAL.getSceneForUser(MISSING_ID, U.alice) },
  {
    name: 'ScenesDAL.createScene',
    run: () =>
      ScenesDAL.createScene(CP.alice, U.alice, {
        sceneNumber: 4,
        title: 'Epilogue',
        location: 'Beach',
        timeOfDay: 'DAY',
        characters: ['Mara'],
      }),
    writes: ['scenes'],
  },
  {
    name: 'ScenesDAL.createScene#wrongUser',
    run: () => ScenesDAL.createScene(CP.alice, U.bob, { sceneNumber: 9, title: 'X', location: 'Y', timeOfDay: 'DAY' }),
    writes: ['scenes'],
  },
  {
    name: 'ScenesDAL.updateScene',
    run: () => ScenesDAL.updateScene(SC.s2, U.alice, { title: 'Dining car', status: 'in-progress' }),
    writes: ['scenes'],
  },
  {
    name: 'ScenesDAL.updateScene#wrongUser',
    run: () => ScenesDAL.updateScene(SC.s2, U.bob, { title: 'Hacked' }),
    writes: ['scenes'],
  },
  { name: 'ScenesDAL.deleteScene', run: () => ScenesDAL.deleteScene(SC.s1, U.alice), writes: ['scenes', 'shots'] },
  {
    name: 'ScenesDAL.deleteScene#wrongUser',
    run: () => ScenesDAL.deleteScene(SC.s1, U.bob),
    writes: ['scenes', 'shots'],
  },
  {
    name: 'ScenesDAL.reorderScenes',
    run: () => ScenesDAL.reorderScenes(CP.alice, U.alice, [SC.s3, SC.s1, SC.s2]),
    writes: ['scenes'],
  },
  {
    name: 'ScenesDAL.reorderScenes#partialWithDuplicate',
    run: () => ScenesDAL.reorderScenes(CP.alice, U.alice, [SC.s2, MISSING_ID, SC.s2]),
    writes: ['scenes'],
  },
  {
    name: 'ScenesDAL.reorderScenes#wrongUser',
    run: () => ScenesDAL.reorderScenes(CP.alice, U.bob, [SC.s3, SC.s1, SC.s2]),
    writes: ['scenes'],
  },

  { name: 'CharactersDAL.getCharactersForProject', run: () => CharactersDAL.getCharactersForProject(CP.alice, U.alice) },
  {
    name: 'CharactersDAL.getCharactersForProject#wrongUser',
    run: () => CharactersDAL.getCharactersForProject(CP.alice, U.bob),
  },
  { name: 'CharactersDAL.getCharacterForUser', run: () => CharactersDAL.getCharacterForUser(CH.mara, U.alice) },
  { name: 'CharactersDAL.getCharacterForUser#wrongUser', run: () => CharactersDAL.getCharacterForUser(CH.mara, U.bob) },
  {
    name: 'CharactersDAL.getCharacterForUser#missing',
    run: () => CharactersDAL.getCharacterForUser(MISSING_ID, U.alice),
  },
  {
    name: 'CharactersDAL.createCharacter',
    run: () => CharactersDAL.createCharacter(CP.alice, U.alice, { name: 'Conductor', appearances: 1 }),
    writes: ['characters'],
  },
  {
    name: 'CharactersDAL.createCharacter#wrongUser',
    run: () => CharactersDAL.createCharacter(CP.alice, U.bob, { name: 'Intruder' }),
    writes: ['characters'],
  },
  {
    name: 'CharactersDAL.updateCharacter',
    run: () => CharactersDAL.updateCharacter(CH.jonas, U.alice, { consistencyStatus: 'good', notes: null }),
    writes: ['characters'],
  },
  {
    name: 'CharactersDAL.updateCharacter#wrongUser',
    run: () => CharactersDAL.updateCharacter(CH.jonas, U.bob, { notes: 'hmm' }),
    writes: ['characters'],
  },
  {
    name: 'CharactersDAL.deleteCharacter',
    run: () => CharactersDAL.deleteCharacter(CH.jonas, U.alice),
    writes: ['characters'],
  },
  {
    name: 'CharactersDAL.deleteCharacter#wrongUser',
    run: () => CharactersDAL.deleteCharacter(CH.boss, U.alice),
    writes: ['characters'],
  },

  { name: 'ShotsDAL.getShotsForScene', run: () => ShotsDAL.getShotsForScene(SC.s1, U.alice) },
  { name: 'ShotsDAL.getShotsForScene#wrongUser', run: () => ShotsDAL.getShotsForScene(SC.s1, U.bob) },
  { name: 'ShotsDAL.getShotsForScene#missing', run: () => ShotsDAL.getShotsForScene(MISSING_ID, U.alice) },
  { name: 'ShotsDAL.getShotHeading', run: () => ShotsDAL.getShotHeading(SH.sh3) },
  { name: 'ShotsDAL.getShotHeading#missing', run: () => ShotsDAL.getShotHeading(MISSING_ID) },
  { name: 'ShotsDAL.getShotSceneUpTo', run: () => ShotsDAL.getShotSceneUpTo(SH.sh1, 5) },
  { name: 'ShotsDAL.getShotSceneUpTo#laterCut', run: () => ShotsDAL.getShotSceneUpTo(SH.sh2, 1) },
  { name: 'ShotsDAL.getShotSceneUpTo#missing', run: () => ShotsDAL.getShotSceneUpTo(MISSING_ID, 5) },
  { name: 'ShotsDAL.getShotForUser', run: () => ShotsDAL.getShotForUser(SH.sh1, U.alice) },
  { name: 'ShotsDAL.getShotForUser#wrongUser', run: () => ShotsDAL.getShotForUser(SH.sh1, U.bob) },
  { name: 'ShotsDAL.getShotForUser#missing', run: () => ShotsDAL.getShotForUser(MISSING_ID, U.alice) },
  {
    name: 'ShotsDAL.createShot',
    run: () => ShotsDAL.createShot(SC.s2, U.alice, { shotNumber: 1, shotType: 'wide', cameraAngle: 'high-angle' }),
    writes: ['shots', 'scenes'],
  },
  {
    name: 'ShotsDAL.createShot#wrongUser',
    run: () => ShotsDAL.createShot(SC.s2, U.bob, { shotNumber: 1, shotType: 'wide', cameraAngle: 'eye-level' }),
    writes: ['shots', 'scenes'],
  },
  {
    name: 'ShotsDAL.createShots',
    run: () =>
      ShotsDAL.createShots(SC.s2, U.alice, [
        { shotNumber: 1, shotType: 'wide', cameraAngle: 'eye-level', aiSuggestion: 'Establish the carriage' },
        { shotNumber: 2, shotType: 'medium', cameraAngle: 'over-the-shoulder' },
        { shotNumber: 3, shotType: 'extreme-close-up', cameraAngle: 'eye-level', lighting: 'flicker' },
      ]),
    writes: ['shots', 'scenes'],
  },
  { name: 'ShotsDAL.createShots#empty', run: () => ShotsDAL.createShots(SC.s2, U.alice, []), writes: ['shots', 'scenes'] },
  {
    name: 'ShotsDAL.createShots#wrongUser',
    run: () => ShotsDAL.createShots(SC.s4, U.alice, [{ shotNumber: 2, shotType: 'wide', cameraAngle: 'eye-level' }]),
    writes: ['shots', 'scenes'],
  },
  {
    name: 'ShotsDAL.updateShot',
    run: () => ShotsDAL.updateShot(SH.sh2, U.alice, { lighting: 'neon', cameraMovement: null }),
    writes: ['shots'],
  },
  {
    name: 'ShotsDAL.updateShot#wrongUser',
    run: () => ShotsDAL.updateShot(SH.sh2, U.bob, { lighting: 'none' }),
    writes: ['shots'],
  },
  { name: 'ShotsDAL.deleteShot', run: () => ShotsDAL.deleteShot(SH.sh1, U.alice), writes: ['shots', 'scenes'] },
  {
    name: 'ShotsDAL.deleteShot#wrongUser',
    run: () => ShotsDAL.deleteShot(SH.sh3, U.alice),
    writes: ['shots', 'scenes'],
  },

  // ---------------------------------------------------------------- services
  { name: 'ProfileStatsService.getUserStats', run: () => ProfileStatsService.getUserStats(U.alice) },
  { name: 'ProfileStatsService.getUserStats#noRenders', run: () => ProfileStatsService.getUserStats(U.dave) },
  { name: 'ProfileStatsService.getUserStats#missing', run: () => ProfileStatsService.getUserStats(MISSING_ID) },

  // DAL002 on loops as they are written: harness/cases-loop-shapes.ts
  ...loopShapeCases,

  // ---------------------------------------------------------------- guards between reads (access-cases.ts)
  ...accessCases,
];
