/**
 * Receiving studies by DIMSE, end to end: the three services as processes, DCMTK's storescu
 * C-STOREs a synthetic study (in two batches) to the ingestion service's Storage SCP, and the
 * study is scored once, when it has been quiet for TACE_STUDY_QUIET_S, through the same stages as
 * a REST request; a study of a patient the EHR does not know is kept as a coded failure.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RiskAssessment } from '@medplum/fhirtypes';
import { findDcmtk, runTool } from '@tace/dicom/testing';
import { seedPatient } from '@tace/fhir';
import { freePort } from '@tace/jobs/testing';
import { generatePatient, seedFor, writeSyntheticStudy } from '@tace/synthetic';
import { checkResponse } from '@tace/http';
import { startStack, waitForRun, type Stack } from './support/stack.ts';

const dcmtk = findDcmtk(['storescu', 'echoscu']);
const QUIET_S = 2;

describe.skipIf(!dcmtk)('DIMSE C-STORE to the ingestion service → scored once, when stable', () => {
  let stack: Stack;
  let dimsePort: number;
  const outbox = mkdtempSync(join(tmpdir(), 'tace-dimse-outbox-'));
  const receivedDir = mkdtempSync(join(tmpdir(), 'tace-dimse-received-'));

  beforeAll(async () => {
    dimsePort = await freePort();
    stack = await startStack({ env: { TACE_DIMSE_PORT: String(dimsePort), TACE_DIMSE_AE_TITLE: 'TACE_RISK', TACE_DIMSE_ALLOWED_AES: 'MODALITY,PACS', TACE_DIMSE_STORE_DIR: receivedDir, TACE_STUDY_QUIET_S: String(QUIET_S) } });
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
    rmSync(outbox, { recursive: true, force: true });
    rmSync(receivedDir, { recursive: true, force: true });
  });

  const storescu = (files: string[], aet = 'MODALITY') => runTool(dcmtk!.storescu!, ['-R', '-aet', aet, '-aec', 'TACE_RISK', '127.0.0.1', String(dimsePort), ...files]);
  const assessmentsOf = async (patientRef: string) => (await stack.fhir.searchResources('RiskAssessment', { subject: patientRef }, { cache: 'no-cache' })) as RiskAssessment[];
  const ingestionLog = () => stack.logs.ingestion.join('\n');

  it('answers C-ECHO and refuses a calling AE not in the allow-list', async () => {
    expect((await runTool(dcmtk!.echoscu!, ['-aet', 'PACS', '-aec', 'TACE_RISK', '127.0.0.1', String(dimsePort)])).code).toBe(0);
    const refused = await runTool(dcmtk!.echoscu!, ['-aet', 'STRANGER', '-aec', 'TACE_RISK', '127.0.0.1', String(dimsePort)]);
    expect(refused.stderr).toMatch(/Calling AE Title Not Recognized/i);
    expect(ingestionLog()).toContain('DIMSE_AE_NOT_ALLOWED');
  });

  it('scores a study sent in two batches exactly once, after the quiet period', async () => {
    const p = generatePatient(4242, 0);
    const study = writeSyntheticStudy(p, join(outbox, 'a'));
    const refs = await seedPatient(stack.fhir, seedFor(p));
    const half = Math.floor(study.ctFiles.length / 2);
    const first = await storescu(study.ctFiles.slice(0, half));
    expect(first.code, first.stderr).toBe(0);
    const second = await storescu([...study.ctFiles.slice(half), study.segFile]);
    expect(second.code, second.stderr).toBe(0);
    expect(readdirSync(join(receivedDir, study.studyInstanceUid))).toHaveLength(2); // CT series + SEG series
    expect((await assessmentsOf(refs.patientRef)).length).toBe(0); // not before the quiet period

    const deadline = Date.now() + 90_000;
    let ras: RiskAssessment[] = [];
    while (ras.length === 0 && Date.now() < deadline) {
      await sleep(250);
      ras = await assessmentsOf(refs.patientRef);
    }
    expect(ras).toHaveLength(1);
    expect(ras[0]!.status).toBe('final');
    // No second run for the same inputs after further quiet periods.
    await sleep(QUIET_S * 1000 * 2);
    expect(await assessmentsOf(refs.patientRef)).toHaveLength(1);
    expect(ingestionLog().match(/"trigger":"dicom-stable"/g)).toHaveLength(1);
    // Nothing identifying in the log.
    for (const id of [p.id, p.name.family, p.name.given, study.studyInstanceUid]) expect(ingestionLog()).not.toContain(id);
  });

  it('keeps a study of a patient the EHR does not know as a coded failure, and scores nothing', async () => {
    const p = generatePatient(4242, 1);
    const study = writeSyntheticStudy(p, join(outbox, 'b'));
    const run = await storescu([...study.ctFiles, study.segFile]);
    expect(run.code, run.stderr).toBe(0);
    const deadline = Date.now() + 30_000;
    while (!ingestionLog().includes('DIMSE_PATIENT_UNKNOWN') && Date.now() < deadline) await sleep(200);
    expect(ingestionLog()).toContain('DIMSE_PATIENT_UNKNOWN');
    expect(ingestionLog()).not.toContain(p.id);

    // The operator sees it (GET /v1/received-studies/failures) …
    const list = await fetch(`${stack.url.ingestion}/v1/received-studies/failures`, { headers: stack.auth });
    const listed = (await list.json()) as { failures: Array<{ studyInstanceUid: string; code: string }> };
    expect(checkResponse('listReceivedStudyFailures', list.status, list.headers.get('content-type'), listed)).toEqual([]);
    expect(listed.failures).toContainEqual(expect.objectContaining({ studyInstanceUid: study.studyInstanceUid, code: 'DIMSE_PATIENT_UNKNOWN' }));
    expect(JSON.stringify(listed)).not.toContain(p.id);

    // … and once the EHR knows the patient, replays it: a run starts and scores.
    const refs = await seedPatient(stack.fhir, seedFor(p));
    const replay = await fetch(`${stack.url.ingestion}/v1/received-studies/${study.studyInstanceUid}/replay`, { method: 'POST', headers: stack.auth });
    const replayed = (await replay.json()) as { outcome: string; runId?: string };
    expect(checkResponse('replayReceivedStudy', replay.status, replay.headers.get('content-type'), replayed)).toEqual([]);
    expect(replay.status).toBe(202);
    expect(replayed.outcome).toBe('started');
    const done = await waitForRun(stack.url.results, replayed.runId!, (x) => x.status === 'done' || x.status === 'failed');
    expect(done.status).toBe('done');
    expect((await assessmentsOf(refs.patientRef)).length).toBe(1);
    const after = (await (await fetch(`${stack.url.ingestion}/v1/received-studies/failures`, { headers: stack.auth })).json()) as { failures: Array<{ studyInstanceUid: string }> };
    expect(after.failures.map((f) => f.studyInstanceUid)).not.toContain(study.studyInstanceUid);

    const unknown = await fetch(`${stack.url.ingestion}/v1/received-studies/1.2.3.4.5/replay`, { method: 'POST', headers: stack.auth });
    expect(unknown.status).toBe(404);
  });
});
