/**
 * Test part: the authorization side of a SMART-on-FHIR EHR, in front of a real FHIR server.
 *
 * - `GET {base}/.well-known/smart-configuration` advertises the token endpoint, private_key_jwt with
 *   RS384 / ES384, and client_secret_basic;
 * - `POST /token` implements the authorization server's obligations of SMART Backend Services
 *   (SMART App Launch 2.x): the client assertion's signature is checked against the client's
 *   registered JWKS URL (re-fetched when an unknown `kid` arrives: key rotation), `iss` = `sub` =
 *   the registered client id, `aud` = this token endpoint, `exp` present, not past and at most five
 *   minutes ahead, `jti` never seen before within its lifetime, a `jku` header (if any) equal to the
 *   registered JWKS URL; client secrets for clients registered so; answers `invalid_client` /
 *   `invalid_grant` / `invalid_scope` as OAuth 2.0 does;
 * - every other request is proxied to the FHIR server only with a live access token it issued
 *   (401 otherwise); `revokeAll()` invalidates the issued tokens (a server-side revocation).
 *
 * Used by tests and drills; no production code depends on it.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { CLIENT_ASSERTION_TYPE } from './smart-auth.ts';

export interface GatewayClient {
  clientId: string;
  /** private_key_jwt: the service's JWKS URL (as registered with the EHR). */
  jwksUrl?: string;
  /** client_secret_basic. */
  secret?: string;
  /** Scopes the client may get (default: any system/ scope). */
  allowedScopes?: string[];
}

export interface SmartEhrGateway {
  /** FHIR base through the gateway (…/fhir/). */
  fhirBaseUrl: string;
  tokenUrl: string;
  /** Counters for assertions: what the token endpoint did. */
  stats: { tokensIssued: number; refused: Record<string, number>; proxied: number; unauthorized: number };
  revokeAll(): void;
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startSmartEhrGateway(o: { fhirUpstream: string; clients: GatewayClient[]; tokenLifetimeS?: number; jwksCooldownMs?: number }): Promise<SmartEhrGateway> {
  const upstream = o.fhirUpstream.endsWith('/') ? o.fhirUpstream : `${o.fhirUpstream}/`;
  const tokens = new Map<string, { clientId: string; expiresAtMs: number }>();
  const seenJti = new Map<string, number>(); // jti → its exp (ms): replay protection
  const jwksSets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const stats: SmartEhrGateway['stats'] = { tokensIssued: 0, refused: {}, proxied: 0, unauthorized: 0 };
  let base = '';
  const json = (res: ServerResponse, status: number, v: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(v));
  };
  const refuse = (res: ServerResponse, status: number, error: string, why: string) => {
    stats.refused[why] = (stats.refused[why] ?? 0) + 1;
    json(res, status, { error, error_description: why });
  };

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams((await body(req)).toString('utf8'));
    if (form.get('grant_type') !== 'client_credentials') return refuse(res, 400, 'unsupported_grant_type', 'grant_type');
    const scope = form.get('scope') ?? '';
    let client: GatewayClient | undefined;
    if (form.get('client_assertion_type') === CLIENT_ASSERTION_TYPE) {
      const assertion = form.get('client_assertion') ?? '';
      let header: ReturnType<typeof decodeProtectedHeader>;
      try {
        header = decodeProtectedHeader(assertion);
      } catch {
        return refuse(res, 401, 'invalid_client', 'malformed assertion');
      }
      if (header.alg !== 'RS384' && header.alg !== 'ES384') return refuse(res, 401, 'invalid_client', 'alg');
      const claimed = (() => {
        try {
          return JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: string };
        } catch {
          return {};
        }
      })();
      client = o.clients.find((c) => c.clientId === claimed.iss && c.jwksUrl);
      if (!client?.jwksUrl) return refuse(res, 401, 'invalid_client', 'unknown client');
      if (header.jku !== undefined && header.jku !== client.jwksUrl) return refuse(res, 401, 'invalid_client', 'jku');
      let jwks = jwksSets.get(client.jwksUrl);
      if (!jwks) {
        jwks = createRemoteJWKSet(new URL(client.jwksUrl), { cooldownDuration: o.jwksCooldownMs ?? 0 });
        jwksSets.set(client.jwksUrl, jwks);
      }
      let payload: { iss?: string; sub?: string; exp?: number; jti?: string };
      try {
        ({ payload } = await jwtVerify(assertion, jwks, { issuer: client.clientId, subject: client.clientId, audience: `${base}/token`, algorithms: ['RS384', 'ES384'], requiredClaims: ['exp', 'jti'] }));
      } catch (e) {
        const code = (e as { code?: string }).code ?? 'verify';
        return refuse(res, 401, 'invalid_client', code === 'ERR_JWT_EXPIRED' ? 'expired' : code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' ? `claim ${(e as { claim?: string }).claim}` : code);
      }
      const now = Date.now();
      if ((payload.exp as number) * 1000 > now + 5 * 60_000 + 5_000) return refuse(res, 401, 'invalid_client', 'exp more than 5 minutes ahead');
      for (const [j, exp] of seenJti) if (exp < now) seenJti.delete(j);
      if (seenJti.has(payload.jti as string)) return refuse(res, 401, 'invalid_client', 'jti replayed');
      seenJti.set(payload.jti as string, (payload.exp as number) * 1000);
    } else {
      const auth = req.headers.authorization ?? '';
      const [id, secret] = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':').map(decodeURIComponent) : [];
      client = o.clients.find((c) => c.clientId === id && c.secret !== undefined && c.secret === secret);
      if (!client) return refuse(res, 401, 'invalid_client', 'client secret');
    }
    const scopes = scope.split(/\s+/).filter(Boolean);
    if (scopes.some((s) => !(client.allowedScopes ? client.allowedScopes.includes(s) : s.startsWith('system/')))) return refuse(res, 400, 'invalid_scope', 'scope');
    const access = randomBytes(24).toString('base64url');
    const lifetime = o.tokenLifetimeS ?? 300;
    tokens.set(access, { clientId: client.clientId, expiresAtMs: Date.now() + lifetime * 1000 });
    stats.tokensIssued++;
    json(res, 200, { access_token: access, token_type: 'bearer', expires_in: lifetime, scope });
  }

  async function proxy(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const auth = req.headers.authorization ?? '';
    const t = auth.startsWith('Bearer ') ? tokens.get(auth.slice(7)) : undefined;
    if (!t || t.expiresAtMs < Date.now()) {
      stats.unauthorized++;
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', diagnostics: 'invalid or expired token' }] }));
      return;
    }
    stats.proxied++;
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'authorization', 'connection', 'content-length'].includes(k)) headers.set(k, v);
    const b = req.method === 'GET' || req.method === 'HEAD' ? undefined : await body(req);
    const up = await fetch(new URL(path, upstream), { method: req.method, headers, ...(b ? { body: new Uint8Array(b) } : {}) });
    const out: Record<string, string> = {};
    up.headers.forEach((v, k) => {
      if (!['content-encoding', 'transfer-encoding', 'connection', 'content-length'].includes(k)) out[k] = v;
    });
    res.writeHead(up.status, out);
    res.end(Buffer.from(await up.arrayBuffer()));
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    const run = async () => {
      if (req.method === 'GET' && url.pathname === '/fhir/.well-known/smart-configuration') {
        return json(res, 200, {
          token_endpoint: `${base}/token`,
          token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic'],
          token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
          grant_types_supported: ['client_credentials'],
          scopes_supported: ['system/*.rs'],
          capabilities: ['client-confidential-asymmetric', 'client-confidential-symmetric'],
        });
      }
      if (req.method === 'POST' && url.pathname === '/token') return token(req, res);
      if (url.pathname.startsWith('/fhir/')) return proxy(req, res, url.pathname.slice('/fhir/'.length) + url.search);
      res.writeHead(404).end();
    };
    run().catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    fhirBaseUrl: `${base}/fhir/`,
    tokenUrl: `${base}/token`,
    stats,
    revokeAll: () => tokens.clear(),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
