import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFhirClient } from './client.ts';
import { startFhirServer, type FhirTestServer } from './server.ts';

let server: FhirTestServer;
beforeAll(async () => {
  server = await startFhirServer();
});
afterAll(async () => {
  await server.close();
});

function recordingFetch(): { fetch: (url: string, init?: RequestInit) => Promise<Response>; calls: { url: string; auth: string | null }[] } {
  const calls: { url: string; auth: string | null }[] = [];
  return {
    calls,
    fetch: (url, init) => {
      calls.push({ url, auth: new Headers(init?.headers).get('authorization') });
      return fetch(url, init);
    },
  };
}

describe('createFhirClient', () => {
  it('talks to the FHIR base URL as given (no /fhir/R4 appended) without auth by default', async () => {
    const rec = recordingFetch();
    const client = createFhirClient({ fhirBaseUrl: server.baseUrl, fetch: rec.fetch });
    await client.searchResources('Patient', { _count: '1' });
    expect(rec.calls[0].url.startsWith(`${server.baseUrl}Patient`)).toBe(true);
    expect(rec.calls[0].auth).toBeNull();
  });

  it('sends a static bearer token', async () => {
    const rec = recordingFetch();
    const client = createFhirClient({ fhirBaseUrl: server.baseUrl, fetch: rec.fetch, accessToken: 'tok-static' });
    await client.searchResources('Patient', { _count: '1' });
    expect(rec.calls[0].auth).toBe('Bearer tok-static');
  });

  it('gets a client-credentials token once (client_secret_basic) and reuses it', async () => {
    const seen: { auth?: string; body: string }[] = [];
    const tokenServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ auth: req.headers.authorization, body });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: 'tok-cc', token_type: 'bearer', expires_in: 3600 }));
      });
    });
    await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.1', () => r()));
    const tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
    try {
      const rec = recordingFetch();
      const client = createFhirClient({ fhirBaseUrl: server.baseUrl, fetch: rec.fetch, clientCredentials: { clientId: 'svc', clientSecret: 's3cret', tokenUrl } });
      await client.searchResources('Patient', { _count: '1' });
      await client.searchResources('Patient', { _count: '1' });
      expect(seen).toHaveLength(1);
      // base64("svc:s3cret") = "c3ZjOnMzY3JldA==" (RFC 7617 Basic)
      expect(seen[0].auth).toBe('Basic c3ZjOnMzY3JldA==');
      expect(seen[0].body).toBe('grant_type=client_credentials');
      const fhirCalls = rec.calls.filter((c) => c.url.startsWith(server.baseUrl));
      expect(fhirCalls.map((c) => c.auth)).toEqual(['Bearer tok-cc', 'Bearer tok-cc']);
    } finally {
      await new Promise<void>((r) => tokenServer.close(() => r()));
    }
  });

  it('raises 503 as FHIR_UNAVAILABLE (retryable)', async () => {
    const client = createFhirClient({ fhirBaseUrl: server.baseUrl });
    server.failNext(1);
    await expect(client.searchResources('Patient', {})).rejects.toMatchObject({ code: 'FHIR_UNAVAILABLE', retryable: true });
  });
});
