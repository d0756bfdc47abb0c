/**
 * Errors with a stable machine-readable code. The code travels to the API response
 * (problem+json `code`), the job's failure reason and the log line, so that an operator can
 * search for it and a client can branch on it. Messages are for humans and must not contain
 * patient identifiers.
 */
export class TaceError extends Error {
  readonly code: string;
  /** HTTP status this error maps to when it reaches a REST surface. */
  readonly httpStatus: number;
  /** Extra structured detail (field names, limits, observed values) — never patient identifiers. */
  readonly detail?: Record<string, unknown>;
  /** Whether retrying the same input may succeed (network, 5xx) or not (bad data). */
  readonly retryable: boolean;

  constructor(
    code: string,
    message: string,
    opts: { httpStatus?: number; detail?: Record<string, unknown>; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TaceError';
    this.code = code;
    this.httpStatus = opts.httpStatus ?? 422;
    this.detail = opts.detail;
    this.retryable = opts.retryable ?? false;
  }

  toJSON(): { code: string; message: string; detail?: Record<string, unknown> } {
    return { code: this.code, message: this.message, ...(this.detail ? { detail: this.detail } : {}) };
  }
}

export function isTaceError(e: unknown): e is TaceError {
  return e instanceof TaceError || (typeof e === 'object' && e !== null && (e as { name?: string }).name === 'TaceError');
}

/** Normalise anything thrown into {code, message}; unknown errors get INTERNAL_ERROR. */
export function errorInfo(e: unknown): { code: string; message: string; retryable: boolean } {
  if (isTaceError(e)) return { code: e.code, message: e.message, retryable: e.retryable };
  const msg = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL_ERROR', message: msg, retryable: true };
}
