import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * JSON logs. (Top-level `name` is pino's logger name, so only nested `name` fields are redacted.) Patient identifiers never belong in a log line: the redact list removes the
 * fields where they could appear by accident (request bodies, FHIR references, names).
 */
export const REDACT_PATHS = [
  'patient', '*.patient', 'patientReference', '*.patientReference', 'subject', '*.subject',
  '*.name', '*.given', '*.family', 'birthDate', '*.birthDate', 'identifier', '*.identifier',
  'req.body', 'body', 'req.headers.authorization', 'req.headers["x-signature"]',
];

export function createLogger(name: string, opts: LoggerOptions = {}): Logger {
  return pino({
    name,
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...opts,
  });
}

export type { Logger };
