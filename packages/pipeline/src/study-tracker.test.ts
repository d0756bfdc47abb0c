import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type Volume } from '@tace/common';
import { ReceivedStore, ReceivedStudySource, StorageScp, uidFromSeed, writeBinarySeg, writeCtSeries } from '@tace/dicom';
import { findDcmtk, runTool } from '@tace/dicom/testing';
import { createFhirClient, DEMO_ID_SYSTEM, startFhirServer, type FhirTestServer } from '@tace/fhir';
import { RedisRunRegistry } from '@tace/jobs';
import { startRedisServer, type RedisServerHandle } from '@tace/jobs/testing';
import { handleStableStudy, studyFailures } from './stable-study.ts';
import { submitAssessment } from './submit.ts';
import { StudyTracker, type StableVia } from './study-tracker.ts';

const dcmtk = findDcmtk(['storescu']);
const QUIET_MS = 400;

/** A tiny CT study (8×8×3) and a SEG on it, as Part 10 files in `dir`; PatientID `patientId`. */
function writeStudy(dir: string, seed: string, patientId: string): { studyUid: string; ct: string[]; seg: (n: number) => string } {
  mkdirSync(dir, { recursive: true });
  const studyUid = uidFromSeed(`tracker-study-${seed}`);
  const vol: Volume<Int16Array> = { size: [8, 8, 3], spacingMm: [1, 1, 2], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], data: new Int16Array(8 * 8 * 3).fill(40) };
  const meta = { studyInstanceUid: studyUid, seriesInstanceUid: uidFromSeed(`tracker-series-${seed}`), patientId, patientName: 'Test^Tracker', studyDate: '20240102' };
  const ctBytes = writeCtSeries(vol, meta);
  const ct = ctBytes.map((b, k) => { const p = join(dir, `ct${k}.dcm`); writeFileSync(p, b); return p; });
  const mask: Volume<Uint8Array> = { ...vol, data: new Uint8Array(8 * 8 * 3) };
  mask.data[8 * 8 + 3 * 8 + 3] = 1;
  const seg = (n: number): string => {
    const p = join(dir, `seg${n}.dcm`);
    writeFileSync(p, writeBinarySeg(mask, ctBytes, { sopInstanceUid: uidFromSeed(`tracker-seg-${seed}-${n}`), seriesInstanceUid: uidFromSeed(`tracker-segseries-${seed}-${n}`), contentTime: `12000${n}` }));
    return p;
  };
  return { studyUid, ct, seg };
}

describe.skipIf(!dcmtk)('stable studies: quiet period after DIMSE arrivals, once; again only when the inputs change', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tace-tracker-'));
  const log = createLogger('tracker-test', { level: 'silent' });
  let redisServer: RedisServerHandle;
  let redis: Redis;
  let fhirServer: FhirTestServer;
  let scp: StorageScp;
  let tracker: StudyTracker;
  let port: number;
  const handed: Array<{ uid: string; via: StableVia; outcome: string }> = [];
  const started: string[] = [];

  beforeAll(async () => {
    redisServer = await startRedisServer();
    redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
    fhirServer = await startFhirServer({ host: '127.0.0.1' });
    const fhir = createFhirClient({ fhirBaseUrl: fhirServer.baseUrl });
    await fhir.createResource({ resourceType: 'Patient', identifier: [{ system: DEMO_ID_SYSTEM, value: 'TRK-1' }] });
    const storeDir = join(tmp, 'received');
    const studies = new ReceivedStudySource(storeDir);
    const registry = new RedisRunRegistry(redis);
    const model = { id: 'm', version: '1' };
    const deps = {
      studies, fhir, redis, log,
      identity: { patientIdSystems: [DEMO_ID_SYSTEM] },
      // The real submit path (patient read, segmentation pick, run id, claim); the queue is the only stand-in.
      submit: (req: Parameters<typeof submitAssessment>[2]) => submitAssessment({ fhir, studies, registry, model, log }, { start: async (runId) => { started.push(runId); } }, req),
      replay: async (runId: string) => { started.push(`replay:${runId}`); },
    };
    tracker = new StudyTracker({
      redis, quietMs: QUIET_MS, log, checkEveryMs: 50,
      onStable: async (uid, via) => { const o = await handleStableStudy(deps, uid, via); handed.push({ uid, via, outcome: o.kind }); },
    });
    scp = new StorageScp({ aeTitle: 'TACE_RISK', allowedCallingAeTitles: ['MODALITY'], store: new ReceivedStore(storeDir), log, port: 0, onStored: (i) => tracker.touch(i.studyInstanceUid) });
    port = await scp.start();
    tracker.start();
  });
  afterAll(async () => {
    await tracker?.stop();
    await scp?.close();
    redis?.disconnect();
    await redisServer?.stop();
    await fhirServer?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const send = async (paths: string[]) => {
    const r = await runTool(dcmtk!.storescu!, ['-R', '-aet', 'MODALITY', '-aec', 'TACE_RISK', '127.0.0.1', String(port), ...paths]);
    expect(r.code, r.stderr).toBe(0);
  };
  const waitFor = async (cond: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!cond() && Date.now() < end) await sleep(25);
    expect(cond()).toBe(true);
  };

  it('hands a study sent in two batches over once, after the quiet period', async () => {
    const s = writeStudy(join(tmp, 'out-a'), 'a', 'TRK-1');
    await send(s.ct.slice(0, 2));
    await sleep(QUIET_MS / 4);
    await send([s.ct[2]!, s.seg(1)]);
    expect(handed).toEqual([]); // still inside the quiet period after the second batch
    await waitFor(() => handed.length === 1);
    expect(handed[0]).toEqual({ uid: s.studyUid, via: 'dimse-quiet', outcome: 'started' });
    expect(started).toHaveLength(1);
    await sleep(QUIET_MS * 2);
    expect(handed).toHaveLength(1);
    expect(await tracker.pending()).toEqual([]);

    // A late resend of an instance it has: handed over again, inputs unchanged, no new run.
    await send([s.ct[1]!]);
    await waitFor(() => handed.length === 2);
    expect(handed[1]!.outcome).toBe('unchanged');
    expect(started).toHaveLength(1);

    // A late new SEG changes the inputs: a new run.
    await send([s.seg(2)]);
    await waitFor(() => handed.length === 3);
    expect(handed[2]!.outcome).toBe('started');
    expect(started).toHaveLength(2);
    expect(started[1]).not.toBe(started[0]);
  });

  it('keeps a study of an unknown patient as a coded failure an operator can list, and scores it on replay once the patient exists', async () => {
    const s = writeStudy(join(tmp, 'out-b'), 'b', 'TRK-UNKNOWN');
    await send([...s.ct, s.seg(1)]);
    await waitFor(() => handed.some((h) => h.uid === s.studyUid));
    expect(handed.find((h) => h.uid === s.studyUid)!.outcome).toBe('failed');
    const failures = await studyFailures(redis);
    expect(failures).toEqual([expect.objectContaining({ studyInstanceUid: s.studyUid, code: 'DIMSE_PATIENT_UNKNOWN', via: 'dimse-quiet' })]);
    expect(JSON.stringify(failures)).not.toContain('TRK-UNKNOWN');

    const fhir = createFhirClient({ fhirBaseUrl: fhirServer.baseUrl });
    await fhir.createResource({ resourceType: 'Patient', identifier: [{ system: DEMO_ID_SYSTEM, value: 'TRK-UNKNOWN' }] });
    const before = started.length;
    await tracker.stableNow(s.studyUid, 'replay');
    expect(started.length).toBe(before + 1);
    expect(await studyFailures(redis)).toEqual([]);
  });

  it('re-arms a study whose handling failed for a transient reason (FHIR down) and hands it over again', async () => {
    const s = writeStudy(join(tmp, 'out-c'), 'c', 'TRK-1');
    fhirServer.failNext(50);
    // Handed over, failed (503s past the FHIR retries: 3 requests), and waiting again.
    const served0 = fhirServer.requestCount();
    await send([...s.ct, s.seg(1)]);
    await waitFor(() => fhirServer.requestCount() >= served0 + 3);
    await sleep(100);
    expect(handed.some((h) => h.uid === s.studyUid)).toBe(false);
    expect((await tracker.pending()).map((p) => p.studyInstanceUid)).toContain(s.studyUid);
    fhirServer.failNext(0);
    await waitFor(() => handed.some((h) => h.uid === s.studyUid && h.outcome === 'started'), 10_000);
  });
});
