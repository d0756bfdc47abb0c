import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IDENTITY_DIRECTION, referencePath, type Volume } from '@tace/common';
import { loadCtVolume } from './ct-volume.ts';
import { readDicomFile } from './folder-source.ts';
import { parseDicom, type DicomInstance } from './instance.ts';
import { readNrrd } from './test-readers.ts';
import { writeCtSeries } from './write/ct-writer.ts';

const D = referencePath('dicom');
const IBSI = referencePath('ibsi1-ct-phantom');

function codeOf(fn: () => unknown): string | undefined {
  try { fn(); } catch (e) { return (e as { code?: string }).code; }
  return undefined;
}

describe.skipIf(!D)('loadCtVolume on dcmqi samples (reference: dcmqi-*/README.md and their NRRD headers)', () => {
  const ct3 = () => ['01', '02', '03'].map((n) => readDicomFile(`${D}/dcmqi-ct-3slice/${n}.dcm`));

  it('sorts along the normal, not by InstanceNumber: origin is the lowest z (-128.69, file 03)', () => {
    const v = loadCtVolume(ct3());
    expect(v.size).toEqual([512, 512, 3]);
    // NRRD liver_seg: origin (-235.2, -226.8, -128.69), spacing 0.810547 x 0.810547 x 1.
    const ref = readNrrd(`${D}/dcmqi-ct-3slice/liver_seg.nrrd`);
    v.originMm.forEach((o, a) => expect(o).toBeCloseTo(ref.originMm![a], 4));
    v.spacingMm.forEach((s, a) => expect(s).toBeCloseTo(ref.spacingMm![a], 5));
    expect(v.direction).toEqual(IDENTITY_DIRECTION);
    expect(v.sliceSopInstanceUids[0].endsWith('23433.1')).toBe(true); // 03.dcm per README
  });

  it('gives the same volume whatever the input order', () => {
    const a = loadCtVolume(ct3());
    const b = loadCtVolume(ct3().reverse());
    expect(b.originMm).toEqual(a.originMm);
    expect(b.data).toEqual(a.data);
  });

  it('applies RescaleIntercept -1024 (README) to the stored values', () => {
    const insts = ct3();
    const v = loadCtVolume(insts);
    const top = insts[2].storedFrame(0); // 03.dcm is slice k = 0
    for (const p of [0, 1000, 131328, 262143]) expect(v.data[p]).toBe(top[p] - 1024);
  });

  it('multi-frame Legacy Converted Enhanced CT equals the single-frame series (24x38x3)', () => {
    const dir = `${D}/dcmqi-misc/24x38x3/image`;
    const single = loadCtVolume(readdirSync(dir).map((f) => readDicomFile(`${dir}/${f}`)));
    const multi = loadCtVolume([readDicomFile(`${D}/dcmqi-misc/24x38x3/multiframe/mf.dcm`)]);
    expect(single.size).toEqual([24, 38, 3]);
    // README: 0.7 mm pixels, slices at z -177.75, -175.25, -172.75 (2.5 mm).
    expect(single.spacingMm[0]).toBeCloseTo(0.7, 6);
    expect(single.spacingMm[2]).toBeCloseTo(2.5, 6);
    expect(single.originMm[2]).toBeCloseTo(-177.75, 4);
    expect(multi.size).toEqual(single.size);
    expect(multi.originMm).toEqual(single.originMm);
    expect(multi.data).toEqual(single.data);
  });

  it('refuses a non-contiguous series (highdicom ct2: one slice 202.5 mm away) with DICOM_INCONSISTENT_SPACING', () => {
    const dir = `${D}/highdicom-seg/ct2`;
    expect(codeOf(() => loadCtVolume(readdirSync(dir).map((f) => readDicomFile(`${dir}/${f}`))))).toBe('DICOM_INCONSISTENT_SPACING');
  });

  it('refuses a SEG with DICOM_NOT_CT', () => {
    expect(codeOf(() => loadCtVolume([readDicomFile(`${D}/dcmqi-ct-3slice/liver.dcm`)]))).toBe('DICOM_NOT_CT');
  });
});

describe.skipIf(!IBSI)('IBSI 1 CT phantom (reference: config_A_reference_values.csv, initial image diagnostics)', () => {
  const files = () => readdirSync(`${IBSI}/dicom/image`).sort().map((f) => readDicomFile(`${IBSI}/dicom/image/${f}`));

  it('has 204 x 201 x 60 voxels of 0.977 x 0.977 x 3 mm, mean -266, min -1000, max 3065 HU', () => {
    const v = loadCtVolume(files());
    expect(v.size).toEqual([204, 201, 60]);
    expect(v.spacingMm[0]).toBeCloseTo(0.977, 3);
    expect(v.spacingMm[1]).toBeCloseTo(0.977, 3);
    expect(v.spacingMm[2]).toBeCloseTo(3, 3);
    let sum = 0, min = Infinity, max = -Infinity;
    for (const x of v.data) { sum += x; if (x < min) min = x; if (x > max) max = x; }
    expect(Math.round(sum / v.data.length)).toBe(-266);
    expect(min).toBe(-1000);
    expect(max).toBe(3065);
  });

  it('a missing slice gives DICOM_INCONSISTENT_SPACING', () => {
    const f = files();
    f.splice(30, 1);
    expect(codeOf(() => loadCtVolume(f))).toBe('DICOM_INCONSISTENT_SPACING');
  });

  it('a duplicated slice gives DICOM_INCONSISTENT_SPACING', () => {
    const f = files();
    expect(codeOf(() => loadCtVolume([...f, f[10]]))).toBe('DICOM_INCONSISTENT_SPACING');
  });
});

describe('geometry checks on written series', () => {
  const base: Volume<Int16Array> = {
    size: [4, 3, 3], spacingMm: [1, 1, 2], originMm: [0, 0, 0], direction: [...IDENTITY_DIRECTION], data: new Int16Array(36),
  };
  const meta = { studyInstanceUid: '2.25.1', seriesInstanceUid: '2.25.2', patientId: 'P', patientName: 'Synthetic^Test', studyDate: '20240101' };

  it('two orientations in one series give DICOM_MIXED_ORIENTATION', () => {
    // Rotation by 90° about z: columns (0,1,0), (-1,0,0), (0,0,1).
    const rotated = { ...base, direction: [0, -1, 0, 1, 0, 0, 0, 0, 1] as Volume['direction'], originMm: [0, 0, 10] as Volume['originMm'] };
    const a: DicomInstance[] = writeCtSeries(base, meta).map((b) => parseDicom(b));
    const b: DicomInstance[] = writeCtSeries(rotated, meta).map((x) => parseDicom(x));
    expect(codeOf(() => loadCtVolume([...a, ...b]))).toBe('DICOM_MIXED_ORIENTATION');
  });

  it('slice origins drifting in-plane give DICOM_GANTRY_TILT under the refuse policy', () => {
    const a = writeCtSeries(base, meta).map((b) => parseDicom(b));
    const shifted = writeCtSeries({ ...base, originMm: [5, 0, 6] }, meta).map((b) => parseDicom(b));
    expect(codeOf(() => loadCtVolume([...a, ...shifted], { gantryTilt: 'refuse' }))).toBe('DICOM_GANTRY_TILT');
  });

  it('two series give DICOM_MIXED_SERIES', () => {
    const a = writeCtSeries(base, meta).map((b) => parseDicom(b));
    const b = writeCtSeries({ ...base, originMm: [0, 0, 6] }, { ...meta, seriesInstanceUid: '2.25.3' }).map((x) => parseDicom(x));
    expect(codeOf(() => loadCtVolume([...a, ...b]))).toBe('DICOM_MIXED_SERIES');
  });
});

describe.skipIf(!D)('releasePixelData', () => {
  const files = () => ['01', '02', '03'].map((n) => readDicomFile(`${D}/dcmqi-ct-3slice/${n}.dcm`));
  it('builds the same volume, keeps every header readable and frees the pixels', () => {
    const kept = files(), freed = files();
    const a = loadCtVolume(kept), b = loadCtVolume(freed, { releasePixelData: true });
    expect(b.data).toEqual(a.data);
    for (const [i, inst] of freed.entries()) {
      expect(inst.sopInstanceUid).toBe(kept[i].sopInstanceUid);
      expect(inst.string('x00100020')).toBe(kept[i].string('x00100020'));
      expect(inst.raw.byteArray.length).toBeLessThan(kept[i].raw.byteArray.length / 10);
      let code: string | undefined;
      try { inst.storedFrame(0); } catch (e) { code = (e as { code: string }).code; }
      expect(code).toBe('DICOM_NO_PIXEL_DATA');
    }
  });
});
