import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { TaceError } from '@tace/common';
import { findOperation } from './openapi.ts';
import { problem, sendProblem } from './problem.ts';

/** Who called: the verified token's subject and scopes (never logged with patient data). */
export interface Caller {
  sub: string;
  clientId?: string;
  scopes: ReadonlySet<string>;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

export interface AuthOptions {
  issuer: string;
  audience: string;
  /** JWKS URL; default: `jwks_uri` of the issuer's OpenID Connect / OAuth 2.0 metadata. */
  jwksUrl?: string;
  algorithms: readonly string[];
  clockSkewS: number;
  /** Timeout of a metadata or JWKS request, ms (default 5000). */
  timeoutMs?: number;
  /** Least time between two JWKS fetches caused by an unknown `kid`, ms (default 10 000). */
  jwksCooldownMs?: number;
}

/** Verifies bearer tokens against the issuer's keys. */
export interface TokenVerifier {
  verify(token: string): Promise<Caller>;
}

const REALM = 'tace-risk';

/**
 * JWKS discovery: RFC 8414 / OpenID Connect metadata of the issuer. Done lazily (at the first
 * token) so a service starts while the identity provider is briefly away; the answer is kept.
 */
async function discoverJwksUrl(issuer: string, timeoutMs: number): Promise<string> {
  const base = issuer.replace(/\/$/, '');
  for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
    try {
      const r = await fetch(base + path, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
      if (!r.ok) continue;
      const meta = (await r.json()) as { issuer?: string; jwks_uri?: string };
      if (meta.issuer !== undefined && meta.issuer.replace(/\/$/, '') !== base) {
        throw new TaceError('AUTH_UNAVAILABLE', 'The issuer metadata names another issuer', { httpStatus: 503 });
      }
      if (meta.jwks_uri) return meta.jwks_uri;
    } catch (e) {
      if (e instanceof TaceError) throw e;
    }
  }
  throw new TaceError('AUTH_UNAVAILABLE', 'The token issuer publishes no usable metadata (jwks_uri); set TACE_AUTH_JWKS_URL', { httpStatus: 503, retryable: true });
}

/**
 * jose does the cryptography: the signature against the issuer's published keys (an unknown
 * `kid` refetches the key set, at most once per cooldown, so a key rotation is picked up without
 * a restart), `alg` restricted to the configured asymmetric list (so `none` and an HS256 token
 * keyed with the public key are refused), `iss`, `aud`, `exp`/`nbf` with the clock skew.
 */
export function createTokenVerifier(opts: AuthOptions): TokenVerifier {
  const timeoutMs = opts.timeoutMs ?? 5000;
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const keySet = (): Promise<JWTVerifyGetKey> => {
    keys ??= (async () => {
      const url = opts.jwksUrl ?? (await discoverJwksUrl(opts.issuer, timeoutMs));
      return createRemoteJWKSet(new URL(url), { timeoutDuration: timeoutMs, cooldownDuration: opts.jwksCooldownMs ?? 10_000, cacheMaxAge: 10 * 60_000 });
    })().catch((e: unknown) => {
      keys = undefined; // try discovery again at the next request
      throw e;
    });
    return keys;
  };
  return {
    async verify(token: string): Promise<Caller> {
      const jwks = await keySet();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          issuer: opts.issuer,
          audience: opts.audience,
          algorithms: [...opts.algorithms],
          clockTolerance: opts.clockSkewS,
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (e) {
        throw tokenError(e);
      }
      const raw = payload.scope ?? payload.scp;
      const scopes = new Set(typeof raw === 'string' ? raw.split(' ').filter(Boolean) : Array.isArray(raw) ? raw.map(String) : []);
      const clientId = typeof payload.client_id === 'string' ? payload.client_id : typeof payload.azp === 'string' ? payload.azp : undefined;
      return { sub: String(payload.sub), ...(clientId ? { clientId } : {}), scopes };
    },
  };
}

/** A jose failure as a coded error: the key set unreachable is ours (503), anything else the token's (401). */
function tokenError(e: unknown): TaceError {
  if (e instanceof joseErrors.JWKSTimeout || (e instanceof Error && /fetch failed|ECONN|network/i.test(e.message) && !(e instanceof joseErrors.JOSEError))) {
    return new TaceError('AUTH_UNAVAILABLE', 'The token issuer\'s keys could not be fetched', { httpStatus: 503, retryable: true, cause: e });
  }
  const reason =
    e instanceof joseErrors.JWTExpired ? 'the token has expired'
    : e instanceof joseErrors.JWTClaimValidationFailed ? `claim ${e.claim} is not acceptable (${e.reason})`
    : e instanceof joseErrors.JOSEAlgNotAllowed ? 'the token\'s signing algorithm is not allowed'
    : e instanceof joseErrors.JWKSNoMatchingKey ? 'no key of the issuer matches the token (unknown kid)'
    : e instanceof joseErrors.JWSSignatureVerificationFailed ? 'the signature does not verify'
    : e instanceof joseErrors.JWTInvalid || e instanceof joseErrors.JWSInvalid ? 'the token is malformed'
    : 'the token is not valid';
  return new TaceError('AUTH_TOKEN_INVALID', reason, { httpStatus: 401, cause: e });
}

type Need = { public: true } | { public: false; scheme: string; scopes: string[] };
const needs = new Map<string, Need>();

/** The scopes an operation asks for, from its OpenAPI `security` (`[]` = public, e.g. health); read once per operation. */
export function operationScopes(operationId: string): Need {
  let need = needs.get(operationId);
  if (!need) {
    need = readScopes(operationId);
    needs.set(operationId, need);
  }
  return need;
}

function readScopes(operationId: string): Need {
  const { op } = findOperation(operationId);
  const sec = op.security as Array<Record<string, string[]>> | undefined;
  if (!Array.isArray(sec)) throw new Error(`operation ${operationId} declares no security in openapi/: every route must say who may call it`);
  if (sec.length === 0) return { public: true };
  const [scheme, scopes] = Object.entries(sec[0]!)[0]!;
  return { public: false, scheme, scopes };
}

function challenge(reply: FastifyReply, status: 401 | 403, error?: string, description?: string, scope?: string): void {
  const parts = [`realm="${REALM}"`];
  if (error) parts.push(`error="${error}"`);
  if (description) parts.push(`error_description="${description.replace(/"/g, "'")}"`);
  if (scope) parts.push(`scope="${scope}"`);
  void reply.header('www-authenticate', `Bearer ${parts.join(', ')}`);
}

/**
 * Bearer authentication on every route, driven by the OpenAPI document: a route's operation
 * names the OAuth 2.0 scopes it needs (`security: [{oauth2: [scope]}]`), or `security: []` for
 * health. A route whose operation says nothing refuses to register, so no route is open by
 * omission. `verifier: 'off'` (TACE_AUTH=off, the embedded demo) lets every caller in as
 * `anonymous`; the configuration refuses it in production. Routes secured by another scheme
 * (the signed rest-hook) check their own credential.
 */
export function installAuth(app: FastifyInstance, verifier: TokenVerifier | 'off'): void {
  app.addHook('onRoute', (route) => {
    const id = (route.schema as { operationId?: string } | undefined)?.operationId;
    if (!id) throw new Error(`route ${route.method} ${route.url} has no operationId: it cannot be authorised`);
    operationScopes(id); // throws for an operation without `security`
  });
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const id = (req.routeOptions.schema as { operationId?: string } | undefined)?.operationId;
    if (!id) return; // no route matched: the not-found handler answers
    const need = operationScopes(id);
    if (need.public || need.scheme !== 'oauth2') return;
    if (verifier === 'off') {
      req.caller = { sub: 'anonymous', scopes: new Set(need.scopes) };
      return;
    }
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header) : null;
    if (!m) {
      challenge(reply, 401);
      return sendProblem(reply, problem(401, 'AUTH_TOKEN_MISSING', 'This route needs an OAuth 2.0 bearer token (Authorization: Bearer …)'));
    }
    try {
      req.caller = await verifier.verify(m[1]!);
    } catch (e) {
      const err = e instanceof TaceError ? e : new TaceError('AUTH_TOKEN_INVALID', 'the token is not valid', { httpStatus: 401 });
      if (err.httpStatus === 401) {
        challenge(reply, 401, 'invalid_token', err.message);
        req.log.info({ code: err.code, reason: err.message }, 'bearer token refused');
      } else {
        req.log.warn({ code: err.code, reason: err.message }, 'bearer token could not be checked');
      }
      return sendProblem(reply, problem(err.httpStatus, err.code, err.message));
    }
    const missing = need.scopes.filter((s) => !req.caller!.scopes.has(s));
    if (missing.length > 0) {
      challenge(reply, 403, 'insufficient_scope', undefined, missing.join(' '));
      return sendProblem(reply, problem(403, 'AUTH_SCOPE_MISSING', `This route needs the scope ${missing.join(' ')}`, { errors: [{ scope: missing.join(' ') }] }));
    }
  });
}
