import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { referencePath, type LabelMap } from '@tace/common';
import { loadCtVolume } from './ct-volume.ts';
import { readDicomFile } from './folder-source.ts';
import { segToLabelMap } from './seg.ts';
import { listSegments } from './segments.ts';
import { readNrrd } from './test-readers.ts';

const D = referencePath('dicom');

function codeOf(fn: () => unknown): string | undefined {
  try { fn(); } catch (e) { return (e as { code?: string }).code; }
  return undefined;
}

/** Foreground count per k slice. */
function perSlice(m: LabelMap): number[] {
  const plane = m.size[0] * m.size[1];
  return Array.from({ length: m.size[2] }, (_, k) => m.data.subarray(k * plane, (k + 1) * plane).reduce((s, v) => s + (v ? 1 : 0), 0));
}

/** Voxel-wise comparison with a reference NRRD label map: mismatching voxel count. */
function mismatches(m: LabelMap, refPath: string, refLabel: number | 'nonzero'): number {
  const ref = readNrrd(refPath);
  expect(ref.size).toEqual(m.size);
  let bad = 0;
  for (let p = 0; p < m.data.length; p++) {
    const want = refLabel === 'nonzero' ? ref.data[p] !== 0 : ref.data[p] === refLabel;
    if (want !== (m.data[p] !== 0)) bad++;
  }
  return bad;
}

const ctFromDir = (dir: string) => loadCtVolume(readdirSync(dir).map((f) => readDicomFile(`${dir}/${f}`)));

describe.skipIf(!D)('segToLabelMap against reference label maps', () => {
  const ct3 = () => loadCtVolume(['01', '02', '03'].map((n) => readDicomFile(`${D}/dcmqi-ct-3slice/${n}.dcm`)));

  it('dcmqi liver SEG equals liver_seg.nrrd voxel for voxel (36233 / 35645 / 35220 px per slice)', () => {
    const m = segToLabelMap(readDicomFile(`${D}/dcmqi-ct-3slice/liver.dcm`), ct3());
    expect(perSlice(m)).toEqual([36233, 35645, 35220]);
    expect(mismatches(m, `${D}/dcmqi-ct-3slice/liver_seg.nrrd`, 'nonzero')).toBe(0);
  });

  it.each(['24x38x3', '23x38x3'])('dcmqi %s SEG equals its label.nrrd (23 columns: frames not byte-aligned)', (name) => {
    const v = ctFromDir(`${D}/dcmqi-misc/${name}/image`);
    const m = segToLabelMap(readDicomFile(`${D}/dcmqi-misc/${name}/seg/label.seg`), v);
    expect(perSlice(m)).toEqual(name === '24x38x3' ? [0, 315, 0] : [4, 314, 4]);
    expect(mismatches(m, `${D}/dcmqi-misc/${name}/nrrd/label.nrrd`, 'nonzero')).toBe(0);
  });

  it('dcmqi partial_overlaps: each of 5 overlapping segments equals its label in the source NRRDs', () => {
    const seg = readDicomFile(`${D}/dcmqi-misc/partial_overlaps.dcm`);
    expect(listSegments(seg).map((s) => s.segmentNumber)).toEqual([1, 2, 3, 4, 5]);
    const v = ct3();
    const source: Record<number, string> = { 1: '1', 2: '2', 3: '3', 4: '1', 5: '1' };
    for (const n of [1, 2, 3, 4, 5]) {
      const m = segToLabelMap(seg, v, { segmentNumber: n });
      expect(mismatches(m, `${D}/dcmqi-misc/partial_overlaps-${source[n]}.nrrd`, n)).toBe(0);
    }
    // README frame table: segment 3 has 117 / 117 / 10509 px at z -128.69 / -127.69 / -126.69.
    expect(perSlice(segToLabelMap(seg, v, { segmentNumber: 3 }))).toEqual([117, 117, 10509]);
  });

  it('unknown segment number gives DICOM_SEGMENT_NOT_FOUND', () => {
    expect(codeOf(() => segToLabelMap(readDicomFile(`${D}/dcmqi-ct-3slice/liver.dcm`), ct3(), { segmentNumber: 9 }))).toBe('DICOM_SEGMENT_NOT_FOUND');
  });
});

describe.skipIf(!D)('highdicom SEGs (reference: highdicom-seg/README.md)', () => {
  const H = `${D}/highdicom-seg`;
  // The three contiguous ct2 slices (.94 – .96, z 103.02 … 105.52); .93 lies 202.5 mm away.
  const grid = () => loadCtVolume(['17136', '17166', '17196'].map((n) => readDicomFile(`${H}/ct2/${n}.dcm`)));

  it('BINARY: 127 / 256 / 255 px on slices .94 / .95 / .96', () => {
    expect(perSlice(segToLabelMap(readDicomFile(`${H}/seg_image_ct_binary.dcm`), grid()))).toEqual([127, 256, 255]);
  });

  it('FRACTIONAL with values {0,255}: identical to the BINARY one', () => {
    const g = grid();
    const b = segToLabelMap(readDicomFile(`${H}/seg_image_ct_binary.dcm`), g);
    const f = segToLabelMap(readDicomFile(`${H}/seg_image_ct_binary_fractional.dcm`), g);
    expect(f.data).toEqual(b.data);
  });

  it('true FRACTIONAL {0,64,128}/255: 128 (≈0.502) is in, 64 (≈0.25) is out → 127 / 256 / 255 px', () => {
    expect(perSlice(segToLabelMap(readDicomFile(`${H}/seg_image_ct_true_fractional.dcm`), grid()))).toEqual([127, 256, 255]);
  });

  it('overlap: segment 1 has 16 px per slice, segment 2 has 4 px lying inside segment 1', () => {
    const seg = readDicomFile(`${H}/seg_image_ct_binary_overlap.dcm`);
    const g = grid();
    // Segment frames also cover the outlying slice .93, which is not in this grid.
    expect(codeOf(() => segToLabelMap(seg, g, { segmentNumber: 1 }))).toBe('DICOM_SEG_OUTSIDE_VOLUME');
    const s1 = segToLabelMap(seg, g, { segmentNumber: 1, outside: 'ignore' });
    const s2 = segToLabelMap(seg, g, { segmentNumber: 2, outside: 'ignore' });
    expect(perSlice(s1)).toEqual([16, 16, 16]);
    expect(perSlice(s2)).toEqual([4, 4, 4]);
    for (let p = 0; p < s2.data.length; p++) if (s2.data[p]) expect(s1.data[p]).toBe(1);
    // And on the outlying slice alone.
    const lone = loadCtVolume([readDicomFile(`${H}/ct2/17106.dcm`)]);
    expect(perSlice(segToLabelMap(seg, lone, { segmentNumber: 2, outside: 'ignore' }))).toEqual([4]);
  });

  it('single-frame 128 x 128 SEG on ct_image: 1832 px', () => {
    const v = loadCtVolume([readDicomFile(`${H}/ct_image.dcm`)]);
    expect(perSlice(segToLabelMap(readDicomFile(`${H}/seg_image_ct_binary_single_frame.dcm`), v))).toEqual([1832]);
  });
});
