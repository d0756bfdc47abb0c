import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';
import type { LabelMap, Vec3, Volume } from '@tace/common';
import { castPixel, resampleImageAndMask } from './resample.ts';
import { readNrrdForTest } from './filters/test-readers.ts';
import { labelBoundingBox } from './filters/volume-util.ts';

const I3: [number, number, number, number, number, number, number, number, number] = [1, 0, 0, 0, 1, 0, 0, 0, 1];

function vol(size: Vec3, spacingMm: Vec3, f: (x: number, y: number, z: number) => number, originMm: Vec3 = [0, 0, 0]): Volume<Float64Array> {
  const data = new Float64Array(size[0] * size[1] * size[2]);
  let p = 0;
  for (let z = 0; z < size[2]; z++) for (let y = 0; y < size[1]; y++) for (let x = 0; x < size[0]; x++) data[p++] = f(x, y, z);
  return { size, spacingMm, originMm, direction: [...I3] as typeof I3, data };
}

function maskOf(v: Volume, f: (x: number, y: number, z: number) => boolean): LabelMap {
  const data = new Uint8Array(v.size[0] * v.size[1] * v.size[2]);
  let p = 0;
  for (let z = 0; z < v.size[2]; z++) for (let y = 0; y < v.size[1]; y++) for (let x = 0; x < v.size[0]; x++) data[p++] = f(x, y, z) ? 1 : 0;
  return { size: [...v.size] as Vec3, spacingMm: [...v.spacingMm] as Vec3, originMm: [...v.originMm] as Vec3, direction: [...I3] as typeof I3, data };
}

describe('resampleImageAndMask — analytic cases', () => {
  // A linear ramp in physical space f(p) = 3 + 2·px − py + 0.5·pz is reproduced exactly by trilinear
  // interpolation anywhere inside the sample centres.
  const ramp = (x: number, y: number, z: number) => 3 + 2 * x * 1.5 - y * 2 + 0.5 * z * 2.5;
  const img = vol([20, 18, 12], [1.5, 2, 2.5], ramp);
  const mask = maskOf(img, (x, y, z) => x >= 8 && x <= 11 && y >= 7 && y <= 10 && z >= 5 && z <= 7);

  it('grid: PyRadiomics floor/ceil bounding box with padDistance, origin aligned to the input origin', () => {
    const r = resampleImageAndMask(img, mask, { resampledPixelSpacing: [1, 1, 1], interpolator: 'sitkLinear', padDistance: 2 });
    // Hand-derived from imageoperations.resampleImage: r = old/new spacing; lower = floor((L−0.5)r − pad),
    // upper = ceil((L+S−0.5)r + pad), clamped to [0, ceil(n·r) − 1].
    // x: r=1.5, L=8,S=4 → floor(7.5·1.5−2)=9, ceil(11.5·1.5+2)=20 → size 12
    // y: r=2,  L=7,S=4 → floor(6.5·2−2)=11, ceil(10.5·2+2)=23 → 13
    // z: r=2.5, L=5,S=3 → floor(4.5·2.5−2)=9, ceil(7.5·2.5+2)=21 → 13
    expect(r.image.size).toEqual([12, 13, 13]);
    // origin index = 0.5(new−old)/old + lower/r, i.e. physical = 0.5(new − old) + lower·new
    expect(r.image.originMm[0]).toBeCloseTo(0.5 * (1 - 1.5) + 9, 12);
    expect(r.image.originMm[1]).toBeCloseTo(0.5 * (1 - 2) + 11, 12);
    expect(r.image.originMm[2]).toBeCloseTo(0.5 * (1 - 2.5) + 9, 12);
    expect(r.image.spacingMm).toEqual([1, 1, 1]);
  });

  it('sitkLinear reproduces a linear ramp exactly inside the input sample grid', () => {
    const r = resampleImageAndMask(img, mask, { resampledPixelSpacing: [1, 1, 1], interpolator: 'sitkLinear', padDistance: 2 });
    const [nx, ny, nz] = r.image.size;
    let checked = 0;
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
      const p = [0, 1, 2].map((i) => r.image.originMm[i] + [x, y, z][i] * r.image.spacingMm[i]);
      const expected = 3 + 2 * p[0] - p[1] + 0.5 * p[2];
      expect(r.image.data[x + nx * (y + ny * z)]).toBeCloseTo(expected, 10);
      checked++;
    }
    expect(checked).toBe(12 * 13 * 13);
  });

  it('sitkBSpline reproduces a linear ramp away from the mirrored borders', () => {
    // Cubic B-splines reproduce polynomials up to degree 3; the mirror boundary only disturbs the edges.
    const big = vol([40, 40, 40], [1, 1, 1], (x, y, z) => 1 + 0.25 * x - 0.5 * y + 2 * z);
    const m = maskOf(big, (x, y, z) => x >= 15 && x < 25 && y >= 15 && y < 25 && z >= 15 && z < 25);
    const r = resampleImageAndMask(big, m, { resampledPixelSpacing: [0.7, 0.7, 0.7], interpolator: 'sitkBSpline', padDistance: 0 });
    const [nx, ny] = r.image.size;
    for (const [x, y, z] of [[0, 0, 0], [3, 7, 5], [nx - 1, ny - 1, 2]]) {
      const p = [0, 1, 2].map((i) => r.image.originMm[i] + [x, y, z][i] * 0.7);
      // 1e-7: ITK truncates the causal prefilter initialisation at a 1e-10 horizon (relative error ~1e-10).
      expect(r.image.data[x + nx * (y + ny * z)]).toBeCloseTo(1 + 0.25 * p[0] - 0.5 * p[1] + 2 * p[2], 7);
    }
  });

  it('mask is resampled by nearest neighbour (round half up), label kept', () => {
    const r = resampleImageAndMask(img, mask, { resampledPixelSpacing: [0.75, 1, 1.25], interpolator: 'sitkLinear', padDistance: 0 });
    const [nx, ny, nz] = r.mask.size;
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
      const c = [0, 1, 2].map((i) => (r.mask.originMm[i] + [x, y, z][i] * r.mask.spacingMm[i]) / img.spacingMm[i]);
      const k = c.map((v) => Math.floor(v + 0.5));
      const inside = k[0] >= 8 && k[0] <= 11 && k[1] >= 7 && k[1] <= 10 && k[2] >= 5 && k[2] <= 7;
      expect(r.mask.data[x + nx * (y + ny * z)]).toBe(inside ? 1 : 0);
    }
  });

  it('spacing 0 keeps the original spacing; spacing equal to the image only crops (box ± pad)', () => {
    const r = resampleImageAndMask(img, mask, { resampledPixelSpacing: [0, 0, 0], interpolator: 'sitkBSpline', padDistance: 1 });
    expect(r.image.size).toEqual([6, 6, 5]);
    expect(r.image.originMm).toEqual([7 * 1.5, 6 * 2, 4 * 2.5]);
    expect(r.image.data[0]).toBe(ramp(7, 6, 4));
  });

  it('an axis where the ROI spans one voxel is not resampled', () => {
    const flat = maskOf(img, (x, y, z) => x >= 8 && x <= 11 && y >= 7 && y <= 10 && z === 6);
    const r = resampleImageAndMask(img, flat, { resampledPixelSpacing: [1, 1, 1], interpolator: 'sitkLinear', padDistance: 0 });
    expect(r.image.spacingMm).toEqual([1, 1, 2.5]);
  });

  it('integer pixel types clamp and truncate toward zero like ITK CastPixelWithBoundsChecking', () => {
    const c = castPixel('int16');
    expect([c(2.9), c(-2.9), c(40000), c(-40000)]).toEqual([2, -2, 32767, -32768]);
    expect(castPixel('float32')(0.1)).toBe(Math.fround(0.1));
  });

  it('errors: absent label and unsupported interpolator carry stable codes', () => {
    expect(() => resampleImageAndMask(img, mask, { resampledPixelSpacing: [1, 1, 1], interpolator: 'sitkLinear', label: 7 })).toThrow(
      expect.objectContaining({ code: 'RADIOMICS_LABEL_ABSENT' }),
    );
    expect(() => resampleImageAndMask(img, mask, { resampledPixelSpacing: [1, 1, 1], interpolator: 'sitkGaussian' as 'sitkLinear' })).toThrow(
      expect.objectContaining({ code: 'RADIOMICS_INTERPOLATOR_UNSUPPORTED' }),
    );
  });

  it('IBSI alignment: grid centres coincide, n_b = ceil(n_a·s_a/s_b), mask by 0.5 partial-volume threshold', () => {
    const r = resampleImageAndMask(img, mask, { resampledPixelSpacing: [2, 2, 2], interpolator: 'sitkLinear', alignment: 'ibsi' });
    expect(r.image.size).toEqual([15, 18, 15]);
    for (let i = 0; i < 3; i++) {
      const centreIn = (img.size[i] - 1) * img.spacingMm[i] / 2;
      const centreOut = r.image.originMm[i] + ((r.image.size[i] - 1) * 2) / 2;
      expect(centreOut).toBeCloseTo(centreIn, 12);
    }
    const bb = labelBoundingBox(r.mask, 1);
    expect(bb).toBeDefined();
  });
});

/** The few diagnostics rows PyRadiomics wrote for the resampling configuration. */
function baselineColumn(csvPath: string, column: string): Map<string, string> {
  const lines = readFileSync(csvPath, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const split = (l: string): string[] => {
    const cells: string[] = [];
    let cur = '';
    let quoted = false;
    for (const ch of l) {
      if (ch === '"') quoted = !quoted;
      else if (ch === ',' && !quoted) {
        cells.push(cur);
        cur = '';
      } else cur += ch;
    }
    cells.push(cur);
    return cells;
  };
  const header = split(lines[0]);
  const col = header.indexOf(column);
  const out = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const cells = split(l);
    out.set(cells[0], cells[col]);
  }
  return out;
}

const tuple = (s: string | undefined): number[] => (s ?? '').replace(/[()]/g, '').split(',').map(Number);

describe('resampleImageAndMask — PyRadiomics baselines (brain1/breast1, spacing 2 mm, sitkBSpline, padDistance 5)', () => {
  const base = referencePath('pyradiomics');
  for (const c of ['brain1', 'breast1']) {
    it.skipIf(!base)(`${c}: interpolated image and mask diagnostics match`, () => {
      const ref = baselineColumn(join(base!, 'baseline/baseline_shape.csv'), `${c}_resampling`);
      const im = readNrrdForTest(join(base!, `data/${c}_image.nrrd`));
      const lb = readNrrdForTest(join(base!, `data/${c}_label.nrrd`));
      const mask: LabelMap = { ...lb.volume, data: Uint8Array.from(lb.volume.data) };
      const r = resampleImageAndMask(im.volume, mask, {
        resampledPixelSpacing: [2, 2, 2],
        interpolator: 'sitkBSpline',
        padDistance: 5,
        label: 1,
        imagePixelType: im.pixelType,
      });
      expect(r.image.spacingMm).toEqual(tuple(ref.get('diagnostics_Image-interpolated_Spacing')));
      expect(r.image.size).toEqual(tuple(ref.get('diagnostics_Image-interpolated_Size')));
      expect(r.mask.size).toEqual(tuple(ref.get('diagnostics_Mask-interpolated_Size')));
      const d = r.image.data;
      let sum = 0, mn = Infinity, mx = -Infinity;
      for (const v of d) { sum += v; mn = Math.min(mn, v); mx = Math.max(mx, v); }
      const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
      expect(rel(sum / d.length, Number(ref.get('diagnostics_Image-interpolated_Mean')))).toBeLessThan(1e-12);
      expect(mn).toBe(Number(ref.get('diagnostics_Image-interpolated_Minimum')));
      expect(mx).toBe(Number(ref.get('diagnostics_Image-interpolated_Maximum')));
      let s2 = 0, n2 = 0, mn2 = Infinity, mx2 = -Infinity;
      for (let i = 0; i < d.length; i++) if (r.mask.data[i] === 1) { s2 += d[i]; n2++; mn2 = Math.min(mn2, d[i]); mx2 = Math.max(mx2, d[i]); }
      expect(n2).toBe(Number(ref.get('diagnostics_Mask-interpolated_VoxelNum')));
      expect(rel(s2 / n2, Number(ref.get('diagnostics_Mask-interpolated_Mean')))).toBeLessThan(1e-12);
      expect(mn2).toBe(Number(ref.get('diagnostics_Mask-interpolated_Minimum')));
      expect(mx2).toBe(Number(ref.get('diagnostics_Mask-interpolated_Maximum')));
      const bb = labelBoundingBox(r.mask, 1)!;
      expect([...bb.lower, ...bb.size]).toEqual(tuple(ref.get('diagnostics_Mask-interpolated_BoundingBox')));
    });
  }
});
