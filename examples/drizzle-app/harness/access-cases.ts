/**
 * Cases for src/dal/access.ts: reads separated by guards, each guard's error path exercised
 * (found/found, first missing, second missing). Kept apart from cases.ts; spread into it.
 */
import { AccessDAL } from '../src/dal/access';
import { CHAIN, MISSING_ID, PR, U } from './fixtures';
import type { HarnessCase } from './cases';

export const accessTargets = { AccessDAL } as const;

export const accessCases: HarnessCase[] = [
  { name: 'AccessDAL.getProjectForUser', run: () => AccessDAL.getProjectForUser(PR.aliceBrand, U.alice) },
  { name: 'AccessDAL.getProjectForUser#viewer', run: () => AccessDAL.getProjectForUser(PR.aliceBrand, U.bob) },
  { name: 'AccessDAL.getProjectForUser#missingProject', run: () => AccessDAL.getProjectForUser(MISSING_ID, U.alice) },
  { name: 'AccessDAL.getProjectForUser#missingUser', run: () => AccessDAL.getProjectForUser(PR.aliceBrand, MISSING_ID) },
  { name: 'AccessDAL.getProjectForUser#inactiveUser', run: () => AccessDAL.getProjectForUser(PR.aliceBrand, U.frank) },
  { name: 'AccessDAL.getCreditsOfActiveUser', run: () => AccessDAL.getCreditsOfActiveUser(U.alice) },
  { name: 'AccessDAL.getCreditsOfActiveUser#missing', run: () => AccessDAL.getCreditsOfActiveUser(MISSING_ID) },
  { name: 'AccessDAL.getCreditsOfActiveUser#inactive', run: () => AccessDAL.getCreditsOfActiveUser(U.frank) },
  { name: 'AccessDAL.getCreditsOfActiveUser#zeroBalance', run: () => AccessDAL.getCreditsOfActiveUser(U.grace) },
  { name: 'AccessDAL.getChainInProject', run: () => AccessDAL.getChainInProject(CHAIN.hero, PR.aliceBrand) },
  { name: 'AccessDAL.getChainInProject#missingChain', run: () => AccessDAL.getChainInProject(MISSING_ID, PR.aliceBrand) },
  { name: 'AccessDAL.getChainInProject#missingProject', run: () => AccessDAL.getChainInProject(CHAIN.hero, MISSING_ID) },
  { name: 'AccessDAL.getProjectHeader', run: () => AccessDAL.getProjectHeader(PR.aliceBrand, U.alice) },
  { name: 'AccessDAL.getProjectHeader#missingOwner', run: () => AccessDAL.getProjectHeader(PR.aliceBrand, MISSING_ID) },
  { name: 'AccessDAL.getProjectHeader#missingProject', run: () => AccessDAL.getProjectHeader(MISSING_ID, U.alice) },
];
