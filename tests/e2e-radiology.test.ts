/**
 * The radiology path end to end, with Orthanc from Debian as the hospital PACS: the study is in
 * Orthanc, Orthanc C-STOREs it to the ingestion service's Storage SCP (as a PACS routing rule
 * would), the study is scored once, when stable, and the results service sends the DICOM SR and
 * the key image back into Orthanc by STOW-RS, where they are read back (WADO-RS) and compared with
 * the RiskAssessment the EHR received.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RiskAssessment } from '@medplum/fhirtypes';
import { findSrItems, multipartBoundary, parseDicom, readSrContent, splitMultipart, TAG } from '@tace/dicom';
import { seedPatient } from '@tace/fhir';
import { freePort } from '@tace/jobs/testing';
import { generatePatient, seedFor, writeSyntheticStudy } from '@tace/synthetic';
import { findOrthanc, startOrthanc, type OrthancHandle } from './support/orthanc.ts';
import { startStack, type Stack } from './support/stack.ts';

const install = findOrthanc();

describe.skipIf(!install)('Orthanc → C-STORE → scored once when stable → SR + key image back in Orthanc', () => {
  let orthanc: OrthancHandle;
  let stack: Stack;
  const received = mkdtempSync(join(tmpdir(), 'tace-radiology-received-'));
  const outbox = mkdtempSync(join(tmpdir(), 'tace-radiology-outbox-'));

  beforeAll(async () => {
    const dimsePort = await freePort();
    orthanc = await startOrthanc(install, {
      config: { DicomAet: 'ORTHANC_PACS', DicomModalities: { tace: ['TACE_RISK', '127.0.0.1', dimsePort] }, OverwriteInstances: true },
    });
    stack = await startStack({
      env: {
        TACE_DIMSE_PORT: String(dimsePort), TACE_DIMSE_AE_TITLE: 'TACE_RISK', TACE_DIMSE_ALLOWED_AES: 'ORTHANC_PACS',
        TACE_DIMSE_STORE_DIR: received, TACE_STUDY_QUIET_S: '2',
        TACE_PACS_RESULTS: 'stow', TACE_PACS_STOW_URL: orthanc.dicomWebUrl,
      },
    });
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
    await orthanc?.stop();
    rmSync(received, { recursive: true, force: true });
    rmSync(outbox, { recursive: true, force: true });
  });

  /** Instances of one modality in the study, read back from Orthanc by QIDO-RS + WADO-RS. */
  async function instancesInPacs(studyUid: string, modality: string) {
    const q = await fetch(`${orthanc.dicomWebUrl}/studies/${studyUid}/series?Modality=${modality}`, { headers: { Accept: 'application/dicom+json' } });
    if (q.status === 204 || !q.ok) return [];
    const series = (await q.json()) as Array<Record<string, { Value?: string[] }>>;
    const out = [];
    for (const s of series) {
      const uid = s['0020000E']!.Value![0]!;
      const r = await fetch(`${orthanc.dicomWebUrl}/studies/${studyUid}/series/${uid}`, { headers: { Accept: 'multipart/related; type="application/dicom"' } });
      const body = new Uint8Array(await r.arrayBuffer());
      for (const part of splitMultipart(body, multipartBoundary(r.headers.get('content-type') ?? '')!)) out.push(parseDicom(part));
    }
    return out;
  }

  it('the SR holds the RiskAssessment\'s probability and the key image points at a slice of the study', async () => {
    const p = generatePatient(6161, 0);
    const study = writeSyntheticStudy(p, join(outbox, 'study'));
    const refs = await seedPatient(stack.fhir, seedFor(p));
    await orthanc.stow([...study.ctFiles, study.segFile].map((f) => new Uint8Array(readFileSync(f))));

    // Orthanc sends the study to the service, as a routing rule would.
    const look = (await (await fetch(`${orthanc.restUrl}/tools/lookup`, { method: 'POST', body: study.studyInstanceUid })).json()) as Array<{ ID: string; Type: string }>;
    const studyId = look.find((x) => x.Type === 'Study')!.ID;
    const sent = await fetch(`${orthanc.restUrl}/modalities/tace/store`, { method: 'POST', body: JSON.stringify({ Resources: [studyId], Synchronous: true }) });
    expect(sent.status, await sent.clone().text()).toBe(200);

    // Scored once, after the quiet period; the SR and key image arrive back in the study.
    const deadline = Date.now() + 120_000;
    let ras: RiskAssessment[] = [];
    let srs: ReturnType<typeof parseDicom>[] = [], scs: ReturnType<typeof parseDicom>[] = [];
    while ((ras.length === 0 || srs.length === 0 || scs.length === 0) && Date.now() < deadline) {
      await sleep(500);
      ras = (await stack.fhir.searchResources('RiskAssessment', { subject: refs.patientRef }, { cache: 'no-cache' })) as RiskAssessment[];
      if (ras.length) { srs = await instancesInPacs(study.studyInstanceUid, 'SR'); scs = await instancesInPacs(study.studyInstanceUid, 'OT'); }
    }
    expect(ras).toHaveLength(1);
    expect(srs).toHaveLength(1);
    expect(scs).toHaveLength(1);

    // The same number in the EHR and in the viewer: RiskAssessment probabilityDecimal (a percentage,
    // FHIR invariant ras-2: ≤ 100) vs the SR's NUM in UCUM %.
    const percent = ras[0]!.prediction![0]!.probabilityDecimal!;
    const root = readSrContent(srs[0]!);
    const risk = findSrItems(root, 'METASTASIS-RISK')[0]!;
    expect(risk.unit?.value).toBe('%');
    expect(percent).toBeGreaterThan(0);
    expect(percent).toBeLessThan(100);
    expect(risk.number!).toBeCloseTo(percent, 2);
    // Same patient and study as the images.
    for (const inst of [srs[0]!, scs[0]!]) {
      expect(inst.studyInstanceUid).toBe(study.studyInstanceUid);
      expect(inst.string(TAG.PatientID)).toBe(p.id);
    }
    // The key image derives from one of the study's CT slices.
    const src = scs[0]!.sequence('x00082112')[0]?.string(TAG.ReferencedSOPInstanceUID);
    const ctUids = study.ctFiles.map((f) => parseDicom(new Uint8Array(readFileSync(f))).sopInstanceUid);
    expect(ctUids).toContain(src);

    // Stable: no second run or second SR after more quiet periods.
    await sleep(5000);
    expect((await stack.fhir.searchResources('RiskAssessment', { subject: refs.patientRef }, { cache: 'no-cache' })).length).toBe(1);
    expect(await instancesInPacs(study.studyInstanceUid, 'SR')).toHaveLength(1);
  }, 240_000);
});
