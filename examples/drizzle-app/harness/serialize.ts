import { DrizzleQueryError } from 'drizzle-orm/errors';

/**
 * How `undefined` is recorded, apart from `null`: a return value of
 * `undefined`, an `undefined` array element and a property whose value is
 * `undefined` (`{ a: undefined }` is not `{}` to `'a' in x` or
 * `Object.keys`) all become this marker.
 */
export const UNDEFINED_MARKER = Object.freeze({ $undefined: true });

/**
 * Turns a return value into plain JSON data: Dates become ISO strings, bigints
 * strings, `undefined` becomes `{"$undefined": true}` (a value, an element or
 * a property), functions are dropped.
 */
export function toJsonValue(value: unknown): unknown {
  if (value === undefined) {
    return UNDEFINED_MARKER;
  }
  if (value === null) {
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
    return Array.from(value, (item) => toJsonValue(item));
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (typeof item !== 'function') {
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
  /** Constructor name of what was thrown (e.g. `Error`, `DrizzleQueryError`). */
  class: string;
  /** For a Drizzle-wrapped driver error: the driver error's class (`DatabaseError`). */
  cause?: string;
  code?: string;
  constraint?: string;
}

const className = (value: unknown): string =>
  value instanceof Error ? value.constructor.name : value === null ? 'null' : typeof value;

/**
 * Errors are recorded by class, message, SQLSTATE and constraint. Database
 * errors wrapped by Drizzle (DrizzleQueryError: "Failed query: <sql> params:
 * ...") are recorded with the driver's message, code and constraint (and the
 * driver error's class as `cause`), so the record does not depend on the SQL
 * text that produced it.
 */
export function serializeError(err: unknown): SerializedError {
  const out: SerializedError = { error: '', class: className(err) };
  let current: unknown = err;
  if (current instanceof DrizzleQueryError && current.cause) {
    current = current.cause;
    out.cause = className(current);
  }
  if (current instanceof Error) {
    out.error = current.message;
    const { code, constraint, constraint_name } = current as { code?: unknown; constraint?: unknown; constraint_name?: unknown };
    if (typeof code === 'string') out.code = code;
    const name = constraint ?? constraint_name;
    if (typeof name === 'string') out.constraint = name;
  } else {
    out.error = String(current);
  }
  return out;
}
