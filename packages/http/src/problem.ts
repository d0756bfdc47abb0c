import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorInfo, isTaceError } from '@tace/common';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  errors?: Array<Record<string, unknown>>;
}

/** Stable codes for the client errors Fastify and its plugins raise themselves. */
export const CLIENT_ERROR_CODES: Record<number, string> = {
  400: 'REQUEST_MALFORMED',
  404: 'ROUTE_NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'REQUEST_TOO_LARGE',
  415: 'REQUEST_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

export const PROBLEM_BASE = 'https://tace-risk.example.org/problems/';

export function problem(status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem {
  return { type: PROBLEM_BASE + code.toLowerCase().replace(/_/g, '-'), title: code, status, code, detail, ...extra };
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type('application/problem+json').send(p);
}

/**
 * Every error leaves a REST route as RFC 9457 problem+json with a stable `code`; request
 * validation errors name the offending field. FHIR-facing routes override this with
 * OperationOutcome (see fhirErrorHandler).
 */
export function installProblemHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (err.validation) {
      const errors = err.validation.map((v) => ({
        field: `${err.validationContext ?? 'body'}${v.instancePath ? v.instancePath.replace(/\//g, '.') : ''}${'missingProperty' in v.params ? '.' + String(v.params.missingProperty) : ''}${'additionalProperty' in v.params ? '.' + String(v.params.additionalProperty) : ''}`,
        message: v.message ?? 'invalid',
      }));
      return sendProblem(reply, problem(400, 'REQUEST_INVALID', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors }));
    }
    if (isTaceError(err)) {
      if (err.httpStatus >= 500) req.log.error({ code: err.code, reason: err.message }, 'request failed');
      return sendProblem(reply, problem(err.httpStatus, err.code, err.message, err.detail ? { errors: [err.detail] } : {}));
    }
    // Fastify's own client errors (body too large, media type, JSON syntax, rate limit) keep
    // their status with a stable code, instead of falling through to 500.
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = CLIENT_ERROR_CODES[status] ?? 'REQUEST_MALFORMED';
      return sendProblem(reply, problem(status, code, status === 413 ? 'The request body is larger than this route accepts (1 MiB)' : err.message));
    }
    const info = errorInfo(err);
    req.log.error({ err: { message: info.message, stack: (err as Error).stack } }, 'unhandled error');
    return sendProblem(reply, problem(500, 'INTERNAL_ERROR', 'internal error; see the service log'));
  });
  app.setNotFoundHandler((req, reply) => sendProblem(reply, problem(404, 'ROUTE_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`)));
}
