/**
 * Outbound authentication to the EHR's FHIR server.
 *
 * - SMART Backend Services (SMART App Launch 2.x, "client-confidential-asymmetric"): the token
 *   endpoint is discovered from `{fhirBase}/.well-known/smart-configuration` (or configured); the
 *   service signs a client assertion JWT with its private key — RS384 or ES384, `iss` = `sub` =
 *   client id, `aud` = the token endpoint, a fresh `jti`, `exp` at most 5 minutes ahead, `kid` of the
 *   key (and `jku` when the service publishes its JWKS at a URL the EHR registered) — and exchanges
 *   it (`grant_type=client_credentials`, `client_assertion_type=…jwt-bearer`) for an access token
 *   with the requested system scopes. No shared secret.
 * - Client secret (`client_secret_basic`) and a static bearer token, for servers that use them.
 *
 * The token is cached until shortly before it expires (concurrent callers share one request) and
 * dropped when the FHIR server answers 401, so the next call fetches a new one. Errors carry stable
 * codes (SMART_DISCOVERY_FAILED, SMART_UNSUPPORTED, SMART_KEY_INVALID, FHIR_AUTH_FAILED) and never
 * the token or the assertion.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { calculateJwkThumbprint, exportJWK, importJWK, importPKCS8, SignJWT, type CryptoKey, type JWK } from 'jose';
import { TaceError } from '@tace/common';

type FetchFn = (url: string, init?: RequestInit) => Promise<Response>;

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export type AssertionAlg = 'RS384' | 'ES384';

export interface SigningKey {
  alg: AssertionAlg;
  kid: string;
  privateKey: CryptoKey;
  /** The public half, as published in the service's JWKS. */
  publicJwk: JWK;
}

export interface SmartConfiguration {
  token_endpoint: string;
  token_endpoint_auth_methods_supported?: string[];
  token_endpoint_auth_signing_alg_values_supported?: string[];
  grant_types_supported?: string[];
  scopes_supported?: string[];
  capabilities?: string[];
}

/** GET {fhirBase}/.well-known/smart-configuration and check it supports what we need. */
export async function discoverSmartConfiguration(fhirBaseUrl: string, fetchFn: FetchFn, needs: { privateKeyJwt?: AssertionAlg } = {}): Promise<SmartConfiguration> {
  const url = new URL('.well-known/smart-configuration', fhirBaseUrl.endsWith('/') ? fhirBaseUrl : `${fhirBaseUrl}/`).toString();
  let res: Response;
  try {
    res = await fetchFn(url, { headers: { accept: 'application/json' } });
  } catch (e) {
    throw new TaceError('SMART_DISCOVERY_FAILED', `cannot fetch the FHIR server's .well-known/smart-configuration (${(e as Error).message})`, { httpStatus: 503, retryable: true });
  }
  if (!res.ok) {
    throw new TaceError('SMART_DISCOVERY_FAILED', `the FHIR server's .well-known/smart-configuration answered HTTP ${res.status}`, { httpStatus: 503, retryable: res.status >= 500, detail: { status: res.status } });
  }
  let cfg: SmartConfiguration;
  try {
    cfg = (await res.json()) as SmartConfiguration;
  } catch {
    throw new TaceError('SMART_DISCOVERY_FAILED', "the FHIR server's .well-known/smart-configuration is not JSON", { httpStatus: 503 });
  }
  if (typeof cfg?.token_endpoint !== 'string' || !/^https?:\/\//.test(cfg.token_endpoint)) {
    throw new TaceError('SMART_DISCOVERY_FAILED', '.well-known/smart-configuration names no token_endpoint', { httpStatus: 503 });
  }
  requireSecureTokenUrl(cfg.token_endpoint);
  if (needs.privateKeyJwt) {
    const methods = cfg.token_endpoint_auth_methods_supported;
    const algs = cfg.token_endpoint_auth_signing_alg_values_supported;
    if (methods && !methods.includes('private_key_jwt')) {
      throw new TaceError('SMART_UNSUPPORTED', 'the FHIR server does not support private_key_jwt client authentication (SMART Backend Services)', { detail: { methods } });
    }
    if (algs && !algs.includes(needs.privateKeyJwt)) {
      throw new TaceError('SMART_UNSUPPORTED', `the FHIR server does not accept ${needs.privateKeyJwt} client assertions (it lists ${algs.join(', ')})`, { detail: { algs } });
    }
    if (cfg.grant_types_supported && !cfg.grant_types_supported.includes('client_credentials')) {
      throw new TaceError('SMART_UNSUPPORTED', 'the FHIR server does not support the client_credentials grant', {});
    }
  }
  return cfg;
}

/** A credential (client secret, client assertion) only goes over https, or plain http on loopback (tests, a sidecar). */
export function requireSecureTokenUrl(url: string): void {
  const u = new URL(url);
  const loopback = u.hostname === 'localhost' || u.hostname === '::1' || u.hostname === '[::1]' || /^127\./.test(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
    throw new TaceError('SMART_UNSUPPORTED', 'the token endpoint is not https: no credential is sent over plain http (except to loopback)', { detail: { protocol: u.protocol } });
  }
}

const algOf = (jwk: JWK): AssertionAlg => {
  if (jwk.kty === 'RSA') return 'RS384';
  if (jwk.kty === 'EC' && jwk.crv === 'P-384') return 'ES384';
  throw new TaceError('SMART_KEY_INVALID', `a client assertion key must be RSA (RS384) or EC P-384 (ES384), not ${jwk.kty}${jwk.crv ? ` ${jwk.crv}` : ''}`);
};

async function fromPrivateJwk(jwk: JWK): Promise<SigningKey> {
  if (!jwk.d) throw new TaceError('SMART_KEY_INVALID', 'a signing key in the key file has no private part (d)');
  const alg = (jwk.alg as AssertionAlg | undefined) ?? algOf(jwk);
  if (alg !== algOf(jwk)) throw new TaceError('SMART_KEY_INVALID', `key alg ${jwk.alg} does not fit its key type ${jwk.kty}`);
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, ...pub } = jwk;
  const kid = jwk.kid ?? (await calculateJwkThumbprint(pub));
  return { alg, kid, privateKey: (await importJWK({ ...jwk, alg }, alg)) as CryptoKey, publicJwk: { ...pub, alg, kid, use: 'sig' } };
}

/**
 * The service's signing keys from a file (a mounted k8s secret, say): a PKCS#8 PEM private key
 * (RSA → RS384, EC P-384 → ES384; kid = its JWK thumbprint unless given), or a JWKS / JWK with
 * private parts. With several keys (a rotation), the FIRST signs; all are published, so the EHR
 * still verifies assertions signed before the switch.
 */
export async function loadSigningKeys(path: string, opts: { kid?: string } = {}): Promise<SigningKey[]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TaceError('SMART_KEY_INVALID', `cannot read the client assertion key file (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { detail: { path } });
  }
  return parseSigningKeys(text, opts);
}

export async function parseSigningKeys(text: string, opts: { kid?: string } = {}): Promise<SigningKey[]> {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('-----BEGIN PRIVATE KEY-----')) {
      // PKCS#8: import extractable to learn the key type, then sign with it
      let key = await importPKCS8(trimmed, 'RS384', { extractable: true }).catch(() => undefined);
      let alg: AssertionAlg = 'RS384';
      if (!key) {
        key = await importPKCS8(trimmed, 'ES384', { extractable: true });
        alg = 'ES384';
      }
      const jwk = await exportJWK(key);
      if (algOf(jwk) !== alg) throw new TaceError('SMART_KEY_INVALID', 'unsupported key type');
      return [await fromPrivateJwk({ ...jwk, alg, ...(opts.kid ? { kid: opts.kid } : {}) })];
    }
    const doc = JSON.parse(trimmed) as { keys?: JWK[] } & JWK;
    const jwks = Array.isArray(doc.keys) ? doc.keys : [doc];
    if (jwks.length === 0) throw new TaceError('SMART_KEY_INVALID', 'the key file holds no key');
    return await Promise.all(jwks.map(fromPrivateJwk));
  } catch (e) {
    if (e instanceof TaceError) throw e;
    throw new TaceError('SMART_KEY_INVALID', `the client assertion key is not a PKCS#8 PEM or a private JWK(S): ${(e as Error).message}`);
  }
}

/** The public JWKS the EHR registers (or fetches from the service's JWKS URL). */
export function publicJwks(keys: readonly SigningKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}

/** A SMART Backend Services client assertion for one token request. */
export async function createClientAssertion(o: { clientId: string; tokenUrl: string; key: SigningKey; jku?: string; lifetimeS?: number; now?: number }): Promise<string> {
  const now = Math.floor((o.now ?? Date.now()) / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: o.key.alg, kid: o.key.kid, typ: 'JWT', ...(o.jku ? { jku: o.jku } : {}) })
    .setIssuer(o.clientId)
    .setSubject(o.clientId)
    .setAudience(o.tokenUrl)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + Math.min(o.lifetimeS ?? 240, 300)) // the spec: no more than five minutes
    .sign(o.key.privateKey);
}

export type FhirAuthConfig =
  | { mode: 'none' }
  | { mode: 'static'; token: string }
  | { mode: 'client-secret'; clientId: string; clientSecret: string; tokenUrl?: string; scope?: string }
  | { mode: 'private-key-jwt'; clientId: string; keys: SigningKey[]; tokenUrl?: string; scope?: string; jku?: string };

/** A cached access token source for the FHIR client: `token()`, and `invalidate()` after a 401. */
export interface TokenSource {
  token(): Promise<string | undefined>;
  invalidate(): void;
}

export function createTokenSource(cfg: FhirAuthConfig, fhirBaseUrl: string, fetchFn: FetchFn): TokenSource {
  if (cfg.mode === 'none') return { token: async () => undefined, invalidate: () => {} };
  if (cfg.mode === 'static') return { token: async () => cfg.token, invalidate: () => {} };
  let cached: { token: string; expiresAtMs: number } | undefined;
  let inflight: Promise<string> | undefined;
  let tokenUrl = cfg.tokenUrl;
  const fetchToken = async (): Promise<string> => {
    if (!tokenUrl) {
      tokenUrl = (await discoverSmartConfiguration(fhirBaseUrl, fetchFn, cfg.mode === 'private-key-jwt' ? { privateKeyJwt: cfg.keys[0].alg } : {})).token_endpoint;
    }
    requireSecureTokenUrl(tokenUrl);
    const form = new URLSearchParams({ grant_type: 'client_credentials', ...(cfg.scope ? { scope: cfg.scope } : {}) });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (cfg.mode === 'private-key-jwt') {
      form.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
      form.set('client_assertion', await createClientAssertion({ clientId: cfg.clientId, tokenUrl, key: cfg.keys[0], ...(cfg.jku ? { jku: cfg.jku } : {}) }));
    } else {
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(cfg.clientId)}:${encodeURIComponent(cfg.clientSecret)}`).toString('base64')}`;
    }
    const res = await fetchFn(tokenUrl, { method: 'POST', headers, body: form.toString() });
    if (!res.ok) {
      let error: string | undefined;
      try {
        error = ((await res.json()) as { error?: string }).error; // OAuth error code only, never the description (may echo input)
      } catch {
        /* not JSON */
      }
      throw new TaceError('FHIR_AUTH_FAILED', `the token endpoint answered HTTP ${res.status}${error ? ` (${error})` : ''} to the ${cfg.mode === 'private-key-jwt' ? 'SMART Backend Services' : 'client-credentials'} request`, {
        httpStatus: 502,
        retryable: res.status >= 500 || res.status === 429,
        detail: { status: res.status, ...(error ? { error } : {}) },
      });
    }
    const body = (await res.json()) as { access_token?: string; expires_in?: number; token_type?: string };
    if (typeof body.access_token !== 'string' || body.access_token === '') throw new TaceError('FHIR_AUTH_FAILED', 'the token endpoint returned no access_token', { httpStatus: 502 });
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300) * 1000;
    // refresh ahead of expiry: a minute, or a tenth of a short lifetime
    cached = { token: body.access_token, expiresAtMs: Date.now() + lifetimeMs - Math.min(60_000, lifetimeMs / 10) };
    return body.access_token;
  };
  return {
    token: async () => {
      if (cached && Date.now() < cached.expiresAtMs) return cached.token;
      inflight ??= fetchToken().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
    invalidate: () => {
      cached = undefined;
    },
  };
}
