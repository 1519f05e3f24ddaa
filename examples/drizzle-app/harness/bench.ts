/**
 * Times one harness case.
 *
 *   tsx harness/bench.ts --case NAME --iterations N [--warmup W] [--out file.json]
 *
 * Uses DATABASE_URL (real PostgreSQL through the app's Pool(10)) when set,
 * otherwise the in-process PGlite engine. Every iteration starts from freshly
 * seeded data; only the call itself is timed.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { startHarness } from './engine';
import { serializeError } from './serialize';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      case: { type: 'string' },
      iterations: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '2' },
      out: { type: 'string' },
    },
  });
  if (!values.case) {
    throw new Error('--case NAME is required');
  }
  const iterations = Number.parseInt(values.iterations!, 10);
  const warmup = Number.parseInt(values.warmup!, 10);
  if (!(iterations > 0) || !(warmup >= 0)) {
    throw new Error('--iterations must be > 0 and --warmup >= 0');
  }

  const harness = await startHarness();
  try {
    const { cases } = await import('./cases');
    const target = cases.find((c) => c.name === values.case);
    if (!target) {
      throw new Error(`Unknown case: ${values.case}`);
    }

    const latenciesMs: number[] = [];
    let statements = 0;
    let error: string | null = null;
    for (let i = 0; i < warmup + iterations; i++) {
      await harness.reseed();
      harness.app.queryLogger.reset();
      const start = performance.now();
      try {
        await target.run();
      } catch (err) {
        error = serializeError(err).error;
      }
      const elapsed = performance.now() - start;
      if (i >= warmup) {
        latenciesMs.push(round(elapsed));
        statements = harness.app.queryLogger.count;
        console.log(`${target.name} iteration ${i - warmup + 1}/${iterations}: ${elapsed.toFixed(3)} ms`);
      }
    }

    const sorted = [...latenciesMs].sort((a, b) => a - b);
    const summary = {
      min: sorted[0],
      median: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      max: sorted[sorted.length - 1],
      mean: round(latenciesMs.reduce((a, b) => a + b, 0) / latenciesMs.length),
    };
    console.log(
      `${target.name} on ${harness.engine}: median ${summary.median} ms, p95 ${summary.p95} ms, ${statements} statements`,
    );

    const report = {
      engine: harness.engine,
      case: target.name,
      iterations,
      warmup,
      statements,
      error,
      latenciesMs,
      summary,
    };
    if (values.out) {
      const outPath = path.resolve(process.env.INIT_CWD ?? process.cwd(), values.out);
      writeFileSync(outPath, `${JSON.stringify(report, null, 2)}\n`);
    }
  } finally {
    await harness.close();
  }
}

main().catch((err) => {
  console.error('bench failed:', err);
  process.exit(2);
});
