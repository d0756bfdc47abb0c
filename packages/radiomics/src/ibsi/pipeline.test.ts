import { describe, expect, it } from 'vitest';
import { IDENTITY_DIRECTION } from '@tace/common';
import type { LabelMap, Volume } from '@tace/common';
import { centreAlignedAxis } from './resample.ts';
import { localIntensity, PEAK_RADIUS_MM } from './localIntensity.ts';
import { glcmCounts, glcmFeatures } from './glcm.ts';
import { glrlmCounts } from './glrlm.ts';
import { matrixFeatures } from './matrixFeatures.ts';
import { discretise } from './discretise.ts';
import { extractIbsi } from './index.ts';

describe('centre-aligned interpolation grid (IBSI 2.4)', () => {
  it('204 voxels of 0.977 mm → 100 voxels of 2 mm, sharing the grid centre', () => {
    const ax = centreAlignedAxis(204, 0.977, 2);
    expect(ax.size).toBe(100); // ⌈204 · 0.977 / 2⌉ = ⌈99.65⌉
    expect(ax.start + (ax.step * (ax.size - 1)) / 2).toBeCloseTo((204 - 1) / 2, 12);
  });
});

describe('local intensity peak', () => {
  it('one bright voxel spreads as V / (number of voxel centres within 6.2 mm)', () => {
    const n = 21;
    const image = new Float64Array(n * n * n);
    const c = 10 + n * (10 + n * 10);
    image[c] = 1000;
    const mask = new Uint8Array(n * n * n);
    mask[c] = 1;
    let count = 0; // lattice points of 1 mm spacing within the 1 cm³ sphere
    for (let z = -7; z <= 7; z++) for (let y = -7; y <= 7; y++) for (let x = -7; x <= 7; x++) if (x * x + y * y + z * z <= PEAK_RADIUS_MM ** 2) count++;
    const f = localIntensity({ nx: n, ny: n, nz: n, spacingMm: [1, 1, 1], image, morphMask: mask, intensityMask: mask });
    expect(f.find((r) => r.tag === 'loc_peak_glob')?.value).toBeCloseTo(1000 / count, 12);
    expect(PEAK_RADIUS_MM).toBeCloseTo(6.2035, 4); // (3/(4π))^{1/3} cm
  });
});

describe('texture matrices on a hand-worked row [1, 1, 2]', () => {
  const g = { nx: 3, ny: 1, nz: 1, levels: Int32Array.of(1, 1, 2), ng: 2 };
  it('GLCM along x: pairs (1,1) ×2, (1,2), (2,1) → joint max 1/2, contrast 1/2', () => {
    const f = glcmFeatures(glcmCounts(g, [1, 0, 0], 0, 0), 2);
    expect(f?.joint_max).toBeCloseTo(0.5, 15);
    expect(f?.contrast).toBeCloseTo(0.5, 15);
  });
  it('GLRLM along x: runs (level 1, length 2) and (level 2, length 1) → SRE (1/4 + 1)/2', () => {
    const f = matrixFeatures(glrlmCounts(g, [1, 0, 0], 0, 0), 3);
    expect(f?.short).toBeCloseTo(0.625, 15);
    expect(f?.perc).toBeCloseTo(2 / 3, 15);
  });
});

describe('discretisation', () => {
  it('FBS counts bins from the re-segmentation lower bound: −500 + 25 k', () => {
    const d = discretise(Float64Array.of(-500, -476, -475, 399.9), Uint8Array.of(1, 1, 1, 1), { method: 'FBS', binWidth: 25 }, [-500, 400]);
    expect([...d.levels]).toEqual([1, 1, 2, 36]);
  });
  it('FBN maps the ROI maximum to the last bin', () => {
    const d = discretise(Float64Array.of(0, 5, 10), Uint8Array.of(1, 1, 1), { method: 'FBN', binCount: 4 }, undefined);
    expect([...d.levels]).toEqual([1, 3, 4]);
  });
});

describe('bad input', () => {
  const vol = (data: Float64Array): Volume => ({ size: [2, 2, 1], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY_DIRECTION, data });
  const mask = (data: Uint8Array): LabelMap => ({ size: [2, 2, 1], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY_DIRECTION, data });
  const cfg = { mode: '3D' as const, discretisation: { method: 'FBS' as const, binWidth: 1 } };
  it('empty mask → IBSI_EMPTY_MASK', () => {
    expect(() => extractIbsi(vol(new Float64Array(4)), mask(new Uint8Array(4)), cfg)).toThrow(expect.objectContaining({ code: 'IBSI_EMPTY_MASK' }));
  });
  it('NaN voxel → IBSI_IMAGE_NAN', () => {
    expect(() => extractIbsi(vol(Float64Array.of(1, NaN, 1, 1)), mask(Uint8Array.of(1, 1, 1, 1)), cfg)).toThrow(expect.objectContaining({ code: 'IBSI_IMAGE_NAN' }));
  });
  it('re-segmentation leaving nothing → IBSI_EMPTY_AFTER_RESEGMENTATION', () => {
    expect(() =>
      extractIbsi(vol(Float64Array.of(1, 2, 3, 4)), mask(Uint8Array.of(1, 1, 1, 1)), { ...cfg, resegmentationRange: [10, 20] }),
    ).toThrow(expect.objectContaining({ code: 'IBSI_EMPTY_AFTER_RESEGMENTATION' }));
  });
});

describe('aggregation filter', () => {
  it('keeps only the requested texture aggregations', () => {
    const n = 4;
    const data = Float64Array.from({ length: n * n * n }, (_, i) => 1 + (i % 3));
    const image: Volume = { size: [n, n, n], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY_DIRECTION, data };
    const mask: LabelMap = { ...image, data: new Uint8Array(n * n * n).fill(1) };
    const rows = extractIbsi(image, mask, {
      mode: 'all',
      discretisation: { method: 'none' },
      families: ['glcm', 'glszm'],
      aggregations: ['3D, merged', '2.5D'],
      diagnostics: false,
    });
    expect(new Set(rows.map((r) => r.aggregation))).toEqual(new Set(['3D, merged', '2.5D']));
    expect(rows.find((r) => r.tag === 'cm_joint_max_3D_comb')?.ibsiCode).toBe('GYBY');
  });
});

describe('grey-level guard', () => {
  it('refuses texture matrices with more grey levels than the limit → IBSI_TOO_MANY_GREY_LEVELS', () => {
    const data = Float64Array.of(0, 5000, 10000, 2);
    const image: Volume = { size: [2, 2, 1], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY_DIRECTION, data };
    const mask: LabelMap = { ...image, data: Uint8Array.of(1, 1, 1, 1) };
    expect(() => extractIbsi(image, mask, { mode: '3D', discretisation: { method: 'FBS', binWidth: 1 }, families: ['glcm'] })).toThrow(
      expect.objectContaining({ code: 'IBSI_TOO_MANY_GREY_LEVELS' }),
    );
  });
});

describe('intensity-volume histogram', () => {
  it('levels 1..5, one voxel each: V10, V90, I10, I90 and the trapezoidal AUC by hand', async () => {
    const { intensityVolumeHistogram } = await import('./statistics.ts');
    // Levels 1..5 one voxel each on the grid 1..5: ν = 1, .8, .6, .4, .2; γ = 0, .25, .5, .75, 1.
    const rows = intensityVolumeHistogram(Float64Array.of(1, 2, 3, 4, 5), 1, 1, 5);
    const v = (t: string): number | undefined => rows.find((r) => r.tag === t)?.value;
    expect(v('ivh_v10')).toBeCloseTo(0.8, 12); // first γ ≥ 0.1 is 0.25 (level 2)
    expect(v('ivh_v90')).toBeCloseTo(0.2, 12); // first γ ≥ 0.9 is 1 (level 5)
    expect(v('ivh_i90')).toBe(2); // lowest level with ν ≤ 0.9 is level 2 (ν = 0.8)
    expect(v('ivh_i10')).toBe(6); // no level has ν ≤ 0.1: one past the highest
    expect(v('ivh_auc')).toBeCloseTo(0.25 * (0.9 + 0.7 + 0.5 + 0.3), 12);
  });
});

describe('geometry check', () => {
  it('image and mask with different spacing → IBSI_GEOMETRY_MISMATCH', () => {
    const image: Volume = { size: [2, 2, 1], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY_DIRECTION, data: new Float64Array(4) };
    const mask: LabelMap = { size: [2, 2, 1], spacingMm: [1, 1.5, 1], originMm: [0, 0, 0], direction: IDENTITY_DIRECTION, data: new Uint8Array(4).fill(1) };
    expect(() => extractIbsi(image, mask, { mode: '3D', discretisation: { method: 'FBS', binWidth: 1 } })).toThrow(
      expect.objectContaining({ code: 'IBSI_GEOMETRY_MISMATCH' }),
    );
  });
});

describe('autocorrelation switch', () => {
  it('autocorrelation: false omits Moran and Geary and keeps the other morphology rows', () => {
    const n = 3;
    const image: Volume = { size: [n, n, n], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY_DIRECTION, data: Float64Array.from({ length: 27 }, (_, i) => 1 + (i % 4)) };
    const mask: LabelMap = { ...image, data: new Uint8Array(27).fill(1) };
    const rows = extractIbsi(image, mask, { mode: '3D', discretisation: { method: 'none' }, families: ['morphology'], autocorrelation: false, diagnostics: false });
    expect(rows.some((r) => r.tag === 'morph_moran_i' || r.tag === 'morph_geary_c')).toBe(false);
    expect(rows.find((r) => r.tag === 'morph_vol_approx')?.value).toBe(27);
  });
});
