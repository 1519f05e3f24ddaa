/**
 * Concurrent callers of a read-modify-write method (dalfix DAL009 lost-update): `--calls N` calls of
 * `BillingDAL.refundRenderCredits(alice, 1)` started at once on the app's pool (10 connections), then
 * alice's balance. Each call adds 1, so `applied` is N unless updates were lost: two calls read the same
 * balance and both write `balance + 1`.
 *
 *   npx tsx harness/concurrency.ts --calls 20 --out concurrency.json
 *
 * Writes {"engine", "calls", "fulfilled", "start", "end", "applied"}.
 */
import { writeFileSync } from 'node:fs';

import { eq } from 'drizzle-orm';

import { startHarness } from './engine';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

async function main(): Promise<void> {
  const out = option('--out', 'concurrency.json');
  const calls = Number(option('--calls', '20'));
  const harness = await startHarness();
  try {
    await harness.reseed();
    // The app's modules only after startHarness has pointed DATABASE_URL at the engine.
    const { BillingDAL } = await import('../src/dal/billing');
    const { userCredits } = await import('../src/db/schema');
    const { U } = await import('./fixtures');
    const { db } = harness.app;
    const balance = async (): Promise<number> => {
      const [row] = await db.select().from(userCredits).where(eq(userCredits.userId, U.alice));
      return row.balance;
    };
    const start = await balance();
    const settled = await Promise.allSettled(
      Array.from({ length: calls }, () => BillingDAL.refundRenderCredits(U.alice, 1)),
    );
    const end = await balance();
    const fulfilled = settled.filter((s) => s.status === 'fulfilled').length;
    const record = { engine: harness.engine, calls, fulfilled, start, end, applied: end - start };
    writeFileSync(out, JSON.stringify(record, null, 2) + '\n');
  } finally {
    await harness.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
