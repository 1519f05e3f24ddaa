import { DrizzleQueryError } from 'drizzle-orm/errors';

/**
 * Turns a return value into plain JSON data: Dates become ISO strings, bigints
 * strings, undefined properties are dropped (as JSON.stringify would) and a
 * top-level undefined becomes null.
 */
export function toJsonValue(value: unknown): unknown {
  if (value === undefined || value === null) {
    return null;
  }
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  }
  if (typeof value === 'bigint') {
    return value.toString();
  }
  if (Buffer.isBuffer(value)) {
    return value.toString('base64');
  }
  if (Array.isArray(value)) {
    return value.map((item) => toJsonValue(item));
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (item !== undefined && typeof item !== 'function') {
        out[key] = toJsonValue(item);
      }
    }
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return String(value);
  }
  return value;
}

export interface SerializedError {
  error: string;
  code?: string;
}

/**
 * Errors are recorded by message. Database errors wrapped by Drizzle
 * (DrizzleQueryError: "Failed query: <sql> params: ...") are recorded with the
 * driver's message and SQLSTATE instead, so the record does not depend on the
 * SQL text that produced it.
 */
export function serializeError(err: unknown): SerializedError {
  let current: unknown = err;
  if (current instanceof DrizzleQueryError && current.cause) {
    current = current.cause;
  }
  if (current instanceof Error) {
    const code = (current as { code?: unknown }).code;
    return typeof code === 'string' ? { error: current.message, code } : { error: current.message };
  }
  return { error: String(current) };
}
