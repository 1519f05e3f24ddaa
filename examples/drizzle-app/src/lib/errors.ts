/** A tRPC-style error: a code the API layer maps to a status, and a message. */
export type AppErrorCode = 'NOT_FOUND' | 'FORBIDDEN' | 'BAD_REQUEST';

export class AppError extends Error {
  readonly code: AppErrorCode;

  constructor(opts: { code: AppErrorCode; message?: string }) {
    super(opts.message ?? opts.code);
    this.name = 'AppError';
    this.code = opts.code;
  }
}
