/**
 * npm test: checks the harness itself.
 *  - PGlite behind PGLiteSocketServer(maxConnections: 10) serves concurrent
 *    queries from a node-postgres Pool(10) correctly;
 *  - every relation declared in the schema works in a relational query;
 *  - every DAL / service method has at least one case;
 *  - a full harness run exits 0 and records a result for every case;
 *  - re-running a sample of cases gives identical records;
 *  - undefined is recorded apart from null;
 *  - a fault makes exactly the chosen statement fail with a real, Drizzle-wrapped
 *    DatabaseError, and inside a transaction rolls the transaction back.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';

import { toJsonValue } from './serialize';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Output {
  engine: string;
  cases: {
    name: string;
    result: unknown;
    rows?: Record<string, unknown[]>;
    rowsAtStart?: Record<string, unknown[]>;
    statements: number;
    fault?: { fired: number[]; seen: number };
  }[];
}

function runHarness(outFile: string, extraArgs: string[] = []): Output {
  const proc = spawnSync(process.execPath, ['--import', 'tsx', 'harness/run.ts', '--out', outFile, ...extraArgs], {
    cwd: appDir,
    encoding: 'utf8',
    env: { ...process.env, INIT_CWD: appDir },
    timeout: 180_000,
  });
  assert.equal(proc.status, 0, `harness exited with ${proc.status}\n${proc.stdout}\n${proc.stderr}`);
  return JSON.parse(readFileSync(outFile, 'utf8')) as Output;
}

test('undefined is recorded apart from null', () => {
  assert.deepEqual(toJsonValue(undefined), { $undefined: true });
  assert.equal(toJsonValue(null), null);
  assert.deepEqual(toJsonValue({ a: undefined, b: null }), { a: { $undefined: true }, b: null });
  assert.deepEqual(toJsonValue({}), {});
  assert.deepEqual(toJsonValue([undefined, null]), [{ $undefined: true }, null]);
});

describe('pglite socket server', () => {
  test('serves concurrent queries from a Pool(10)', async () => {
    const db = await PGlite.create();
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 10 });
    await server.start();
    const pool = new pg.Pool({ connectionString: `postgresql://postgres@${server.getServerConn()}/postgres`, max: 10 });
    try {
      await pool.query('CREATE TABLE t (id int PRIMARY KEY, v text)');
      await pool.query("INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 50) g");
      for (let round = 0; round < 5; round++) {
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            pool.query<{ id: number; v: string; k: number }>('SELECT id, v, $1::int AS k FROM t WHERE id = $1', [i + 1]),
          ),
        );
        results.forEach((r, i) => assert.deepEqual(r.rows, [{ id: i + 1, v: `v${i + 1}`, k: i + 1 }]));
      }
      assert.equal(pool.totalCount, 10, 'the pool should have opened all 10 connections');

      // A transaction on one connection is not visible to, nor interleaved with, the others.
      const client = await pool.connect();
      await client.query('BEGIN');
      await client.query("UPDATE t SET v = 'in-tx' WHERE id = 1");
      const outside = pool.query<{ v: string }>('SELECT v FROM t WHERE id = 1');
      await new Promise((resolve) => setTimeout(resolve, 50));
      await client.query('ROLLBACK');
      client.release();
      assert.deepEqual((await outside).rows, [{ v: 'v1' }]);
    } finally {
      await pool.end();
      await server.stop();
      await db.close();
    }
  });
});

test('every Drizzle relation in the schema resolves (db.query ... with)', () => {
  const proc = spawnSync(process.execPath, ['--import', 'tsx', 'harness/check-relations.ts'], {
    cwd: appDir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(proc.status, 0, `${proc.stdout}\n${proc.stderr}`);
  assert.match(proc.stdout, /^users: \d+ relations/m);
});

describe('harness', () => {
  let workDir: string;
  let output: Output;
  let caseNames: string[];

  before(async () => {
    workDir = mkdtempSync(path.join(tmpdir(), 'drizzle-app-harness-'));
    // Importing the cases does not connect: the app's Pool is lazy.
    const { cases } = await import('./cases');
    caseNames = cases.map((c) => c.name);
    output = runHarness(path.join(workDir, 'results.json'));
  });

  after(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  test('every DAL / service method has a case', async () => {
    const { targets } = await import('./cases');
    const missing: string[] = [];
    for (const [targetName, target] of Object.entries(targets)) {
      const methods =
        typeof target === 'function'
          ? Object.getOwnPropertyNames(target).filter(
              (key) => !['length', 'name', 'prototype'].includes(key) && typeof (target as never)[key] === 'function',
            )
          : Object.keys(target).filter((key) => typeof (target as Record<string, unknown>)[key] === 'function');
      assert.ok(methods.length > 0, `${targetName} has no methods`);
      for (const method of methods) {
        if (!caseNames.includes(`${targetName}.${method}`)) {
          missing.push(`${targetName}.${method}`);
        }
      }
    }
    assert.deepEqual(missing, [], `methods without a case: ${missing.join(', ')}`);
  });

  test('records a result for every case', () => {
    assert.ok(['pglite', 'postgres'].includes(output.engine));
    assert.deepEqual(
      output.cases.map((c) => c.name),
      caseNames,
    );
    for (const c of output.cases) {
      assert.ok('result' in c, `${c.name}: no result`);
      assert.ok(Number.isInteger(c.statements) && c.statements >= 0, `${c.name}: bad statement count`);
    }
  });

  test('write cases carry row snapshots, read cases do not', async () => {
    const { cases } = await import('./cases');
    const byName = new Map(output.cases.map((c) => [c.name, c]));
    for (const c of cases) {
      const recorded = byName.get(c.name)!;
      if (c.writes) {
        assert.deepEqual(Object.keys(recorded.rows ?? {}), [...c.writes].sort(), `${c.name}: snapshot tables`);
        for (const rows of Object.values(recorded.rows ?? {})) assert.ok(Array.isArray(rows));
      } else {
        assert.equal(recorded.rows, undefined, `${c.name}: unexpected rows`);
      }
    }
  });

  test('the anti-patterns issue the statement counts the audits describe', () => {
    const statements = (name: string) => output.cases.find((c) => c.name === name)?.statements;
    assert.equal(statements('ProfileStatsService.getUserStats'), 4);
    assert.equal(statements('BillingDAL.getMonthlyCredits'), 2);
    assert.equal(statements('CanvasFilesDAL.getFileWithGraph'), 2);
    assert.equal(statements('RendersDAL.getWithContext'), 4);
    assert.equal(statements('RenderChainService.deleteChain'), 2 + 3 + 1); // 1 + N (+ the chain lookup)
    assert.equal(statements('ShotsDAL.getShotForUser'), 3);
    assert.equal(statements('eventsStorage.getEventWithRelations'), 10);
  });

  test('re-running cases gives identical records', () => {
    const sample = [
      'AuthDAL.createUser',
      'RendersDAL.markAsFailed',
      'RenderChainService.createChainFromRenders',
      'CanvasDAL.saveGraph#newFileGraph',
      'AmbassadorDAL.updatePayoutStatus',
      'eventsStorage.createEvent',
      'eventsStorage.deleteUser',
      'ShotsDAL.createShots',
    ];
    const again = runHarness(
      path.join(workDir, 'sample.json'),
      sample.flatMap((name) => ['--case', name]),
    );
    for (const entry of again.cases) {
      assert.deepEqual(entry, output.cases.find((c) => c.name === entry.name), `${entry.name} differs between runs`);
    }
    assert.equal(again.cases.length, sample.length);
  });

  test('a fault fails the chosen statement with a wrapped DatabaseError', () => {
    const plan = path.join(workDir, 'plan.json');
    writeFileSync(
      plan,
      JSON.stringify({
        faults: [
          // createUser: begin, insert users, insert user_credits, insert credit_transactions, commit
          { case: 'AuthDAL.createUser', label: 'credits', fault: { table: 'user_credits' } },
          { case: 'AuthDAL.createUser', label: 'commit', fault: { startsWith: 'commit' } },
          { case: 'RendersDAL.markAsFailed', label: 'r7', fault: { table: 'renders', param: '00000006-0000-4000-8000-000000000007' } },
          { case: 'RendersDAL.getById', label: 'never', fault: { table: 'users' } },
        ],
      }),
    );
    const run = runHarness(path.join(workDir, 'faults.json'), ['--faults', plan, '--faults-only']);
    const byName = new Map(run.cases.map((c) => [c.name, c]));
    const credits = byName.get('AuthDAL.createUser@credits')!;
    assert.deepEqual(credits.result, {
      error: 'duplicate key value violates unique constraint "user_credits_fault_key"',
      class: 'DrizzleQueryError',
      cause: 'DatabaseError',
      code: '23505',
      constraint: 'user_credits_fault_key',
    });
    assert.deepEqual(credits.fault?.fired, [3]);
    assert.deepEqual(credits.rows, credits.rowsAtStart, 'the transaction was rolled back');
    const commit = byName.get('AuthDAL.createUser@commit')!;
    assert.equal((commit.result as { code?: string }).code, '40001');
    assert.deepEqual(commit.rows, commit.rowsAtStart, 'a failed commit writes nothing');
    const r7 = byName.get('RendersDAL.markAsFailed@r7')!;
    assert.deepEqual(r7.fault?.fired, [2], 'the per-id update of r7 is the second statement');
    assert.notDeepEqual(r7.rows, r7.rowsAtStart, 'the first update (r5) stays: partial write');
    const never = byName.get('RendersDAL.getById@never')!;
    assert.deepEqual(never.fault, { table: 'users', fired: [], seen: 1 });
    assert.deepEqual(
      never.result,
      output.cases.find((c) => c.name === 'RendersDAL.getById')!.result,
      'a fault that matches nothing changes nothing',
    );
  });
});
