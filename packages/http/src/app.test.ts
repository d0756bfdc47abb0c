/**
 * The shared service app against a real OAuth 2.0 / OIDC issuer on loopback (oauth2-mock-server):
 * authentication and scopes from the OpenAPI document, strict bodies, 413/415/429 as
 * problem+json. Responses are checked against openapi/ too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '@tace/common';
import { createServiceApp } from './app.ts';
import { createTokenVerifier, type Caller } from './auth.ts';
import { checkResponse } from './contract.ts';
import { healthRoutes } from './health.ts';
import { routeSchema } from './openapi.ts';
import { startTestIssuer, type TestIssuer } from './testing.ts';

let idp: TestIssuer;
let app: FastifyInstance;
let base: string;
const seen: Caller[] = [];
const log = createLogger('test', { level: 'silent' });

async function build(opts: { rateLimitPerMinute?: number } = {}): Promise<FastifyInstance> {
  const a = await createServiceApp({
    log,
    auth: createTokenVerifier({ issuer: idp.issuer, audience: idp.audience, algorithms: ['RS256', 'ES256'], clockSkewS: 5, jwksCooldownMs: 200 }),
    ...opts,
  });
  healthRoutes(a, 'test', {});
  a.post('/v1/assessments', { schema: routeSchema('createAssessment') }, async (req, reply) => {
    seen.push(req.caller!);
    return reply.code(202).send({ runId: `run-${'a'.repeat(32)}`, status: 'queued', statusUrl: 'http://x/v1/assessments/run-x', created: true, echo: req.body });
  });
  a.get('/v1/worklist', { schema: routeSchema('getWorklist') }, async () => ({ items: [] }));
  return a;
}

beforeAll(async () => {
  idp = await startTestIssuer();
  app = await build();
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app?.close();
  await idp?.stop();
});

const body = { patientReference: 'Patient/p1', studyInstanceUid: '1.2.3' };
async function submit(token: string | undefined, payload: unknown = body, headers: Record<string, string> = {}) {
  const r = await fetch(`${base}/v1/assessments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  const json = (await r.json()) as Record<string, unknown>;
  expect(checkResponse('createAssessment', r.status, r.headers.get('content-type'), json)).toEqual([]);
  return { status: r.status, json, challenge: r.headers.get('www-authenticate') };
}

describe('bearer authentication (jose against the issuer JWKS)', () => {
  it('lets in a valid token with the scope, and knows the caller', async () => {
    const r = await submit(await idp.token({ sub: 'ris-gateway' }));
    expect(r.status).toBe(202);
    expect(seen.at(-1)?.sub).toBe('ris-gateway');
  });

  it('answers 401 with a challenge when there is no token or it is not a bearer token', async () => {
    const none = await submit(undefined);
    expect(none.status).toBe(401);
    expect(none.json.code).toBe('AUTH_TOKEN_MISSING');
    expect(none.challenge).toBe('Bearer realm="tace-risk"');
    expect((await submit(undefined, body, { authorization: 'Basic dXNlcjpwdw==' })).status).toBe(401);
  });

  it.each([
    ['expired', () => idp.token({ expiresIn: -60 }), /expired/],
    ['wrong audience', () => idp.token({ aud: 'another-api' }), /aud/],
    ['wrong issuer', () => idp.token({ iss: 'http://127.0.0.1:1/evil' }), /iss/],
    ['alg none', async () => idp.unsignedToken(), /algorithm|malformed|not valid/],
    ['HS256 keyed with the public key', async () => idp.hs256WithPublicKey(), /algorithm/],
    ['a key the issuer never published (unknown kid)', async () => idp.foreignToken(), /no key/],
    ['garbage', async () => 'abc.def.ghi', /malformed|not valid/],
  ])('refuses %s with 401 invalid_token', async (_name, make, reason) => {
    const r = await submit(await make());
    expect(r.status).toBe(401);
    expect(r.json.code).toBe('AUTH_TOKEN_INVALID');
    expect(String(r.json.detail)).toMatch(reason);
    expect(r.challenge).toMatch(/^Bearer realm="tace-risk", error="invalid_token", error_description="/);
  });

  it('tolerates the configured clock skew, not more', async () => {
    expect((await submit(await idp.token({ expiresIn: -2 }))).status).toBe(202);
    expect((await submit(await idp.token({ expiresIn: -20 }))).status).toBe(401);
  });

  it('picks up a rotated key: an unknown kid refetches the JWKS (after the cooldown)', async () => {
    await submit(await idp.token()); // JWKS cached with the first key only
    const kid = await idp.rotate();
    await new Promise((r) => setTimeout(r, 250));
    const r = await submit(await idp.token({ kid }));
    expect(r.status).toBe(202);
  });

  it('answers 403 naming the missing scope', async () => {
    const r = await submit(await idp.token({ scopes: ['assessments:read'] }));
    expect(r.status).toBe(403);
    expect(r.json.code).toBe('AUTH_SCOPE_MISSING');
    expect(String(r.json.detail)).toContain('assessments:submit');
    expect(r.challenge).toContain('error="insufficient_scope", scope="assessments:submit"');
    const wl = await fetch(`${base}/v1/worklist`, { headers: { authorization: `Bearer ${await idp.token({ scopes: ['assessments:submit'] })}` } });
    expect(wl.status).toBe(403);
  });

  it('keeps health open', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('refuses to register a route the OpenAPI document gives no security', async () => {
    const a = await createServiceApp({ log, auth: 'off' });
    expect(() => a.get('/anything', async () => 'x')).toThrow(/no operationId/);
    await a.close();
  });
});

describe('strict input, as the OpenAPI schema says', () => {
  it('refuses unknown fields instead of stripping them', async () => {
    const r = await submit(await idp.token(), { ...body, priority: 'stat' });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('REQUEST_INVALID');
    expect(String(r.json.detail)).toContain('priority');
  });

  it('refuses numbers and arrays where strings are due instead of coercing them', async () => {
    expect((await submit(await idp.token(), { ...body, studyInstanceUid: 123 })).status).toBe(400);
    expect((await submit(await idp.token(), { ...body, studyInstanceUid: ['1.2.3'] })).status).toBe(400);
  });

  it('refuses Patient/. and Patient/.. (URL path segments, not ids)', async () => {
    for (const p of ['Patient/.', 'Patient/..', 'Patient/../Observation']) {
      const r = await submit(await idp.token(), { ...body, patientReference: p });
      expect(r.status, p).toBe(400);
    }
    expect((await submit(await idp.token(), { ...body, patientReference: 'Patient/...' })).status).toBe(202);
  });

  it('answers 415 for text/plain and application/fhir+json, 413 for a body over 1 MiB, as problem+json', async () => {
    const token = await idp.token();
    const text = await submit(token, JSON.stringify(body), { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(text.json.code).toBe('REQUEST_MEDIA_TYPE');
    expect((await submit(token, JSON.stringify(body), { 'content-type': 'application/fhir+json' })).status).toBe(415);
    const big = await submit(token, JSON.stringify({ ...body, pad: 'x'.repeat(1_100_000) }));
    expect(big.status).toBe(413);
    expect(big.json.code).toBe('REQUEST_TOO_LARGE');
  });
});

describe('rate limit per client', () => {
  it('answers 429 with Retry-After past the limit, per token subject', async () => {
    const limited = await build({ rateLimitPerMinute: 3 });
    const url = await limited.listen({ host: '127.0.0.1', port: 0 });
    try {
      const a = await idp.token({ sub: 'busy-client' });
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 4; i++) {
        last = await fetch(`${url}/v1/worklist`, { headers: { authorization: `Bearer ${a}` } });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      const p = (await last!.json()) as Record<string, unknown>;
      expect(p.code).toBe('RATE_LIMITED');
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
      const other = await fetch(`${url}/v1/worklist`, { headers: { authorization: `Bearer ${await idp.token({ sub: 'quiet-client' })}` } });
      expect(other.status).toBe(200);
      for (let i = 0; i < 5; i++) expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('an issuer that cannot be reached', () => {
  it('answers 503 AUTH_UNAVAILABLE, not 401', async () => {
    const a = await createServiceApp({ log, auth: createTokenVerifier({ issuer: 'http://127.0.0.1:9/', audience: 'x', algorithms: ['RS256'], clockSkewS: 0, timeoutMs: 500 }) });
    a.get('/v1/worklist', { schema: routeSchema('getWorklist') }, async () => ({ items: [] }));
    const url = await a.listen({ host: '127.0.0.1', port: 0 });
    try {
      const r = await fetch(`${url}/v1/worklist`, { headers: { authorization: `Bearer ${await idp.token()}` } });
      expect(r.status).toBe(503);
      expect(((await r.json()) as { code: string }).code).toBe('AUTH_UNAVAILABLE');
    } finally {
      await a.close();
    }
  });
});
