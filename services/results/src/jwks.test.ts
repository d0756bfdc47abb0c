import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@tace/common';
import { parseSigningKeys, publicJwks } from '@tace/fhir';
import { checkResponse } from '@tace/http';
import { MemoryRunRegistry } from '@tace/jobs';
import { buildResultsApp } from './app.ts';

const log = createLogger('test', { level: 'silent' });

describe('GET /.well-known/jwks.json (SMART Backend Services public keys)', () => {
  it('serves the public keys only, without a bearer token, as openapi/ describes', async () => {
    const { privateKey } = await generateKeyPair('ES384', { extractable: true });
    const keys = await parseSigningKeys(JSON.stringify(await exportJWK(privateKey)));
    const app = await buildResultsApp({ log, registry: new MemoryRunRegistry(), auth: 'off', readiness: {}, jwks: publicJwks(keys) });
    try {
      const r = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      expect(r.statusCode).toBe(200);
      const body = r.json() as { keys: Array<Record<string, string>> };
      expect(body.keys).toHaveLength(1);
      expect(body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', use: 'sig', kid: keys[0].kid });
      expect(body.keys[0]).not.toHaveProperty('d');
      expect(checkResponse('getJwks', r.statusCode, r.headers['content-type'] as string, body)).toEqual([]);
    } finally {
      await app.close();
    }
  });
  it('answers 404 JWKS_NOT_CONFIGURED as problem+json when the service uses no signing key', async () => {
    const app = await buildResultsApp({ log, registry: new MemoryRunRegistry(), auth: 'off', readiness: {} });
    try {
      const r = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      expect(r.statusCode).toBe(404);
      expect(r.json()).toMatchObject({ code: 'JWKS_NOT_CONFIGURED' });
      expect(checkResponse('getJwks', r.statusCode, r.headers['content-type'] as string, r.json())).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
