/**
 * The same path with the study coming from a real PACS: Orthanc (Debian) with its DICOMweb
 * plugin, the synthetic study uploaded by STOW-RS, ingestion reading it by QIDO-RS + WADO-RS.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RiskAssessment } from '@medplum/fhirtypes';
import { RUN_ID_SYSTEM, seedPatient } from '@tace/fhir';
import { generatePatient, seedFor, writeSyntheticStudy } from '@tace/synthetic';
import { findOrthanc, startOrthanc, type OrthancHandle } from './support/orthanc.ts';
import { startStack, waitForRun, type Stack } from './support/stack.ts';

const install = findOrthanc();

describe.skipIf(!install)('end to end with the study on a DICOMweb PACS (Orthanc)', () => {
  let orthanc: OrthancHandle;
  let stack: Stack;
  beforeAll(async () => {
    orthanc = await startOrthanc(install);
    stack = await startStack({ dicomWebUrl: orthanc.dicomWebUrl });
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
    await orthanc?.stop();
  });

  it('scores a study the PACS serves and writes one RiskAssessment', async () => {
    const p = generatePatient(9090, 1);
    const study = writeSyntheticStudy(p, mkdtempSync(join(tmpdir(), 'tace-pacs-')));
    await orthanc.stow([...study.ctFiles, study.segFile].map((f) => readFileSync(f)));
    const refs = await seedPatient(stack.fhir, seedFor(p));
    const r = await fetch(`${stack.url.ingestion}/v1/assessments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...stack.auth },
      body: JSON.stringify({ patientReference: refs.patientRef, studyInstanceUid: study.studyInstanceUid }),
    });
    expect(r.status).toBe(202);
    const { runId } = (await r.json()) as { runId: string };
    const done = await waitForRun(stack.url.results, runId, (x) => x.status === 'done' || x.status === 'failed');
    expect(done.error).toBeUndefined();
    const ras = (await stack.fhir.searchResources('RiskAssessment', { identifier: `${RUN_ID_SYSTEM}|${runId}` })) as RiskAssessment[];
    expect(ras).toHaveLength(1);
    expect(ras[0]!.subject?.reference).toBe(refs.patientRef);
  });

  it('answers 404 for a study the PACS does not have', async () => {
    const p = generatePatient(9090, 2);
    const refs = await seedPatient(stack.fhir, seedFor(p));
    const r = await fetch(`${stack.url.ingestion}/v1/assessments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...stack.auth },
      body: JSON.stringify({ patientReference: refs.patientRef, studyInstanceUid: p.uids.studyInstanceUid }),
    });
    expect(r.status).toBe(404);
    expect(((await r.json()) as { code: string }).code).toBe('DICOM_STUDY_NOT_FOUND');
  });
});
