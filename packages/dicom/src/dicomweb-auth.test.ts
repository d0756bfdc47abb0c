import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dicomWebAuth } from './dicomweb-auth.ts';
import { DicomWebHttp } from './dicomweb-http.ts';

/**
 * The auth and the shared GET against a real loopback HTTP server that plays token endpoint and
 * DICOMweb origin: token lifetime, sharing, refresh after 401, token-file rotation, deadlines.
 * (Against Orthanc and oauth2-mock-server: tests/dicomweb-hospital.test.ts.)
 */
describe('dicomWebAuth and DicomWebHttp', () => {
  let server: Server;
  let base = '';
  let tokenRequests = 0;
  let expiresIn = 3600;
  let tokenStatus = 200;
  let valid = new Set<string>();
  let slowMs = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/token') {
        tokenRequests++;
        const t = `tok-${tokenRequests}`;
        valid.add(t);
        setTimeout(() => {
          if (tokenStatus !== 200) { res.writeHead(tokenStatus, { 'content-type': 'application/json' }).end('{"error":"server_error","error_description":"echo client-secret-x"}'); return; }
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: t, token_type: 'Bearer', expires_in: expiresIn }));
        }, 20);
        return;
      }
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      setTimeout(() => {
        if (!token || !valid.has(token)) { res.writeHead(401).end(); return; }
        res.writeHead(200, { 'content-type': 'application/dicom+json' }).end('[]');
      }, slowMs);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const oauth = () => dicomWebAuth({ mode: 'oauth2', tokenUrl: `${base}/token`, clientId: 'c', clientSecret: 'client-secret-x' });

  it('concurrent callers share one token request; the token is reused until shortly before expiry', async () => {
    tokenRequests = 0; expiresIn = 3600;
    const auth = oauth();
    const hs = await Promise.all(Array.from({ length: 5 }, () => auth.headers()));
    expect(new Set(hs.map((h) => h.Authorization))).toEqual(new Set(['Bearer tok-1']));
    expect(tokenRequests).toBe(1);
    // A token living 1 s is refreshed a tenth of its life early, so after 0.95 s a new one is fetched.
    expiresIn = 1;
    const short = oauth();
    await short.headers();
    await new Promise((r) => setTimeout(r, 950));
    await short.headers();
    expect(tokenRequests).toBe(3);
  });

  it('a 401 drops the token: one new token and the request again; a second 401 → DICOMWEB_AUTH_FAILED', async () => {
    tokenRequests = 0; expiresIn = 3600;
    const http = new DicomWebHttp({ baseUrl: base, auth: oauth() });
    expect((await http.get('studies', 'application/dicom+json', 'QIDO-RS')).status).toBe(200);
    valid = new Set(); // the origin forgets every token: the refreshed one is accepted again below
    const again = await http.get('studies', 'application/dicom+json', 'QIDO-RS');
    expect(again.status).toBe(200);
    expect(tokenRequests).toBe(2);
    const never = new DicomWebHttp({ baseUrl: base, auth: dicomWebAuth({ mode: 'bearer', token: 'static' }) });
    await expect(never.get('studies', 'application/dicom+json', 'QIDO-RS')).rejects.toMatchObject({ code: 'DICOMWEB_AUTH_FAILED', retryable: false });
  });

  it('a bearer token file is read again after a 401 (a rotated secret needs no restart)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tace-dw-token-'));
    try {
      const file = join(dir, 'token');
      writeFileSync(file, 'old-token\n');
      const http = new DicomWebHttp({ baseUrl: base, auth: dicomWebAuth({ mode: 'bearer', tokenFile: file }) });
      valid = new Set(['new-token']);
      writeFileSync(file, 'new-token\n'); // rotated after the auth read 'old-token'
      expect((await http.get('studies', 'application/dicom+json', 'QIDO-RS')).status).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('token endpoint 5xx → retryable DICOMWEB_AUTH_FAILED with the OAuth error code only, never its description', async () => {
    tokenStatus = 503;
    try {
      const e = await oauth().headers().then(() => undefined, (x: unknown) => x as Error & { code: string; retryable: boolean });
      expect(e).toMatchObject({ code: 'DICOMWEB_AUTH_FAILED', retryable: true });
      expect(e!.message).toContain('server_error');
      expect(e!.message).not.toContain('client-secret-x');
    } finally {
      tokenStatus = 200;
    }
  });

  it('a client secret is never sent to a plain-http token endpoint off loopback', () => {
    expect(() => dicomWebAuth({ mode: 'oauth2', tokenUrl: 'http://idp.hospital.example/token', clientId: 'c', clientSecret: 's' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('a request past its deadline → DICOM_SOURCE_UNAVAILABLE, retryable', async () => {
    valid = new Set(['static']);
    slowMs = 500;
    try {
      const http = new DicomWebHttp({ baseUrl: base, timeoutMs: 100, auth: dicomWebAuth({ mode: 'bearer', token: 'static' }) });
      await expect(http.get('studies', 'application/dicom+json', 'QIDO-RS')).rejects.toMatchObject({ code: 'DICOM_SOURCE_UNAVAILABLE', retryable: true, detail: { timeout: true } });
    } finally {
      slowMs = 0;
    }
  });
});
