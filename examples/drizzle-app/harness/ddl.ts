/**
 * Builds CREATE statements straight from the Drizzle schema objects, so the
 * harness always creates exactly the tables that src/db/schema.ts declares
 * (no migration files to keep in sync).
 *
 * Database-side defaults are made deterministic:
 *   now()              -> the harness' frozen instant
 *   gen_random_uuid()  -> ffffffff-0000-4000-8000-<12 hex digits of a sequence>
 */
import { is, SQL } from 'drizzle-orm';
import {
  getTableConfig,
  isPgEnum,
  PgDialect,
  PgTable,
  type AnyPgColumn,
  type PgEnum,
} from 'drizzle-orm/pg-core';

export const UUID_SEQUENCE = 'harness_uuid_seq';

const dialect = new PgDialect();

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

export interface SchemaInfo {
  tables: PgTable[];
  enums: PgEnum<[string, ...string[]]>[];
  /** SQL table name -> table */
  byName: Map<string, PgTable>;
  /** SQL table name -> primary key column names (for ordering snapshots) */
  primaryKeys: Map<string, AnyPgColumn[]>;
  /** SQL table names whose primary key is a serial column */
  serialTables: { table: string; column: string }[];
}

export function inspectSchema(schema: Record<string, unknown>): SchemaInfo {
  const tables: PgTable[] = [];
  const enums: PgEnum<[string, ...string[]]>[] = [];
  for (const value of Object.values(schema)) {
    if (is(value, PgTable)) {
      tables.push(value);
    } else if (isPgEnum(value)) {
      enums.push(value as PgEnum<[string, ...string[]]>);
    }
  }

  const byName = new Map<string, PgTable>();
  const primaryKeys = new Map<string, AnyPgColumn[]>();
  const serialTables: { table: string; column: string }[] = [];
  for (const table of tables) {
    const config = getTableConfig(table);
    byName.set(config.name, table);
    const pkColumns = config.columns.filter((c) => c.primary);
    const composite = config.primaryKeys[0]?.columns ?? [];
    primaryKeys.set(config.name, pkColumns.length > 0 ? pkColumns : composite);
    for (const column of config.columns) {
      if (column.getSQLType() === 'serial' || column.getSQLType() === 'bigserial') {
        serialTables.push({ table: config.name, column: column.name });
      }
    }
  }
  return { tables, enums, byName, primaryKeys, serialTables };
}

function renderDefault(column: AnyPgColumn, frozenNowIso: string): string | null {
  const value = column.default;
  if (value === undefined) {
    return null;
  }
  if (is(value, SQL)) {
    const text = dialect.sqlToQuery(value).sql.trim();
    if (/^now\(\)$/i.test(text) || /^current_timestamp$/i.test(text)) {
      return `${literal(frozenNowIso)}::timestamptz`;
    }
    if (/^gen_random_uuid\(\)$/i.test(text)) {
      return `('ffffffff-0000-4000-8000-' || lpad(to_hex(nextval('${UUID_SEQUENCE}')), 12, '0'))::uuid`;
    }
    return text;
  }
  if (typeof value === 'string') {
    return literal(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (value instanceof Date) {
    return `${literal(value.toISOString())}::timestamptz`;
  }
  // json / jsonb
  return `${literal(JSON.stringify(value))}::jsonb`;
}

/** Statements creating every enum, table, index and foreign key of the schema. */
export function buildDdl(info: SchemaInfo, frozenNowIso: string): string[] {
  const statements: string[] = [`CREATE SEQUENCE ${q(UUID_SEQUENCE)}`];

  for (const e of info.enums) {
    statements.push(`CREATE TYPE ${q(e.enumName)} AS ENUM (${e.enumValues.map(literal).join(', ')})`);
  }

  const foreignKeys: string[] = [];
  const indexes: string[] = [];

  for (const table of info.tables) {
    const config = getTableConfig(table);
    const lines: string[] = [];

    for (const column of config.columns) {
      let line = `${q(column.name)} ${column.getSQLType()}`;
      if (column.primary) line += ' PRIMARY KEY';
      if (column.notNull && !column.primary) line += ' NOT NULL';
      const def = renderDefault(column, frozenNowIso);
      if (def !== null) line += ` DEFAULT ${def}`;
      if (column.isUnique) {
        line += ` CONSTRAINT ${q(column.uniqueName ?? `${config.name}_${column.name}_unique`)} UNIQUE`;
      }
      lines.push(line);
    }

    for (const pk of config.primaryKeys) {
      lines.push(`CONSTRAINT ${q(pk.getName())} PRIMARY KEY (${pk.columns.map((c) => q(c.name)).join(', ')})`);
    }
    for (const uc of config.uniqueConstraints) {
      const nulls = uc.nullsNotDistinct ? ' NULLS NOT DISTINCT' : '';
      lines.push(`CONSTRAINT ${q(uc.getName()!)} UNIQUE${nulls} (${uc.columns.map((c) => q(c.name)).join(', ')})`);
    }

    statements.push(`CREATE TABLE ${q(config.name)} (\n  ${lines.join(',\n  ')}\n)`);

    for (const fk of config.foreignKeys) {
      const ref = fk.reference();
      const foreignTable = getTableConfig(ref.foreignTable).name;
      foreignKeys.push(
        `ALTER TABLE ${q(config.name)} ADD CONSTRAINT ${q(fk.getName())} FOREIGN KEY (${ref.columns
          .map((c) => q(c.name))
          .join(', ')}) REFERENCES ${q(foreignTable)} (${ref.foreignColumns.map((c) => q(c.name)).join(', ')})` +
          ` ON DELETE ${fk.onDelete ?? 'no action'} ON UPDATE ${fk.onUpdate ?? 'no action'}`,
      );
    }

    for (const idx of config.indexes) {
      const { name, columns, unique, method, where } = idx.config;
      const cols = columns.map((c) => {
        if (is(c, SQL)) return dialect.sqlToQuery(c).sql;
        return q((c as { name: string }).name);
      });
      const whereSql = where ? ` WHERE ${dialect.sqlToQuery(where).sql}` : '';
      indexes.push(
        `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${q(name ?? `${config.name}_idx_${indexes.length}`)} ON ${q(
          config.name,
        )} USING ${method ?? 'btree'} (${cols.join(', ')})${whereSql}`,
      );
    }
  }

  return [...statements, ...foreignKeys, ...indexes];
}

/**
 * Statements emptying every table, children before parents. (Plain DELETEs in
 * one transaction are much cheaper than TRUNCATE on a real server for tables
 * this small; sequences are reset separately by buildSequenceReset.)
 */
export function buildReset(info: SchemaInfo): string {
  const deps = new Map<PgTable, Set<PgTable>>();
  for (const table of info.tables) {
    const parents = new Set<PgTable>();
    for (const fk of getTableConfig(table).foreignKeys) {
      const parent = fk.reference().foreignTable;
      if (parent !== table) parents.add(parent);
    }
    deps.set(table, parents);
  }
  // Topological order parents-first, then reversed.
  const ordered: PgTable[] = [];
  const visiting = new Set<PgTable>();
  const visit = (table: PgTable) => {
    if (ordered.includes(table) || visiting.has(table)) return;
    visiting.add(table);
    for (const parent of deps.get(table) ?? []) visit(parent);
    ordered.push(table);
  };
  info.tables.forEach(visit);
  return ordered
    .reverse()
    .map((t) => `DELETE FROM ${q(getTableConfig(t).name)}`)
    .join('; ');
}

/**
 * After seeding explicit serial ids, move each serial sequence just past the
 * highest id (1 for an empty table), and restart the uuid sequence.
 */
export function buildSequenceReset(info: SchemaInfo): string {
  return [
    `SELECT setval(${literal(UUID_SEQUENCE)}, 1, false)`,
    ...info.serialTables.map(
      ({ table, column }) =>
        `SELECT setval(pg_get_serial_sequence(${literal(q(table))}, ${literal(column)}), COALESCE((SELECT MAX(${q(
          column,
        )}) FROM ${q(table)}), 0) + 1, false)`,
    ),
  ].join('; ');
}
