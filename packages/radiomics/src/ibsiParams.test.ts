/**
 * IBSI mode in the parameter file: how PyRadiomics keys and ibsi… keys resolve to the IBSI
 * configuration, and bad input → stable codes. Expected configurations are written by hand from the
 * IBSI manual's CT configurations (section 5.2; also tabulated in src/ibsi/README.md).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LabelMap, Vec3, Volume } from '@tace/common';
import { parseParams } from './params.ts';
import { extractFeatures } from './extractor.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}
const yaml = (settings: string): string => `setting:\n${settings.split('\n').map((l) => `  ${l}`).join('\n')}\n`;
const paramsFile = (name: string): string => readFileSync(new URL(`../params/${name}`, import.meta.url), 'utf8');

describe('IBSI mode: parameter resolution', () => {
  it('configuration A file → 2D, range [-500, 400], FBS 25, discrete IVH, input rounding', () => {
    const p = parseParams(paramsFile('ibsi-ct-config-A.yaml'));
    expect(p.ibsi).toEqual({
      mode: '2D',
      discretisation: { method: 'FBS', binWidth: 25 },
      resegmentationRange: [-500, 400],
      label: 1,
      diagnostics: true,
      roundInputIntensities: true,
    });
  });

  it('configuration C file → 3D, 2 mm linear, mask linear at 0.5, rounding, [-1000, 400], FBS 25, IVH FBS 2.5', () => {
    const p = parseParams(paramsFile('ibsi-ct-config-C.yaml'));
    expect(p.ibsi).toEqual({
      mode: '3D',
      aggregations: ['3D, averaged', '3D', '3D, merged'],
      discretisation: { method: 'FBS', binWidth: 25 },
      resegmentationRange: [-1000, 400],
      label: 1,
      diagnostics: true,
      roundInputIntensities: true,
      ivhDiscretisation: { method: 'FBS', binWidth: 2.5 },
      resampling: { spacingMm: [2, 2, 2], interpolation: 'linear', maskInterpolation: 'linear', maskThreshold: 0.5, roundIntensities: true },
    });
  });

  it('configurations B, D, E files: FBN 32, in-plane 2D resampling, sigma outliers, cubic spline', () => {
    const b = parseParams(paramsFile('ibsi-ct-config-B.yaml')).ibsi;
    expect(b?.mode).toBe('2D');
    expect(b?.discretisation).toEqual({ method: 'FBN', binCount: 32 });
    const d = parseParams(paramsFile('ibsi-ct-config-D.yaml')).ibsi;
    expect(d?.outlierSigma).toBe(3);
    expect(d?.resegmentationRange).toBeUndefined();
    const e = parseParams(paramsFile('ibsi-ct-config-E.yaml')).ibsi;
    expect(e?.resampling?.interpolation).toBe('cubic');
    expect(e?.resegmentationRange).toEqual([-1000, 400]);
    expect(e?.outlierSigma).toBe(3);
    expect(e?.ivhDiscretisation).toEqual({ method: 'FBN', binCount: 1000 });
  });

  it('digital phantom file → both 2D and 3D ("all"), no discretisation, every aggregation', () => {
    const p = parseParams(paramsFile('ibsi-digital-phantom.yaml'));
    expect(p.ibsi?.mode).toBe('all');
    expect(p.ibsi?.discretisation).toEqual({ method: 'none' });
    expect(new Set(p.ibsi?.aggregations)).toEqual(new Set([
      '2D, averaged', '2D, slice-merged', '2.5D, direction-merged', '2.5D, merged', '3D, averaged', '3D, merged', '2D', '2.5D', '3D',
    ]));
  });

  it('a bare dimension selects both variants; a single resegmentRange bound is a lower bound', () => {
    const p = parseParams(yaml('standard: ibsi\nbinWidth: 10\nibsiAggregation: 2.5D\nresegmentRange: [-100]'));
    expect(p.ibsi?.mode).toBe('2D');
    expect(new Set(p.ibsi?.aggregations)).toEqual(new Set(['2.5D, direction-merged', '2.5D, merged', '2.5D']));
    expect(p.ibsi?.resegmentationRange).toEqual([-100, Infinity]);
  });

  it('PyRadiomics mode is untouched: no ibsi field, no standard key added to the settings', () => {
    const p = parseParams(yaml('binWidth: 25'));
    expect(p.ibsi).toBeUndefined();
    expect('standard' in p.setting).toBe(false);
    expect(parseParams(yaml('standard: pyradiomics')).ibsi).toBeUndefined();
  });
});

describe('IBSI mode: bad input → stable codes', () => {
  it('RADIOMICS_IBSI_AGGREGATION_UNKNOWN for an aggregation name the IBSI does not define', () => {
    expect(codeOf(() => parseParams(yaml('standard: ibsi\nbinWidth: 25\nibsiAggregation: [3D-averaged, 4D-merged]')))).toBe('RADIOMICS_IBSI_AGGREGATION_UNKNOWN');
    expect(codeOf(() => parseParams(yaml('standard: ibsi\nbinWidth: 25\nibsiAggregation: "3D, averaged"')))).toBe('RADIOMICS_IBSI_AGGREGATION_UNKNOWN');
    expect(codeOf(() => parseParams(yaml('standard: ibsi\nbinWidth: 25\nibsiAggregation: []')))).toBe('RADIOMICS_IBSI_AGGREGATION_UNKNOWN');
  });

  it('RADIOMICS_IBSI_SETTING_IN_PYRADIOMICS_MODE for an ibsi… key without standard: ibsi', () => {
    expect(codeOf(() => parseParams(yaml('ibsiAggregation: [3D-averaged]')))).toBe('RADIOMICS_IBSI_SETTING_IN_PYRADIOMICS_MODE');
    expect(codeOf(() => parseParams(yaml('standard: pyradiomics\nibsiRoundIntensities: true')))).toBe('RADIOMICS_IBSI_SETTING_IN_PYRADIOMICS_MODE');
    expect(codeOf(() => parseParams('imageType:\n  Original:\n    ibsiMaskThreshold: 0.5\n'))).toBe('RADIOMICS_IBSI_SETTING_IN_PYRADIOMICS_MODE');
  });

  it('RADIOMICS_IBSI_DISCRETISATION_MISSING when neither binWidth, binCount nor ibsiDiscretisation: none is written', () => {
    // binWidth 25 is PyRadiomics' default, but IBSI mode wants the discretisation stated.
    expect(codeOf(() => parseParams(yaml('standard: ibsi')))).toBe('RADIOMICS_IBSI_DISCRETISATION_MISSING');
    expect(codeOf(() => parseParams(yaml('standard: ibsi\nibsiDiscretisation: FBN\nbinWidth: 25')))).toBe('RADIOMICS_IBSI_DISCRETISATION_MISSING');
  });

  it('RADIOMICS_IBSI_FAMILY_UNKNOWN for a family name the IBSI does not define', () => {
    expect(codeOf(() => parseParams(yaml('standard: ibsi\nbinWidth: 25\nibsiFamilies: [glcm, gldm]')))).toBe('RADIOMICS_IBSI_FAMILY_UNKNOWN');
  });

  it('RADIOMICS_IBSI_UNSUPPORTED for PyRadiomics settings IBSI mode cannot honour', () => {
    const cases = [
      'standard: ibsi\nbinWidth: 25\nnormalize: true',
      'standard: ibsi\nbinWidth: 25\ndistances: [1, 2]',
      'standard: ibsi\nbinWidth: 25\nresegmentRange: [0, 100]\nresegmentMode: relative',
      'standard: ibsi\nbinWidth: 25\nresegmentRange: [-2, 3]\nresegmentMode: sigma',
      'standard: ibsi\nbinWidth: 25\nresampledPixelSpacing: [2, 2, 2]\ninterpolator: sitkGaussian',
      'standard: ibsi\nbinWidth: 25\nforce2D: true\nforce2Ddimension: 1',
      'standard: ibsi\nbinWidth: 25\nvoxelArrayShift: 1000',
    ];
    for (const c of cases) expect(codeOf(() => parseParams(yaml(c))), c).toBe('RADIOMICS_IBSI_UNSUPPORTED');
    expect(codeOf(() => parseParams(`imageType:\n  LoG: {sigma: [1]}\n${yaml('standard: ibsi\nbinWidth: 25')}`))).toBe('RADIOMICS_IBSI_UNSUPPORTED');
    expect(codeOf(() => parseParams(`featureClass:\n  glcm: []\n${yaml('standard: ibsi\nbinWidth: 25')}`))).toBe('RADIOMICS_IBSI_UNSUPPORTED');
  });

  it('RADIOMICS_IBSI_CONFLICT for contradicting settings', () => {
    const cases = [
      'standard: ibsi\nbinWidth: 25\nforce2D: true\nibsiAggregation: [3D-merged]',
      'standard: ibsi\nbinWidth: 25\nbinCount: 32',
      'standard: ibsi\nbinWidth: 25\nibsiMaskThreshold: 0.5',
      'standard: ibsi\nibsiDiscretisation: none\nbinCount: 16',
      'standard: ibsi\nbinCount: 16\nibsiIvhBinWidth: 2.5\nibsiIvhBinCount: 100',
    ];
    for (const c of cases) expect(codeOf(() => parseParams(yaml(c))), c).toBe('RADIOMICS_IBSI_CONFLICT');
    // With the method named, binWidth and binCount may both be written (PyRadiomics files often keep binWidth).
    expect(parseParams(yaml('standard: ibsi\nbinWidth: 25\nbinCount: 32\nibsiDiscretisation: FBN')).ibsi?.discretisation).toEqual({ method: 'FBN', binCount: 32 });
  });

  it('RADIOMICS_PARAM_INVALID / RADIOMICS_PARAM_UNKNOWN for bad values and unknown ibsi keys', () => {
    expect(codeOf(() => parseParams(yaml('standard: ibsi2')))).toBe('RADIOMICS_PARAM_INVALID');
    expect(codeOf(() => parseParams(yaml('standard: ibsi\nbinWidth: 25\nresampledPixelSpacing: [2, 2, 2]\nibsiMaskThreshold: 1.5')))).toBe('RADIOMICS_PARAM_INVALID');
    expect(codeOf(() => parseParams(yaml('standard: ibsi\nbinWidth: 25\nibsiRoundIntensities: yes please')))).toBe('RADIOMICS_PARAM_INVALID');
    expect(codeOf(() => parseParams(yaml('standard: ibsi\nbinWidth: 25\nibsiAggregations: [3D]')))).toBe('RADIOMICS_PARAM_UNKNOWN');
  });

  const GEO = { spacingMm: [1, 1, 1] as Vec3, originMm: [0, 0, 0] as Vec3, direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as Volume['direction'] };
  const n = 6;
  const img: Volume = { ...GEO, size: [n, n, n], data: Float64Array.from({ length: n ** 3 }, (_, i) => i % 7) };
  const cube = (label: number): LabelMap => ({
    ...GEO, size: [n, n, n],
    data: Uint8Array.from({ length: n ** 3 }, (_, i) => {
      const x = i % n, y = Math.floor(i / n) % n, z = Math.floor(i / n / n);
      return x >= 1 && x <= 4 && y >= 1 && y <= 4 && z >= 1 && z <= 4 ? label : 0;
    }),
  });
  const p = yaml('standard: ibsi\nbinWidth: 1\nibsiFamilies: [intensity_statistics]');

  it('extraction in IBSI mode: RADIOMICS_EMPTY_MASK, RADIOMICS_LABEL_ABSENT, RADIOMICS_GEOMETRY_MISMATCH, RADIOMICS_NAN_VOXELS', () => {
    expect(codeOf(() => extractFeatures(img, cube(0), p))).toBe('RADIOMICS_EMPTY_MASK');
    expect(codeOf(() => extractFeatures(img, cube(2), p))).toBe('RADIOMICS_LABEL_ABSENT');
    const small: LabelMap = { ...GEO, size: [n, n, n - 1], data: new Uint8Array(n * n * (n - 1)).fill(1) };
    expect(codeOf(() => extractFeatures(img, small, p))).toBe('RADIOMICS_GEOMETRY_MISMATCH');
    const nan: Volume = { ...img, data: Float64Array.from(img.data) };
    nan.data[2 + n * (2 + n * 2)] = Number.NaN;
    expect(codeOf(() => extractFeatures(nan, cube(1), p))).toBe('RADIOMICS_NAN_VOXELS');
  });

  it('extraction in IBSI mode honours the label option and names rows ibsi_<tag>', () => {
    const v = extractFeatures(img, cube(2), p, { label: 2 });
    // The label-2 cube spans x, y, z ∈ 1..4: 4³ = 64 voxels.
    expect(v.diagnostics_ibsi_int_mask_vox_count_init_roi).toBe(64);
    expect(typeof v.ibsi_stat_mean).toBe('number');
    expect(Object.keys(v).some((k) => k.startsWith('original_'))).toBe(false);
  });

  it('ibsiRoundIntensities rounds the input: ROI of 1.4 and 2.4 in equal halves has mean 1.9, rounded 1 and 2 → 1.5', () => {
    const half: Volume = { ...img, data: Float64Array.from({ length: n ** 3 }, (_, i) => (i % 2 ? 2.4 : 1.4)) };
    const plain = extractFeatures(half, cube(1), p);
    const rounded = extractFeatures(half, cube(1), yaml('standard: ibsi\nbinWidth: 1\nibsiFamilies: [intensity_statistics]\nibsiRoundIntensities: true'));
    expect(plain.ibsi_stat_mean as number).toBeCloseTo(1.9, 12);
    expect(rounded.ibsi_stat_mean as number).toBeCloseTo(1.5, 12);
  });

  it('resampledPixelSpacing 0 keeps the image spacing on that axis: 6 voxels of 1 mm → 0.5 mm gives ⌈6·1/0.5⌉ = 12', () => {
    const aniso: Volume = { ...img, spacingMm: [1, 1, 2] };
    const m: LabelMap = { ...cube(1), spacingMm: [1, 1, 2] };
    const v = extractFeatures(aniso, m, yaml('standard: ibsi\nbinWidth: 1\nibsiFamilies: [intensity_statistics]\nresampledPixelSpacing: [0.5, 0, 0]\ninterpolator: sitkLinear'));
    expect([v.diagnostics_ibsi_img_dim_x_interp_img, v.diagnostics_ibsi_img_dim_y_interp_img, v.diagnostics_ibsi_img_dim_z_interp_img]).toEqual([12, 6, 6]);
    expect([v.diagnostics_ibsi_vox_dim_x_interp_img, v.diagnostics_ibsi_vox_dim_y_interp_img, v.diagnostics_ibsi_vox_dim_z_interp_img]).toEqual([0.5, 1, 2]);
  });

  it('additionalInfo: false drops every diagnostics_ entry', () => {
    const v = extractFeatures(img, cube(1), yaml('standard: ibsi\nbinWidth: 1\nibsiFamilies: [intensity_statistics]\nadditionalInfo: false'));
    expect(Object.keys(v).filter((k) => k.startsWith('diagnostics_'))).toEqual([]);
    expect(Object.keys(v)).toContain('ibsi_stat_kurt');
  });
});
