/**
 * SMART Backend Services against an EHR-side token endpoint that checks the client assertion as the
 * spec obliges (smart-ehr-gateway.ts), in front of the real test FHIR server (Medplum FhirRouter +
 * MemoryRepository over HTTP), with the service's public keys fetched from a JWKS URL.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportPKCS8, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFhirClient } from './client.ts';
import { startFhirServer, type FhirTestServer } from './server.ts';
import { CLIENT_ASSERTION_TYPE, createClientAssertion, discoverSmartConfiguration, parseSigningKeys, publicJwks, type SigningKey } from './smart-auth.ts';
import { startSmartEhrGateway, type SmartEhrGateway } from './smart-ehr-gateway.ts';

let fhir: FhirTestServer;
let gw: SmartEhrGateway;
let jwksServer: Server;
let jwksUrl = '';
/** What the service publishes at its JWKS URL (changed by the rotation test). */
let published: SigningKey[] = [];
let rsa: SigningKey[];
let ec: SigningKey[];

async function rsaPem(): Promise<string> {
  const { privateKey } = await generateKeyPair('RS384', { extractable: true, modulusLength: 2048 });
  return exportPKCS8(privateKey);
}

beforeAll(async () => {
  fhir = await startFhirServer();
  rsa = await parseSigningKeys(await rsaPem());
  const { privateKey } = await generateKeyPair('ES384', { extractable: true });
  ec = await parseSigningKeys(JSON.stringify({ keys: [{ ...(await exportJWK(privateKey)), kid: 'ec-1' }] }));
  published = [...rsa, ...ec];
  jwksServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(publicJwks(published)));
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
  gw = await startSmartEhrGateway({
    fhirUpstream: fhir.baseUrl,
    clients: [
      { clientId: 'tace-risk', jwksUrl },
      { clientId: 'legacy', secret: 's3cret' },
    ],
  });
}, 60_000);
afterAll(async () => {
  await gw?.close();
  await new Promise<void>((r) => jwksServer?.close(() => r()));
  await fhir?.close();
});

const scope = 'system/Patient.rs system/Patient.c';
const postAssertion = (assertion: string) =>
  fetch(gw.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion }).toString(),
  });

describe('SMART Backend Services (private_key_jwt)', () => {
  it('discovers the token endpoint, signs an RS384 assertion, and reads and writes FHIR with the token, cached', async () => {
    const before = gw.stats.tokensIssued;
    const client = createFhirClient({ fhirBaseUrl: gw.fhirBaseUrl, auth: { mode: 'private-key-jwt', clientId: 'tace-risk', keys: rsa, scope } });
    const p = await client.createResource({ resourceType: 'Patient', name: [{ family: 'Smart' }] });
    expect((await client.readResource('Patient', p.id as string)).name?.[0]?.family).toBe('Smart');
    await client.searchResources('Patient', { _count: '1' });
    expect(gw.stats.tokensIssued - before).toBe(1); // one token for three calls
  });

  it('signs with an ES384 key as well, the kid naming the key the EHR fetches from the JWKS URL', async () => {
    const client = createFhirClient({ fhirBaseUrl: gw.fhirBaseUrl, auth: { mode: 'private-key-jwt', clientId: 'tace-risk', keys: ec, scope, jku: jwksUrl } });
    await expect(client.searchResources('Patient', { _count: '1' })).resolves.toBeDefined();
  });

  it('the token endpoint refuses an expired assertion, a replayed jti, a wrong aud and an exp too far ahead', async () => {
    const key = rsa[0];
    const expired = await createClientAssertion({ clientId: 'tace-risk', tokenUrl: gw.tokenUrl, key, now: Date.now() - 10 * 60_000 });
    expect((await postAssertion(expired)).status).toBe(401);
    const once = await createClientAssertion({ clientId: 'tace-risk', tokenUrl: gw.tokenUrl, key });
    expect((await postAssertion(once)).status).toBe(200);
    const replay = await postAssertion(once);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: 'invalid_client', error_description: 'jti replayed' });
    const wrongAud = await createClientAssertion({ clientId: 'tace-risk', tokenUrl: 'https://other.example/token', key });
    expect(await (await postAssertion(wrongAud)).json()).toMatchObject({ error: 'invalid_client', error_description: 'claim aud' });
    const now = Math.floor(Date.now() / 1000);
    const farExp = await new SignJWT({}).setProtectedHeader({ alg: 'RS384', kid: key.kid }).setIssuer('tace-risk').setSubject('tace-risk').setAudience(gw.tokenUrl).setJti(crypto.randomUUID()).setIssuedAt(now).setExpirationTime(now + 3600).sign(key.privateKey);
    expect(await (await postAssertion(farExp)).json()).toMatchObject({ error_description: 'exp more than 5 minutes ahead' });
    // ours never asks for more than five minutes
    const mine = JSON.parse(Buffer.from(once.split('.')[1], 'base64url').toString('utf8')) as { exp: number; iat: number; iss: string; sub: string; aud: string; jti: string };
    expect(mine.exp - mine.iat).toBeLessThanOrEqual(300);
    expect([mine.iss, mine.sub, mine.aud]).toEqual(['tace-risk', 'tace-risk', gw.tokenUrl]);
  });

  it('fetches a new token when the FHIR server answers 401 (token revoked), and the call succeeds', async () => {
    const client = createFhirClient({ fhirBaseUrl: gw.fhirBaseUrl, auth: { mode: 'private-key-jwt', clientId: 'tace-risk', keys: rsa, scope } });
    await client.searchResources('Patient', { _count: '1' });
    const before = { issued: gw.stats.tokensIssued, unauthorized: gw.stats.unauthorized };
    gw.revokeAll();
    await expect(client.searchResources('Patient', { _count: '1' })).resolves.toBeDefined();
    expect(gw.stats.unauthorized - before.unauthorized).toBe(1);
    expect(gw.stats.tokensIssued - before.issued).toBe(1);
  });

  it('rotates keys: a new key first in the key file and published beside the old one is accepted; an unpublished key is refused with FHIR_AUTH_FAILED', async () => {
    const next = await parseSigningKeys(await rsaPem());
    const unpublished = createFhirClient({ fhirBaseUrl: gw.fhirBaseUrl, auth: { mode: 'private-key-jwt', clientId: 'tace-risk', keys: [...next, ...rsa], scope } });
    const err = await unpublished.searchResources('Patient', { _count: '1' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FHIR_AUTH_FAILED', detail: { status: 401, error: 'invalid_client' } });
    expect(String((err as Error).message)).not.toMatch(/eyJ/); // never the assertion or a token
    published = [...next, ...rsa, ...ec]; // the service now publishes the new key first
    const rotated = createFhirClient({ fhirBaseUrl: gw.fhirBaseUrl, auth: { mode: 'private-key-jwt', clientId: 'tace-risk', keys: [...next, ...rsa], scope } });
    await expect(rotated.searchResources('Patient', { _count: '1' })).resolves.toBeDefined();
  });

  it('publishes public keys only', () => {
    for (const k of publicJwks([...rsa, ...ec]).keys) {
      expect(k).not.toHaveProperty('d');
      expect(k).toMatchObject({ use: 'sig' });
      expect(['RS384', 'ES384']).toContain(k.alg);
    }
  });
});

describe('other modes and bad configuration', () => {
  it('keeps client-secret mode (client_secret_basic) and refuses a wrong secret with FHIR_AUTH_FAILED', async () => {
    const ok = createFhirClient({ fhirBaseUrl: gw.fhirBaseUrl, auth: { mode: 'client-secret', clientId: 'legacy', clientSecret: 's3cret', scope } });
    await expect(ok.searchResources('Patient', { _count: '1' })).resolves.toBeDefined();
    const bad = createFhirClient({ fhirBaseUrl: gw.fhirBaseUrl, auth: { mode: 'client-secret', clientId: 'legacy', clientSecret: 'nope', scope } });
    await expect(bad.searchResources('Patient', { _count: '1' })).rejects.toMatchObject({ code: 'FHIR_AUTH_FAILED' });
  });

  it('refuses a server that does not offer private_key_jwt (SMART_UNSUPPORTED) or has no SMART configuration (SMART_DISCOVERY_FAILED)', async () => {
    const srv = createServer((req, res) => {
      if (req.url?.endsWith('/.well-known/smart-configuration') && req.url.startsWith('/a/')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ token_endpoint: 'http://127.0.0.1:1/token', token_endpoint_auth_methods_supported: ['client_secret_basic'] }));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    try {
      await expect(discoverSmartConfiguration(`${base}/a/`, fetch, { privateKeyJwt: 'RS384' })).rejects.toMatchObject({ code: 'SMART_UNSUPPORTED' });
      await expect(discoverSmartConfiguration(`${base}/b/`, fetch)).rejects.toMatchObject({ code: 'SMART_DISCOVERY_FAILED' });
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it('never sends a credential to a plain-http token endpoint other than loopback (SMART_UNSUPPORTED)', async () => {
    const client = createFhirClient({ fhirBaseUrl: gw.fhirBaseUrl, auth: { mode: 'client-secret', clientId: 'legacy', clientSecret: 's3cret', tokenUrl: 'http://ehr.example.org/token', scope } });
    await expect(client.searchResources('Patient', { _count: '1' })).rejects.toMatchObject({ code: 'SMART_UNSUPPORTED' });
  });

  it('refuses a key that is neither RSA nor EC P-384, and a public key without its private part', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    await expect(parseSigningKeys(JSON.stringify(await exportJWK(privateKey)))).rejects.toMatchObject({ code: 'SMART_KEY_INVALID' });
    await expect(parseSigningKeys(JSON.stringify(await exportJWK(publicKey)))).rejects.toMatchObject({ code: 'SMART_KEY_INVALID' });
    await expect(parseSigningKeys('not a key')).rejects.toMatchObject({ code: 'SMART_KEY_INVALID' });
  });
});
