/**
 * A hung EHR endpoint: the FHIR server runs in a process of its own and is stopped with SIGSTOP
 * (it keeps its sockets and answers nothing). Every FHIR call of the services has a deadline
 * (TACE_FHIR_TIMEOUT_MS, 1 s here), so submissions answer 503 instead of hanging, /readyz
 * reports the FHIR server, and a publish waits out the stall and then writes exactly once.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_ID_SYSTEM, seedPatient } from '@tace/fhir';
import { checkResponse } from '@tace/http';
import { generatePatient, seedFor, writeSyntheticStudy } from '@tace/synthetic';
import { startFhirProcess, type FhirProcess } from './support/fhir-process.ts';
import { startStack, waitForRun, type Stack } from './support/stack.ts';

let fhirProc: FhirProcess;
let stack: Stack;
let next = 0;

async function newPatient() {
  const p = generatePatient(5151, next++);
  const study = writeSyntheticStudy(p, join(stack.dicomDir, p.uids.studyInstanceUid));
  const refs = await seedPatient(stack.fhir, seedFor(p));
  return { p, study, refs };
}

async function submit(body: unknown) {
  const t0 = performance.now();
  // The client gives up after 60 s: an answer before that is the service's own deadline at work.
  const r = await fetch(`${stack.url.ingestion}/v1/assessments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...stack.auth },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: r.status, contentType: r.headers.get('content-type'), json: (await r.json()) as Record<string, unknown>, ms: performance.now() - t0 };
}

beforeAll(async () => {
  fhirProc = await startFhirProcess();
  stack = await startStack({ fhirBaseUrl: fhirProc.baseUrl, env: { TACE_FHIR_TIMEOUT_MS: '1000' } });
}, 180_000);
afterAll(async () => {
  fhirProc?.resume();
  await stack?.close();
  await fhirProc?.stop();
});

describe('a FHIR server that stops answering', () => {
  it('answers a submission 503 FHIR_UNAVAILABLE after its retries, logs why, and /readyz says fhir', async () => {
    const { study, refs } = await newPatient();
    fhirProc.pause();
    try {
      const r = await submit({ patientReference: refs.patientRef, studyInstanceUid: study.studyInstanceUid });
      console.log(`submit with the FHIR server stopped: ${r.status} ${String(r.json.code)} after ${r.ms.toFixed(0)} ms`);
      expect(r.status).toBe(503);
      expect(r.json.code).toBe('FHIR_UNAVAILABLE');
      expect(checkResponse('createAssessment', r.status, r.contentType, r.json)).toEqual([]);
      const ready = await fetch(`${stack.url.ingestion}/readyz`, { signal: AbortSignal.timeout(30_000) });
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { checks: Record<string, string> }).checks.fhir).toMatch(/FHIR server/);
      const log = stack.logs.ingestion.join('\n');
      expect(log).toContain('patient check: FHIR read failed, retrying');
      expect(log).toMatch(/"cause":\{"code":"FHIR_UNAVAILABLE"/);
      expect(log).not.toContain(refs.patientRef);
    } finally {
      fhirProc.resume();
    }
    // Once it answers again, the same request starts the run.
    const again = await submit({ patientReference: refs.patientRef, studyInstanceUid: study.studyInstanceUid });
    expect(again.status).toBe(202);
    await waitForRun(stack.url.results, String(again.json.runId), (x) => x.status === 'done');
  });

  it('holds a publish through the stall without sitting "running", then writes exactly one RiskAssessment', async () => {
    const { study, refs } = await newPatient();
    await stack.stop('results');
    const r = await submit({ patientReference: refs.patientRef, studyInstanceUid: study.studyInstanceUid });
    const runId = String(r.json.runId);
    await waitForRun(stack.url.ingestion, runId, (x) => x.stage === 'publish' && x.status === 'queued');
    fhirProc.pause();
    try {
      await stack.start('results', { waitReady: false });
      // The publish attempt times out and goes back to the queue for a retry with backoff.
      await waitForRun(stack.url.ingestion, runId, (x) => x.stage === 'publish' && x.status === 'running', 60_000, 20);
      const retried = await waitForRun(stack.url.ingestion, runId, (x) => x.stage === 'publish' && x.status === 'queued', 60_000, 50);
      expect(retried.error).toBeUndefined();
    } finally {
      fhirProc.resume();
    }
    await waitForRun(stack.url.ingestion, runId, (x) => x.status === 'done', 90_000);
    const ras = await stack.fhir.searchResources('RiskAssessment', { identifier: `${RUN_ID_SYSTEM}|${runId}` });
    expect(ras).toHaveLength(1);
  }, 240_000);
});
