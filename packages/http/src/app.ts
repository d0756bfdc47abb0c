import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { Logger } from '@tace/common';
import { installAuth, type TokenVerifier } from './auth.ts';
import { installProblemHandler } from './problem.ts';

export interface ServiceAppOptions {
  log: Logger;
  /** Bearer-token verifier, or 'off' (TACE_AUTH=off: the embedded demo only). */
  auth: TokenVerifier | 'off';
  /** Requests per minute per client (token subject, else address); health is not limited. */
  rateLimitPerMinute?: number;
  /** Largest request body, bytes (default 1 MiB); larger gets 413. */
  bodyLimit?: number;
}

/** Fastify's per-request info lines off (they carry the URL and its query string); see the onResponse hook. */
export function quietRequests(): LogController {
  return new LogController({ disableRequestLogging: true });
}

type AjvClass = typeof Ajv.default;
function ajv(coerceTypes: boolean) {
  const a = new (Ajv as unknown as AjvClass)({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: true, strict: false });
  (addFormats as unknown as (x: unknown) => void)(a);
  return a;
}

/**
 * The Fastify instance every service starts from:
 * - schemas applied as written: a JSON body is validated without coercion or stripping (an
 *   unknown field or a number where a string is due is a 400, as `additionalProperties: false`
 *   says); path, query and headers are text on the wire, so there types are coerced (`limit=5`);
 * - only JSON bodies are parsed (text/plain is 415, not a string that fails validation);
 * - errors as problem+json with stable codes, 413 / 415 / 429 included;
 * - authentication from the OpenAPI `security` of each operation, then a per-client rate limit;
 * - one debug line per request with the route template, never the URL or query string (ids),
 *   instead of Fastify's per-request info lines.
 */
export async function createServiceApp(opts: ServiceAppOptions): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: opts.log as FastifyBaseLogger, logController: quietRequests(), bodyLimit: opts.bodyLimit ?? 1_048_576 });
  const body = ajv(false);
  const other = ajv(true);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? body : other).compile(schema));
  app.removeContentTypeParser('text/plain');
  installProblemHandler(app);
  installAuth(app, opts.auth);
  await app.register(rateLimit, {
    global: true,
    max: opts.rateLimitPerMinute ?? 600,
    timeWindow: 60_000,
    hook: 'preHandler', // after authentication: the bucket is the verified caller
    keyGenerator: (req) => (req.caller && req.caller.sub !== 'anonymous' ? `sub:${req.caller.sub}` : `ip:${req.ip}`),
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  return app;
}
