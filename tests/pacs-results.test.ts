/**
 * The result in the radiologist's viewer: each run's SR (TID 1500) and key image sent to a real
 * PACS (Orthanc from Debian, on loopback) by STOW-RS and by C-STORE, read back, resent, refused.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabelMap, Volume } from '@tace/common';
import {
  encodePart10, findSrItems, multipartBoundary, parseDicom, readSrContent, resultUids, sourceStudyHeader, splitMultipart, stowInstances, uidFromSeed, writeBinarySeg, writeCtSeries, writeRiskSr,
} from '@tace/dicom';
import { createLogger } from '@tace/common';
import { createFhirClient, seedPatient, startFhirServer, type FhirTestServer } from '@tace/fhir';
import { DirCaseStore, MemoryRunRegistry, type RunRecord } from '@tace/jobs';
import { doPublish, loadConfig, sendRunToPacs, StageFailure, type PacsTarget } from '@tace/pipeline';
import { generatePatientRecord, seedFor } from '@tace/synthetic';
import { findOrthanc, startOrthanc, type OrthancHandle } from './support/orthanc.ts';

const install = findOrthanc();
const SIZE: [number, number, number] = [16, 12, 4];
const META = { studyInstanceUid: uidFromSeed('pacs-study'), seriesInstanceUid: uidFromSeed('pacs-ct'), patientId: 'SYN-PACS-1', patientName: 'Doe^Jane', studyDate: '20240401' };

function volume(): Volume<Float32Array> {
  const data = new Float32Array(SIZE[0] * SIZE[1] * SIZE[2]).map((_, p) => -100 + (p % 16) * 20);
  return { size: [...SIZE], spacingMm: [0.8, 0.8, 2], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], data };
}
function mask(): LabelMap {
  const data = new Uint8Array(SIZE[0] * SIZE[1] * SIZE[2]);
  for (let k = 1; k < 3; k++) for (let j = 3; j < 9; j++) for (let i = 4; i < 11; i++) data[k * 192 + j * 16 + i] = 1;
  return { ...volume(), data };
}

const ctFiles = writeCtSeries({ ...volume(), data: Int16Array.from(volume().data) }, META);
const segFile = writeBinarySeg(mask(), ctFiles, { sopInstanceUid: uidFromSeed('pacs-seg') });
const cts = ctFiles.map((b) => parseDicom(b));
const header = sourceStudyHeader(cts[0]!, parseDicom(segFile), 1, cts.map((c) => c.sopInstanceUid));
const MODEL = { id: 'demo-synthetic', version: '9.9.9', name: 'TACE nomogram (synthetic)', weightsSha256: 'ab'.repeat(32), syntheticDemo: true, intendedUse: 'demo' };

function record(runId: string, caseKey: string, probability: number, scoredAt: string): RunRecord {
  return {
    runId, status: 'running', stage: 'publish', caseKey, model: { id: MODEL.id, version: MODEL.version },
    request: { patientReference: 'Patient/1', studyInstanceUid: META.studyInstanceUid } as RunRecord['request'],
    createdAt: scoredAt, updatedAt: scoredAt,
    result: {
      probability, riskGroup: probability >= 0.26 ? 'high' : 'moderate', totalPoints: 120, model: MODEL, scoredAt,
      points: [{ factor: 'dlrScore', value: 0.5, points: 60 }, { factor: 'tumourSizeMm', value: 30, unit: 'mm', points: 20 }, { factor: 'noduleCount', value: 2, unit: 'count', points: 20 }, { factor: 'log10AfpNgPerMl', value: 2, inputValue: 100, inputUnit: 'ng/mL', points: 20 }],
    },
  };
}

/** Orthanc REST: the instances of a study, and one instance's file by SOP Instance UID. */
async function studyInstances(o: OrthancHandle, studyUid: string): Promise<string[]> {
  const [hit] = (await (await fetch(`${o.restUrl}/tools/lookup`, { method: 'POST', body: studyUid })).json()) as Array<{ ID: string }>;
  if (!hit) return [];
  return ((await (await fetch(`${o.restUrl}/studies/${hit.ID}/instances`)).json()) as Array<{ ID: string }>).map((x) => x.ID);
}
/** WADO-RS retrieve of one instance, as a viewer would. */
async function wado(o: OrthancHandle, series: string, sop: string) {
  const r = await fetch(`${o.dicomWebUrl}/studies/${META.studyInstanceUid}/series/${series}/instances/${sop}`, { headers: { Accept: 'multipart/related; type="application/dicom"' } });
  expect(r.status).toBe(200);
  const [part] = splitMultipart(new Uint8Array(await r.arrayBuffer()), multipartBoundary(r.headers.get('content-type') ?? ''));
  return parseDicom(part!);
}

describe.skipIf(!install)('SR and key image to the PACS (Orthanc)', () => {
  let keeps: OrthancHandle, overwrites: OrthancHandle;
  let cases: DirCaseStore, caseKey: string, dir: string;
  const uids = resultUids('run-pacs-1');
  beforeAll(async () => {
    [keeps, overwrites] = await Promise.all([startOrthanc(install), startOrthanc(install, { config: { OverwriteInstances: true } })]);
    await keeps.stow([...ctFiles, segFile]);
    await overwrites.stow([...ctFiles, segFile]);
    dir = mkdtempSync(join(tmpdir(), 'tace-pacs-cases-'));
    cases = new DirCaseStore(dir);
    const ref = { value: 1, original: { value: 1, unit: '1' }, reference: 'Observation/1' };
    caseKey = await cases.put({
      runId: 'run-pacs-1', image: volume(), mask: mask(), clinical: { afpNgPerMl: ref, tumourSizeMm: ref, noduleCount: ref },
      procedure: { reference: 'Procedure/1', performedDateTime: '2024-03-01' }, patientReference: 'Patient/1', observationReferences: [],
      source: { studyInstanceUid: META.studyInstanceUid, seriesInstanceUid: META.seriesInstanceUid, segmentationSopInstanceUid: uidFromSeed('pacs-seg'), segmentNumber: 1, cropOffset: [0, 0, 0], header },
    });
  }, 120_000);
  afterAll(async () => {
    await keeps?.stop();
    await overwrites?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const stow = (o: OrthancHandle): PacsTarget => ({ mode: 'stow', url: o.dicomWebUrl, timeoutMs: 10_000 });

  it('STOW-RS: both land in the CT study and read back with the values sent', async () => {
    const before = (await studyInstances(overwrites, META.studyInstanceUid)).length;
    const refs = await sendRunToPacs({ target: stow(overwrites), cases }, record('run-pacs-1', caseKey, 0.3, '2024-04-02T10:00:00.000Z'));
    expect(refs).toMatchObject({ via: 'stow', srSopInstanceUid: uids.srInstance, keyImageSopInstanceUid: uids.scInstance, studyInstanceUid: META.studyInstanceUid });
    expect((await studyInstances(overwrites, META.studyInstanceUid)).length).toBe(before + 2);
    const sr = await wado(overwrites, uids.srSeries, uids.srInstance);
    const root = readSrContent(sr);
    expect(findSrItems(root, 'METASTASIS-RISK')[0]).toMatchObject({ number: 30, unit: { value: '%', scheme: 'UCUM' } });
    expect(findSrItems(root, 'RISK-GROUP')[0]!.code?.value).toBe('723509005');
    expect(findSrItems(root, '111003')[0]!.text).toBe('9.9.9');
    expect(findSrItems(root, '121191')[0]!.image).toMatchObject({ sopInstanceUid: uidFromSeed('pacs-seg'), segmentNumber: 1 });
    expect(sr.string('x00100020')).toBe('SYN-PACS-1');
    const sc = await wado(overwrites, uids.scSeries, uids.scInstance);
    expect(sc.string('x00280301')).toBe('YES');
    expect(sc.sequence('x00082112')[0]!.string('x00081155')).toBe(cts[1]!.sopInstanceUid); // slice 1: first of the largest area
  });

  it('a resend of the same run leaves one copy of each', async () => {
    const before = await studyInstances(overwrites, META.studyInstanceUid);
    await sendRunToPacs({ target: stow(overwrites), cases }, record('run-pacs-1', caseKey, 0.3, '2024-04-02T10:00:00.000Z'));
    expect((await studyInstances(overwrites, META.studyInstanceUid)).sort()).toEqual(before.sort());
  });

  it('a resend with a changed result replaces the copy on a PACS that overwrites', async () => {
    const before = await studyInstances(overwrites, META.studyInstanceUid);
    await sendRunToPacs({ target: stow(overwrites), cases }, record('run-pacs-1', caseKey, 0.12, '2024-04-03T11:00:00.000Z'));
    expect((await studyInstances(overwrites, META.studyInstanceUid)).length).toBe(before.length);
    const root = readSrContent(await wado(overwrites, uids.srSeries, uids.srInstance));
    expect(findSrItems(root, 'METASTASIS-RISK')[0]!.number).toBe(12);
  });

  it('a PACS that keeps the old copy (Orthanc default) is PACS_STALE_COPY, never a silent success', async () => {
    await sendRunToPacs({ target: stow(keeps), cases }, record('run-pacs-1', caseKey, 0.3, '2024-04-02T10:00:00.000Z'));
    const again = sendRunToPacs({ target: stow(keeps), cases }, record('run-pacs-1', caseKey, 0.12, '2024-04-03T11:00:00.000Z'));
    await expect(again).rejects.toMatchObject({ code: 'PACS_STALE_COPY', retryable: false });
    const root = readSrContent(await wado(keeps, uids.srSeries, uids.srInstance));
    expect(findSrItems(root, 'METASTASIS-RISK')[0]!.number).toBe(30);
  });

  it('an instance the PACS refuses is PACS_STORE_REJECTED (not retryable)', async () => {
    // A document without SOPInstanceUID: Orthanc cannot file it.
    const bad = encodePart10([
      { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.88.33' }, { tag: 0x00100020, vr: 'LO', value: 'SYN-PACS-1' },
      { tag: 0x0020000d, vr: 'UI', value: META.studyInstanceUid }, { tag: 0x0020000e, vr: 'UI', value: uidFromSeed('bad-series') },
    ], '1.2.840.10008.5.1.4.1.1.88.33', uidFromSeed('bad-meta'));
    await expect(stowInstances({ url: keeps.dicomWebUrl, timeoutMs: 10_000 }, [bad])).rejects.toMatchObject({ code: 'PACS_STORE_REJECTED', retryable: false });
  });

  it('C-STORE into the DICOM port: stored, read back, a resend leaves one copy; a closed port is PACS_UNAVAILABLE', async () => {
    const o = overwrites;
    const cstore: PacsTarget = { mode: 'cstore', host: '127.0.0.1', port: o.dicomPort, calledAeTitle: 'ORTHANC', callingAeTitle: 'TACE_RISK', timeoutMs: 10_000 };
    const u2 = resultUids('run-pacs-2');
    const before = (await studyInstances(o, META.studyInstanceUid)).length;
    const refs = await sendRunToPacs({ target: cstore, cases }, record('run-pacs-2', caseKey, 0.5, '2024-04-04T12:00:00.000Z'));
    expect(refs.via).toBe('cstore');
    const after = await studyInstances(o, META.studyInstanceUid);
    expect(after.length).toBe(before + 2);
    const root = readSrContent(await wado(o, u2.srSeries, u2.srInstance));
    expect(findSrItems(root, 'METASTASIS-RISK')[0]!.number).toBe(50);
    await sendRunToPacs({ target: cstore, cases }, record('run-pacs-2', caseKey, 0.5, '2024-04-04T12:00:00.000Z'));
    expect((await studyInstances(o, META.studyInstanceUid)).sort()).toEqual(after.sort());
    const closed = { ...cstore, port: 1 };
    await expect(sendRunToPacs({ target: closed, cases }, record('run-pacs-2', caseKey, 0.5, '2024-04-04T12:00:00.000Z'))).rejects.toMatchObject({ code: 'PACS_UNAVAILABLE', retryable: true });
  });

  it('publish stage: a PACS failure fails the run with its code after the RiskAssessment; the replay sends the pair', async () => {
    let fhirServer: FhirTestServer | undefined;
    try {
      fhirServer = await startFhirServer();
      const fhir = createFhirClient({ fhirBaseUrl: fhirServer.baseUrl });
      const seeded = await seedPatient(fhir, seedFor(generatePatientRecord(4242, 1)));
      const registry = new MemoryRunRegistry();
      const base = record('run-pacs-4', caseKey, 0.3, '2024-04-05T08:00:00.000Z');
      await registry.claim({ ...base, status: 'queued', context: { patientRef: seeded.patientRef, procedure: { reference: seeded.procedureRef, performedDateTime: '2024-03-01' }, observationRefs: seeded.observationRefs } });
      const log = createLogger('test', { level: 'silent' });
      const down: PacsTarget = { mode: 'cstore', host: '127.0.0.1', port: 1, calledAeTitle: 'ORTHANC', callingAeTitle: 'TACE_RISK', timeoutMs: 2_000 };
      const failed = doPublish({ registry, log, fhir, pacs: { target: down, cases } }, 'run-pacs-4', true);
      await expect(failed).rejects.toBeInstanceOf(StageFailure);
      const rec = await registry.get('run-pacs-4');
      expect(rec).toMatchObject({ status: 'failed', stage: 'publish', error: { code: 'PACS_UNAVAILABLE', stage: 'publish' } });
      expect(rec!.fhir?.riskAssessment).toMatch(/^RiskAssessment\//);
      expect(rec!.pacs).toBeUndefined();
      await doPublish({ registry, log, fhir, pacs: { target: stow(overwrites), cases } }, 'run-pacs-4', false);
      const done = await registry.get('run-pacs-4');
      expect(done).toMatchObject({ status: 'done', pacs: { via: 'stow', srSopInstanceUid: resultUids('run-pacs-4').srInstance } });
      expect(done!.fhir?.riskAssessment).toBe(rec!.fhir?.riskAssessment); // the replay did not write a second one
      await wado(overwrites, resultUids('run-pacs-4').srSeries, resultUids('run-pacs-4').srInstance);
    } finally {
      await fhirServer?.close();
    }
  }, 60_000);

  it('a case stored without the study header is CASE_DICOM_HEADER_MISSING', async () => {
    const c = await cases.get(caseKey);
    const { header: _h, ...source } = c.source;
    const key = await cases.put({ ...c, source });
    await expect(sendRunToPacs({ target: stow(keeps), cases }, record('run-pacs-3', key, 0.3, '2024-04-02T10:00:00.000Z'))).rejects.toMatchObject({ code: 'CASE_DICOM_HEADER_MISSING' });
  });
});

describe('STOW-RS against a PACS that fails (a loopback HTTP server)', () => {
  let server: Server;
  let url = '';
  const seen: Array<{ auth?: string; type?: string }> = [];
  let mode: '503' | 'hang' | '401' = '503';
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ auth: req.headers.authorization, type: req.headers['content-type'] });
      req.resume();
      if (mode === 'hang') return; // never answers
      res.writeHead(mode === '503' ? 503 : 401).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/dicom-web`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const sr = writeRiskSr({
    runId: 'run-fail', header, probability: 0.2, riskGroup: 'moderate', totalPoints: 1, model: MODEL, scoredAt: '2024-04-02T10:00:00.000Z',
    factors: [{ factor: 'dlrScore', value: 0, points: 1 }],
  });

  it('5xx is PACS_UNAVAILABLE (retryable); the auth headers and type= are sent', async () => {
    mode = '503';
    await expect(stowInstances({ url, timeoutMs: 5_000, headers: async () => ({ Authorization: 'Bearer t0k3n' }) }, [sr])).rejects.toMatchObject({ code: 'PACS_UNAVAILABLE', retryable: true });
    expect(seen.at(-1)).toMatchObject({ auth: 'Bearer t0k3n' });
    expect(seen.at(-1)!.type).toMatch(/^multipart\/related; type="application\/dicom"; boundary=/);
  });

  it('no answer within the deadline is PACS_UNAVAILABLE (retryable)', async () => {
    mode = 'hang';
    await expect(stowInstances({ url, timeoutMs: 300 }, [sr])).rejects.toMatchObject({ code: 'PACS_UNAVAILABLE', retryable: true, message: expect.stringContaining('300 ms') });
  });

  it('401 is PACS_AUTH_FAILED', async () => {
    mode = '401';
    await expect(stowInstances({ url, timeoutMs: 5_000 }, [sr])).rejects.toMatchObject({ code: 'PACS_AUTH_FAILED' });
  });
});

describe('PACS settings', () => {
  const base = { TACE_FHIR_BASE_URL: 'http://fhir.example/fhir', TACE_AUTH: 'off' };
  it('stow needs a URL, cstore an AE address; both are checked', () => {
    expect(() => loadConfig('results', { ...base, TACE_PACS_RESULTS: 'stow' })).toThrow(/TACE_PACS_STOW_URL is required/);
    expect(() => loadConfig('results', { ...base, TACE_PACS_RESULTS: 'cstore' })).toThrow(/TACE_PACS_AE is required/);
    expect(() => loadConfig('results', { ...base, TACE_PACS_RESULTS: 'cstore', TACE_PACS_AE: 'pacs:104' })).toThrow(/AE_TITLE@host:port/);
    expect(() => loadConfig('results', { ...base, TACE_PACS_RESULTS: 'fax' })).toThrow(/'off', 'stow' or 'cstore'/);
    expect(loadConfig('results', { ...base, TACE_PACS_RESULTS: 'cstore', TACE_PACS_AE: 'ORTHANC@pacs.local:4242' }).pacsAe).toEqual({ aeTitle: 'ORTHANC', host: 'pacs.local', port: 4242 });
    expect(loadConfig('results', base).pacsResults).toBe('off');
  });
});
