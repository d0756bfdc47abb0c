import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { referencePath, type LabelMap } from '@tace/common';
import { loadCtVolume } from './ct-volume.ts';
import { readDicomFile } from './folder-source.ts';
import { physicalToIndex } from './geometry.ts';
import { fillEvenOdd, rtstructToLabelMap } from './rtstruct.ts';
import { listSegments } from './segments.ts';
import { readNifti } from './test-readers.ts';

const D = referencePath('dicom');
const IBSI = referencePath('ibsi1-ct-phantom');

const count = (m: LabelMap): number => m.data.reduce((s, v) => s + (v ? 1 : 0), 0);

describe('fillEvenOdd (hand-checked shapes)', () => {
  it('fills pixel centres inside a square and leaves a nested square empty', () => {
    // Outer square spans centres 1..8 (edges at 0.5 / 8.5), inner square centres 3..6 (edges 2.5 / 6.5).
    const out = new Uint8Array(10 * 10);
    fillEvenOdd([
      { k: 0, xs: [0.5, 8.5, 8.5, 0.5], ys: [0.5, 0.5, 8.5, 8.5] },
      { k: 0, xs: [2.5, 6.5, 6.5, 2.5], ys: [2.5, 2.5, 6.5, 6.5] },
    ], out, 10, 10, 1);
    // 8x8 = 64 minus the 4x4 = 16 hole = 48.
    expect(out.reduce((s, v) => s + v, 0)).toBe(48);
    expect(out[4 + 10 * 4]).toBe(0); // inside the hole
    expect(out[1 + 10 * 1]).toBe(1); // in the ring
    expect(out[0]).toBe(0); // outside
  });

  it('fills a right triangle by the half-open rule: 1 + 2 + 3 centres', () => {
    // Vertices (-0.5,-0.5), (3,-0.5), (-0.5,3): centre (i,j) inside when i + j < 2.5 → rows of 3, 2, 1.
    const out = new Uint8Array(4 * 4);
    fillEvenOdd([{ k: 0, xs: [-0.5, 3, -0.5], ys: [-0.5, -0.5, 3] }], out, 4, 4, 1);
    expect(out.reduce((s, v) => s + v, 0)).toBe(6);
  });
});

describe.skipIf(!D)('rt-utils RTSTRUCT with a hole (reference: rtutils-rtstruct-hole/README.md)', () => {
  const dir = `${D}/rtutils-rtstruct-hole`;
  const load = () => ({ v: loadCtVolume(['ct_1', 'ct_2'].map((n) => readDicomFile(`${dir}/${n}.dcm`))), rt: readDicomFile(`${dir}/rt.dcm`) });

  it('lists ROI-1', () => {
    expect(listSegments(load().rt)).toEqual([{ segmentNumber: 1, label: 'ROI-1' }]);
  });

  it('fills the outer square minus the hole on z = 60 and nothing on z = 65', () => {
    const { v, rt } = load();
    const m = rtstructToLabelMap(rt, v, 'ROI-1');
    const plane = v.size[0] * v.size[1];
    const slice0 = m.data.subarray(0, plane).reduce((s, x) => s + x, 0);
    const slice1 = m.data.subarray(plane).reduce((s, x) => s + x, 0);
    expect(v.originMm[2]).toBeCloseTo(60, 6);
    // README: even-odd mask 1443 px (outer 2401, inner 958) by point-in-polygon on pixel centres.
    expect(slice0).toBe(1443);
    expect(slice1).toBe(0);
    const at = (x: number, y: number): number => {
      const [i, j] = physicalToIndex(v, [x, y, 60]).map(Math.round);
      return m.data[i + v.size[0] * j];
    };
    expect(at(-40, -40)).toBe(0); // centre of the hole
    expect(at(-49, -49)).toBe(1); // ring between outer and inner contour
    expect(at(-60, -60)).toBe(0); // outside
  });

  it('unknown ROI name gives DICOM_SEGMENT_NOT_FOUND', () => {
    const { v, rt } = load();
    let code: string | undefined;
    try { rtstructToLabelMap(rt, v, 'Liver'); } catch (e) { code = (e as { code: string }).code; }
    expect(code).toBe('DICOM_SEGMENT_NOT_FOUND');
  });
});

describe.skipIf(!IBSI)('IBSI 1 CT phantom GTV-1 (reference: config A initial ROI diagnostics; NIfTI mask)', () => {
  it('rasterises to 125256 voxels in a 100 x 99 x 26 bounding box, equal to the NIfTI mask', () => {
    const v = loadCtVolume(readdirSync(`${IBSI}/dicom/image`).map((f) => readDicomFile(`${IBSI}/dicom/image/${f}`)));
    const m = rtstructToLabelMap(readDicomFile(`${IBSI}/dicom/rtstruct/DCM_RS_00060.dcm`), v, 'GTV-1');
    expect(count(m)).toBe(125256); // int_mask_vox_count_init_roi
    const [nx, ny, nz] = m.size;
    const lo = [nx, ny, nz], hi = [-1, -1, -1];
    for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
      if (!m.data[i + nx * (j + ny * k)]) continue;
      [i, j, k].forEach((x, a) => { lo[a] = Math.min(lo[a], x); hi[a] = Math.max(hi[a], x); });
    }
    expect(hi.map((h, a) => h - lo[a] + 1)).toEqual([100, 99, 26]); // int_mask_bb_dim_{x,y,z}_init_roi
    const nifti = readNifti(`${IBSI}/nifti/mask.nii.gz`);
    expect(nifti.size).toEqual([204, 201, 60]);
    expect(nifti.data.reduce((s, x) => s + (x !== 0 ? 1 : 0), 0)).toBe(count(m));
    // The NIfTI arrays share our x-fastest layout and slice order: compare voxel for voxel.
    let differ = 0;
    for (let p = 0; p < m.data.length; p++) if ((nifti.data[p] !== 0) !== (m.data[p] !== 0)) differ++;
    expect(differ).toBe(0);
  });

  it('the CT volume equals the NIfTI image after rounding (as the IBSI text prescribes)', () => {
    const v = loadCtVolume(readdirSync(`${IBSI}/dicom/image`).map((f) => readDicomFile(`${IBSI}/dicom/image/${f}`)));
    const img = readNifti(`${IBSI}/nifti/image.nii.gz`);
    expect(img.size).toEqual(v.size);
    let differ = 0;
    for (let p = 0; p < v.data.length; p++) if (Math.round(img.data[p]) !== v.data[p]) differ++;
    expect(differ).toBe(0);
  });
});
