/**
 * Orthanc (Debian) as the PACS: it C-STOREs a study to our Storage SCP when asked through its
 * REST API (`/modalities/{id}/store`, as a PACS routing rule would), and its change log announces
 * the study stable (`StableStudy`), which the poller hands to the stable-study callback once,
 * keeping its position in Redis across a restart.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, referencePath } from '@tace/common';
import { readDicomFile, ReceivedStore, StorageScp, TAG } from '@tace/dicom';
import { startRedisServer, type RedisServerHandle } from '@tace/jobs/testing';
import { OrthancChangesPoller } from '@tace/pipeline';
import { findOrthanc, startOrthanc, type OrthancHandle } from './support/orthanc.ts';

const install = findOrthanc();
const ref = referencePath('dicom/dcmqi-ct-3slice');
const files = ref ? ['01.dcm', '02.dcm', '03.dcm', 'liver.dcm'].map((f) => join(ref, f)) : [];

describe.skipIf(!install || !ref)('Orthanc → our DIMSE SCP, and Orthanc StableStudy → the stable-study callback', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tace-orthanc-dimse-'));
  const log = createLogger('orthanc-dimse-test', { level: 'silent' });
  let orthanc: OrthancHandle;
  let scp: StorageScp;
  let store: ReceivedStore;
  let redisServer: RedisServerHandle;
  let redis: Redis;
  let orthancStudyId = '';
  const studyUid = ref ? readDicomFile(files[0]!).studyInstanceUid : '';

  beforeAll(async () => {
    store = new ReceivedStore(join(tmp, 'received'));
    scp = new StorageScp({ aeTitle: 'TACE_RISK', allowedCallingAeTitles: ['ORTHANC_PACS'], store, log, port: 0 });
    const scpPort = await scp.start();
    redisServer = await startRedisServer();
    redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
    orthanc = await startOrthanc(install, { config: { DicomAet: 'ORTHANC_PACS', DicomModalities: { tace: ['TACE_RISK', '127.0.0.1', scpPort] }, StableAge: 1 } });
  }, 60_000);
  afterAll(async () => {
    await scp?.close();
    await orthanc?.stop();
    redis?.disconnect();
    await redisServer?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the poller starts at the end of the change log, then hands over each StableStudy once', async () => {
    const handed: string[] = [];
    const poller = new OrthancChangesPoller({ restUrl: orthanc.restUrl, redis, log, onStableStudy: async (uid) => { handed.push(uid); }, limit: 2 });
    expect(await poller.position()).toBe(0); // an empty Orthanc: its last change is 0
    await orthanc.stow(files.map((f) => readFileSync(f)));
    const lookup = (await (await fetch(`${orthanc.restUrl}/tools/lookup`, { method: 'POST', body: studyUid })).json()) as Array<{ ID: string; Type: string }>;
    orthancStudyId = lookup.find((x) => x.Type === 'Study')!.ID;

    // StableAge 1 s: Orthanc announces the study about a second after its last instance.
    const deadline = Date.now() + 20_000;
    while (handed.length === 0 && Date.now() < deadline) {
      await poller.poll();
      await sleep(250);
    }
    expect(handed).toEqual([studyUid]);
    await poller.poll();
    expect(handed).toEqual([studyUid]);

    // A restart (a new poller on the same Redis) goes on from the kept position: nothing again.
    const again: string[] = [];
    const restarted = new OrthancChangesPoller({ restUrl: orthanc.restUrl, redis, log, onStableStudy: async (uid) => { again.push(uid); } });
    expect(await restarted.position()).toBeGreaterThan(0);
    expect(await restarted.poll()).toBe(0);
    expect(again).toEqual([]);
  });

  it('Orthanc C-STOREs the study to our SCP (REST /modalities/{id}/store); the files hold the pixels Orthanc holds', async () => {
    expect(orthancStudyId).not.toBe('');
    const r = await fetch(`${orthanc.restUrl}/modalities/tace/store`, { method: 'POST', body: JSON.stringify({ Resources: [orthancStudyId], Synchronous: true }) });
    const answer = await r.text();
    expect(r.status, answer).toBe(200);
    expect(scp.stats).toMatchObject({ stored: 4, failed: 0, rejected: 0 });
    for (const f of files) {
      const orig = readDicomFile(f);
      const got = readDicomFile(store.pathOf(orig));
      expect(got.string('x00020016')).toBe('ORTHANC_PACS');
      expect(Buffer.from(got.bytes(TAG.PixelData)!).equals(Buffer.from(orig.bytes(TAG.PixelData)!))).toBe(true);
    }
  });
});
