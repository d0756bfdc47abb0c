/**
 * CDS Hooks 2.0 client authentication ("Trusting CDS Clients"): every call from the CDS client
 * (the EHR) carries `Authorization: Bearer <JWT>` signed with the client's private key. The
 * service checks it against the client's public keys:
 *
 * - `iss` must be a registered client (TACE_CDS_CLIENTS: issuer → JWKS URL);
 * - the keys come from the JWT header's `jku` only when that URL is on the allow-list
 *   (TACE_CDS_JKU_ALLOWLIST, exact URLs: a token cannot send us to fetch keys anywhere) and on
 *   the origin of the issuer's registered JWKS (one client's keys never vouch for another), else
 *   from the JWKS URL registered for the issuer;
 * - `aud` = the URL of the endpoint invoked (`{TACE_CDS_SERVICE_URL}` for discovery,
 *   `{TACE_CDS_SERVICE_URL}/{id}` for a service, and for feedback the feedback URL or its
 *   service's URL), as the spec's example says;
 * - `exp` required and at most 5 minutes after `iat` (the spec's bound), `iat` required and not
 *   in the future, `jti` required and used once: a replay within the token's lifetime is refused
 *   (the jti store is shared, Redis in the service, so every replica sees it);
 * - asymmetric algorithms only (the spec requires ES384 and RS384 support).
 *
 * Routes opt in through the OpenAPI security scheme `cdsHooksJwt` (type http, bearer, JWT):
 * `installAuth` leaves non-oauth2 schemes to their own verifier, and `installCdsAuth` is that
 * verifier. A route whose operation names `cdsHooksJwt` registered on an app without
 * installCdsAuth would be open, so installCdsAuth must come first and it refuses to install twice.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { TaceError } from '@tace/common';
import { operationScopes } from './auth.ts';
import { problem, sendProblem } from './problem.ts';

export const CDS_SECURITY_SCHEME = 'cdsHooksJwt';
/** The spec: the EHR's JWT expires no more than 5 minutes after it is issued. */
export const CDS_MAX_LIFETIME_S = 300;
export const CDS_ALGORITHMS = ['ES384', 'RS384', 'ES256', 'RS256', 'PS384', 'ES512', 'RS512', 'PS256', 'PS512'] as const;

/** The verified CDS client: issuer, subject (client id), and the token id. */
export interface CdsCaller {
  iss: string;
  sub: string;
  jti: string;
  tenant?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    cdsCaller?: CdsCaller;
  }
}

/** Remembers token ids until they expire; `claim` is true the first time only (atomic). */
export interface JtiStore {
  claim(key: string, ttlS: number): Promise<boolean>;
}

/** A Redis-backed jti store (SET NX EX: one winner across replicas). */
export function redisJtiStore(redis: { set(key: string, value: string, ex: 'EX', ttl: number, nx: 'NX'): Promise<unknown> }, prefix = 'tace:cds:jti:'): JtiStore {
  return {
    async claim(key, ttlS) {
      return (await redis.set(prefix + key, '1', 'EX', Math.max(1, Math.ceil(ttlS)), 'NX')) === 'OK';
    },
  };
}

/** In-process jti store (one replica, the demo, unit tests). */
export function memoryJtiStore(): JtiStore {
  const seen = new Map<string, number>();
  return {
    async claim(key, ttlS) {
      const now = Date.now();
      for (const [k, until] of seen) if (until <= now) seen.delete(k);
      if (seen.has(key)) return false;
      seen.set(key, now + ttlS * 1000);
      return true;
    },
  };
}

export interface CdsAuthOptions {
  /** Registered CDS clients: issuer → JWKS URL. */
  clients: Readonly<Record<string, string>>;
  /** JWKS URLs a token may name in its `jku` header (exact match). */
  jkuAllowList?: readonly string[];
  /** Public base URL of the discovery endpoint, e.g. https://cds.hospital.org/cds-services. */
  serviceUrl: string;
  jti: JtiStore;
  clockSkewS?: number;
  /** JWKS fetch timeout, ms (default 3000: inside the hook's budget when keys are cached). */
  timeoutMs?: number;
  jwksCooldownMs?: number;
}

export interface CdsVerifier {
  /** `audiences`: the endpoint URLs the token may name (any one of them). */
  verify(token: string, audiences: readonly string[]): Promise<CdsCaller>;
}

const fail = (code: string, message: string, cause?: unknown): TaceError => new TaceError(code, message, { httpStatus: 401, ...(cause ? { cause } : {}) });

export function createCdsVerifier(opts: CdsAuthOptions): CdsVerifier {
  const skew = opts.clockSkewS ?? 30;
  const timeoutMs = opts.timeoutMs ?? 3000;
  const allow = new Set(opts.jkuAllowList ?? []);
  const sets = new Map<string, JWTVerifyGetKey>();
  const keySet = (url: string): JWTVerifyGetKey => {
    let s = sets.get(url);
    if (!s) {
      s = createRemoteJWKSet(new URL(url), { timeoutDuration: timeoutMs, cooldownDuration: opts.jwksCooldownMs ?? 10_000, cacheMaxAge: 10 * 60_000 });
      sets.set(url, s);
    }
    return s;
  };
  return {
    async verify(token, audiences) {
      let header: ReturnType<typeof decodeProtectedHeader>;
      let unverified: JWTPayload;
      try {
        header = decodeProtectedHeader(token);
        unverified = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as JWTPayload;
      } catch (e) {
        throw fail('CDS_JWT_MALFORMED', 'the CDS client JWT is malformed', e);
      }
      // Which keys: decided from configuration only (never fetch a URL the token names unless allow-listed).
      const iss = typeof unverified.iss === 'string' ? unverified.iss : undefined;
      if (!iss || !Object.hasOwn(opts.clients, iss)) throw fail('CDS_CLIENT_UNKNOWN', 'the JWT issuer (iss) is not a registered CDS client');
      let jwksUrl = opts.clients[iss]!;
      if (header.jku !== undefined) {
        if (typeof header.jku !== 'string' || !allow.has(header.jku)) throw fail('CDS_JKU_NOT_ALLOWED', 'the JWT header names a jku that is not on the allow-list');
        // Bound to the client: an allow-listed key set serves only the issuer whose registered JWKS shares its origin.
        if (new URL(header.jku).origin !== new URL(jwksUrl).origin) throw fail('CDS_JKU_NOT_ALLOWED', "the jku is not on the origin of this client's registered key set");
        jwksUrl = header.jku;
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keySet(jwksUrl), {
          issuer: iss,
          audience: [...audiences],
          algorithms: [...CDS_ALGORITHMS],
          clockTolerance: skew,
          requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
        }));
      } catch (e) {
        throw cdsTokenError(e);
      }
      const now = Math.floor(Date.now() / 1000);
      const exp = payload.exp!;
      const iat = payload.iat!;
      if (iat > now + skew) throw fail('CDS_JWT_INVALID', 'claim iat is in the future');
      if (exp - iat > CDS_MAX_LIFETIME_S) throw fail('CDS_JWT_INVALID', `the JWT lives longer than ${CDS_MAX_LIFETIME_S} s (exp - iat)`);
      const jti = String(payload.jti);
      if (jti.length === 0 || jti.length > 256) throw fail('CDS_JWT_INVALID', 'claim jti is empty or too long');
      // Kept until the token could no longer be accepted (exp + skew): a replay inside that window is refused.
      let first: boolean;
      try {
        first = await opts.jti.claim(`${iss} ${jti}`, exp + skew - now);
      } catch (e) {
        throw new TaceError('AUTH_UNAVAILABLE', 'the token replay store (Redis) is unavailable', { httpStatus: 503, retryable: true, cause: e });
      }
      if (!first) throw fail('CDS_JWT_REPLAYED', 'this JWT (jti) was already used');
      return { iss, sub: typeof payload.sub === 'string' ? payload.sub : iss, jti, ...(typeof payload.tenant === 'string' ? { tenant: payload.tenant } : {}) };
    },
  };
}

function cdsTokenError(e: unknown): TaceError {
  if (e instanceof joseErrors.JWKSTimeout || (e instanceof Error && !(e instanceof joseErrors.JOSEError) && /fetch failed|ECONN|network/i.test(e.message))) {
    return new TaceError('AUTH_UNAVAILABLE', "the CDS client's keys could not be fetched", { httpStatus: 503, retryable: true, cause: e });
  }
  if (e instanceof joseErrors.JWTExpired) return fail('CDS_JWT_EXPIRED', 'the JWT has expired', e);
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    return e.claim === 'aud' ? fail('CDS_JWT_AUDIENCE', 'claim aud does not name this endpoint', e) : fail('CDS_JWT_INVALID', `claim ${e.claim} is not acceptable (${e.reason})`, e);
  }
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return fail('CDS_JWT_INVALID', "the JWT's signing algorithm is not allowed", e);
  if (e instanceof joseErrors.JWKSNoMatchingKey) return fail('CDS_JWT_SIGNATURE', 'no key of the client matches the JWT (unknown kid)', e);
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return fail('CDS_JWT_SIGNATURE', 'the signature does not verify', e);
  if (e instanceof joseErrors.JWTInvalid || e instanceof joseErrors.JWSInvalid) return fail('CDS_JWT_MALFORMED', 'the CDS client JWT is malformed', e);
  return fail('CDS_JWT_INVALID', 'the CDS client JWT is not valid', e);
}

const installed = new WeakSet<FastifyInstance>();

/**
 * The verifier of the `cdsHooksJwt` scheme on an app built by createServiceApp. `audiences(req)`
 * gives the endpoint URLs a token for this request may name. With `verifier: 'off'`
 * (TACE_AUTH=off, the embedded demo only) callers pass as `anonymous`.
 */
export function installCdsAuth(app: FastifyInstance, verifier: CdsVerifier | 'off', audiences: (req: FastifyRequest) => string[]): void {
  if (installed.has(app)) throw new Error('installCdsAuth: already installed on this app');
  installed.add(app);
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const id = (req.routeOptions.schema as { operationId?: string } | undefined)?.operationId;
    if (!id) return;
    const need = operationScopes(id);
    if (need.public || need.scheme !== CDS_SECURITY_SCHEME) return;
    if (verifier === 'off') {
      req.cdsCaller = { iss: 'anonymous', sub: 'anonymous', jti: '' };
      return;
    }
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer +([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)$/i.exec(header) : null;
    if (!m) {
      void reply.header('www-authenticate', 'Bearer realm="tace-risk-cds"');
      return sendProblem(reply, problem(401, 'CDS_JWT_MISSING', 'CDS Hooks calls need the CDS client\'s signed JWT (Authorization: Bearer …)'));
    }
    try {
      req.cdsCaller = await verifier.verify(m[1]!, audiences(req));
      // The rate limit buckets by caller subject (createServiceApp's keyGenerator).
      req.caller = { sub: `cds:${req.cdsCaller.iss}`, scopes: new Set() };
    } catch (e) {
      const err = e instanceof TaceError ? e : fail('CDS_JWT_INVALID', 'the CDS client JWT is not valid');
      if (err.httpStatus === 401) {
        void reply.header('www-authenticate', `Bearer realm="tace-risk-cds", error="invalid_token", error_description="${err.message.replace(/"/g, "'")}"`);
        req.log.info({ code: err.code, reason: err.message }, 'CDS client JWT refused');
      } else {
        req.log.warn({ code: err.code, reason: err.message }, 'CDS client JWT could not be checked');
      }
      return sendProblem(reply, problem(err.httpStatus, err.code, err.message));
    }
  });
}
