import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IDENTITY_DIRECTION, type Volume } from '@tace/common';
import { FolderStudySource } from './folder-source.ts';
import { pickSegmentation, selectCtAndSegmentation } from './select.ts';
import { writeBinarySeg } from './write/seg-writer.ts';
import { writeCtSeries } from './write/ct-writer.ts';
import { uidFromSeed } from './write/uid.ts';

const tmp = mkdtempSync(join(tmpdir(), 'tace-folder-source-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
const newRoot = (): string => { const d = join(tmp, `root${dirs++}`); mkdirSync(d); return d; };

/** A small CT study (4×4 pixels, `slices` files) written into dir; returns its StudyInstanceUID. */
function writeStudy(dir: string, seed: string, slices = 3): string {
  mkdirSync(dir, { recursive: true });
  const studyInstanceUid = uidFromSeed(`fs-study-${seed}`);
  const vol: Volume<Int16Array> = {
    size: [4, 4, slices], spacingMm: [1, 1, 2], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], data: new Int16Array(16 * slices),
  };
  const meta = { studyInstanceUid, seriesInstanceUid: uidFromSeed(`fs-series-${seed}`), patientId: `P-${seed}`, patientName: 'Test^Patient', studyDate: '20240102' };
  writeCtSeries(vol, meta).forEach((b, k) => writeFileSync(join(dir, `ct${k}.dcm`), b));
  return studyInstanceUid;
}

/** A source over root with a clock the test moves by hand. */
function source(root: string): { src: FolderStudySource; clock: { t: number } } {
  const clock = { t: 1_000 };
  return { src: new FolderStudySource(root, { minRefreshIntervalMs: 5000, now: () => clock.t }), clock };
}

const instanceCount = (s: { series: { instances: unknown[] }[] }): number => s.series.reduce((n, x) => n + x.instances.length, 0);

describe('FolderStudySource incremental index', () => {
  it('finds a study added after the first build, reading only the new headers', async () => {
    const root = newRoot();
    const a = writeStudy(join(root, 'site', 'a'), 'a');
    writeFileSync(join(root, 'README.txt'), 'not DICOM');
    const { src, clock } = source(root);
    await src.warm();
    expect(src.indexStats()).toEqual({ walks: 1, headerReads: 4, files: 4, studies: 1 });
    await src.warm();
    expect(src.indexStats().walks).toBe(1);

    // Added below an existing folder: the root's mtime does not move, so it waits for the interval.
    const b = writeStudy(join(root, 'site', 'b'), 'b', 2);
    await expect(src.getStudy(b)).rejects.toMatchObject({ code: 'DICOM_STUDY_NOT_FOUND', httpStatus: 404 });
    expect(src.indexStats().walks).toBe(1);
    clock.t += 5000;
    expect(instanceCount(await src.getStudy(b))).toBe(2);
    expect(src.indexStats()).toEqual({ walks: 2, headerReads: 6, files: 6, studies: 2 });
    expect(instanceCount(await src.getStudy(a))).toBe(3);
    expect(src.indexStats().walks).toBe(2);

    // A changed file (mtime) is read again, and only that one.
    utimesSync(join(root, 'site', 'a', 'ct0.dcm'), new Date(), new Date(Date.now() + 10_000));
    src.refresh();
    expect([...(await src.studies()).keys()].sort()).toEqual([a, b].sort());
    expect(src.indexStats()).toMatchObject({ walks: 3, headerReads: 7 });
  });

  it('finds a study folder dropped at the top level within the interval (one stat of the root)', async () => {
    const root = newRoot();
    writeStudy(join(root, 'a'), 'a');
    const { src } = source(root);
    await src.warm();
    const c = writeStudy(join(root, 'c'), 'c');
    expect(instanceCount(await src.getStudy(c))).toBe(3);
    expect(src.indexStats()).toMatchObject({ walks: 2, headerReads: 6 });
    await expect(src.getStudy(uidFromSeed('unknown'))).rejects.toMatchObject({ code: 'DICOM_STUDY_NOT_FOUND' });
    expect(src.indexStats().walks).toBe(2);
  });

  it('a flood of unknown UIDs walks at most once per interval', async () => {
    const root = newRoot();
    const a = writeStudy(join(root, 'a'), 'a');
    const { src, clock } = source(root);
    await src.warm();
    const flood = (tag: string) => Promise.allSettled(Array.from({ length: 50 }, (_, k) => src.getStudy(uidFromSeed(`${tag}-${k}`))));
    const expect404 = (rs: PromiseSettledResult<unknown>[]) => {
      expect(rs.every((r) => r.status === 'rejected' && (r.reason as { code: string; httpStatus: number }).httpStatus === 404
        && (r.reason as { code: string }).code === 'DICOM_STUDY_NOT_FOUND')).toBe(true);
    };
    expect404(await flood('x'));
    expect(src.indexStats()).toMatchObject({ walks: 1, headerReads: 3 });

    clock.t += 5000;
    expect404(await flood('y'));
    expect(src.indexStats()).toMatchObject({ walks: 2, headerReads: 3 }); // one shared walk, no header read again
    await expect(src.getStudy(uidFromSeed('z'))).rejects.toMatchObject({ httpStatus: 404 });
    expect(src.indexStats().walks).toBe(2);

    // The interval counts from the end of the last walk, so a slow walk cannot be followed by another at once.
    src.refresh();
    const slowWalk = src.warm(); // started synchronously…
    clock.t += 3000; // …and ends 3 s later
    await slowWalk;
    expect(src.indexStats().walks).toBe(3);
    clock.t += 4999;
    await expect(src.getStudy(uidFromSeed('z'))).rejects.toMatchObject({ httpStatus: 404 });
    expect(src.indexStats().walks).toBe(3);
    clock.t += 1;
    await expect(src.getStudy(uidFromSeed('z'))).rejects.toMatchObject({ httpStatus: 404 });
    expect(src.indexStats().walks).toBe(4);
    expect(instanceCount(await src.getStudy(a))).toBe(3);
    expect(src.indexStats()).toMatchObject({ walks: 4, headerReads: 3 });
  });

  it('concurrent first lookups share one build', async () => {
    const root = newRoot();
    const a = writeStudy(join(root, 'a'), 'a');
    const { src } = source(root);
    const got = await Promise.all([src.getStudy(a), src.getStudy(a), src.studies(), src.warm()]);
    expect(instanceCount(got[0])).toBe(3);
    expect(src.indexStats()).toMatchObject({ walks: 1, headerReads: 3 });
  });

  it('drops a removed study at the next refresh; a vanished file answers 503 and the next lookup refreshes', async () => {
    const root = newRoot();
    const a = writeStudy(join(root, 'site', 'a'), 'a');
    const b = writeStudy(join(root, 'site', 'b'), 'b');
    const { src, clock } = source(root);
    await src.warm();

    rmSync(join(root, 'site', 'b'), { recursive: true });
    clock.t += 5000;
    await expect(src.getStudy(uidFromSeed('unknown'))).rejects.toMatchObject({ httpStatus: 404 });
    expect([...(await src.studies()).keys()]).toEqual([a]);
    expect(src.indexStats()).toMatchObject({ walks: 2, headerReads: 6, files: 3, studies: 1 });
    await expect(src.getStudy(b)).rejects.toMatchObject({ code: 'DICOM_STUDY_NOT_FOUND' });

    unlinkSync(join(root, 'site', 'a', 'ct1.dcm'));
    await expect(src.getStudy(a)).rejects.toMatchObject({ code: 'DICOM_SOURCE_UNAVAILABLE', httpStatus: 503, retryable: true });
    // Within the interval still: the vanished file forces the refresh.
    expect(instanceCount(await src.getStudy(a))).toBe(2);
    expect(src.indexStats()).toMatchObject({ walks: 3, headerReads: 6, files: 2 });

    rmSync(join(root, 'site', 'a'), { recursive: true });
    await expect(src.getStudy(a)).rejects.toMatchObject({ code: 'DICOM_SOURCE_UNAVAILABLE' });
    await expect(src.getStudy(a)).rejects.toMatchObject({ code: 'DICOM_STUDY_NOT_FOUND', httpStatus: 404 });
  });

  it('an unreadable root answers DICOM_SOURCE_UNAVAILABLE and is tried again', async () => {
    const root = join(tmp, 'missing');
    const { src } = source(root);
    await expect(src.warm()).rejects.toMatchObject({ code: 'DICOM_SOURCE_UNAVAILABLE', retryable: true });
    const a = writeStudy(root, 'a');
    expect(instanceCount(await src.getStudy(a))).toBe(3);
  });
});

describe('FolderStudySource.listSegmentations', () => {
  it('picks from the header index: the same choice as selectCtAndSegmentation, without reading a file', async () => {
    const root = newRoot();
    const uid = writeStudy(join(root, 's'), 'seg', 3);
    const src = new FolderStudySource(root);
    const ct = (await src.getStudy(uid)).series[0]!.instances;
    const mask = { size: [4, 4, 3] as [number, number, number], spacingMm: [1, 1, 2] as [number, number, number], originMm: [0, 0, 0] as [number, number, number], direction: IDENTITY_DIRECTION, data: new Uint8Array(48).fill(1, 16, 32) };
    const segs = ['older', 'newer'].map((name, k) =>
      writeBinarySeg(mask, ct, {
        seriesInstanceUid: uidFromSeed(`fs-segseries-${name}`),
        sopInstanceUid: uidFromSeed(`fs-seg-${name}`),
        seriesNumber: 10 + k,
        seriesDescription: name,
        segmentLabel: 'Tumour',
        algorithmType: 'MANUAL',
        contentDate: k === 0 ? '20240101' : '20240301',
        contentTime: '101010',
      }),
    );
    segs.forEach((b, k) => writeFileSync(join(root, 's', `seg${k}.dcm`), b));
    src.refresh();
    await src.warm();
    const reads = src.indexStats().headerReads;
    const listed = await src.listSegmentations(uid);
    expect(listed.map((s) => s.kind)).toEqual(['SEG', 'SEG']);
    expect(pickSegmentation(listed).sopInstanceUid).toBe(selectCtAndSegmentation(await src.getStudy(uid)).seg.sopInstanceUid);
    expect(pickSegmentation(listed).sopInstanceUid).toBe(uidFromSeed('fs-seg-newer'));
    expect(src.indexStats().headerReads).toBe(reads);
    await expect(src.listSegmentations('2.25.999')).rejects.toMatchObject({ code: 'DICOM_STUDY_NOT_FOUND' });
  });
});
