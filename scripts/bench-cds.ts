/**
 * Figures for the CDS Hooks service (issue #10): `patient-view` latency p50/p99 on the real
 * results app over loopback HTTP — from the cache, with prefetch, and uncached (the cache
 * dropped before each call, so the EHR is queried: the test FHIR server over HTTP) — against
 * the unauthenticated /healthz of the same app in the same run. Every hook call carries a fresh
 * ES384 JWT (signed beforehand, so the client's signing is not timed) verified against a JWKS
 * over HTTP, its jti claimed in Redis. Sequential calls (latency, not throughput); bounded.
 */
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { Bundle } from '@medplum/fhirtypes';
import { createLogger } from '@tace/common';
import { createFhirClient, publishResult, seedPatient, startFhirServer } from '@tace/fhir';
import { createCdsVerifier, redisJtiStore } from '@tace/http';
import { RedisRunRegistry, redisConnection } from '@tace/jobs';
import { freePort, startRedisServer } from '@tace/jobs/testing';
import { buildResultsApp } from '../services/results/src/app.ts';
import { CdsHandler, PATIENT_VIEW_ID, RISK_PREFETCH } from '../services/results/src/cds.ts';
import { redisCdsCache } from '../services/results/src/cds-cache.ts';
import { memoryFeedbackStore } from '../services/results/src/cds-feedback.ts';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const f = (x: number) => x.toFixed(2);

export async function runCdsBench(): Promise<void> {
  const log = createLogger('bench', { level: 'silent' });
  const redis = await startRedisServer();
  const fhirServer = await startFhirServer({ host: '127.0.0.1' });
  const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES384', use: 'sig' };
  const jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', () => r()));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as { port: number }).port}/jwks.json`;
  const conns = [redisConnection(redis.url, log, 'fail-fast'), redisConnection(redis.url, log, 'fail-fast')];
  try {
    const ehr = createFhirClient({ fhirBaseUrl: fhirServer.baseUrl });
    const refs = await seedPatient(ehr, {
      patientIdentifier: 'bench-1', familyName: 'Bench', givenName: 'Synthetic', birthDate: '1960-01-01', gender: 'male', taceDate: '2024-03-10',
      studyInstanceUid: '1.2.826.0.1.3680043.10.999.77', afp: { value: 120, unit: 'ng/mL' }, tumourSize: { value: 40, unit: 'mm' }, noduleCount: 1,
    });
    await publishResult(ehr, {
      runId: 'bench-run-1', patientRef: refs.patientRef, procedure: { reference: refs.procedureRef, performedDateTime: '2024-03-10' }, imagingStudyRef: refs.imagingStudyRef,
      observationRefs: refs.observationRefs, model: { id: 'tace-dlr-demo', version: '1.0.0', weightsSha256: 'ab'.repeat(32), name: 'demo', syntheticDemo: true, intendedUse: 'demo' },
      probability: 0.62, riskGroup: 'high', points: [], totalPoints: 0, occurrenceDateTime: '2024-04-08T10:00:00Z',
    });
    const patientId = refs.patientRef.split('/')[1]!;
    const prefetch = (await (await fetch(fhirServer.baseUrl + RISK_PREFETCH.replace('{{context.patientId}}', patientId).replace('|', '%7C'))).json()) as Bundle;

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const serviceUrl = `${base}/cds-services`;
    const cache = redisCdsCache(conns[0]!);
    const handler = new CdsHandler({ log, registry: new RedisRunRegistry(conns[0]!), cache, fhir: ehr, fhirBaseUrl: fhirServer.baseUrl, publicBaseUrl: base, budgetMs: 400 });
    const app = await buildResultsApp({
      log, registry: new RedisRunRegistry(conns[0]!), auth: 'off', readiness: {}, rateLimitPerMinute: 10_000_000,
      cds: { handler, verifier: createCdsVerifier({ clients: { 'https://ehr.bench': jwksUrl }, serviceUrl, jti: redisJtiStore(conns[1]!) }), serviceUrl, feedback: memoryFeedbackStore() },
    });
    await app.listen({ host: '127.0.0.1', port });

    let n = 0;
    const sign = () => new SignJWT({}).setProtectedHeader({ alg: 'ES384', typ: 'JWT', kid: 'bench' }).setIssuer('https://ehr.bench').setSubject('bench').setAudience(`${serviceUrl}/${PATIENT_VIEW_ID}`).setIssuedAt().setExpirationTime('4m').setJti(`b-${++n}`).sign(privateKey);
    const body = (withPrefetch: boolean) => JSON.stringify({ hook: 'patient-view', hookInstance: crypto.randomUUID(), context: { userId: 'Practitioner/1', patientId }, ...(withPrefetch ? { prefetch: { riskAssessments: prefetch } } : {}) });
    const hook = async (token: string, withPrefetch = false) => {
      const r = await fetch(`${base}/cds-services/${PATIENT_VIEW_ID}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body(withPrefetch) });
      const j = (await r.json()) as { cards?: unknown[] };
      if (r.status !== 200 || j.cards?.length !== 1) throw new Error(`hook answered ${r.status} ${JSON.stringify(j).slice(0, 200)}`);
    };
    const measure = async (count: number, call: (i: number) => Promise<void>, before?: () => Promise<void>) => {
      const lat: number[] = [];
      for (let i = 0; i < count; i++) {
        if (before) await before();
        const t = performance.now();
        await call(i);
        lat.push(performance.now() - t);
      }
      return lat;
    };
    const tokens = async (count: number) => Promise.all(Array.from({ length: count }, sign));

    // Warm-up: JWKS fetched, JIT, connections.
    for (const t of await tokens(300)) await hook(t);
    await measure(300, async () => void (await (await fetch(`${base}/healthz`)).arrayBuffer()));

    const rows: Array<[string, number[]]> = [];
    for (let round = 0; round < 2; round++) {
      const health = await measure(1000, async () => void (await (await fetch(`${base}/healthz`)).arrayBuffer()));
      const cachedTokens = await tokens(1000);
      const cached = await measure(1000, (i) => hook(cachedTokens[i]!));
      const preTokens = await tokens(500);
      const pre = await measure(500, (i) => hook(preTokens[i]!, true));
      const unTokens = await tokens(300);
      const uncached = await measure(300, (i) => hook(unTokens[i]!), () => cache.invalidate(patientId));
      rows.push([`round ${round + 1} /healthz (baseline, no auth)`, health], [`round ${round + 1} patient-view, cached`, cached], [`round ${round + 1} patient-view, prefetch`, pre], [`round ${round + 1} patient-view, uncached (EHR query)`, uncached]);
    }
    console.log('latency per request, ms (sequential, loopback; every hook call verifies an ES384 JWT and claims its jti in Redis)');
    console.log('case'.padEnd(52), 'n'.padStart(5), 'p50'.padStart(8), 'p99'.padStart(8), 'p50 / healthz p50'.padStart(19));
    for (let i = 0; i < rows.length; i += 4) {
      const baseP50 = pct(rows[i]![1], 50);
      for (const [name, lat] of rows.slice(i, i + 4)) console.log(name.padEnd(52), String(lat.length).padStart(5), f(pct(lat, 50)).padStart(8), f(pct(lat, 99)).padStart(8), `${(pct(lat, 50) / baseP50).toFixed(1)}×`.padStart(19));
    }
    await handler.settle();
    await app.close();
  } finally {
    for (const c of conns) c.disconnect();
    await new Promise<void>((r) => jwks.close(() => r()));
    await fhirServer.close();
    await redis.stop();
  }
}
