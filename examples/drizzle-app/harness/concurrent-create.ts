/**
 * Two concurrent `CanvasFilesDAL.create` calls with the same slug, `--rounds`
 * times (re-seeded before each round), on the engine the harness picks
 * (PostgreSQL with DATABASE_URL: the app's Pool(10) really runs the two calls
 * on two connections).
 *
 *   npx tsx harness/concurrent-create.ts --out race.json [--rounds 20]
 *
 * The pre-check version (`getBySlug`, throw if found, insert) races: both calls
 * can pass the check, and the second insert then fails with the raw unique
 * violation (23505) instead of the domain error. After dalfix (DAL003:
 * `onConflictDoNothing` + the same guard) the database decides, and the loser
 * always gets the domain error. Each call's outcome is recorded as
 * `created`, `domain-error` (the app's own `Error` and message),
 * `unique-violation` (a database error with SQLSTATE 23505 on its cause chain)
 * or `other`, with the number of rows holding the slug after the round.
 *
 *   npx tsx harness/concurrent-create.ts --case link-for --out race.json
 *
 * The same race on a find-or-create (`AmbassadorDAL.linkFor`: read by the
 * unique code, insert when missing, return the row). Before, both calls can
 * miss the read and the loser's insert fails with 23505; after dalfix (DAL003:
 * `onConflictDoNothing` + a re-read when the insert returns no row) both calls
 * get the same link. Each fulfilled call records the id of the link it got.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { eq } from 'drizzle-orm';

import { startHarness } from './engine';
import { AMB, PR, U } from './fixtures';
import { serializeError } from './serialize';

type Outcome = 'created' | 'domain-error' | 'unique-violation' | 'other';

interface Round {
  outcomes: Outcome[];
  rows: number;
  errors: unknown[];
  /** link-for: the id of the link each fulfilled call returned (null for a rejected call). */
  ids?: (string | null)[];
}

const LINK_CODE = 'race-link';

const SLUG = 'race-slug';
const DOMAIN_MESSAGE = `Canvas file with slug "${SLUG}" already exists`;

/** SQLSTATE found on the error or its `.cause` chain (Drizzle wraps driver errors). */
function sqlState(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = err;
  for (let depth = 0; depth < 8 && current !== null && typeof current === 'object' && !seen.has(current); depth++) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function classify(result: PromiseSettledResult<unknown>): Outcome {
  if (result.status === 'fulfilled') return 'created';
  const err = result.reason;
  if (sqlState(err) === '23505') return 'unique-violation';
  if (err instanceof Error && err.constructor === Error && err.message === DOMAIN_MESSAGE) return 'domain-error';
  return 'other';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      rounds: { type: 'string', default: '20' },
      case: { type: 'string', default: 'canvas-create' },
    },
  });
  if (values.case !== 'canvas-create' && values.case !== 'link-for') {
    throw new Error(`--case must be canvas-create or link-for, not ${values.case}`);
  }
  const harness = await startHarness();
  try {
    const { CanvasFilesDAL } = await import('../src/dal/canvas-files');
    const { AmbassadorDAL } = await import('../src/dal/ambassador');
    const { canvasFiles, ambassadorLinks } = await import('../src/db/schema');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const hdb = drizzle(harness.app.pool);
    const create = (name: string) =>
      CanvasFilesDAL.create({ projectId: PR.aliceBrand, userId: U.alice, name, slug: SLUG });
    const rounds: Round[] = [];
    for (let i = 0; i < Number.parseInt(values.rounds!, 10); i++) {
      await harness.reseed();
      if (values.case === 'link-for') {
        const settled = await Promise.allSettled([
          AmbassadorDAL.linkFor(AMB.carol, LINK_CODE),
          AmbassadorDAL.linkFor(AMB.carol, LINK_CODE),
        ]);
        const rows = await hdb
          .select({ id: ambassadorLinks.id })
          .from(ambassadorLinks)
          .where(eq(ambassadorLinks.code, LINK_CODE));
        rounds.push({
          outcomes: settled.map(classify),
          rows: rows.length,
          errors: settled.filter((s) => s.status === 'rejected').map((s) => serializeError(s.reason)),
          ids: settled.map((s) => (s.status === 'fulfilled' ? (s.value?.id ?? null) : null)),
        });
        continue;
      }
      const settled = await Promise.allSettled([create('First'), create('Second')]);
      const rows = await hdb.select({ id: canvasFiles.id }).from(canvasFiles).where(eq(canvasFiles.slug, SLUG));
      rounds.push({
        outcomes: settled.map(classify),
        rows: rows.length,
        errors: settled.filter((s) => s.status === 'rejected').map((s) => serializeError(s.reason)),
      });
    }
    const json = `${JSON.stringify({ engine: harness.engine, rounds }, null, 2)}\n`;
    if (values.out) {
      writeFileSync(path.resolve(process.env.INIT_CWD ?? process.cwd(), values.out), json);
    } else {
      process.stdout.write(json);
    }
  } finally {
    await harness.close();
  }
}

main().catch((err) => {
  console.error('concurrent-create failed:', err);
  process.exit(2);
});
