/**
 * DICOMweb as hospitals run it, against Orthanc from Debian on loopback:
 * - HTTP Basic auth (Orthanc's own RegisteredUsers): right credentials read the study; wrong or
 *   none → DICOMWEB_AUTH_FAILED after ONE request (no retry loop that could lock the account);
 * - OAuth 2.0 client credentials: oauth2-mock-server is the identity provider's token endpoint;
 *   Orthanc cannot check bearer tokens, so a small reverse proxy below stands in for the
 *   hospital's API gateway: it verifies the JWT (jose, against the issuer's JWKS: signature,
 *   issuer, scope) and forwards to Orthanc with the gateway's own Basic credentials;
 * - QIDO-RS filters on real studies; the streaming multipart parser fed real WADO-RS answers in
 *   chunks of every size, holding no more than one part plus a constant.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { Events, OAuth2Server } from 'oauth2-mock-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';
import {
  dicomWebAuth, dicomWebAuthFromSettings, DicomWebHttp, DicomWebStudySource, MultipartParser, multipartBoundary, newUid, parseDicom,
  searchSeries, searchStudies, TAG, writeCtSeries, type DicomWebAuth,
} from '@tace/dicom';
import { findOrthanc, startOrthanc, type OrthancHandle } from './support/orthanc.ts';

const ORTHANC = findOrthanc();
const CT3 = referencePath('dicom/dcmqi-ct-3slice');
const SMALL = referencePath('dicom/dcmqi-misc/24x38x3');
const USER = 'tace-ai', PASSWORD = 'correct horse battery staple';
const GATEWAY_USER = 'gateway', GATEWAY_PASSWORD = 'gateway-backend-secret';

/** A fetch that counts requests (and keeps their URLs' paths, never logged). */
function countingFetch(log: string[]): typeof fetch {
  return (input, init) => { log.push(new URL(String(input)).pathname); return fetch(input, init); };
}

async function errorOf(p: Promise<unknown>): Promise<{ code?: string; retryable?: boolean; message?: string }> {
  return p.then(() => ({}), (e: unknown) => e as { code?: string });
}

/** A small synthetic CT series (writeCtSeries) with the given study attributes. */
function ctStudy(o: { patientId: string; studyDate: string; accessionNumber: string; seriesDescription: string; studyInstanceUid?: string }): Uint8Array[] {
  const data = new Int16Array(16 * 16 * 2).map((_, i) => (i % 200) - 100);
  return writeCtSeries(
    { size: [16, 16, 2], spacingMm: [1, 1, 2], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], data },
    { studyInstanceUid: o.studyInstanceUid ?? newUid(), seriesInstanceUid: newUid(), patientId: o.patientId, patientName: 'Test^Qido', studyDate: o.studyDate, accessionNumber: o.accessionNumber, seriesDescription: o.seriesDescription });
}

describe.skipIf(!ORTHANC)('DICOMweb against Orthanc with authentication', () => {
  let orthanc: OrthancHandle;
  const studyA = newUid(), studyB = newUid();
  let ct3Study = '';

  beforeAll(async () => {
    orthanc = await startOrthanc(ORTHANC, { users: { [USER]: PASSWORD, [GATEWAY_USER]: GATEWAY_PASSWORD } });
    await orthanc.stow([
      ...ctStudy({ patientId: 'QIDO-A', studyDate: '20240110', accessionNumber: 'ACC-A', seriesDescription: 'ART 1.0', studyInstanceUid: studyA }),
      ...ctStudy({ patientId: 'QIDO-A', studyDate: '20240110', accessionNumber: 'ACC-A', seriesDescription: 'PV 1.0', studyInstanceUid: studyA }),
      ...ctStudy({ patientId: 'QIDO-B', studyDate: '20240305', accessionNumber: 'ACC-B', seriesDescription: 'ART 1.0', studyInstanceUid: studyB }),
    ]);
    if (CT3) {
      const files = ['01.dcm', '02.dcm', '03.dcm', 'liver.dcm'].map((f) => new Uint8Array(readFileSync(join(CT3, f))));
      await orthanc.stow(files);
      ct3Study = parseDicom(files[0], { untilTag: TAG.PixelData }).studyInstanceUid;
    }
    if (SMALL) await orthanc.stow(['IMG0001.dcm', 'IMG0002.dcm', 'IMG0003.dcm'].map((f) => new Uint8Array(readFileSync(join(SMALL, 'image', f)))));
  });
  afterAll(async () => { await orthanc?.stop(); });

  describe('HTTP Basic', () => {
    it('the right credentials read the study (QIDO-RS + WADO-RS)', async () => {
      const src = new DicomWebStudySource({ baseUrl: orthanc.dicomWebUrl, auth: dicomWebAuth({ mode: 'basic', username: USER, password: PASSWORD }) });
      const study = await src.getStudy(studyA);
      expect(study.series.map((s) => s.instances.length)).toEqual([2, 2]);
    });

    it('a wrong password → DICOMWEB_AUTH_FAILED, not retryable, after one request', async () => {
      const log: string[] = [];
      const src = new DicomWebStudySource({ baseUrl: orthanc.dicomWebUrl, fetch: countingFetch(log), auth: dicomWebAuth({ mode: 'basic', username: USER, password: 'wrong' }) });
      const e = await errorOf(src.getStudy(studyA));
      expect(e).toMatchObject({ code: 'DICOMWEB_AUTH_FAILED', retryable: false });
      expect(e.message).not.toContain('wrong');
      expect(log).toHaveLength(1);
    });

    it('no credentials → DICOMWEB_AUTH_FAILED naming the setting to set', async () => {
      const e = await errorOf(new DicomWebStudySource({ baseUrl: orthanc.dicomWebUrl }).getStudy(studyA));
      expect(e).toMatchObject({ code: 'DICOMWEB_AUTH_FAILED', retryable: false });
      expect(e.message).toContain('TACE_DICOMWEB_AUTH');
    });

    it('from settings: the password is read from its file', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tace-dw-secret-'));
      try {
        writeFileSync(join(dir, 'pw'), `${PASSWORD}\n`); // a trailing newline, as `echo` writes it
        const auth = dicomWebAuthFromSettings({ mode: 'basic', username: USER, passwordFile: join(dir, 'pw') });
        expect((await new DicomWebStudySource({ baseUrl: orthanc.dicomWebUrl, auth }).listSeries(studyB))).toHaveLength(1);
        expect(() => dicomWebAuthFromSettings({ mode: 'basic', username: USER, passwordFile: join(dir, 'absent') })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('QIDO-RS filters', () => {
    let http: DicomWebHttp;
    beforeAll(() => { http = new DicomWebHttp({ baseUrl: orthanc.dicomWebUrl, auth: dicomWebAuth({ mode: 'basic', username: USER, password: PASSWORD }) }); });

    it('PatientID, AccessionNumber, StudyDate range, ModalitiesInStudy', async () => {
      const a = await searchStudies(http, { patientId: 'QIDO-A' });
      expect(a.map((s) => s.studyInstanceUid)).toEqual([studyA]);
      expect(a[0]).toMatchObject({ patientId: 'QIDO-A', studyDate: '20240110', accessionNumber: 'ACC-A', modalitiesInStudy: ['CT'], numberOfSeries: 2, numberOfInstances: 4 });
      expect((await searchStudies(http, { accessionNumber: 'ACC-B' })).map((s) => s.studyInstanceUid)).toEqual([studyB]);
      expect((await searchStudies(http, { studyDate: { from: '20240301', to: '20240331' } })).map((s) => s.studyInstanceUid)).toEqual([studyB]);
      expect((await searchStudies(http, { studyDate: { to: '20240131' }, patientId: 'QIDO-A' })).map((s) => s.studyInstanceUid)).toEqual([studyA]);
      expect(await searchStudies(http, { studyDate: { from: '20250101' } })).toEqual([]);
      const withSeg = await searchStudies(http, { modalitiesInStudy: 'SEG' });
      expect(withSeg.map((s) => s.studyInstanceUid)).toEqual(CT3 ? [ct3Study] : []);
    });

    it('exact matching only: a near PatientID matches nothing, a wildcard is refused', async () => {
      expect(await searchStudies(http, { patientId: 'QIDO' })).toEqual([]);
      expect(await errorOf(searchStudies(http, { patientId: 'QIDO*' }))).toMatchObject({ code: 'DICOMWEB_QUERY_INVALID' });
      expect(await errorOf(searchStudies(http, { studyDate: { from: '20240230' } }))).toMatchObject({ code: 'DICOMWEB_QUERY_INVALID' });
    });

    it('limit and offset page through the studies', async () => {
      const all = await searchStudies(http, {});
      expect(all.length).toBeGreaterThanOrEqual(3);
      const pages = [...await searchStudies(http, { limit: 2 }), ...await searchStudies(http, { limit: 2, offset: 2 })];
      expect(pages.map((s) => s.studyInstanceUid).sort()).toEqual(all.slice(0, 4).map((s) => s.studyInstanceUid).sort());
    });

    it('series level: Modality and SeriesDescription', async () => {
      expect((await searchSeries(http, { studyInstanceUid: studyA, seriesDescription: 'PV 1.0' })).map((s) => s.seriesDescription)).toEqual(['PV 1.0']);
      // exact, though the server is asked 'ART*1.0' (Orthanc matches no value with a space)
      expect(await searchSeries(http, { studyInstanceUid: studyA, seriesDescription: 'ART  1.0' })).toEqual([]);
      expect((await searchSeries(http, { studyInstanceUid: studyA, seriesDescription: 'ART 1.0' }))).toHaveLength(1);
      expect((await searchSeries(http, { studyInstanceUid: studyA, modality: 'CT' })).map((s) => s.numberOfInstances)).toEqual([2, 2]);
      expect(await searchSeries(http, { studyInstanceUid: studyA, modality: 'SEG' })).toEqual([]);
      if (CT3) expect((await searchSeries(http, { studyInstanceUid: ct3Study, modality: 'SEG' })).map((s) => s.modality)).toEqual(['SEG']);
    });
  });

  describe('streaming multipart parser on real WADO-RS answers', () => {
    /** The raw WADO-RS answer of a series, as stored, and its boundary. */
    async function rawSeries(studyUid: string): Promise<Array<{ body: Buffer; boundary: string; files: Uint8Array[] }>> {
      const http = new DicomWebHttp({ baseUrl: orthanc.dicomWebUrl, auth: dicomWebAuth({ mode: 'basic', username: USER, password: PASSWORD }) });
      const out = [];
      for (const s of await searchSeries(http, { studyInstanceUid: studyUid })) {
        const res = await http.get(`studies/${studyUid}/series/${s.seriesInstanceUid}`, 'multipart/related; type="application/dicom"; transfer-syntax=*', 'WADO-RS');
        expect(res.status).toBe(200);
        out.push({ body: Buffer.from(await res.arrayBuffer()), boundary: multipartBoundary(res.headers.get('content-type') ?? ''), files: [] });
      }
      return out;
    }

    function feed(body: Buffer, boundary: string, size: number): { parts: Uint8Array[]; peak: number } {
      const p = new MultipartParser(boundary);
      const parts: Uint8Array[] = [];
      for (let i = 0; i < body.length; i += size) for (const part of p.push(body.subarray(i, i + size))) parts.push(part.body);
      p.end();
      return { parts, peak: p.peakBufferedBytes };
    }

    it.skipIf(!SMALL)('every chunk size 1..whole body: the same instances, peak ≤ one part + a constant', async () => {
      const sopOf = (b: Uint8Array) => parseDicom(b, { untilTag: TAG.PixelData }).sopInstanceUid;
      const stored = new Map(['IMG0001.dcm', 'IMG0002.dcm', 'IMG0003.dcm'].map((f) => {
        const b = new Uint8Array(readFileSync(join(SMALL!, 'image', f)));
        return [sopOf(b), b] as const;
      }));
      const series = (await rawSeries(parseDicom(stored.values().next().value!, { untilTag: TAG.PixelData }).studyInstanceUid));
      expect(series).toHaveLength(1);
      const { body, boundary } = series[0];
      let worst = 0;
      for (let size = 1; size <= body.length; size++) {
        const { parts, peak } = feed(body, boundary, size);
        expect(parts.length).toBe(3);
        for (const p of parts) expect(Buffer.compare(Buffer.from(p), Buffer.from(stored.get(sopOf(p))!))).toBe(0);
        worst = Math.max(worst, peak - Math.max(...parts.map((p) => p.length)));
      }
      console.log(`[multipart] ${body.length}-byte Orthanc answer fed in chunks of 1..${body.length} bytes: peak held − largest part ≤ ${worst} bytes`);
      expect(worst).toBeLessThanOrEqual(256);
    });

    it.skipIf(!CT3)('a 1.6 MB CT answer in chunks from 1 byte to 1 MiB: same parts, peak ≤ one part + a constant', async () => {
      const series = await rawSeries(ct3Study);
      for (const { body, boundary } of series) {
        const whole = feed(body, boundary, body.length);
        const largest = Math.max(...whole.parts.map((p) => p.length));
        for (const size of [1, 2, 3, 7, 61, 1000, 4096, 16_384, 65_536, 1 << 20]) {
          const { parts, peak } = feed(body, boundary, size);
          expect(parts.map((p) => Buffer.from(p).toString('base64'))).toEqual(whole.parts.map((p) => Buffer.from(p).toString('base64')));
          expect(peak, `chunk ${size}`).toBeLessThanOrEqual(largest + 256);
        }
        const e = (() => { try { feed(body.subarray(0, body.length - 100), boundary, 4096); } catch (x) { return x; } return undefined; })();
        expect(e).toMatchObject({ code: 'DICOMWEB_MULTIPART_INVALID', retryable: true });
      }
    });

    it.skipIf(!CT3)('a part over TACE_DICOMWEB_MAX_PART_MB → DICOMWEB_PART_TOO_LARGE, not retried', async () => {
      const log: string[] = [];
      const src = new DicomWebStudySource({ baseUrl: orthanc.dicomWebUrl, fetch: countingFetch(log), maxPartBytes: 200_000, auth: dicomWebAuth({ mode: 'basic', username: USER, password: PASSWORD }) });
      expect(await errorOf(src.getStudy(ct3Study))).toMatchObject({ code: 'DICOMWEB_PART_TOO_LARGE', retryable: false });
    });
  });

  describe('OAuth 2.0 client credentials through a token-checking gateway', () => {
    let idp: OAuth2Server;
    let gateway: Server;
    let gatewayUrl = '';
    let tokenUrl = '';
    const CLIENT_ID = 'tace-risk-ingestion', CLIENT_SECRET = 'client-secret-for-tests';
    const tokenRequests: string[] = [];
    const revoked = new Set<string>();
    let failTokenEndpoint: number | undefined;

    beforeAll(async () => {
      idp = new OAuth2Server();
      await idp.issuer.keys.generate('RS256');
      await idp.start(0, '127.0.0.1');
      const issuer = idp.issuer.url!;
      tokenUrl = `${issuer}/token`;
      let n = 0;
      idp.service.on(Events.BeforeTokenSigning, (token: { payload: Record<string, unknown> }) => { token.payload.n = ++n; }); // every token distinct
      idp.service.on(Events.BeforeResponse, (response: { statusCode: number; body: unknown }, req: IncomingMessage) => {
        tokenRequests.push(String(req.headers.authorization ?? ''));
        const expected = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
        if (failTokenEndpoint) { response.statusCode = failTokenEndpoint; response.body = { error: 'temporarily_unavailable' }; return; }
        if (req.headers.authorization !== expected) { response.statusCode = 401; response.body = { error: 'invalid_client' }; }
      });
      // The hospital's API gateway, in miniature: verify the bearer JWT, then forward to Orthanc.
      const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
      const backend = new URL(orthanc.restUrl);
      gateway = createServer((req, res) => {
        void (async () => {
          const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
          try {
            if (!token || revoked.has(token)) throw new Error('no or revoked token');
            const { payload } = await jwtVerify(token, jwks, { issuer });
            if (!String(payload.scope ?? '').split(' ').includes('pacs.read')) throw new Error('scope');
          } catch {
            res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
            return;
          }
          const up = httpRequest({ host: backend.hostname, port: backend.port, path: req.url, method: 'GET',
            headers: { accept: req.headers.accept ?? '*/*', ...orthancGatewayAuth() } }, (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          });
          up.on('error', () => res.writeHead(502).end());
          up.end();
        })();
      });
      await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
      gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/dicom-web`;
    });
    afterAll(async () => {
      await new Promise<void>((r) => gateway?.close(() => r()));
      await idp?.stop();
    });
    const orthancGatewayAuth = () => ({ authorization: `Basic ${Buffer.from(`${GATEWAY_USER}:${GATEWAY_PASSWORD}`).toString('base64')}` });
    const oauth = (secret = CLIENT_SECRET, url = tokenUrl): DicomWebAuth =>
      dicomWebAuth({ mode: 'oauth2', tokenUrl: url, clientId: CLIENT_ID, clientSecret: secret, scope: 'pacs.read' });

    it('reads the study with a token fetched once and cached for every request', async () => {
      tokenRequests.length = 0;
      const src = new DicomWebStudySource({ baseUrl: gatewayUrl, auth: oauth() });
      const study = await src.getStudy(studyA);
      expect(study.series.flatMap((s) => s.instances)).toHaveLength(4);
      await src.getStudy(studyB);
      expect(tokenRequests).toHaveLength(1); // 1 QIDO + 2 WADO + 1 QIDO + 1 WADO requests, one token
    });

    it('a token the gateway stops accepting (401) → one new token and the request again', async () => {
      tokenRequests.length = 0;
      const auth = oauth();
      const src = new DicomWebStudySource({ baseUrl: gatewayUrl, auth });
      await src.listSeries(studyA);
      revoked.add((await auth.headers()).Authorization.slice('Bearer '.length));
      expect(await src.listSeries(studyB)).toHaveLength(1);
      expect(tokenRequests).toHaveLength(2);
    });

    it('wrong client secret → DICOMWEB_AUTH_FAILED (invalid_client), not retryable, secret never in the message', async () => {
      const e = await errorOf(new DicomWebStudySource({ baseUrl: gatewayUrl, auth: oauth('not-the-secret') }).getStudy(studyA));
      expect(e).toMatchObject({ code: 'DICOMWEB_AUTH_FAILED', retryable: false });
      expect(e.message).toContain('invalid_client');
      expect(e.message).not.toContain('not-the-secret');
    });

    it('token endpoint 503 or unreachable → DICOMWEB_AUTH_FAILED retryable', async () => {
      failTokenEndpoint = 503;
      try {
        expect(await errorOf(new DicomWebStudySource({ baseUrl: gatewayUrl, auth: oauth() }).getStudy(studyA))).toMatchObject({ code: 'DICOMWEB_AUTH_FAILED', retryable: true });
      } finally {
        failTokenEndpoint = undefined;
      }
      const e = await errorOf(new DicomWebStudySource({ baseUrl: gatewayUrl, auth: oauth(CLIENT_SECRET, 'http://127.0.0.1:1/token') }).getStudy(studyA));
      expect(e).toMatchObject({ code: 'DICOMWEB_AUTH_FAILED', retryable: true });
    });

    it('a token without the scope the gateway wants → DICOMWEB_AUTH_FAILED after one refresh, not a loop', async () => {
      tokenRequests.length = 0;
      const log: string[] = [];
      const auth = dicomWebAuth({ mode: 'oauth2', tokenUrl, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scope: 'other' });
      const e = await errorOf(new DicomWebStudySource({ baseUrl: gatewayUrl, auth, fetch: countingFetch(log) }).getStudy(studyA));
      expect(e).toMatchObject({ code: 'DICOMWEB_AUTH_FAILED', retryable: false });
      expect(log).toHaveLength(2);
      expect(tokenRequests).toHaveLength(2);
    });
  });
});
