import { describe, expect, it } from 'vitest';
import { IDENTITY_DIRECTION, type LabelMap, type Mat3, type Vec3, type Volume } from '@tace/common';
import { preprocessForDl, preprocessForDlWithGeometry } from './dl-preprocess.ts';
import type { DlPreprocessing } from './manifest.ts';

function ramp(n: number, spacing: number, direction: Mat3 = IDENTITY_DIRECTION, originMm: Vec3 = [0, 0, 0]): Volume {
  const data = new Float32Array(n * n * n);
  // value = 2·i (i = x index): with 2 mm spacing this is the position along axis 0 in mm.
  for (let idx = 0; idx < data.length; idx++) data[idx] = 2 * (idx % n);
  return { size: [n, n, n], spacingMm: [spacing, spacing, spacing], originMm, direction, data };
}

function cubeMask(n: number, lo: number, hi: number, like: Volume): LabelMap {
  const data = new Uint8Array(n * n * n);
  for (let z = lo; z <= hi; z++) for (let y = lo; y <= hi; y++) for (let x = lo; x <= hi; x++) data[x + n * (y + n * z)] = 1;
  return { ...like, data };
}

const prep = (p: Partial<DlPreprocessing>): DlPreprocessing => ({
  windowHu: [0, 20],
  cropMarginMm: 0,
  spacingMm: [1, 1, 1],
  size: [4, 4, 4],
  normalisation: 'window-unit',
  ...p,
});

describe('preprocessForDl', () => {
  it('zooms out a ROI that does not fit and samples trilinearly (hand-computed ramp)', () => {
    // 10³ image at 2 mm, value = x in mm. Mask x,y,z ∈ [3,5]: centre index 4 = 8 mm, extent 3·2 = 6 mm.
    // Grid 4 voxels at 1 mm = 4 mm < 6 mm → zoom 1.5, spacing 1.5 mm; x = 8 + (i − 1.5)·1.5 =
    // 5.75, 7.25, 8.75, 10.25 mm → /20 (window [0, 20]) = .2875, .3625, .4375, .5125.
    const img = ramp(10, 2);
    const r = preprocessForDlWithGeometry(img, cubeMask(10, 3, 5, img), prep({}));
    expect(r.zoom).toBeCloseTo(1.5, 12);
    expect(r.spacingMm).toEqual([1.5, 1.5, 1.5]);
    expect(r.centreMm).toEqual([8, 8, 8]);
    expect(r.dims).toEqual([1, 1, 4, 4, 4]);
    const expected = [0.2875, 0.3625, 0.4375, 0.5125];
    for (let idx = 0; idx < 64; idx++) expect(r.data[idx]).toBeCloseTo(expected[idx % 4], 6);
  });

  it('is the same in index space for a rotated, translated image (direction used consistently)', () => {
    // 90° about z: i-axis → +y, j-axis → −x (columns of D).
    const rot: Mat3 = [0, -1, 0, 1, 0, 0, 0, 0, 1];
    const img = ramp(10, 2, rot, [-40, 12.5, 300]);
    const out = preprocessForDl(img, cubeMask(10, 3, 5, img), prep({}));
    const expected = [0.2875, 0.3625, 0.4375, 0.5125];
    for (let idx = 0; idx < 64; idx++) expect(out[idx]).toBeCloseTo(expected[idx % 4], 6);
  });

  it('pads outside the image with the window floor (ITK inside rule) and clips above the window', () => {
    // 4³ image of 1000 HU (> window top → 1). Mask = voxel (0,0,0); margin 1 mm → box 3 mm fits 4 mm.
    // Output index positions −1.5, −.5, .5, 1.5 per axis: −1.5 is outside (→ 0), −.5 is inside.
    const n = 4;
    const img: Volume = { size: [n, n, n], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY_DIRECTION, data: new Int16Array(64).fill(1000) };
    const mask: LabelMap = { ...img, data: new Uint8Array(64) };
    mask.data[0] = 1;
    const out = preprocessForDl(img, mask, prep({ windowHu: [-100, 400], cropMarginMm: 1 }));
    for (let z = 0; z < 4; z++)
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 4; x++) expect(out[x + 4 * (y + 4 * z)]).toBe(x > 0 && y > 0 && z > 0 ? 1 : 0);
  });

  it('lays out a non-cubic grid x fastest with dims [1, 1, nz, ny, nx]', () => {
    const img = ramp(10, 2);
    const r = preprocessForDlWithGeometry(img, cubeMask(10, 4, 4, img), prep({ size: [4, 3, 2], spacingMm: [2, 2, 2] }));
    expect(r.dims).toEqual([1, 1, 2, 3, 4]);
    expect(r.zoom).toBe(1);
    // centre 8 mm, x = 8 + (i − 1.5)·2 = 5, 7, 9, 11 mm → /20
    for (let idx = 0; idx < 24; idx++) expect(r.data[idx]).toBeCloseTo([5, 7, 9, 11][idx % 4] / 20, 6);
  });

  it('rejects an empty mask and arrays that do not match their size', () => {
    const img = ramp(4, 1);
    expect(() => preprocessForDl(img, { ...img, data: new Uint8Array(64) }, prep({}))).toThrow(/no foreground/);
    expect(() => preprocessForDl({ ...img, data: new Float32Array(10) }, cubeMask(4, 1, 2, img), prep({}))).toThrow(/10 voxels/);
  });
});
