import { describe, expect, it } from 'vitest';
import type { LabelMap, Vec3, Volume } from '@tace/common';
import { extractFeatures, parseParams } from './index.ts';

const GEO = { spacingMm: [1, 1, 1] as Vec3, originMm: [0, 0, 0] as Vec3, direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as Volume['direction'] };

function box(n: number, fill: (x: number, y: number, z: number) => number): Float64Array {
  const d = new Float64Array(n * n * n);
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) d[x + n * (y + n * z)] = fill(x, y, z);
  return d;
}
const image = (n: number, f = (x: number, y: number, z: number) => x + 2 * y + 3 * z): Volume => ({ ...GEO, size: [n, n, n], data: box(n, f) });
const mask = (n: number, f: (x: number, y: number, z: number) => number): LabelMap => ({ ...GEO, size: [n, n, n], data: Uint8Array.from(box(n, f)) });
const cube3 = (x: number, y: number, z: number) => (x >= 2 && x <= 4 && y >= 2 && y <= 4 && z >= 2 && z <= 4 ? 1 : 0);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('bad input → stable codes', () => {
  it('RADIOMICS_EMPTY_MASK when nothing is segmented', () => {
    expect(codeOf(() => extractFeatures(image(6), mask(6, () => 0), ''))).toBe('RADIOMICS_EMPTY_MASK');
  });
  it('RADIOMICS_LABEL_ABSENT when the requested label is missing', () => {
    expect(codeOf(() => extractFeatures(image(6), mask(6, (x, y, z) => 2 * cube3(x, y, z)), ''))).toBe('RADIOMICS_LABEL_ABSENT');
    expect(codeOf(() => extractFeatures(image(6), mask(6, cube3), '', { label: 3 }))).toBe('RADIOMICS_LABEL_ABSENT');
  });
  it('RADIOMICS_ROI_TOO_SMALL for one voxel, too few dimensions, or too few voxels', () => {
    expect(codeOf(() => extractFeatures(image(6), mask(6, (x, y, z) => (x === 3 && y === 3 && z === 3 ? 1 : 0)), ''))).toBe('RADIOMICS_ROI_TOO_SMALL');
    const flat = mask(6, (x, y, z) => (z === 3 && x > 1 && y > 1 ? 1 : 0));
    expect(codeOf(() => extractFeatures(image(6), flat, 'setting:\n  minimumROIDimensions: 3\n'))).toBe('RADIOMICS_ROI_TOO_SMALL');
    expect(codeOf(() => extractFeatures(image(6), mask(6, cube3), 'setting:\n  minimumROISize: 27\n'))).toBe('RADIOMICS_ROI_TOO_SMALL');
    // 27 voxels > 26: accepted.
    expect(extractFeatures(image(6), mask(6, cube3), 'setting:\n  minimumROISize: 26\nfeatureClass:\n  firstorder: [Mean]\n')).toHaveProperty('original_firstorder_Mean');
  });
  it('RADIOMICS_GEOMETRY_MISMATCH when origins differ beyond geometryTolerance', () => {
    const m = { ...mask(6, cube3), originMm: [0.5, 0, 0] as Vec3 };
    expect(codeOf(() => extractFeatures(image(6), m, ''))).toBe('RADIOMICS_GEOMETRY_MISMATCH');
    // Within a loosened tolerance (0.5 mm ≤ 1·spacing) it is accepted.
    expect(extractFeatures(image(6), m, 'setting:\n  geometryTolerance: 1\nfeatureClass:\n  firstorder: [Mean]\n')).toHaveProperty('original_firstorder_Mean');
    // correctMask cannot save a ROI that lies outside the image.
    const outside = { ...mask(6, cube3), originMm: [100, 0, 0] as Vec3 };
    expect(codeOf(() => extractFeatures(image(6), outside, 'setting:\n  correctMask: true\n'))).toBe('RADIOMICS_GEOMETRY_MISMATCH');
  });
  it('RADIOMICS_TOO_MANY_GRAY_LEVELS when a texture class would get more than 2048 gray levels', () => {
    // ROI values 2221 … 4442: binWidth 1 gives about 2,222 levels, binWidth 2 about 1,111 (allowed)
    const img = image(6, (x, y, z) => 1000 * x + 100 * y + 10 * z + ((x + y + z) % 5));
    const texture = (bw: number) => `setting:\n  binWidth: ${bw}\nfeatureClass:\n  glcm: [Contrast]\n`;
    expect(codeOf(() => extractFeatures(img, mask(6, cube3), texture(1)))).toBe('RADIOMICS_TOO_MANY_GRAY_LEVELS');
    expect(codeOf(() => extractFeatures(img, mask(6, cube3), texture(2)))).toBeUndefined();
    // first order takes any number of bins
    expect(codeOf(() => extractFeatures(img, mask(6, cube3), 'setting:\n  binWidth: 1\nfeatureClass:\n  firstorder: [Entropy]\n'))).toBeUndefined();
  });
  it('RADIOMICS_NAN_VOXELS when an ROI voxel is NaN', () => {
    const img = image(6);
    img.data[3 + 6 * (3 + 6 * 3)] = NaN;
    expect(codeOf(() => extractFeatures(img, mask(6, cube3), ''))).toBe('RADIOMICS_NAN_VOXELS');
  });
  it('RADIOMICS_PARAM_UNKNOWN for unknown setting, class, feature or image type', () => {
    expect(codeOf(() => parseParams('setting:\n  binwidth: 25\n'))).toBe('RADIOMICS_PARAM_UNKNOWN');
    expect(codeOf(() => parseParams('featureClass:\n  glcmm:\n'))).toBe('RADIOMICS_PARAM_UNKNOWN');
    expect(codeOf(() => parseParams('featureClass:\n  firstorder: [Mean, Average]\n'))).toBe('RADIOMICS_PARAM_UNKNOWN');
    expect(codeOf(() => parseParams('imageType:\n  Laplacian: {}\n'))).toBe('RADIOMICS_PARAM_UNKNOWN');
    expect(codeOf(() => parseParams('settings:\n  binWidth: 25\n'))).toBe('RADIOMICS_PARAM_UNKNOWN');
    expect(codeOf(() => extractFeatures(image(6), mask(6, cube3), 'setting:\n  voxelShift: 5\n'))).toBe('RADIOMICS_PARAM_UNKNOWN');
  });
  it('RADIOMICS_PARAM_INVALID for a known setting with a bad value', () => {
    expect(codeOf(() => parseParams('setting:\n  binWidth: -1\n'))).toBe('RADIOMICS_PARAM_INVALID');
    expect(codeOf(() => parseParams('setting:\n  resegmentMode: median\n'))).toBe('RADIOMICS_PARAM_INVALID');
  });
});

describe('extractFeatures on hand-computed ROIs', () => {
  // 3×3×3 cube at (2..4)³ of f = x + 2y + 3z: values are 12 + (x' + 2y' + 3z') for x',y',z' ∈ {0,1,2}.
  // Mean = 12 + 1 + 2 + 3 = 18; Minimum 12; Maximum 24; Median 18.
  // Variance = Var(x') + 4 Var(y') + 9 Var(z') = (2/3)(1 + 4 + 9) = 28/3 (independent uniform on {0,1,2}).
  it('firstorder statistics and names', () => {
    const f = extractFeatures(image(7), mask(7, cube3), 'setting:\n  additionalInfo: false\nfeatureClass:\n  firstorder:\n');
    expect(f.original_firstorder_Mean).toBeCloseTo(18, 12);
    expect(f.original_firstorder_Minimum).toBe(12);
    expect(f.original_firstorder_Maximum).toBe(24);
    expect(f.original_firstorder_Median).toBe(18);
    expect(f.original_firstorder_Variance).toBeCloseTo(28 / 3, 12);
    expect(f.original_firstorder_Skewness).toBeCloseTo(0, 12); // symmetric distribution
    // PyRadiomics orders default features alphabetically.
    expect(Object.keys(f)[0]).toBe('original_firstorder_10Percentile');
    expect(Object.keys(f)).toHaveLength(18);
  });
  it('voxelArrayShift shifts Energy: Σ(x + c)²', () => {
    const f0 = extractFeatures(image(7), mask(7, cube3), 'setting:\n  additionalInfo: false\nfeatureClass:\n  firstorder: [Energy]\n');
    const f1 = extractFeatures(image(7), mask(7, cube3), 'setting:\n  additionalInfo: false\n  voxelArrayShift: 10\nfeatureClass:\n  firstorder: [Energy]\n');
    // Σ(x+10)² − Σx² = 20·Σx + 27·100 = 20·(27·18) + 2700 = 12420
    expect((f1.original_firstorder_Energy as number) - (f0.original_firstorder_Energy as number)).toBeCloseTo(12420, 6);
  });
  it('resegmentRange (absolute) keeps T_low ≤ x ≤ T_high, shape keeps the original mask', () => {
    const f = extractFeatures(image(7), mask(7, cube3), 'setting:\n  resegmentRange: [12, 17]\nfeatureClass:\n  firstorder: [Maximum]\n  shape: [VoxelVolume]\n');
    expect(f.original_firstorder_Maximum).toBe(17);
    expect(f.original_shape_VoxelVolume).toBe(27);
    expect(f['diagnostics_Mask-resegmented_VoxelNum']).toBeLessThan(27);
  });
  it('resegmentMode relative: threshold = fraction of the ROI maximum', () => {
    // 0.75 · 24 = 18: keep 12 + (a + 2b + 3c) ≥ 18, i.e. a + 2b + 3c ≥ 6 over {0,1,2}³ → 9 (c = 2) + 5 (c = 1) + 1 (c = 0) = 15.
    const f = extractFeatures(image(7), mask(7, cube3), 'setting:\n  resegmentRange: [0.75]\n  resegmentMode: relative\nfeatureClass:\n  firstorder: [Minimum]\n');
    expect(f['diagnostics_Mask-resegmented_VoxelNum']).toBe(15);
    expect(f.original_firstorder_Minimum).toBe(18);
  });
});
