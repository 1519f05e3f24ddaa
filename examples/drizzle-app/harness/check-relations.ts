/**
 * Smoke test of the Drizzle relations in src/db/schema.ts: for every table,
 * a relational query loading all of its relations must run. Prints one line
 * per table; exits non-zero on the first failure.
 *
 *   npx tsx harness/check-relations.ts
 */
import { startHarness } from './engine';

async function main(): Promise<void> {
  const harness = await startHarness();
  try {
    await harness.reseed();
    const { db } = harness.app;
    const tables = (db._.schema ?? {}) as Record<string, { relations: Record<string, unknown> }>;
    const query = db.query as unknown as Record<
      string,
      { findMany(config: { with: Record<string, true>; limit: number }): Promise<unknown[]> }
    >;
    for (const [key, config] of Object.entries(tables)) {
      const relationNames = Object.keys(config.relations);
      const withAll = Object.fromEntries(relationNames.map((name) => [name, true as const]));
      const rows = await query[key].findMany({ with: withAll, limit: 2 });
      console.log(`${key}: ${relationNames.length} relations, ${rows.length} rows`);
    }
  } finally {
    await harness.close();
  }
}

main().catch((err) => {
  console.error('relations check failed:', err);
  process.exit(1);
});
