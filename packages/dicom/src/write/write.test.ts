import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabelMap, Mat3, Vec3, Volume } from '@tace/common';
import { loadCtVolume } from '../ct-volume.ts';
import { assembleRoiCase } from '../roi-case.ts';
import { cropToRoi } from '../crop.ts';
import { FolderStudySource } from '../folder-source.ts';
import { parseDicom } from '../instance.ts';
import { segToLabelMap } from '../seg.ts';
import { listSegments } from '../segments.ts';
import { selectCtAndSegmentation } from '../select.ts';
import { segmentationToLabelMap } from '../segmentation.ts';
import { writeCtSeries } from './ct-writer.ts';
import { formatDs } from './encoder.ts';
import { writeBinarySeg } from './seg-writer.ts';
import { newUid, uidFromSeed } from './uid.ts';

// Rotation by 30° about the x axis (columns = axis unit vectors), an oblique but right-handed grid.
const c = Math.cos(Math.PI / 6), s = Math.sin(Math.PI / 6);
const OBLIQUE: Mat3 = [1, 0, 0, 0, c, -s, 0, s, c];
const SIZE: Vec3 = [7, 5, 4]; // 35 px per slice: not a multiple of 8, so SEG frames are not byte-aligned
const META = {
  studyInstanceUid: uidFromSeed('study'), seriesInstanceUid: uidFromSeed('ct-series'),
  patientId: 'SYN-001', patientName: 'Synthetic^Patient', studyDate: '20240102',
};

function ctVolume(): Volume<Int16Array> {
  const n = SIZE[0] * SIZE[1] * SIZE[2];
  const data = new Int16Array(n);
  for (let p = 0; p < n; p++) data[p] = ((p * 97) % 3000) - 1024; // spans -1024 … 1975 HU
  return { size: [...SIZE], spacingMm: [0.7, 0.8, 2.5], originMm: [-12.5, 30.25, -100], direction: [...OBLIQUE], data };
}

function tumourMask(): LabelMap {
  const v = ctVolume();
  const data = new Uint8Array(v.data.length);
  const plane = SIZE[0] * SIZE[1];
  for (const k of [0, 2, 3]) for (let p = 0; p < plane; p++) if ((p + k) % 3 === 0) data[k * plane + p] = 1;
  return { ...v, data };
}

const tmp = mkdtempSync(join(tmpdir(), 'tace-dicom-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('UIDs', () => {
  it('newUid follows 2.25.<decimal UUID> and fits 64 characters', () => {
    const a = newUid(), b = newUid();
    expect(a).toMatch(/^2\.25\.(0|[1-9]\d{0,38})$/);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(a).not.toBe(b);
  });
  it('uidFromSeed is reproducible and seed-specific', () => {
    expect(uidFromSeed('x')).toBe(uidFromSeed('x'));
    expect(uidFromSeed('x')).not.toBe(uidFromSeed('y'));
    expect(uidFromSeed('x')).toMatch(/^2\.25\.[1-9]\d{0,38}$/);
  });
  it('formatDs keeps DS values within 16 characters', () => {
    expect(formatDs(0.1 + 0.2)).toBe('0.3'); // 17 significant digits → 15 → shortest form
    expect(formatDs(-1024)).toBe('-1024');
    expect(formatDs(-123.456789012345678).length).toBeLessThanOrEqual(16);
  });
});

describe('writeCtSeries → parseDicom → loadCtVolume', () => {
  it('reproduces HU and geometry of an oblique volume', () => {
    const v = ctVolume();
    const files = writeCtSeries(v, META);
    expect(files.length).toBe(4);
    const back = loadCtVolume(files.map((f) => parseDicom(f)).reverse());
    expect(back.size).toEqual(v.size);
    expect([...back.data]).toEqual([...v.data]);
    back.spacingMm.forEach((x, a) => expect(x).toBeCloseTo(v.spacingMm[a], 9));
    back.originMm.forEach((x, a) => expect(x).toBeCloseTo(v.originMm[a], 9));
    back.direction.forEach((x, a) => expect(x).toBeCloseTo(v.direction[a], 9));
    const first = parseDicom(files[0]);
    expect(first.rescale(0)).toEqual({ slope: 1, intercept: -1024 });
    expect(first.studyInstanceUid).toBe(META.studyInstanceUid);
  });

  it('rounds Float32 HU and honours a given rescale', () => {
    const v = ctVolume();
    const f: Volume<Float32Array> = { ...v, data: Float32Array.from(v.data, (x) => x + 0.4) };
    const back = loadCtVolume(writeCtSeries(f, { ...META, rescaleSlope: 2, rescaleIntercept: -1000 }).map((b) => parseDicom(b)));
    // stored = round((HU + 0.4 + 1000) / 2), read back as stored·2 − 1000: within 1 HU.
    for (let p = 0; p < v.data.length; p++) expect(Math.abs(back.data[p] - (v.data[p] + 0.4))).toBeLessThanOrEqual(1.0001);
  });
});

describe('writeBinarySeg → parseDicom → segToLabelMap', () => {
  const ctBytes = writeCtSeries(ctVolume(), META);

  it('reproduces the mask; one frame per non-empty slice; Tumor segment with SNOMED codes', () => {
    const mask = tumourMask();
    const segBytes = writeBinarySeg(mask, ctBytes, { seriesInstanceUid: uidFromSeed('seg') });
    const seg = parseDicom(segBytes);
    expect(seg.modality).toBe('SEG');
    expect(seg.numberOfFrames).toBe(3); // slices 0, 2, 3
    const [info] = listSegments(seg);
    expect(info.label).toBe('Tumor');
    expect(info.propertyType?.codeValue).toBe('108369006');
    expect(info.propertyCategory?.codeValue).toBe('49755003');
    const v = loadCtVolume(ctBytes.map((b) => parseDicom(b)));
    expect([...segToLabelMap(seg, v).data]).toEqual([...mask.data]);
  });

  it('is byte-reproducible when the SOP Instance UID is given', () => {
    const a = writeBinarySeg(tumourMask(), ctBytes, { sopInstanceUid: uidFromSeed('seg-sop') });
    const b = writeBinarySeg(tumourMask(), ctBytes, { sopInstanceUid: uidFromSeed('seg-sop') });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('packs bits LSB first across frame boundaries (hand-computed bytes)', () => {
    // 3x3x2 grid, pixel (0,0) on both slices: frame 0 bit 0, frame 1 bit 9 → bytes 0x01, 0x02,
    // then 0x00 (bits 16–17) and one pad byte to the even length DICOM requires.
    const v: Volume<Int16Array> = { size: [3, 3, 2], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], data: new Int16Array(18) };
    const ct = writeCtSeries(v, META);
    const data = new Uint8Array(18); data[0] = 1; data[9] = 1;
    const seg = parseDicom(writeBinarySeg({ ...v, data }, ct));
    expect([...seg.nativePixelData()]).toEqual([0x01, 0x02, 0x00, 0x00]);
  });

  it('refuses an empty mask and a mask on another grid', () => {
    const empty = { ...tumourMask(), data: new Uint8Array(140) };
    expect(() => writeBinarySeg(empty, ctBytes)).toThrow(expect.objectContaining({ code: 'DICOM_EMPTY_SEGMENTATION' }));
    const small = { ...tumourMask(), size: [7, 5, 3] as Vec3, data: new Uint8Array(105).fill(1) };
    expect(() => writeBinarySeg(small, ctBytes)).toThrow(expect.objectContaining({ code: 'DICOM_SEG_GEOMETRY_MISMATCH' }));
  });

  it('a written study goes through FolderStudySource → select → label map → crop', async () => {
    const dir = join(tmp, 'study');
    spawnSync('mkdir', ['-p', dir]);
    ctBytes.forEach((b, k) => writeFileSync(join(dir, `ct${k}.dcm`), b));
    const mask = tumourMask();
    const segBytes = writeBinarySeg(mask, ctBytes);
    writeFileSync(join(dir, 'seg.dcm'), segBytes);
    const study = await new FolderStudySource(dir).getStudy(META.studyInstanceUid);
    const sel = selectCtAndSegmentation(study);
    expect(sel.kind).toBe('SEG');
    expect(sel.ct.length).toBe(4);
    const v = loadCtVolume(sel.ct);
    const m = segmentationToLabelMap(sel.seg, v, sel.segmentNumber);
    expect([...m.data]).toEqual([...mask.data]);
    const crop = cropToRoi(v, m, 0);
    expect(crop.volume.size[2]).toBe(4);
  });

  it('select leaves LOCALIZER images of the CT series out of the stack', async () => {
    const dir = join(tmp, 'scout');
    spawnSync('mkdir', ['-p', dir]);
    ctBytes.forEach((b, k) => writeFileSync(join(dir, `ct${k}.dcm`), b));
    // A sagittal scout in the same series: orientation (0,1,0)/(0,0,-1).
    const scout: Volume<Int16Array> = { size: [5, 4, 1], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: [0, 0, 1, 1, 0, 0, 0, -1, 0], data: new Int16Array(20) };
    writeFileSync(join(dir, 'scout.dcm'), writeCtSeries(scout, { ...META, imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'] })[0]);
    writeFileSync(join(dir, 'seg.dcm'), writeBinarySeg(tumourMask(), ctBytes));
    const sel = selectCtAndSegmentation(await new FolderStudySource(dir).getStudy(META.studyInstanceUid));
    expect(sel.ct.length).toBe(4);
    expect(loadCtVolume(sel.ct).size).toEqual(SIZE);
  });

  it('assembleRoiCase finds a study written after the folder was first indexed and crops it', async () => {
    const dir = join(tmp, 'later');
    spawnSync('mkdir', ['-p', dir]);
    const src = new FolderStudySource(dir);
    await expect(src.getStudy(META.studyInstanceUid)).rejects.toMatchObject({ code: 'DICOM_STUDY_NOT_FOUND' });
    ctBytes.forEach((b, k) => writeFileSync(join(dir, `ct${k}.dcm`), b));
    writeFileSync(join(dir, 'seg.dcm'), writeBinarySeg(tumourMask(), ctBytes));
    const rc = await assembleRoiCase(src, META.studyInstanceUid, { marginMm: 0 });
    expect(rc.segmentationKind).toBe('SEG');
    expect(rc.segmentLabel).toBe('Tumor');
    expect(rc.ctSeriesInstanceUid).toBe(META.seriesInstanceUid);
    expect(rc.mask.data.reduce((a, v) => a + v, 0)).toBe(tumourMask().data.reduce((a, v) => a + v, 0));
    expect(rc.volume.size).toEqual(rc.mask.size);
  });

  const dcmdump = spawnSync('dcmdump', ['--version']).status === 0;
  it.skipIf(!dcmdump)('DCMTK dcmdump reads the written CT and SEG without complaint', () => {
    const ctPath = join(tmp, 'ct.dcm'), segPath = join(tmp, 'seg.dcm');
    writeFileSync(ctPath, ctBytes[0]);
    writeFileSync(segPath, writeBinarySeg(tumourMask(), ctBytes));
    for (const p of [ctPath, segPath]) {
      const r = spawnSync('dcmdump', ['-q', p], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
    }
    const seg = spawnSync('dcmdump', ['+P', '0062,0005', '+P', '0028,0008', segPath], { encoding: 'utf8' }).stdout;
    expect(seg).toContain('[Tumor]');
    expect(seg).toMatch(/\(0028,0008\) IS \[3\]/);
  });

  // dicom3tools' IOD validator (Debian package dicom3tools) checks every module of the IOD.
  const dciodvfy = spawnSync('sh', ['-c', 'command -v dciodvfy']).status === 0;
  it.skipIf(!dciodvfy)('dciodvfy finds no error or warning in the written CT and SEG', () => {
    const ctPath = join(tmp, 'v_ct.dcm'), segPath = join(tmp, 'v_seg.dcm');
    writeFileSync(ctPath, ctBytes[0]);
    writeFileSync(segPath, writeBinarySeg(tumourMask(), ctBytes));
    for (const [p, iod] of [[ctPath, 'CTImage'], [segPath, 'Segmentation']]) {
      const r = spawnSync('dciodvfy', [p], { encoding: 'utf8' });
      const out = `${r.stdout}${r.stderr}`;
      expect(out).toContain(iod);
      expect(out.split('\n').filter((l) => /^(Error|Warning)/.test(l))).toEqual([]);
    }
  });
});
