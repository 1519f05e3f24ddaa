import type { Logger } from 'drizzle-orm/logger';

export interface LoggedQuery {
  sql: string;
  params: unknown[];
}

/**
 * Drizzle logger that keeps a running count (and the text) of every statement
 * the app sends. Used in development to spot N+1 patterns, and by the test
 * harness to record how many statements each DAL/service call issues.
 *
 * Set DB_LOG_QUERIES=1 to also echo each statement to stderr.
 */
export class QueryLogger implements Logger {
  private entries: LoggedQuery[] = [];
  private readonly echo = process.env.DB_LOG_QUERIES === '1';

  logQuery(query: string, params: unknown[]): void {
    this.entries.push({ sql: query, params });
    if (this.echo) {
      process.stderr.write(`[db] ${query} -- ${JSON.stringify(params)}\n`);
    }
  }

  /** Number of statements logged since the last reset(). */
  get count(): number {
    return this.entries.length;
  }

  /** Statements logged since the last reset(), oldest first. */
  get queries(): readonly LoggedQuery[] {
    return this.entries;
  }

  reset(): void {
    this.entries = [];
  }
}

export const queryLogger = new QueryLogger();
