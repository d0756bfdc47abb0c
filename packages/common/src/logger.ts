import { createRequire } from 'node:module';
import type { Logger, LoggerOptions } from 'pino';

/**
 * JSON logs. (Top-level `name` is pino's logger name, so only nested `name` fields are redacted.) Patient identifiers never belong in a log line: the redact list removes the
 * fields where they could appear by accident (request bodies, FHIR references, names).
 */
export const REDACT_PATHS = [
  'patient', '*.patient', 'patientReference', '*.patientReference', 'subject', '*.subject',
  '*.name', '*.given', '*.family', 'birthDate', '*.birthDate', 'identifier', '*.identifier',
  'req.body', 'body', 'req.headers.authorization', 'req.headers["webhook-signature"]',
];

// pino (≈20 modules, ≈15–20 ms to load in a fresh process) is required on the first createLogger call,
// not when @tace/common is imported: command-line tools that import the shared types and errors but
// never log (e.g. `radiomics extract`) do not pay for it.
type PinoFactory = typeof import('pino').pino;
let pinoFactory: PinoFactory | undefined;

export function createLogger(name: string, opts: LoggerOptions = {}): Logger {
  pinoFactory ??= (createRequire(import.meta.url)('pino') as { pino: PinoFactory }).pino;
  return pinoFactory({
    name,
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...opts,
  });
}

export type { Logger };
