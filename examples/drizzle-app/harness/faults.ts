/**
 * Fault injection: make one chosen statement of a call fail with a real
 * PostgreSQL error.
 *
 * A fault is a predicate over the statements the app sends during one call,
 * applied the same way to the code before and after a rewrite. Statement
 * positions cannot be compared across a rewrite (a batch replaces N
 * statements by one, Promise.all changes nothing in issue order but a JOIN
 * would), so a fault names *what* the statement touches, not *when* it runs:
 *
 *   { table: 'renders', param: '<uuid>', nth: 1 }
 *     = the 1st statement that mentions table "renders" and has '<uuid>'
 *       among its bind parameters.
 *
 * `table` (a quoted SQL table name in the text), `param` (a bind parameter,
 * compared as text; uuids by their hex digits) and `startsWith` (e.g. 'commit') are all optional; `nth`
 * counts the statements that match the rest (1-based). `all: true` makes every
 * matching statement fail (several simultaneous failures).
 *
 * The matched statement is not faked in JS: its text is replaced by a `DO`
 * block that raises the error on the server (`RAISE ... USING ERRCODE,
 * CONSTRAINT, TABLE`), so node-postgres builds its own `DatabaseError` (code,
 * constraint, table, severity), Drizzle wraps it as it wraps any driver error
 * (`DrizzleQueryError` with `cause` in drizzle >= 0.44), a pool client that
 * saw the error is discarded as usual, and inside a transaction the failure
 * aborts the transaction exactly as a real one does (25P02 afterwards).
 */
import type pg from 'pg';

export interface FaultSpec {
  table?: string;
  param?: string | number | boolean | null;
  startsWith?: string;
  nth?: number;
  all?: boolean;
}

export interface FaultReport {
  /** 1-based positions (among the call's statements) where the fault fired. */
  fired: number[];
  /** Statements the app sent during the call, as seen by the driver. */
  seen: number;
}

interface Injected {
  code: string;
  message: string;
  constraint?: string;
}

/** The error a statement of this kind would realistically fail with. */
export function injectedError(text: string, table: string | undefined): Injected {
  const t = table ?? 'unknown';
  const verb = text.trimStart().split(/\s+/, 1)[0]?.toLowerCase();
  switch (verb) {
    case 'insert':
      return {
        code: '23505',
        message: `duplicate key value violates unique constraint "${t}_fault_key"`,
        constraint: `${t}_fault_key`,
      };
    case 'update':
      return {
        code: '23514',
        message: `new row for relation "${t}" violates check constraint "${t}_fault_check"`,
        constraint: `${t}_fault_check`,
      };
    case 'delete':
      return {
        code: '23503',
        message: `update or delete on table "${t}" violates foreign key constraint "${t}_fault_fkey"`,
        constraint: `${t}_fault_fkey`,
      };
    case 'select':
    case 'with':
      return { code: '42501', message: `permission denied for table ${t}` };
    default:
      return { code: '40001', message: 'could not serialize access due to concurrent update' };
  }
}

const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;

function raiseStatement(error: Injected, table: string | undefined): string {
  const options = [`ERRCODE = ${quoteLiteral(error.code)}`, `MESSAGE = ${quoteLiteral(error.message)}`];
  if (error.constraint) options.push(`CONSTRAINT = ${quoteLiteral(error.constraint)}`);
  if (table) options.push(`TABLE = ${quoteLiteral(table)}`);
  return `DO $fault$ BEGIN RAISE EXCEPTION USING ${options.join(', ')}; END $fault$`;
}

function paramText(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return canonicalKey(String(value));
}

/**
 * A uuid compares by its hex digits (PostgreSQL reads `ABC…`, `{abc…}` and
 * unhyphenated forms as one uuid), so a rewrite that canonicalises keys
 * before querying still sends "the same" parameter.
 */
export function canonicalKey(text: string): string {
  const hex = text.replace(/[{}-]/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex) ? hex : text;
}

/** The tables a statement text mentions ("name" tokens that are table names). */
function mentionedTables(text: string, tables: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(/"([^"]+)"/g)) {
    if (tables.has(match[1]!) && !out.includes(match[1]!)) out.push(match[1]!);
  }
  return out;
}

/**
 * The table a statement works on (`from`/`update`/`into "t"`), as the error of a failing statement names it:
 * the first mentioned name may be a column called like a table (`select "characters" from "scenes"`), and
 * a join qualifies its columns, so without this a join and the reads it replaces would name different tables.
 */
function mainTable(text: string, tables: readonly string[]): string | undefined {
  for (const match of text.matchAll(/\b(?:from|update|into)\s+"([^"]+)"/gi)) {
    if (tables.includes(match[1]!)) return match[1]!;
  }
  return undefined;
}

const TRANSACTION_CONTROL = /^\s*(begin|start\s+transaction|commit|end|rollback|abort|savepoint|release)\b/i;

export class FaultInjector {
  private spec: FaultSpec | null = null;
  private matches = 0;
  private report: FaultReport = { fired: [], seen: 0 };

  constructor(private readonly tables: ReadonlySet<string>) {}

  /** Wraps one pool client's `query` (every statement of the pool goes through one). */
  wrap(client: pg.PoolClient | pg.Client): void {
    const original = client.query.bind(client) as (...args: unknown[]) => unknown;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (client as any).query = (...args: unknown[]) => {
      if (this.spec) {
        const first = args[0];
        const config = typeof first === 'string' ? { text: first } : (first as { text?: string; values?: unknown[] });
        const text = config?.text;
        if (typeof text === 'string') {
          const values = Array.isArray(args[1]) ? (args[1] as unknown[]) : (config.values ?? []);
          const raise = this.consider(text, values);
          if (raise !== null) {
            const rest = args.slice(1).filter((arg) => typeof arg === 'function');
            return original(raise, [], ...rest);
          }
        }
      }
      return original(...args);
    };
  }

  arm(spec: FaultSpec): void {
    this.spec = spec;
    this.matches = 0;
    this.report = { fired: [], seen: 0 };
  }

  disarm(): FaultReport {
    this.spec = null;
    return this.report;
  }

  /** Returns the replacement statement when this one must fail, else null. */
  private consider(text: string, values: unknown[]): string | null {
    const spec = this.spec!;
    this.report.seen += 1;
    const tables = mentionedTables(text, this.tables);
    // BEGIN/COMMIT/ROLLBACK/SAVEPOINT fail only when a spec names them (`startsWith`): a plan derived from
    // the original's statements means its data statements, and drizzle-orm (0.45, node-postgres) leaks the
    // pool client when BEGIN fails and releases it mid-transaction when ROLLBACK fails.
    if (spec.startsWith === undefined && TRANSACTION_CONTROL.test(text)) return null;
    if (spec.table !== undefined && !tables.includes(spec.table)) return null;
    if (spec.startsWith !== undefined && !text.trimStart().toLowerCase().startsWith(spec.startsWith.toLowerCase())) {
      return null;
    }
    if (spec.param !== undefined && !values.some((value) => paramText(value) === canonicalKey(String(spec.param)))) {
      return null;
    }
    this.matches += 1;
    if (!spec.all && this.matches !== (spec.nth ?? 1)) return null;
    this.report.fired.push(this.report.seen);
    const table = spec.table ?? mainTable(text, tables) ?? tables[0];
    return raiseStatement(injectedError(text, table), table);
  }
}
