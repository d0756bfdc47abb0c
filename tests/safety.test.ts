/**
 * The defects of issue #8, each reproduced against the three services as separate processes,
 * a real redis-server, the HTTP FHIR server and a real OAuth 2.0 issuer: the wrong patient's
 * images, `Patient/.`, a wrong submission followed by the right one, a worker killed twice,
 * Redis down, oversized and loose input, no credential. Assertions are on what the services
 * answer and on what the FHIR server holds afterwards.
 */
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Provenance, RiskAssessment, Task } from '@medplum/fhirtypes';
import { RUN_ID_SYSTEM, seedPatient } from '@tace/fhir';
import { checkResponse } from '@tace/http';
import { generatePatient, seedFor, writeSyntheticStudy } from '@tace/synthetic';
import { signedHeaders, startStack, waitForRun, type Stack } from './support/stack.ts';

let stack: Stack;
const SEED = 4242;
let nextIndex = 0;
const identifiers: string[] = [];

async function newPatient(opts: { seed?: boolean } = {}) {
  const p = generatePatient(SEED, nextIndex++);
  const study = writeSyntheticStudy(p, join(stack.dicomDir, p.uids.studyInstanceUid));
  identifiers.push(p.id, p.name.family, p.name.given);
  if (opts.seed === false) return { p, study, refs: undefined };
  const refs = await seedPatient(stack.fhir, seedFor(p));
  identifiers.push(refs.patientRef);
  return { p, study, refs };
}

async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = stack.auth) {
  const r = await fetch(url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  return { status: r.status, contentType: r.headers.get('content-type'), json: (text ? JSON.parse(text) : {}) as Record<string, unknown>, headers: r.headers };
}
/**
 * POST an oversized body over node:http: the server may answer 413 and close the connection before
 * the client has written all of it (EPIPE / ECONNRESET on the write side), which fetch reports as a
 * failure although the answer arrived. Resolve with the answer whenever one came.
 */
function postOversized(url: string, body: string, headers: Record<string, string>) {
  return new Promise<{ status: number; contentType: string | null; json: Record<string, unknown> }>((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? null, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ECONNRESET') reject(e); // else the response (if any) still resolves
    });
    req.end(body);
  });
}
const submit = (body: unknown, headers?: Record<string, string>) => call('POST', `${stack.url.ingestion}/v1/assessments`, body, headers);
const conforms = (op: string, r: { status: number; contentType: string | null; json: unknown }) => expect(checkResponse(op, r.status, r.contentType, r.json)).toEqual([]);
const riskAssessmentsFor = async (runId: string) =>
  (await stack.fhir.searchResources('RiskAssessment', { identifier: `${RUN_ID_SYSTEM}|${runId}` })) as RiskAssessment[];

beforeAll(async () => {
  stack = await startStack();
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

describe('never the wrong patient', () => {
  it("refuses to score patient X on patient Y's CT when the EHR has no ImagingStudy for it; the right request then scores", async () => {
    const x = await newPatient();
    const y = await newPatient({ seed: false }); // images only in the PACS/folder, as is normal
    const wrong = await submit({ patientReference: x.refs!.patientRef, studyInstanceUid: y.study.studyInstanceUid });
    expect(wrong.status).toBe(202);
    const failed = await waitForRun(stack.url.results, String(wrong.json.runId), (r) => r.status === 'failed' || r.status === 'done');
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'IDENTITY_PATIENT_MISMATCH', stage: 'ingest' });
    expect(failed.result).toBeUndefined();
    expect(await riskAssessmentsFor(String(wrong.json.runId))).toHaveLength(0);
    expect((await stack.fhir.searchResources('RiskAssessment', { subject: x.refs!.patientRef })).length).toBe(0);

    // The same study for the right patient is another run (the run id covers the patient): it scores.
    const right = await submit({ patientReference: x.refs!.patientRef, studyInstanceUid: x.study.studyInstanceUid });
    expect(right.json.created).toBe(true);
    expect(right.json.runId).not.toBe(wrong.json.runId);
    const done = await waitForRun(stack.url.results, String(right.json.runId), (r) => r.status === 'done' || r.status === 'failed');
    expect(done.status).toBe('done');
    expect(done.identity).toEqual({ system: expect.any(String), compared: ['patientId', 'birthDate', 'sex'] });
    expect(done).toMatchObject({ trigger: 'rest', requestedBy: 'e2e-tests' });
    const ras = await riskAssessmentsFor(String(right.json.runId));
    expect(ras.map((r) => r.subject?.reference)).toEqual([x.refs!.patientRef]);

    // Y's own study for Y (once Y is in the EHR) is not blocked by the wrong run either.
    const yRefs = await seedPatient(stack.fhir, seedFor(y.p));
    identifiers.push(yRefs.patientRef);
    const yRun = await submit({ patientReference: yRefs.patientRef, studyInstanceUid: y.study.studyInstanceUid });
    expect(yRun.json.created).toBe(true);
    await waitForRun(stack.url.results, String(yRun.json.runId), (r) => r.status === 'done');

    // The wrong run can be cancelled, with who and why.
    const c = await call('POST', `${stack.url.ingestion}/v1/assessments/${String(wrong.json.runId)}/cancel`, { reason: 'submitted for the wrong patient' });
    expect(c.status).toBe(200);
    conforms('cancelAssessment', c);
    const after = await waitForRun(stack.url.results, String(wrong.json.runId), (r) => r.status === 'cancelled');
    expect(after.cancellation).toMatchObject({ by: 'e2e-tests', reason: 'submitted for the wrong patient' });
  });

  it('answers 400 to Patient/. and Patient/.. (REST and rest-hook), never a search or 503', async () => {
    const { study } = await newPatient();
    for (const patientReference of ['Patient/.', 'Patient/..']) {
      const r = await submit({ patientReference, studyInstanceUid: study.studyInstanceUid });
      expect(r.status, patientReference).toBe(400);
      conforms('createAssessment', r);
      const resource = JSON.stringify({ resourceType: 'ImagingStudy', status: 'available', subject: { reference: patientReference }, identifier: [{ system: 'urn:dicom:uid', value: `urn:oid:${study.studyInstanceUid}` }] });
      const hook = await call('POST', `${stack.url.ingestion}/fhir/rest-hook`, resource, signedHeaders(resource));
      expect(hook.status, patientReference).toBe(400);
      expect(hook.json.resourceType).toBe('OperationOutcome');
    }
  });
});

describe('runs that can be corrected', () => {
  it('retracts a published result: RiskAssessment entered-in-error, Task cancelled, Provenance with who and why; off the worklist', async () => {
    // A high-risk patient gets a worklist Task: try a few until one is high.
    let runId = '';
    let done: Record<string, unknown> = {};
    for (let i = 0; i < 8; i++) {
      const { study, refs } = await newPatient();
      const r = await submit({ patientReference: refs!.patientRef, studyInstanceUid: study.studyInstanceUid });
      runId = String(r.json.runId);
      done = await waitForRun(stack.url.results, runId, (x) => x.status === 'done' || x.status === 'failed');
      if ((done.result as { riskGroup?: string } | undefined)?.riskGroup === 'high') break;
    }
    const fhirRefs = done.fhir as { riskAssessment: string; task?: string };
    const notPublished = await call('POST', `${stack.url.ingestion}/v1/assessments/${runId}/cancel`, {});
    expect(notPublished.status).toBe(409);
    expect(notPublished.json.code).toBe('RUN_PUBLISHED');
    const noReason = await call('POST', `${stack.url.ingestion}/v1/assessments/${runId}/retract`, {});
    expect(noReason.status).toBe(400);

    const r = await call('POST', `${stack.url.ingestion}/v1/assessments/${runId}/retract`, { reason: 'segmentation drawn on the wrong lesion' });
    expect(r.status).toBe(200);
    conforms('retractAssessment', r);
    expect(r.json).toMatchObject({ runId, status: 'retracted', provenance: expect.stringMatching(/^Provenance\//) });

    const ra = (await stack.fhir.readReference({ reference: fhirRefs.riskAssessment })) as RiskAssessment;
    expect(ra.status).toBe('entered-in-error');
    const prov = (await stack.fhir.readReference({ reference: String(r.json.provenance) })) as Provenance;
    expect(prov.activity?.coding?.[0]).toMatchObject({ code: 'NULLIFY' });
    expect(prov.reason?.[0]?.text).toBe('segmentation drawn on the wrong lesion');
    expect(prov.agent?.[0]?.who?.identifier).toEqual({ system: stack.idp.issuer, value: 'e2e-tests' });
    expect(prov.target?.[0]?.reference).toMatch(new RegExp(`^${fhirRefs.riskAssessment}/_history/`));
    if (fhirRefs.task) expect(((await stack.fhir.readReference({ reference: fhirRefs.task })) as Task).status).toBe('cancelled');

    const wl = await call('GET', `${stack.url.results}/v1/worklist?limit=500`);
    expect((wl.json.items as Array<{ runId: string }>).map((i) => i.runId)).not.toContain(runId);
    const status = await call('GET', `${stack.url.results}/v1/assessments/${runId}`);
    conforms('getAssessment', status);
    expect(status.json).toMatchObject({ status: 'retracted', retraction: { by: 'e2e-tests' } });
    // Retracting again changes nothing; the one RiskAssessment stays the only one.
    expect((await call('POST', `${stack.url.ingestion}/v1/assessments/${runId}/retract`, { reason: 'again' })).status).toBe(200);
    expect(await riskAssessmentsFor(runId)).toHaveLength(1);
  });

  it('cancels a queued run: its job is removed and nothing is written when the worker comes back', async () => {
    const { study, refs } = await newPatient();
    await stack.stop('inference-worker');
    const r = await submit({ patientReference: refs!.patientRef, studyInstanceUid: study.studyInstanceUid });
    const runId = String(r.json.runId);
    await waitForRun(stack.url.results, runId, (x) => x.stage === 'infer' && x.status === 'queued');
    expect((await call('POST', `${stack.url.ingestion}/v1/assessments/${runId}/cancel`, {})).status).toBe(200);
    await stack.start('inference-worker');
    const other = await newPatient();
    const o = await submit({ patientReference: other.refs!.patientRef, studyInstanceUid: other.study.studyInstanceUid });
    await waitForRun(stack.url.results, String(o.json.runId), (x) => x.status === 'done'); // the worker ran past it
    expect((await call('GET', `${stack.url.results}/v1/assessments/${runId}`)).json.status).toBe('cancelled');
    expect(await riskAssessmentsFor(runId)).toHaveLength(0);
    // A cancelled run can be replayed deliberately.
    expect((await call('POST', `${stack.url.ingestion}/v1/assessments/${runId}/replay`, {})).status).toBe(202);
    await waitForRun(stack.url.results, runId, (x) => x.status === 'done');
  });
});

describe('no lost job', () => {
  it('quarantines a run whose worker is killed twice (WORKER_CRASHED), in seconds, and replays it', async () => {
    const { study, refs } = await newPatient();
    await stack.stop('inference-worker');
    const r = await submit({ patientReference: refs!.patientRef, studyInstanceUid: study.studyInstanceUid });
    const runId = String(r.json.runId);
    await waitForRun(stack.url.results, runId, (x) => x.stage === 'infer' && x.status === 'queued');
    // Watch the run record in Redis directly (sub-millisecond reads): the scoring takes ~200 ms,
    // and the kill must land inside it.
    const redis = new Redis(stack.redis.url);
    const record = async () => JSON.parse((await redis.get(`tace:run:${runId}`)) ?? '{}') as { status?: string; stage?: string; updatedAt?: string };
    let t0 = 0;
    let since = '';
    try {
      for (let kill = 1; kill <= 2; kill++) {
        await stack.start('inference-worker', { waitReady: false });
        // A new attempt marks the run running again (a later updatedAt): the dead one's mark does not count.
        const deadline = Date.now() + 60_000;
        let rec = await record();
        while (!(rec.stage === 'infer' && rec.status === 'running' && String(rec.updatedAt) > since)) {
          if (Date.now() > deadline) throw new Error(`attempt ${kill} never started: ${JSON.stringify(rec)}`);
          await new Promise((r) => setImmediate(r));
          rec = await record();
        }
        since = String(rec.updatedAt);
        await stack.kill('inference-worker', 'SIGKILL'); // as an out-of-memory kill or a codec segfault would
        t0 ||= Date.now();
        expect((await record()).status, `attempt ${kill} was killed while running`).toBe('running');
      }
    } finally {
      redis.disconnect();
    }
    await stack.start('inference-worker');
    const failed = await waitForRun(stack.url.results, runId, (x) => x.status === 'failed', 60_000).catch((e: unknown) => {
      console.log(stack.logs['inference-worker'].filter((l) => l.includes(runId) || l.includes('stalled') || l.includes('ready')).join('\n'));
      throw e;
    });
    const recoveredS = (Date.now() - t0) / 1000;
    console.log(`worker killed twice: run failed WORKER_CRASHED ${recoveredS.toFixed(1)} s after the first kill`);
    expect(failed.error).toMatchObject({ code: 'WORKER_CRASHED', stage: 'infer' });
    expect(failed.quarantined).toBe(true);
    expect(await riskAssessmentsFor(runId)).toHaveLength(0);
    const replay = await call('POST', `${stack.url.ingestion}/v1/assessments/${runId}/replay`, {});
    expect(replay.status).toBe(202);
    const done = await waitForRun(stack.url.results, runId, (x) => x.status === 'done' || x.status === 'failed');
    expect(done.status).toBe('done');
    expect(done.quarantined).toBeUndefined();
    expect(await riskAssessmentsFor(runId)).toHaveLength(1);
  }, 240_000);
});

describe('an open door, closed', () => {
  it('asks every route but health for a bearer token with the right scope', async () => {
    const runPath = `/v1/assessments/run-${'0'.repeat(32)}`;
    const routes: Array<[string, string, string, unknown?]> = [
      ['POST', stack.url.ingestion, '/v1/assessments', { patientReference: 'Patient/x', studyInstanceUid: '1.2' }],
      ['GET', stack.url.ingestion, runPath],
      ['GET', stack.url.results, runPath],
      ['POST', stack.url.ingestion, `${runPath}/replay`, {}],
      ['POST', stack.url.ingestion, `${runPath}/cancel`, {}],
      ['POST', stack.url.ingestion, `${runPath}/retract`, { reason: 'x' }],
      ['GET', stack.url.results, '/v1/worklist'],
    ];
    const readOnly = { authorization: `Bearer ${await stack.idp.token({ scopes: ['assessments:read'] })}` };
    for (const [method, base, path, body] of routes) {
      const anon = await call(method, base + path, body, {});
      expect(anon.status, `${method} ${path}`).toBe(401);
      expect(anon.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      const expired = await call(method, base + path, body, { authorization: `Bearer ${await stack.idp.token({ expiresIn: -600 })}` });
      expect(expired.status, `${method} ${path} expired`).toBe(401);
      if (method === 'GET' && path === runPath) continue;
      const scoped = await call(method, base + path, body, readOnly);
      expect(scoped.status, `${method} ${path} read-only`).toBe(403);
      expect(scoped.json.code).toBe('AUTH_SCOPE_MISSING');
    }
    for (const base of [stack.url.ingestion, stack.url.results, stack.url['inference-worker']]) {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    }
  });

  it('answers 413, 415 and 400 as problem+json at the service, and 413 as OperationOutcome on the rest-hook', async () => {
    const big = await postOversized(`${stack.url.ingestion}/v1/assessments`, JSON.stringify({ patientReference: 'Patient/x', studyInstanceUid: '1.2', pad: 'x'.repeat(1_100_000) }), stack.auth);
    expect(big.status).toBe(413);
    conforms('createAssessment', big);
    const text2 = await fetch(`${stack.url.ingestion}/v1/assessments`, { method: 'POST', headers: { ...stack.auth, 'content-type': 'text/plain' }, body: '{}' });
    expect(text2.status).toBe(415);
    const extra = await submit({ patientReference: 'Patient/x', studyInstanceUid: '1.2', note: 'stat' });
    expect(extra.status).toBe(400);
    const coerced = await submit({ patientReference: 'Patient/x', studyInstanceUid: 1.2 });
    expect(coerced.status).toBe(400);
    const hookBody = 'x'.repeat(1_100_000);
    const hook = await postOversized(`${stack.url.ingestion}/fhir/rest-hook`, hookBody, signedHeaders(hookBody));
    expect(hook.status).toBe(413);
    expect(hook.json.resourceType).toBe('OperationOutcome');
    conforms('fhirRestHook', hook);
  });
});

describe('Redis down', () => {
  it('answers GET status 503 (not 500) on both services, and /readyz 503', async () => {
    await stack.redis.stopOnly();
    try {
      for (const base of [stack.url.ingestion, stack.url.results]) {
        const r = await call('GET', `${base}/v1/assessments/run-${'1'.repeat(32)}`);
        expect(r.status, base).toBe(503);
        expect(r.json.code).toBe('REGISTRY_UNAVAILABLE');
        conforms('getAssessment', r);
        await new Promise((res) => setTimeout(res, 1100)); // readiness is cached for a second
        expect((await fetch(`${base}/readyz`)).status).toBe(503);
      }
    } finally {
      await stack.redis.startAgain();
    }
  });

  it('writes no patient identifier to any service log, and no per-request line at info', () => {
    const all = Object.values(stack.logs).flat().join('\n');
    expect(all.length).toBeGreaterThan(1000);
    for (const id of identifiers) expect(all, `log contains ${id}`).not.toContain(id);
    // Request lines are debug, with the route template: never the URL or its query string.
    expect(all).not.toContain('incoming request');
    expect(all).not.toContain('?limit=');
    expect(all).not.toMatch(/"url":"\/v1\//);
    // One info line per run stage.
    expect(stack.logs.ingestion.some((l) => l.includes('"stage":"ingest"') && l.includes('stage done'))).toBe(true);
  });
});
