/**
 * The whole path through real parts: the three services as separate processes, a real
 * redis-server, the HTTP FHIR test server talked to by a real MedplumClient, DICOM written to a
 * folder. Assertions are on what the FHIR server holds afterwards.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device, ImagingStudy, Observation, Provenance, RiskAssessment, Task } from '@medplum/fhirtypes';
import { RUN_ID_SYSTEM, seedPatient } from '@tace/fhir';
import { checkResponse } from '@tace/http';
import { generatePatient, seedFor, writeSyntheticStudy } from '@tace/synthetic';
import { signedHeaders, startStack, waitForRun, type Stack } from './support/stack.ts';

let stack: Stack;
const SEED = 777;
let nextIndex = 0;
/** Every patient identifier this suite created: none may appear in a service log. */
const identifiers: string[] = [];

/** A fresh synthetic patient: DICOM study in the stack's folder, FHIR resources seeded. */
async function newPatient(opts: { withSeg?: boolean } = {}) {
  const p = generatePatient(SEED, nextIndex++);
  const study = writeSyntheticStudy(p, join(stack.dicomDir, p.uids.studyInstanceUid));
  if (opts.withSeg === false) rmSync(study.segFile);
  const refs = await seedPatient(stack.fhir, seedFor(p));
  identifiers.push(p.id, p.name.family, p.name.given, refs.patientRef);
  return { p, study, refs };
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(`${stack.url.ingestion}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...stack.auth, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const json = (await r.json()) as Record<string, unknown>;
  return { status: r.status, contentType: r.headers.get('content-type'), json };
}

function expectConforms(operationId: string, r: { status: number; contentType: string | null; json: unknown }) {
  expect(checkResponse(operationId, r.status, r.contentType, r.json)).toEqual([]);
}

async function riskAssessmentsFor(runId: string): Promise<RiskAssessment[]> {
  return (await stack.fhir.searchResources('RiskAssessment', { identifier: `${RUN_ID_SYSTEM}|${runId}` })) as RiskAssessment[];
}

beforeAll(async () => {
  stack = await startStack();
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

describe('end to end through Redis', () => {
  it('scores a study and writes Device, RiskAssessment, Provenance (and Task when high) to FHIR', async () => {
    const { p, study, refs } = await newPatient();
    const t0 = performance.now();
    const r = await post('/v1/assessments', { patientReference: refs.patientRef, studyInstanceUid: study.studyInstanceUid });
    expect(r.status).toBe(202);
    expectConforms('createAssessment', r);
    const runId = String(r.json.runId);
    const done = await waitForRun(stack.url.results, runId, (x) => x.status === 'done' || x.status === 'failed');
    const latencyMs = performance.now() - t0;
    console.log(`end-to-end latency of one run through Redis: ${latencyMs.toFixed(0)} ms; stage ms ${JSON.stringify(done.timingsMs)}`);
    expect(done.error).toBeUndefined();
    expect(done.status).toBe('done');
    const statusResp = await fetch(`${stack.url.results}/v1/assessments/${runId}`, { headers: stack.auth });
    expectConforms('getAssessment', { status: statusResp.status, contentType: statusResp.headers.get('content-type'), json: await statusResp.json() });

    const ras = await riskAssessmentsFor(runId);
    expect(ras).toHaveLength(1);
    const ra = ras[0]!;
    const result = done.result as { probability: number; riskGroup: string; modelId: string; modelVersion: string };
    expect(ra.status).toBe('final');
    expect(ra.subject?.reference).toBe(refs.patientRef);
    expect(ra.parent?.reference ?? ra.basis?.map((b) => b.reference)).toEqual(expect.anything());
    const basis = (ra.basis ?? []).map((b) => b.reference);
    expect(basis).toContain(refs.imagingStudyRef);
    for (const o of refs.observationRefs) expect(basis).toContain(o);
    expect([ra.parent?.reference, ...basis]).toContain(refs.procedureRef);
    const pred = ra.prediction?.[0];
    expect(pred?.outcome?.coding?.[0]).toMatchObject({ system: 'http://snomed.info/sct', code: '128462008' });
    // FHIR R4: probabilityDecimal is a percentage.
    expect(pred?.probabilityDecimal).toBeCloseTo(result.probability * 100, 6);
    expect(pred?.qualitativeRisk?.coding?.[0]).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/risk-probability', code: result.riskGroup });
    expect(JSON.stringify(ra.method)).toContain(result.modelVersion);
    expect(JSON.stringify(ra.note ?? [])).toContain('synthetic demonstration model — not for clinical use');

    const device = (await stack.fhir.readReference({ reference: ra.performer?.reference })) as Device;
    expect(device.resourceType).toBe('Device');
    expect(JSON.stringify(device)).toContain(result.modelId);
    const provs = (await stack.fhir.searchResources('Provenance', { target: `RiskAssessment/${ra.id}` })) as Provenance[];
    expect(provs).toHaveLength(1);
    expect(provs[0]!.agent?.[0]?.who?.reference).toBe(`Device/${device.id}`);
    const tasks = (await stack.fhir.searchResources('Task', { focus: `RiskAssessment/${ra.id}` })) as Task[];
    expect(tasks).toHaveLength(result.riskGroup === 'high' ? 1 : 0);

    // The study's ImagingStudy is the one seeded for this patient.
    const is = (await stack.fhir.readReference({ reference: refs.imagingStudyRef })) as ImagingStudy;
    expect(JSON.stringify(is.identifier)).toContain(p.uids.studyInstanceUid);
  });

  it('collapses the same study submitted twice at once into one run and one RiskAssessment', async () => {
    const { study, refs } = await newPatient();
    const body = { patientReference: refs.patientRef, studyInstanceUid: study.studyInstanceUid };
    const [a, b] = await Promise.all([post('/v1/assessments', body), post('/v1/assessments', body)]);
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(a.json.runId).toBe(b.json.runId);
    expect([a.json.created, b.json.created].sort()).toEqual([false, true]);
    await waitForRun(stack.url.results, String(a.json.runId), (x) => x.status === 'done');
    const again = await post('/v1/assessments', body);
    expect(again.json).toMatchObject({ runId: a.json.runId, created: false, status: 'done' });
    expect(await riskAssessmentsFor(String(a.json.runId))).toHaveLength(1);
  });

  it('fails a run without AFP with FHIR_AFP_MISSING, writes nothing, and replays it once AFP exists', async () => {
    const { study, refs } = await newPatient();
    const afpRef = refs.observationRefs[0]!;
    const afp = (await stack.fhir.readReference({ reference: afpRef })) as Observation;
    await stack.fhir.deleteResource('Observation', afp.id!);
    const r = await post('/v1/assessments', { patientReference: refs.patientRef, studyInstanceUid: study.studyInstanceUid });
    const runId = String(r.json.runId);
    const failed = await waitForRun(stack.url.ingestion, runId, (x) => x.status === 'failed');
    expect(failed.error).toMatchObject({ code: 'FHIR_AFP_MISSING', stage: 'ingest' });
    expectConforms('getAssessment', { status: 200, contentType: 'application/json', json: failed });
    expect(await riskAssessmentsFor(runId)).toHaveLength(0);

    const { id: _id, meta: _meta, ...afpBody } = afp;
    await stack.fhir.createResource(afpBody as Observation);
    const replay = await post(`/v1/assessments/${runId}/replay`, {});
    expect(replay.status).toBe(202);
    expectConforms('replayAssessment', replay);
    await waitForRun(stack.url.results, runId, (x) => x.status === 'done');
    expect(await riskAssessmentsFor(runId)).toHaveLength(1);
    const notFailed = await post(`/v1/assessments/${runId}/replay`, {});
    expect(notFailed.status).toBe(409);
    expect(notFailed.json.code).toBe('RUN_NOT_FAILED');
  });

  it('fails a study without segmentation with DICOM_NO_SEGMENTATION', async () => {
    const { study, refs } = await newPatient({ withSeg: false });
    const r = await post('/v1/assessments', { patientReference: refs.patientRef, studyInstanceUid: study.studyInstanceUid });
    expect(r.status).toBe(202);
    const failed = await waitForRun(stack.url.results, String(r.json.runId), (x) => x.status === 'failed');
    expect(failed.error).toMatchObject({ code: 'DICOM_NO_SEGMENTATION' });
  });

  it('answers 404 for an unknown patient or study and 400 naming the field for a malformed body', async () => {
    const { study, refs } = await newPatient();
    const noPatient = await post('/v1/assessments', { patientReference: 'Patient/does-not-exist', studyInstanceUid: study.studyInstanceUid });
    expect(noPatient.status).toBe(404);
    expect(noPatient.json.code).toBe('FHIR_PATIENT_NOT_FOUND');
    expectConforms('createAssessment', noPatient);
    const noStudy = await post('/v1/assessments', { patientReference: refs.patientRef, studyInstanceUid: '1.2.3.4.5.6.7.8.9' });
    expect(noStudy.status).toBe(404);
    expect(noStudy.json.code).toBe('DICOM_STUDY_NOT_FOUND');
    expectConforms('createAssessment', noStudy);
    const bad = await post('/v1/assessments', { patientReference: refs.patientRef });
    expect(bad.status).toBe(400);
    expect(String(bad.json.detail)).toContain('studyInstanceUid');
    expectConforms('createAssessment', bad);
    const badUid = await post('/v1/assessments', { patientReference: refs.patientRef, studyInstanceUid: 'not a uid' });
    expect(badUid.status).toBe(400);
    expect(String(badUid.json.detail)).toContain('studyInstanceUid');
    const notJson = await post('/v1/assessments', '{"patientReference":');
    expect(notJson.status).toBe(400);
    expectConforms('createAssessment', notJson);
    const unknownRun = await fetch(`${stack.url.results}/v1/assessments/run-${'0'.repeat(32)}`, { headers: stack.auth });
    expect(unknownRun.status).toBe(404);
  });

  it('starts a run from a signed rest-hook ImagingStudy notification and refuses a bad signature', async () => {
    const { refs } = await newPatient();
    const is = (await stack.fhir.readReference({ reference: refs.imagingStudyRef })) as ImagingStudy;
    const raw = JSON.stringify(is);
    const bad = await post('/fhir/rest-hook', raw, signedHeaders(raw, 'wrong-secret-wrong-secret'));
    expect(bad.status).toBe(401);
    expect(bad.json.resourceType).toBe('OperationOutcome');
    expectConforms('fhirRestHook', bad);
    const missing = await post('/fhir/rest-hook', raw, { 'content-type': 'application/fhir+json' });
    expect(missing.json).toMatchObject({ issue: [{ details: { text: 'WEBHOOK_SIGNATURE_MISSING' } }] });
    expect(missing.status).toBe(401);
    const runsBefore = (await (await fetch(`${stack.url.results}/v1/worklist?limit=500`, { headers: stack.auth })).json()) as { items: unknown[] };

    const goodHeaders = signedHeaders(raw);
    const good = await post('/fhir/rest-hook', raw, goodHeaders);
    expect(good.status).toBe(202);
    expectConforms('fhirRestHook', good);
    const runId = /run-[0-9a-f]{32}/.exec(JSON.stringify(good.json))?.[0];
    expect(runId).toBeDefined();
    // The same delivery again (a captured notification, or the EHR's retry): processed once.
    const again = await post('/fhir/rest-hook', raw, goodHeaders);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ issue: [{ code: 'duplicate' }] });
    expectConforms('fhirRestHook', again);
    // Signed correctly but ten minutes old: outside the window.
    const stale = await post('/fhir/rest-hook', raw, signedHeaders(raw, undefined, { timestampS: Math.floor(Date.now() / 1000) - 600 }));
    expect(stale.status).toBe(401);
    expect(stale.json).toMatchObject({ issue: [{ details: { text: 'WEBHOOK_TIMESTAMP_OUT_OF_RANGE' } }] });
    await waitForRun(stack.url.results, runId!, (x) => x.status === 'done');
    const wl = await fetch(`${stack.url.results}/v1/worklist?limit=500`, { headers: stack.auth });
    const wlJson = (await wl.json()) as { items: Array<{ runId: string }> };
    expectConforms('getWorklist', { status: wl.status, contentType: wl.headers.get('content-type'), json: wlJson });
    expect(wlJson.items.length).toBe(runsBefore.items.length + 1);
    expect(wlJson.items.map((i) => i.runId)).toContain(runId);

    const other = JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'x' } });
    const ignored = await post('/fhir/rest-hook', other, signedHeaders(other));
    expect(ignored.status).toBe(200);
    expectConforms('fhirRestHook', ignored);
  });

  it('retries a FHIR 503 at write time and still writes exactly one RiskAssessment', async () => {
    const { study, refs } = await newPatient();
    await stack.stop('results'); // hold the run before its publish stage
    const r = await post('/v1/assessments', { patientReference: refs.patientRef, studyInstanceUid: study.studyInstanceUid });
    const runId = String(r.json.runId);
    await waitForRun(stack.url.ingestion, runId, (x) => x.stage === 'publish' && x.status === 'queued');
    const before = stack.fhirServer.requestCount();
    stack.fhirServer.failNext(3);
    await stack.start('results');
    await waitForRun(stack.url.results, runId, (x) => x.status === 'done');
    expect(stack.fhirServer.requestCount() - before).toBeGreaterThan(3); // the 3 faults + the real writes
    expect(await riskAssessmentsFor(runId)).toHaveLength(1);
  });

  it('loses no waiting job when Redis restarts, and the worker resumes', async () => {
    const a = await newPatient();
    const b = await newPatient();
    await stack.stop('inference-worker'); // jobs will wait in the infer queue
    const ra = await post('/v1/assessments', { patientReference: a.refs.patientRef, studyInstanceUid: a.study.studyInstanceUid });
    const rb = await post('/v1/assessments', { patientReference: b.refs.patientRef, studyInstanceUid: b.study.studyInstanceUid });
    const ids = [String(ra.json.runId), String(rb.json.runId)];
    for (const id of ids) await waitForRun(stack.url.ingestion, id, (x) => x.stage === 'infer' && x.status === 'queued');
    // While Redis is down, a submission fails fast with 503 and starts nothing.
    await stack.redis.stopOnly();
    const down = await post('/v1/assessments', { patientReference: a.refs.patientRef, studyInstanceUid: a.study.studyInstanceUid });
    expect(down.status).toBe(503);
    expect(down.json.code).toBe('QUEUE_UNAVAILABLE');
    expectConforms('createAssessment', down);
    await stack.redis.startAgain();
    await stack.start('inference-worker');
    for (const id of ids) await waitForRun(stack.url.results, id, (x) => x.status === 'done', 120_000);
    for (const id of ids) expect(await riskAssessmentsFor(id)).toHaveLength(1);
  });

  it('starts a run from a completed TACE Procedure notification when the post-TACE study is known', async () => {
    const { refs } = await newPatient();
    const proc = await stack.fhir.readReference({ reference: refs.procedureRef });
    const raw = JSON.stringify(proc);
    const r = await post('/fhir/rest-hook', raw, signedHeaders(raw));
    expect(r.status).toBe(202);
    const runId = /run-[0-9a-f]{32}/.exec(JSON.stringify(r.json))?.[0];
    await waitForRun(stack.url.results, runId!, (x) => x.status === 'done');
    expect(await riskAssessmentsFor(runId!)).toHaveLength(1);
  });

  it('lets the running job finish when the worker is stopped (graceful shutdown)', async () => {
    const { study, refs } = await newPatient();
    await stack.stop('inference-worker');
    const r = await post('/v1/assessments', { patientReference: refs.patientRef, studyInstanceUid: study.studyInstanceUid });
    const runId = String(r.json.runId);
    await waitForRun(stack.url.ingestion, runId, (x) => x.stage === 'infer' && x.status === 'queued');
    await stack.start('inference-worker', { waitReady: false }); // it takes the job as soon as its bundle is loaded
    await waitForRun(stack.url.ingestion, runId, (x) => x.stage === 'infer' && x.status === 'running', 30_000, 5);
    await stack.stop('inference-worker'); // SIGTERM while scoring: a killed job would stay 'running' at 'infer'
    const after = (await (await fetch(`${stack.url.ingestion}/v1/assessments/${runId}`, { headers: stack.auth })).json()) as Record<string, unknown>;
    expect(after.stage).toBe('publish'); // the score was stored and publish queued before the process exited
    expect(after.error).toBeUndefined();
    await stack.start('inference-worker');
    await waitForRun(stack.url.results, runId, (x) => x.status === 'done');
  });

  it('writes no patient identifier to any service log', () => {
    const all = Object.values(stack.logs).flat().join('\n');
    expect(all.length).toBeGreaterThan(1000); // the services did log
    for (const id of identifiers) expect(all, `log contains ${id}`).not.toContain(id);
  });
});
