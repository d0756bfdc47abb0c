/**
 * Error classification and retry for FHIR I/O. Network errors, HTTP 5xx and 429 are transient
 * (`FHIR_UNAVAILABLE`, retryable); anything else (4xx, bad data) is not retried.
 */
import { OperationOutcomeError, sleep } from '@medplum/core';
import { isTaceError, TaceError } from '@tace/common';

/** OperationOutcome issue codes that servers use for transient failures (R4 issue-type). */
const TRANSIENT_ISSUE_CODES = new Set(['transient', 'exception', 'timeout', 'throttled', 'lock-error', 'no-store', 'incomplete']);

export function isNotFound(e: unknown): boolean {
  return e instanceof OperationOutcomeError && (e.outcome.id === 'not-found' || e.outcome.issue?.[0]?.code === 'not-found');
}

/** True for errors worth retrying: transient HTTP statuses and network failures. */
export function isTransientFhirError(e: unknown): boolean {
  if (isTaceError(e)) return e.code === 'FHIR_UNAVAILABLE';
  if (e instanceof OperationOutcomeError) return e.outcome.issue?.some((i) => TRANSIENT_ISSUE_CODES.has(i.code)) ?? false;
  // fetch() network failures: TypeError('fetch failed') with an ECONNREFUSED/ECONNRESET cause, or aborts.
  return e instanceof TypeError || (e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError' || /ECONN|ETIMEDOUT|EPIPE|socket/i.test(e.message)));
}

/** Wraps a transient error as `FHIR_UNAVAILABLE` (retryable, 503); other errors pass through. */
export function toFhirError(e: unknown, what: string): unknown {
  if (isTaceError(e)) return e;
  if (isTransientFhirError(e)) {
    return new TaceError('FHIR_UNAVAILABLE', `FHIR server unavailable while ${what}: ${e instanceof Error ? e.message : String(e)}`, {
      httpStatus: 503,
      retryable: true,
      cause: e,
    });
  }
  return e;
}

export interface RetryOptions {
  /** Retries after the first attempt (default 4: five attempts in all). */
  retries?: number;
  /** First backoff delay; attempt k (0-based) waits backoffMs · 2^k (default 200 ms → 0.2, 0.4, 0.8, 1.6 s). */
  backoffMs?: number;
  /** Called before each retry (for logging). */
  onRetry?: (attempt: number, delayMs: number, err: unknown) => void;
}

/**
 * Runs `fn` until it succeeds, retrying transient errors with exponential backoff (no jitter:
 * callers are serialised per run id, so there is no herd to spread). After the last retry the
 * error is thrown as `FHIR_UNAVAILABLE` (retryable, so the job layer may retry the whole stage).
 */
export async function withFhirRetry<T>(what: string, fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const retries = opts.retries ?? 4;
  const backoffMs = opts.backoffMs ?? 200;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isTransientFhirError(e)) throw e;
      if (attempt >= retries) throw toFhirError(e, `${what} (after ${attempt + 1} attempts)`);
      const delayMs = backoffMs * 2 ** attempt;
      opts.onRetry?.(attempt + 1, delayMs, e);
      await sleep(delayMs);
    }
  }
}
