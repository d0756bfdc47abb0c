/**
 * CDS Hooks 2.0 on the results service, with real parts: the CDS client signs ES384 JWTs with
 * jose and publishes its JWKS over loopback HTTP; the EHR is the test FHIR server (Medplum
 * FhirRouter + MemoryRepository over HTTP) behind a recording proxy (to see every request the
 * service sends and its Authorization header), holding RiskAssessments written by the real
 * publish code; Redis is a real redis-server (cache, jti store, feedback, run registry); a run
 * is requested from the real ingestion app (real submitAssessment over a DICOM folder with a
 * synthetic study, real BullMQ queue), authenticated with client-credentials tokens from a real
 * OAuth 2.0 server on loopback (oauth2-mock-server). Nothing is mocked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { OAuth2Server } from 'oauth2-mock-server';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { MedplumClient } from '@medplum/core';
import type { Bundle, RiskAssessment } from '@medplum/fhirtypes';
import type { Logger } from '@tace/common';
import { FolderStudySource } from '@tace/dicom';
import { createFhirClient, publishResult, seedPatient, startFhirServer, type FhirTestServer } from '@tace/fhir';
import { checkResponse, createCdsVerifier, createTokenVerifier, redisJtiStore } from '@tace/http';
import { MemoryWebhookReceipts, RedisRunRegistry, redisConnection } from '@tace/jobs';
import { freePort, startRedisServer, type RedisServerHandle } from '@tace/jobs/testing';
import { closeQueues, createQueues, enqueueStage, submitAssessment, type Queues } from '@tace/pipeline';
import { generatePatient, seedFor, writeSyntheticStudy } from '@tace/synthetic';
import { buildIngestionApp } from '../services/ingestion/src/app.ts';
import { buildResultsApp } from '../services/results/src/app.ts';
import { CdsHandler, ORDER_SELECT_ID, PATIENT_VIEW_ID, RISK_PREFETCH, type CdsOutcome } from '../services/results/src/cds.ts';
import { invalidateOnPublish, redisCdsCache } from '../services/results/src/cds-cache.ts';
import { redisFeedbackStore } from '../services/results/src/cds-feedback.ts';
import { ingestionRunRequester } from '../services/results/src/cds-submit.ts';

const MODEL = { id: 'tace-dlr-demo', version: '1.0.0' };
const SHA = '0123456789abcdef'.repeat(4);

let redis: RedisServerHandle;
let fhirServer: FhirTestServer;
let ehrProxy: { url: string; requests: Array<{ path: string; auth?: string }>; delayMs: number; close(): Promise<void> };
let foreign: { url: string; hits: number; close(): Promise<void> };
let jwksHost: { url: string; hits: Record<string, number>; close(): Promise<void> };
let idp: OAuth2Server;
let ehr: MedplumClient;
let results: FastifyInstance;
let ingestion: FastifyInstance;
let queues: Queues;
let handler: CdsHandler;
let cache: ReturnType<typeof redisCdsCache>;
let redisClients: Array<{ disconnect(): void }> = [];
let dicomDir: string;
let base: string;
let ingestionBase: string;
let serviceUrl: string;
const outcomes: CdsOutcome[] = [];
const logLines: string[] = [];
const identifiers: string[] = [];
let keyA: { privateKey: CryptoKey; kid: string };
let keyB: { privateKey: CryptoKey; kid: string };
let keyC: { privateKey: CryptoKey; kid: string };
const ISS = 'https://ehr.example.org/cds-client';
/** A second registered client whose keys live on another origin (localhost, not 127.0.0.1). */
const ISS2 = 'https://other-ehr.example.org';
let jti = 0;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as { port: number };
  return `http://127.0.0.1:${addr.port}`;
}
const closeServer = (s: Server) => new Promise<void>((r) => s.close(() => r()));

async function key(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
  return { privateKey, kid, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES384', use: 'sig' } };
}

interface JwtOpts {
  aud?: string | string[];
  iss?: string;
  expiresIn?: number;
  iat?: number;
  jti?: string;
  key?: { privateKey: CryptoKey; kid: string };
  jku?: string;
}
async function jwt(o: JwtOpts = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const k = o.key ?? keyA;
  const iat = o.iat ?? now;
  return new SignJWT({ tenant: 'hospital-1' })
    .setProtectedHeader({ alg: 'ES384', typ: 'JWT', kid: k.kid, ...(o.jku ? { jku: o.jku } : {}) })
    .setIssuer(o.iss ?? ISS)
    .setSubject('ehr-cds-client')
    .setAudience(o.aud ?? serviceUrl)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (o.expiresIn ?? 120))
    .setJti(o.jti ?? `jti-${process.pid}-${++jti}`)
    .sign(k.privateKey);
}

function hookBody(patientId: string, extra: Record<string, unknown> = {}) {
  return { hook: 'patient-view', hookInstance: crypto.randomUUID(), context: { userId: 'Practitioner/dr-1', patientId }, ...extra };
}

async function call(path: string, body: unknown, token?: string, method = 'POST') {
  const r = await fetch(base + path, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, contentType: r.headers.get('content-type'), json: (await r.json()) as Record<string, unknown>, headers: r.headers };
}
const invoke = async (id: string, body: unknown, token?: string) => call(`/cds-services/${id}`, body, token ?? (await jwt({ aud: `${serviceUrl}/${id}` })));

async function clientToken(clientId: string, scope: string): Promise<string> {
  const r = await fetch(`${idp.issuer.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic ' + Buffer.from(`${clientId}:secret`).toString('base64') },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
  return ((await r.json()) as { access_token: string }).access_token;
}

let nextPatient = 0;
/** A synthetic patient with a completed TACE, a post-TACE CT in the DICOM folder and in the EHR. */
async function newPatient() {
  const p = generatePatient(4242, nextPatient++);
  writeSyntheticStudy(p, join(dicomDir, p.uids.studyInstanceUid));
  const refs = await seedPatient(ehr, seedFor(p));
  identifiers.push(p.id, p.name.family, refs.patientRef.split('/')[1]!);
  return { p, refs, patientId: refs.patientRef.split('/')[1]! };
}

let publishCounter = 0;
async function publish(refs: Awaited<ReturnType<typeof seedPatient>>, probability: number, riskGroup: 'low' | 'moderate' | 'high', occurrence = '2024-04-08T10:00:00Z') {
  const runId = `cds-run-${process.pid}-${++publishCounter}`;
  await publishResult(ehr, {
    runId,
    patientRef: refs.patientRef,
    procedure: { reference: refs.procedureRef, performedDateTime: '2024-03-10' },
    imagingStudyRef: refs.imagingStudyRef,
    observationRefs: refs.observationRefs,
    model: { ...MODEL, weightsSha256: SHA, name: 'TACE DLR nomogram (demo)', syntheticDemo: true, intendedUse: 'Demonstration only' },
    probability,
    riskGroup,
    points: [{ factor: 'DLR score', value: 1.2, points: 50 }],
    totalPoints: 50,
    occurrenceDateTime: occurrence,
  });
  return runId;
}

beforeAll(async () => {
  redis = await startRedisServer();
  fhirServer = await startFhirServer({ host: '127.0.0.1' });
  dicomDir = mkdtempSync(join(tmpdir(), 'tace-cds-dicom-'));

  // The EHR as the service sees it: a proxy in front of the FHIR server recording every request.
  const proxyState = { requests: [] as Array<{ path: string; auth?: string }>, delayMs: 0 };
  const target = new URL(fhirServer.baseUrl);
  const proxy = createServer((req, res) => {
    proxyState.requests.push({ path: req.url ?? '', ...(req.headers.authorization ? { auth: req.headers.authorization } : {}) });
    const forward = () => {
      const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: (req.url ?? '').replace(/^\/ehr/, target.pathname.replace(/\/$/, '')), headers: { ...req.headers, host: target.host } }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    if (proxyState.delayMs > 0) setTimeout(forward, proxyState.delayMs);
    else forward();
  });
  const proxyUrl = await listen(proxy);
  ehrProxy = { url: `${proxyUrl}/ehr`, get requests() { return proxyState.requests; }, get delayMs() { return proxyState.delayMs; }, set delayMs(v: number) { proxyState.delayMs = v; }, close: () => closeServer(proxy) } as typeof ehrProxy;

  // Another FHIR server the request may name: it must never be called.
  let foreignHits = 0;
  const other = createServer((_req, res) => {
    foreignHits++;
    res.writeHead(200, { 'content-type': 'application/fhir+json' }).end('{"resourceType":"Bundle","type":"searchset"}');
  });
  const otherUrl = await listen(other);
  foreign = { url: `${otherUrl}/fhir/R4`, get hits() { return foreignHits; }, close: () => closeServer(other) } as typeof foreign;

  // The CDS client's key sets over HTTP: registered (A), allow-listed jku (B), not allow-listed (C).
  const a = await key('client-key-a');
  const b = await key('client-key-b');
  const c = await key('client-key-c');
  keyA = a;
  keyB = b;
  keyC = c;
  const hits: Record<string, number> = {};
  const jwks = createServer((req: IncomingMessage, res) => {
    const path = req.url ?? '';
    hits[path] = (hits[path] ?? 0) + 1;
    const set = path === '/a.json' ? [a.jwk] : path === '/b.json' ? [b.jwk] : path === '/c.json' ? [c.jwk] : undefined;
    if (!set) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: set }));
  });
  const jwksUrl = await listen(jwks);
  jwksHost = { url: jwksUrl, hits, close: () => closeServer(jwks) };

  // The hospital's OAuth 2.0 server: client-credentials tokens name the client as sub, audience tace-risk.
  idp = new OAuth2Server();
  await idp.issuer.keys.generate('RS256');
  await idp.start(0, '127.0.0.1');
  idp.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }, req: IncomingMessage) => {
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (basic) token.payload.sub = Buffer.from(basic[1]!, 'base64').toString().split(':')[0];
    token.payload.aud = 'tace-risk';
  });
  const oauth = createTokenVerifier({ issuer: idp.issuer.url!, audience: 'tace-risk', algorithms: ['RS256'], clockSkewS: 30 });

  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  const log = pino({ level: 'debug' }, sink) as unknown as Logger;
  const conn = () => {
    const c = redisConnection(redis.url, log, 'fail-fast');
    redisClients.push(c);
    return c;
  };
  ehr = createFhirClient({ fhirBaseUrl: ehrProxy.url });
  const registry = new RedisRunRegistry(conn());

  // The ingestion service, as deployed: real submit over the DICOM folder, real queue.
  queues = createQueues(redis.url, log);
  const studies = new FolderStudySource(dicomDir);
  ingestion = await buildIngestionApp({
    log,
    registry,
    fhir: ehr,
    submit: (req) => submitAssessment({ fhir: ehr, studies, registry, model: MODEL, log }, { start: (runId) => enqueueStage(queues, 'ingest', runId, {}) }, req),
    replay: () => Promise.reject(new Error('not used')),
    cancel: () => Promise.reject(new Error('not used')),
    retract: () => Promise.reject(new Error('not used')),
    auth: oauth,
    webhookSecrets: ['x'.repeat(32)],
    webhookToleranceS: 300,
    receipts: new MemoryWebhookReceipts(),
    readiness: {},
  });
  const ingestionUrl = await ingestion.listen({ host: '127.0.0.1', port: 0 });
  ingestionBase = ingestionUrl;

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  serviceUrl = `${base}/cds-services`;
  const cacheRedis = conn();
  handler = new CdsHandler({
    log,
    registry,
    cache: (cache = redisCdsCache(cacheRedis)),
    fhir: ehr,
    fhirBaseUrl: ehrProxy.url,
    fhirTimeoutMs: 5000,
    publicBaseUrl: base,
    budgetMs: 400,
    cacheTtlS: 300,
    requester: ingestionRunRequester({ ingestionUrl, clientId: 'tace-results-cds', clientSecret: 'secret', issuer: idp.issuer.url! }),
    onOutcome: (o) => outcomes.push(o),
  });
  results = await buildResultsApp({
    log,
    registry,
    auth: oauth,
    readiness: {},
    cds: {
      handler,
      verifier: createCdsVerifier({ clients: { [ISS]: `${jwksUrl}/a.json`, [ISS2]: `${jwksUrl.replace('127.0.0.1', 'localhost')}/a.json` }, jkuAllowList: [`${jwksUrl}/b.json`], serviceUrl, jti: redisJtiStore(conn()), clockSkewS: 5 }),
      serviceUrl,
      feedback: redisFeedbackStore(conn()),
    },
  });
  await results.listen({ host: '127.0.0.1', port });
}, 60_000);

afterAll(async () => {
  await handler?.settle();
  await results?.close();
  await ingestion?.close();
  if (queues) await closeQueues(queues);
  for (const c of redisClients) c.disconnect();
  await idp?.stop();
  await jwksHost?.close();
  await foreign?.close();
  await ehrProxy?.close();
  await fhirServer?.close();
  await redis?.stop();
  if (dicomDir) rmSync(dicomDir, { recursive: true, force: true });
});

const lastOutcome = () => outcomes[outcomes.length - 1];
type Card = { uuid: string; summary: string; detail: string; indicator: string; source: { label: string }; links?: Array<{ url: string }> };
const cardsOf = (r: { json: Record<string, unknown> }) => r.json.cards as Card[];

describe('CDS Hooks discovery', () => {
  it('lists patient-view and order-select with the RiskAssessment prefetch, to an authenticated client', async () => {
    const r = await call('/cds-services', undefined, await jwt({ aud: serviceUrl }), 'GET');
    expect(r.status).toBe(200);
    expect(checkResponse('cdsDiscovery', r.status, r.contentType, r.json)).toEqual([]);
    const services = r.json.services as Array<{ id: string; hook: string; prefetch: Record<string, string> }>;
    expect(services.map((s) => [s.id, s.hook])).toEqual([[PATIENT_VIEW_ID, 'patient-view'], [ORDER_SELECT_ID, 'order-select']]);
    expect(services[0]!.prefetch.riskAssessments).toBe('RiskAssessment?patient={{context.patientId}}&method=https://tace-risk.example.org/model|&_sort=-date&_count=5');
  });
  it('refuses a call without the JWT: 401 CDS_JWT_MISSING', async () => {
    const r = await call('/cds-services', undefined, undefined, 'GET');
    expect(r.status).toBe(401);
    expect(r.json.code).toBe('CDS_JWT_MISSING');
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(checkResponse('cdsDiscovery', r.status, r.contentType, r.json)).toEqual([]);
  });
});

describe('CDS client authentication (401 with a stable code)', () => {
  const refused = async (token: string, code: string, id = PATIENT_VIEW_ID) => {
    const r = await call(`/cds-services/${id}`, hookBody('no-such-patient'), token);
    expect({ status: r.status, code: r.json.code }).toEqual({ status: 401, code });
    expect(checkResponse('cdsInvoke', r.status, r.contentType, r.json)).toEqual([]);
  };
  it('wrong aud (the discovery URL for a service call, another host)', async () => {
    await refused(await jwt({ aud: serviceUrl }), 'CDS_JWT_AUDIENCE');
    await refused(await jwt({ aud: `https://elsewhere.example.org/cds-services/${PATIENT_VIEW_ID}` }), 'CDS_JWT_AUDIENCE');
  });
  it('expired, and a lifetime over 5 minutes', async () => {
    await refused(await jwt({ aud: `${serviceUrl}/${PATIENT_VIEW_ID}`, iat: Math.floor(Date.now() / 1000) - 600, expiresIn: 120 }), 'CDS_JWT_EXPIRED');
    await refused(await jwt({ aud: `${serviceUrl}/${PATIENT_VIEW_ID}`, expiresIn: 3600 }), 'CDS_JWT_INVALID');
  });
  it('a replayed jti', async () => {
    const token = await jwt({ aud: `${serviceUrl}/${PATIENT_VIEW_ID}` });
    const first = await call(`/cds-services/${PATIENT_VIEW_ID}`, hookBody('no-such-patient'), token);
    expect(first.status).not.toBe(401);
    await refused(token, 'CDS_JWT_REPLAYED');
  });
  it('an unknown issuer, a key the client never published, a jku not on the allow-list (never fetched)', async () => {
    await refused(await jwt({ aud: `${serviceUrl}/${PATIENT_VIEW_ID}`, iss: 'https://intruder.example.org' }), 'CDS_CLIENT_UNKNOWN');
    await refused(await jwt({ aud: `${serviceUrl}/${PATIENT_VIEW_ID}`, key: keyC }), 'CDS_JWT_SIGNATURE');
    await refused(await jwt({ aud: `${serviceUrl}/${PATIENT_VIEW_ID}`, key: keyC, jku: `${jwksHost.url}/c.json` }), 'CDS_JKU_NOT_ALLOWED');
    expect(jwksHost.hits['/c.json'] ?? 0).toBe(0);
    // An allow-listed jku vouches only for the client on its origin.
    await refused(await jwt({ aud: `${serviceUrl}/${PATIENT_VIEW_ID}`, iss: ISS2, key: keyB, jku: `${jwksHost.url}/b.json` }), 'CDS_JKU_NOT_ALLOWED');
  });
  it('accepts a jku on the allow-list (keys fetched from it)', async () => {
    const r = await invoke(PATIENT_VIEW_ID, hookBody('no-such-patient'), await jwt({ aud: `${serviceUrl}/${PATIENT_VIEW_ID}`, key: keyB, jku: `${jwksHost.url}/b.json` }));
    expect(r.status).toBe(200);
    expect(jwksHost.hits['/b.json']).toBeGreaterThan(0);
    await handler.settle();
  });
});

describe('patient-view', () => {
  it('uncached, no prefetch: reads the latest RiskAssessment from the EHR (service credentials), then answers from the cache without the EHR', async () => {
    const { refs, patientId } = await newPatient();
    await publish(refs, 0.31, 'moderate', '2024-04-01T10:00:00Z');
    await publish(refs, 0.8125, 'high', '2024-05-01T10:00:00Z');
    const before = ehrProxy.requests.length;
    const r = await invoke(PATIENT_VIEW_ID, hookBody(patientId));
    expect(r.status).toBe(200);
    expect(checkResponse('cdsInvoke', r.status, r.contentType, r.json)).toEqual([]);
    expect(lastOutcome()).toBe('ehr');
    const [card] = cardsOf(r);
    expect(card!.indicator).toBe('warning');
    expect(card!.summary).toContain('81.3 %');
    expect(card!.summary).toContain('high');
    expect(card!.detail).toContain('`tace-dlr-demo` version `1.0.0`');
    expect(card!.detail).toContain('synthetic demonstration model — not for clinical use');
    expect(card!.links![0]!.url).toMatch(new RegExp(`^${base}/v1/assessments/cds-run-`));
    const sent = ehrProxy.requests.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((x) => x.auth === undefined)).toBe(true); // the service's own client (no credentials in this test EHR)

    const n = ehrProxy.requests.length;
    const again = await invoke(PATIENT_VIEW_ID, hookBody(patientId));
    expect(lastOutcome()).toBe('cache');
    expect(cardsOf(again)[0]!.uuid).toBe(card!.uuid);
    expect(ehrProxy.requests.length).toBe(n);
  });

  it('with prefetch: uses it and sends nothing to the EHR', async () => {
    const { refs, patientId } = await newPatient();
    await publish(refs, 0.12, 'low');
    // What the CDS client does with the template: query its FHIR server.
    const query = RISK_PREFETCH.replace('{{context.patientId}}', patientId).replace('|', '%7C');
    const bundle = (await (await fetch(`${fhirServer.baseUrl}${query}`)).json()) as Bundle;
    expect(bundle.entry).toHaveLength(1);
    const n = ehrProxy.requests.length;
    const r = await invoke(PATIENT_VIEW_ID, hookBody(patientId, { prefetch: { riskAssessments: bundle } }));
    expect(r.status).toBe(200);
    expect(lastOutcome()).toBe('prefetch');
    expect(cardsOf(r)[0]).toMatchObject({ indicator: 'info' });
    expect(cardsOf(r)[0]!.summary).toContain('12 % (low)');
    expect(ehrProxy.requests.length).toBe(n);
    expect(checkResponse('cdsInvoke', r.status, r.contentType, r.json)).toEqual([]);
  });

  it('fhirAuthorization towards the configured EHR: the clinician token is what the EHR receives', async () => {
    const { refs, patientId } = await newPatient();
    await publish(refs, 0.5, 'high');
    const n = ehrProxy.requests.length;
    const r = await invoke(PATIENT_VIEW_ID, hookBody(patientId, { fhirServer: ehrProxy.url, fhirAuthorization: { access_token: 'clinician-token-123', token_type: 'Bearer', expires_in: 300, scope: 'patient/RiskAssessment.rs', subject: 'cds-service' } }));
    expect(r.status).toBe(200);
    expect(cardsOf(r)).toHaveLength(1);
    const sent = ehrProxy.requests.slice(n);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((x) => x.auth === 'Bearer clinician-token-123')).toBe(true);
    expect(logLines.join('')).not.toContain('clinician-token-123');
  });

  it('fhirServer other than the EHR: 400 CDS_FHIR_SERVER_UNKNOWN and no request anywhere', async () => {
    const n = ehrProxy.requests.length;
    const r = await invoke(PATIENT_VIEW_ID, hookBody('some-patient', { fhirServer: foreign.url, fhirAuthorization: { access_token: 'clinician-token-456', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.rs', subject: 'cds-service' } }));
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('CDS_FHIR_SERVER_UNKNOWN');
    expect(JSON.stringify(r.json)).not.toContain('clinician-token-456');
    expect(checkResponse('cdsInvoke', r.status, r.contentType, r.json)).toEqual([]);
    await handler.settle();
    expect(foreign.hits).toBe(0);
    expect(ehrProxy.requests.length).toBe(n);
  });

  it('no result: requests a run through the ingestion API (queued), says so; the registry then turns it into the result', async () => {
    const { patientId, p } = await newPatient();
    const r = await invoke(PATIENT_VIEW_ID, hookBody(patientId));
    expect(r.status).toBe(200);
    expect(lastOutcome()).toBe('requested');
    const [card] = cardsOf(r);
    expect(card!.summary).toContain('scoring of the post-TACE CT was requested');
    const runId = card!.links![0]!.url.split('/').pop()!;
    const conn = redisConnection(redis.url, pino({ level: 'silent' }) as unknown as Logger, 'plain');
    redisClients.push(conn);
    const registry = new RedisRunRegistry(conn);
    const rec = await registry.get(runId);
    expect(rec).toMatchObject({ status: 'queued', request: { patientReference: `Patient/${patientId}`, studyInstanceUid: p.uids.studyInstanceUid, trigger: 'rest', requestedBy: 'tace-results-cds' } });
    expect(await queues.ingest.getJob(runId)).toBeTruthy();

    // The pipeline publishes (here: the registry record the publish stage writes).
    await registry.update(runId, { status: 'done', stage: 'publish', result: { probability: 0.734, riskGroup: 'high', model: { ...MODEL, syntheticDemo: true }, scoredAt: '2024-05-02T00:00:00Z' }, fhir: { riskAssessment: 'RiskAssessment/x1', device: 'Device/d1', provenance: 'Provenance/p1' } });
    const n = ehrProxy.requests.length;
    const after = await invoke(PATIENT_VIEW_ID, hookBody(patientId));
    expect(outcomes.slice(-2)).toEqual(['registry', 'cache']);
    expect(cardsOf(after)[0]).toMatchObject({ indicator: 'warning' });
    expect(cardsOf(after)[0]!.summary).toContain('73.4 % (high)');
    expect(ehrProxy.requests.length).toBe(n);

    // A (newer) run of the patient publishes: the publish stage's hook drops the cached answer.
    expect(await cache.get(patientId)).toBeDefined();
    expect(await invalidateOnPublish(registry, cache, runId)).toBe(true);
    expect(await cache.get(patientId)).toBeUndefined();
    await invoke(PATIENT_VIEW_ID, hookBody(patientId));
    expect(ehrProxy.requests.length).toBeGreaterThan(n);

    // Retracted: the cached card is dropped and the EHR asked again (it has no RiskAssessment → run exists: requested card again).
    await registry.update(runId, { status: 'retracted' });
    const m = ehrProxy.requests.length;
    const dropped = await invoke(PATIENT_VIEW_ID, hookBody(patientId));
    expect(ehrProxy.requests.length).toBeGreaterThan(m);
    expect(cardsOf(dropped).every((c) => !c.summary.includes('73.4'))).toBe(true);
  });

  it('no TACE: no card', async () => {
    const patient = await ehr.createResource({ resourceType: 'Patient', name: [{ family: 'NoTace' }] });
    const r = await invoke(PATIENT_VIEW_ID, hookBody(patient.id!));
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ cards: [] });
    expect(lastOutcome()).toBe('none');
  });

  it('a slow EHR: answered within the budget with no card; the lookup finishes into the cache', async () => {
    const { refs, patientId } = await newPatient();
    await publish(refs, 0.42, 'moderate');
    ehrProxy.delayMs = 700;
    try {
      const t0 = performance.now();
      const r = await invoke(PATIENT_VIEW_ID, hookBody(patientId));
      const ms = performance.now() - t0;
      expect(r.json).toEqual({ cards: [] });
      expect(lastOutcome()).toBe('timeout');
      expect(ms).toBeLessThan(500);
      await handler.settle();
    } finally {
      ehrProxy.delayMs = 0;
    }
    const r2 = await invoke(PATIENT_VIEW_ID, hookBody(patientId));
    expect(lastOutcome()).toBe('cache');
    expect(cardsOf(r2)[0]!.summary).toContain('42 % (moderate)');
  });

  it('bad input: a hook for another service, a patientId that is not an id, an unknown field', async () => {
    const wrongHook = await invoke(PATIENT_VIEW_ID, { ...hookBody('x'), hook: 'order-select' });
    expect([wrongHook.status, wrongHook.json.code]).toEqual([400, 'CDS_HOOK_MISMATCH']);
    const badId = await invoke(PATIENT_VIEW_ID, hookBody('../Patient'));
    expect([badId.status, badId.json.code]).toEqual([400, 'CDS_CONTEXT_INVALID']);
    const extra = await invoke(PATIENT_VIEW_ID, { ...hookBody('x'), surprise: 1 });
    expect([extra.status, extra.json.code]).toEqual([400, 'REQUEST_INVALID']);
    const unknown = await invoke('no-such-service', hookBody('x'));
    expect([unknown.status, unknown.json.code]).toEqual([404, 'CDS_SERVICE_NOT_FOUND']);
    for (const x of [wrongHook, badId, extra, unknown]) expect(checkResponse('cdsInvoke', x.status, x.contentType, x.json)).toEqual([]);
  });
});

describe('order-select', () => {
  it('shows the risk card while a follow-up ServiceRequest is selected, nothing otherwise', async () => {
    const { refs, patientId } = await newPatient();
    await publish(refs, 0.9, 'high');
    const draftOrders = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'ServiceRequest', id: 'fu-ct', status: 'draft', intent: 'proposal', subject: { reference: `Patient/${patientId}` }, code: { text: 'CT abdomen follow-up' } } }] };
    const body = (selections: string[]) => ({ hook: 'order-select', hookInstance: crypto.randomUUID(), context: { userId: 'Practitioner/dr-1', patientId, selections, draftOrders } });
    const r = await invoke(ORDER_SELECT_ID, body(['ServiceRequest/fu-ct']));
    expect(r.status).toBe(200);
    expect(cardsOf(r)[0]).toMatchObject({ indicator: 'warning' });
    expect(checkResponse('cdsInvoke', r.status, r.contentType, r.json)).toEqual([]);
    const none = await invoke(ORDER_SELECT_ID, body([]));
    expect(none.json).toEqual({ cards: [] });
  });
});

describe('feedback', () => {
  it('records accepted / overridden outcomes and reads them back with the OAuth read scope', async () => {
    const id = PATIENT_VIEW_ID;
    const fb = {
      feedback: [
        { card: crypto.randomUUID(), outcome: 'accepted', outcomeTimestamp: new Date().toISOString() },
        { card: crypto.randomUUID(), outcome: 'overridden', outcomeTimestamp: new Date().toISOString(), overrideReason: { reason: { code: 'already-aware', system: 'https://tace-risk.example.org/CodeSystem/tace-risk/cds-override-reason' }, userComment: 'patient Jane Doe told me already' } },
      ],
    };
    const r = await call(`/cds-services/${id}/feedback`, fb, await jwt({ aud: `${serviceUrl}/${id}/feedback` }));
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ recorded: 2 });
    expect(checkResponse('cdsFeedback', r.status, r.contentType, r.json)).toEqual([]);

    const noToken = await call('/v1/cds-feedback', undefined, undefined, 'GET');
    expect(noToken.status).toBe(401);
    const cdsJwtIsNotOAuth = await call('/v1/cds-feedback', undefined, await jwt({ aud: serviceUrl }), 'GET');
    expect(cdsJwtIsNotOAuth.status).toBe(401);
    const noScope = await call('/v1/cds-feedback', undefined, await clientToken('monitor', 'worklist:read'), 'GET');
    expect(noScope.status).toBe(403);
    const read = await call('/v1/cds-feedback', undefined, await clientToken('monitor', 'assessments:read'), 'GET');
    expect(read.status).toBe(200);
    expect(checkResponse('getCdsFeedback', read.status, read.contentType, read.json)).toEqual([]);
    expect(read.json.counts).toEqual(
      expect.arrayContaining([
        { service: id, outcome: 'accepted', count: 1 },
        { service: id, outcome: 'overridden', overrideReason: 'already-aware', count: 1 },
      ]),
    );
    const recent = read.json.recent as Array<Record<string, unknown>>;
    expect(recent[0]).toMatchObject({ service: id, outcome: 'overridden', overrideReason: 'already-aware', hasComment: true, client: ISS });
    expect(JSON.stringify(read.json)).not.toContain('Jane Doe');
  });
});

describe('the results process (main.ts) with the CDS settings', () => {
  const run = (env: Record<string, string>) => {
    const out: string[] = [];
    const p = spawn(process.execPath, [join(import.meta.dirname, '..', 'services', 'results', 'src', 'main.ts')], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TACE_HOST: '127.0.0.1', TACE_REDIS_URL: redis.url, TACE_FHIR_BASE_URL: ehrProxy.url, TACE_AUTH_ISSUER: idp.issuer.url!, TACE_AUTH_AUDIENCE: 'tace-risk', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    p.stdout!.on('data', (b: Buffer) => out.push(b.toString()));
    p.stderr!.on('data', (b: Buffer) => out.push(b.toString()));
    return { p, out };
  };
  const exited = (p: ChildProcess) => new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.once('exit', (c) => r(c))));

  it('serves the hooks from the cache it shares with the other replicas (no EHR request), with the registered client', async () => {
    const { refs, patientId } = await newPatient();
    await publish(refs, 0.66, 'high');
    await invoke(PATIENT_VIEW_ID, hookBody(patientId)); // this replica fills the shared cache
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/cds-services`;
    const { p, out } = run({
      TACE_PORT: String(port),
      TACE_CDS_SERVICE_URL: url,
      TACE_CDS_CLIENTS: `${ISS}=${jwksHost.url}/a.json`,
      TACE_CDS_SUBMIT_URL: ingestionBase,
      TACE_CDS_SUBMIT_CLIENT_ID: 'tace-results-cds',
      TACE_CDS_SUBMIT_CLIENT_SECRET: 'secret',
    });
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (p.exitCode !== null) throw new Error(`results exited: ${out.join('')}`);
        const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
        if (ok) break;
        if (Date.now() > deadline) throw new Error(`results not ready: ${out.join('')}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const disc = await fetch(url, { headers: { authorization: `Bearer ${await jwt({ aud: url })}` } });
      expect(disc.status).toBe(200);
      const n = ehrProxy.requests.length;
      const r = await fetch(`${url}/${PATIENT_VIEW_ID}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await jwt({ aud: `${url}/${PATIENT_VIEW_ID}` })}` }, body: JSON.stringify(hookBody(patientId)) });
      const body = (await r.json()) as { cards: Card[] };
      expect(r.status).toBe(200);
      expect(body.cards[0]!.summary).toContain('66 % (high)');
      expect(ehrProxy.requests.length).toBe(n);
      // A token for the other replica's URL is not for this one.
      const wrong = await fetch(`${url}/${PATIENT_VIEW_ID}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await jwt({ aud: `${serviceUrl}/${PATIENT_VIEW_ID}` })}` }, body: JSON.stringify(hookBody(patientId)) });
      expect(wrong.status).toBe(401);
    } finally {
      p.kill('SIGTERM');
      await exited(p);
    }
    const log = out.join('');
    expect(log).toContain('"cdsHooks":"on"');
    for (const id of identifiers) expect(log).not.toContain(id);
  }, 60_000);

  it('refuses to start with incomplete CDS settings: CONFIG_INVALID naming them', async () => {
    const port = await freePort();
    const { p, out } = run({ TACE_PORT: String(port), TACE_CDS_SERVICE_URL: `http://127.0.0.1:${port}/cds-services`, TACE_CDS_SUBMIT_URL: ingestionBase });
    expect(await exited(p)).not.toBe(0);
    const log = out.join('');
    expect(log).toContain('TACE_CDS_CLIENTS is required');
    expect(log).toContain('TACE_CDS_SUBMIT_URL needs TACE_CDS_SUBMIT_CLIENT_ID');
  }, 60_000);
});

describe('logs', () => {
  it('carry no patient identifier and no token', () => {
    const all = logLines.join('');
    expect(all.length).toBeGreaterThan(0);
    for (const id of identifiers) expect(all).not.toContain(id);
    expect(all).not.toContain('clinician-token');
  });
});
