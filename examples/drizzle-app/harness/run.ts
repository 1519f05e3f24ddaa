/**
 * Runs every harness case and writes the results as JSON.
 *
 *   npm run harness -- --out results.json [--case NAME ...] [--sql] [--faults PLAN.json [--faults-only]]
 *
 * See harness/README.md for the output contract.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import type { HarnessCase } from './cases';
import { startHarness, type EngineName } from './engine';
import type { FaultReport, FaultSpec } from './faults';
import { serializeError, toJsonValue } from './serialize';

export interface CaseResult {
  name: string;
  result: unknown;
  rows?: Record<string, unknown>;
  statements: number;
  /** How many of `statements` were BEGIN / COMMIT / ROLLBACK / SAVEPOINT / RELEASE. */
  transactionControl: number;
  sql?: string[];
  params?: unknown[][];
  /** Fault variants only: the fault that was armed and where it fired. */
  fault?: FaultSpec & FaultReport;
  /** Write cases: the rows when the call started (after the case's `setup`). */
  rowsAtStart?: Record<string, unknown>;
}

/** `--faults FILE`: `{ "faults": [{ "case": NAME, "label": LABEL, "fault": FaultSpec }] }`. */
interface FaultPlan {
  faults: { case: string; label: string; fault: FaultSpec }[];
}

interface Variant extends HarnessCase {
  fault?: FaultSpec;
}

export interface HarnessOutput {
  engine: EngineName;
  cases: CaseResult[];
}

const TRANSACTION_CONTROL = /^\s*(begin|start\s+transaction|commit|end|rollback|abort|savepoint|release)\b/i;

class CaseTimeout extends Error {}

/** Settles with `promise`, or rejects with CaseTimeout after `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  promise.catch(() => {}); // a late rejection of a timed-out case is not an unhandled one
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CaseTimeout(`Case timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      case: { type: 'string', multiple: true },
      sql: { type: 'boolean', default: false },
      faults: { type: 'string' },
      'faults-only': { type: 'boolean', default: false },
      'case-timeout': { type: 'string', default: process.env.HARNESS_CASE_TIMEOUT_MS ?? '15000' },
    },
  });

  const harness = await startHarness();
  try {
    const { cases } = await import('./cases');
    const seen = new Set<string>();
    for (const c of cases) {
      if (seen.has(c.name)) throw new Error(`Duplicate case name: ${c.name}`);
      seen.add(c.name);
      for (const table of c.writes ?? []) {
        if (!harness.schema.byName.has(table)) throw new Error(`${c.name}: unknown table ${table}`);
      }
    }

    // Fault variants, named `CASE@LABEL`, run after the plain cases.
    const variants: Variant[] = values['faults-only'] ? [] : [...cases];
    if (values.faults) {
      const plan = JSON.parse(readFileSync(path.resolve(process.env.INIT_CWD ?? process.cwd(), values.faults), 'utf8')) as FaultPlan;
      const byName = new Map(cases.map((c) => [c.name, c]));
      for (const entry of plan.faults) {
        const base = byName.get(entry.case);
        if (!base) throw new Error(`--faults: unknown case ${entry.case}`);
        const name = `${entry.case}@${entry.label}`;
        if (seen.has(name)) throw new Error(`Duplicate case name: ${name}`);
        seen.add(name);
        variants.push({ ...base, name, fault: entry.fault });
      }
    }

    const selected = values.case?.length ? variants.filter((c) => values.case!.includes(c.name)) : variants;
    if (values.case?.length && selected.length !== values.case.length) {
      const missing = values.case.filter((name) => !variants.some((v) => v.name === name));
      throw new Error(`Unknown case(s): ${missing.join(', ')}`);
    }

    const timeoutMs = Number.parseInt(values['case-timeout']!, 10);
    const output: HarnessOutput = { engine: harness.engine, cases: [] };
    const logger = harness.app.queryLogger;

    for (const c of selected) {
      await harness.reseed();
      if (c.setup) {
        await c.setup();
      }
      const rowsAtStart = c.writes ? await harness.snapshot(c.writes) : undefined;
      logger.reset();
      let result: unknown;
      let timedOut = false;
      if (c.fault) harness.faults.arm(c.fault);
      try {
        result = toJsonValue(await withTimeout(c.run(), timeoutMs));
      } catch (err) {
        if (err instanceof CaseTimeout) {
          timedOut = true;
          result = { error: err.message };
        } else {
          result = serializeError(err);
        }
      }
      const report = harness.faults.disarm();
      const statements = logger.count;
      const sql = logger.queries.map((q) => q.sql);
      const transactionControl = sql.filter((text) => TRANSACTION_CONTROL.test(text)).length;
      if (timedOut) {
        console.error(`harness: ${c.name} did not finish within ${timeoutMs} ms; dropping all connections`);
        await harness.dropConnections();
      }

      const entry: CaseResult = c.writes
        ? { name: c.name, result, rows: await harness.snapshot(c.writes), statements, transactionControl }
        : { name: c.name, result, statements, transactionControl };
      if (rowsAtStart) entry.rowsAtStart = rowsAtStart;
      if (c.fault) {
        entry.fault = { ...c.fault, ...report };
      }
      if (values.sql) {
        entry.sql = sql;
        entry.params = logger.queries.map((q) => toJsonValue(q.params) as unknown[]);
      }
      output.cases.push(entry);
    }

    const json = `${JSON.stringify(output, null, 2)}\n`;
    if (values.out) {
      const base = process.env.INIT_CWD ?? process.cwd();
      const outPath = path.resolve(base, values.out);
      writeFileSync(outPath, json);
      const total = output.cases.reduce((sum, c) => sum + c.statements, 0);
      const errors = output.cases.filter((c) => typeof c.result === 'object' && c.result !== null && 'error' in c.result).length;
      console.error(
        `harness: ${output.cases.length} cases on ${output.engine}, ${total} statements, ${errors} recorded errors -> ${outPath}`,
      );
    } else {
      process.stdout.write(json);
    }
  } finally {
    await harness.close();
  }
}

main().catch((err) => {
  console.error('harness failed:', err);
  process.exit(2);
});
