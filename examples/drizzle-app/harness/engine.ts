/**
 * Starts the database the harness runs against and loads the app's db module
 * on top of it.
 *
 * - DATABASE_URL unset: one in-memory PGlite instance, served over the
 *   PostgreSQL wire protocol by PGLiteSocketServer (127.0.0.1, free port,
 *   maxConnections 10) so the app talks to it through its real node-postgres
 *   Pool(10).
 * - DATABASE_URL set: that PostgreSQL server; tables are created in a fresh
 *   schema (dropped again on close) and put on the pool's search_path.
 *
 * DATABASE_URL, TZ and the frozen clock are set up before the app's modules
 * are imported (dynamic import), because src/db/index.ts reads DATABASE_URL
 * when it is first evaluated.
 */
import { userInfo } from 'node:os';

import { asc } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type { PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';

import { FROZEN_NOW_ISO, freezeClock } from './clock';
import { buildDdl, buildReset, buildSequenceReset, inspectSchema, type SchemaInfo } from './ddl';
import { FaultInjector } from './faults';
import { toJsonValue } from './serialize';

export type EngineName = 'pglite' | 'postgres';

type AppDbModule = typeof import('../src/db/index');

export interface Harness {
  engine: EngineName;
  app: AppDbModule;
  schema: SchemaInfo;
  /** Makes chosen statements of a call fail (see faults.ts); disarmed unless a case arms it. */
  faults: FaultInjector;
  /** Empties every table, resets sequences and inserts the fixtures. */
  reseed(): Promise<void>;
  /** Rows of the given tables, ordered by primary key, as JSON data. */
  snapshot(tables: string[]): Promise<Record<string, unknown>>;
  /**
   * Kills every connection of the app's pool (after a case hung, e.g. on a
   * query waiting for a transaction held by the same call). Open transactions
   * are rolled back; the pool reconnects on its next query.
   */
  dropConnections(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  process.env.TZ = 'UTC';
  freezeClock(FROZEN_NOW_ISO);

  let engine: EngineName;
  let stopEngine: () => Promise<void> = async () => {};
  let dropConnections: () => Promise<void> = async () => {};
  let dropSchema: (() => Promise<void>) | null = null;
  let schemaName: string | null = null;

  if (process.env.DATABASE_URL) {
    engine = 'postgres';
    // libpq falls back to the OS user when the URL names none; node-postgres
    // only looks at $USER, which is not always set (e.g. under su / in CI).
    if (!process.env.PGUSER && !process.env.USER) {
      process.env.PGUSER = userInfo().username;
    }
    const name = process.env.HARNESS_SCHEMA ?? `drizzle_app_harness_${process.pid}`;
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
      throw new Error(`Invalid HARNESS_SCHEMA: ${name}`);
    }
    schemaName = name;
    const admin = async (sql: string) => {
      const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    await admin(`DROP SCHEMA IF EXISTS "${name}" CASCADE; CREATE SCHEMA "${name}"`);
    process.env.PGOPTIONS = `-c search_path=${name}`;
    const appName = `drizzle-app-harness-${process.pid}`;
    process.env.PGAPPNAME = appName;
    dropSchema = () => admin(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    dropConnections = () =>
      admin(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${appName}' AND pid <> pg_backend_pid()`,
      );
  } else {
    engine = 'pglite';
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const pglite = await PGlite.create();
    let server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: 0, maxConnections: 10 });
    await server.start();
    const address = server.getServerConn();
    process.env.DATABASE_URL = `postgresql://postgres:postgres@${address}/postgres`;
    stopEngine = async () => {
      await server.stop();
      await pglite.close();
    };
    dropConnections = async () => {
      // Stopping the socket server closes every client socket (rolling back a
      // transaction left open); a new server then takes over the same port.
      await server.stop();
      server = new PGLiteSocketServer({
        db: pglite,
        host: '127.0.0.1',
        port: Number(address.split(':').pop()),
        maxConnections: 10,
      });
      await server.start();
    };
  }

  const app: AppDbModule = await import('../src/db/index');
  const appSchema = await import('../src/db/schema');
  const info = inspectSchema(appSchema);
  const faults = new FaultInjector(new Set(info.byName.keys()));
  // Connections killed by dropConnections() surface as 'error' events, on the
  // pool for idle clients and on the client itself for checked-out ones.
  app.pool.on('error', () => {});
  app.pool.on('connect', (client) => {
    client.on('error', () => {});
    faults.wrap(client);
  });

  // The harness' own handle: same pool, no query logger, so seeding and
  // snapshots never show up in the app's statement counts.
  const hdb = drizzle(app.pool);

  if (schemaName) {
    const { rows } = await app.pool.query<{ search_path: string }>('SHOW search_path');
    if (rows[0]?.search_path.replace(/"/g, '') !== schemaName) {
      throw new Error(`search_path was not applied to the app pool: ${rows[0]?.search_path}`);
    }
  }

  for (const statement of buildDdl(info, FROZEN_NOW_ISO)) {
    await app.pool.query(statement);
  }

  const resetSql = buildReset(info);
  const sequenceResetSql = buildSequenceReset(info);
  const { seedRows } = await import('./fixtures');
  const seed = seedRows();

  return {
    engine,
    app,
    schema: info,
    faults,

    async reseed() {
      // One transaction on one connection: a single commit for the whole reset.
      const client = await app.pool.connect();
      try {
        const cdb = drizzle(client);
        await client.query('BEGIN');
        await client.query(resetSql);
        for (const [table, rows] of seed) {
          if (rows.length > 0) {
            // eslint-disable-next-line @typescript-eslint/no-explicit-any
            await cdb.insert(table).values(rows as any);
          }
        }
        await client.query(sequenceResetSql);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
      app.queryLogger.reset();
    },

    async snapshot(tables: string[]) {
      const out: Record<string, unknown> = {};
      for (const name of [...tables].sort()) {
        const table = info.byName.get(name);
        if (!table) {
          throw new Error(`Unknown table in case definition: ${name}`);
        }
        const pk = info.primaryKeys.get(name) ?? [];
        const rows = await hdb
          .select()
          .from(table as PgTable)
          .orderBy(...pk.map((column) => asc(column)));
        out[name] = toJsonValue(rows);
      }
      return out;
    },

    dropConnections,

    async close() {
      await app.pool.end();
      if (dropSchema) {
        await dropSchema();
      }
      await stopEngine();
    },
  };
}
