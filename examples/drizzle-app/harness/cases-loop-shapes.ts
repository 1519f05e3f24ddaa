/**
 * Cases for src/dal/loop-shapes.ts (DAL002 on loops as they are written), with the edge inputs a batch must
 * survive: an empty list, duplicate keys, missing keys, uuids written in upper case, in braces or without
 * hyphens (PostgreSQL reads all of them as the same uuid, so the loop found their rows), and lists longer than
 * one batch (the app's dalfix.toml sets batch-size = 4).
 */
import { LoopShapesDAL } from '../src/dal/loop-shapes';
import { CHAIN, EXEC, MISSING_ID, PR, R } from './fixtures';

const upper = (id: string) => id.toUpperCase();
const braced = (id: string) => `{${id}}`;
const bare = (id: string) => id.replace(/-/g, '');

export const loopShapeCases = [
  {
    name: 'LoopShapesDAL.failRenders',
    run: () => LoopShapesDAL.failRenders(new Map([[R.r5, 'timeout'], [R.r10, 'quota'], [MISSING_ID, 'gone']])),
    writes: ['renders'],
  },
  { name: 'LoopShapesDAL.failRenders#empty', run: () => LoopShapesDAL.failRenders(new Map()), writes: ['renders'] },
  {
    name: 'LoopShapesDAL.failRenders#upperCase',
    run: () => LoopShapesDAL.failRenders(new Map([[upper(R.r10), 'quota']])),
    writes: ['renders'],
  },
  {
    name: 'LoopShapesDAL.publishRenders',
    run: () => LoopShapesDAL.publishRenders(new Set([R.r2, R.r10, MISSING_ID])),
    writes: ['renders'],
  },
  { name: 'LoopShapesDAL.publishRenders#empty', run: () => LoopShapesDAL.publishRenders(new Set()), writes: ['renders'] },
  {
    name: 'LoopShapesDAL.hideProjects',
    run: () => LoopShapesDAL.hideProjects({ [PR.aliceBrand]: true, [PR.bobBrand]: false, [MISSING_ID]: true }),
    writes: ['projects'],
  },
  { name: 'LoopShapesDAL.hideProjects#empty', run: () => LoopShapesDAL.hideProjects({}), writes: ['projects'] },
  {
    name: 'LoopShapesDAL.clearErrors',
    run: () => LoopShapesDAL.clearErrors([{ id: R.r4 }, { id: R.r4 }, { id: MISSING_ID }]),
    writes: ['renders'],
  },
  { name: 'LoopShapesDAL.clearErrors#empty', run: () => LoopShapesDAL.clearErrors([]), writes: ['renders'] },
  {
    name: 'LoopShapesDAL.latestRenderPerProject',
    run: () => LoopShapesDAL.latestRenderPerProject([PR.aliceSketch, PR.aliceBrand, MISSING_ID, PR.daveEmpty, PR.aliceSketch]),
  },
  { name: 'LoopShapesDAL.latestRenderPerProject#empty', run: () => LoopShapesDAL.latestRenderPerProject([]) },
  {
    name: 'LoopShapesDAL.latestRenderPerProject#uuidForms',
    run: () => LoopShapesDAL.latestRenderPerProject([upper(PR.bobBrand), braced(PR.aliceBrand), bare(PR.aliceSketch)]),
  },
  {
    name: 'LoopShapesDAL.lastRenderPerChain',
    run: () => LoopShapesDAL.lastRenderPerChain([CHAIN.hero, CHAIN.empty, CHAIN.bob, MISSING_ID, CHAIN.hero]),
  },
  { name: 'LoopShapesDAL.lastRenderPerChain#empty', run: () => LoopShapesDAL.lastRenderPerChain([]) },
  {
    name: 'LoopShapesDAL.lastRenderPerChain#uuidForms',
    run: () => LoopShapesDAL.lastRenderPerChain([braced(CHAIN.hero), bare(CHAIN.sketch)]),
  },
  {
    name: 'LoopShapesDAL.rendersWithProject',
    run: () => LoopShapesDAL.rendersWithProject([R.r9, R.r1, MISSING_ID, R.r9]),
  },
  {
    name: 'LoopShapesDAL.rendersWithProject#longerThanAChunk',
    run: () => LoopShapesDAL.rendersWithProject([R.r1, R.r2, R.r3, R.r4, R.r5, R.r6, R.r9, MISSING_ID]),
  },
  { name: 'LoopShapesDAL.rendersWithProject#empty', run: () => LoopShapesDAL.rendersWithProject([]) },
  {
    name: 'LoopShapesDAL.rendersWithProject#upperCase',
    run: () => LoopShapesDAL.rendersWithProject([upper(R.r10), R.r10, upper(EXEC.e1)]),
  },
  {
    name: 'LoopShapesDAL.completedPerProject',
    run: () => LoopShapesDAL.completedPerProject([PR.aliceBrand, PR.daveEmpty, MISSING_ID, PR.aliceBrand, PR.bobBrand]),
  },
  { name: 'LoopShapesDAL.completedPerProject#empty', run: () => LoopShapesDAL.completedPerProject([]) },
  {
    name: 'LoopShapesDAL.completedPerProject#uuidForms',
    run: () => LoopShapesDAL.completedPerProject([upper(PR.aliceSketch), braced(PR.bobBrand), bare(PR.aliceBrand)]),
  },
  {
    name: 'LoopShapesDAL.keepPublicOnly',
    run: () => LoopShapesDAL.keepPublicOnly(PR.aliceBrand, [R.r2, MISSING_ID]),
    writes: ['renders'],
  },
  {
    name: 'LoopShapesDAL.keepPublicOnly#keepAll',
    run: () => LoopShapesDAL.keepPublicOnly(PR.aliceBrand, [R.r1, R.r2, R.r3, R.r4, R.r5]),
    writes: ['renders'],
  },
  {
    name: 'LoopShapesDAL.keepPublicOnly#keepNone',
    run: () => LoopShapesDAL.keepPublicOnly(PR.aliceBrand, []),
    writes: ['renders'],
  },
  { name: 'LoopShapesDAL.keepPublicOnly#noRenders', run: () => LoopShapesDAL.keepPublicOnly(PR.daveEmpty, []), writes: ['renders'] },
  {
    name: 'LoopShapesDAL.failPending',
    run: () =>
      LoopShapesDAL.failPending([
        { id: R.r5, status: 'pending' },
        { id: R.r10, status: 'pending', keep: true },
        { id: R.r1, status: 'completed' },
        { id: R.r5, status: 'pending' },
        { id: R.r7, status: 'pending' },
        { id: R.r8, status: 'pending' },
        { id: R.r4, status: 'pending' },
        { id: MISSING_ID, status: 'pending' },
        { id: upper(R.r3), status: 'pending' },
      ]),
    writes: ['renders'],
  },
  { name: 'LoopShapesDAL.failPending#empty', run: () => LoopShapesDAL.failPending([]), writes: ['renders'] },
  {
    name: 'LoopShapesDAL.failPending#noneSelected',
    run: () => LoopShapesDAL.failPending([{ id: R.r5, status: 'completed' }, { id: R.r10, status: 'pending', keep: true }]),
    writes: ['renders'],
  },
  {
    name: 'LoopShapesDAL.publicRenderPrompts',
    run: () => LoopShapesDAL.publicRenderPrompts([R.r9, R.r2, MISSING_ID, R.r1, R.r9, R.r6, R.r3]),
  },
  { name: 'LoopShapesDAL.publicRenderPrompts#empty', run: () => LoopShapesDAL.publicRenderPrompts([]) },
  {
    name: 'LoopShapesDAL.publicRenderPrompts#uuidForms',
    run: () => LoopShapesDAL.publicRenderPrompts([upper(R.r1), braced(R.r6), bare(R.r9), R.r1]),
  },
];
