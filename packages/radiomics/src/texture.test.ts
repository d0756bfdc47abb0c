/**
 * Hand-derived texture values on tiny volumes, and error codes. The reference conformance tests live in
 * texture.matrices.test.ts and texture.features.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '@tace/common';
import { TEXTURE_CLASSES } from './texture.ts';
import type { TextureInput } from './texture.ts';
import { computeGlcm, glcmWeight } from './glcm.ts';
import { angleDistance } from './textureCommon.ts';

function cube(values: number[], size: Vec3, settings: TextureInput['settings'] = {}): TextureInput {
  return { binned: Int32Array.from(values), size, spacingMm: [1, 1, 1], settings };
}

describe('texture classes on a flat 2×2×2 cube (one gray level, every voxel touching the other 7)', () => {
  const flat = cube([1, 1, 1, 1, 1, 1, 1, 1], [2, 2, 2]);

  it('GLCM: every angle has p = [[1]]', () => {
    const f = TEXTURE_CLASSES.glcm(flat);
    // p(1,1) = 1: Σp·i·j = 1, μ = 1, no spread, no difference; PyRadiomics' flat-region conventions
    // Correlation = 1, Imc1 = 0, Imc2 = 0, MCC = 1.
    expect(f.Autocorrelation).toBe(1);
    expect(f.JointAverage).toBe(1);
    expect(f.SumAverage).toBe(2);
    expect(f.Contrast).toBe(0);
    expect(f.ClusterProminence).toBe(0);
    expect(f.SumSquares).toBe(0);
    expect(f.JointEnergy).toBe(1);
    expect(f.MaximumProbability).toBe(1);
    expect(f.Idmn).toBe(1);
    expect(f.Id).toBe(1);
    expect(f.InverseVariance).toBe(0);
    expect(f.Correlation).toBe(1);
    expect(f.Imc1).toBe(0);
    expect(f.Imc2).toBe(0);
    expect(f.MCC).toBe(1);
    expect(Math.abs(f.JointEntropy!)).toBeLessThan(1e-15); // −1·log₂(1 + ε)
  });

  it('GLSZM: one zone of 8 voxels', () => {
    const f = TEXTURE_CLASSES.glszm(flat);
    expect(f.SmallAreaEmphasis).toBe(1 / 64);
    expect(f.LargeAreaEmphasis).toBe(64);
    expect(f.ZonePercentage).toBe(1 / 8);
    expect(f.GrayLevelNonUniformity).toBe(1);
    expect(f.SizeZoneNonUniformityNormalized).toBe(1);
    expect(f.ZoneVariance).toBe(0);
  });

  it('GLDM: every voxel has 7 dependent neighbours (dependence size j = 8)', () => {
    const f = TEXTURE_CLASSES.gldm(flat);
    expect(f.SmallDependenceEmphasis).toBe(1 / 64);
    expect(f.LargeDependenceEmphasis).toBe(64);
    expect(f.DependenceNonUniformity).toBe(8); // 8² / 8
    expect(f.DependenceVariance).toBe(0);
  });

  it('NGTDM: no gray-tone difference anywhere', () => {
    const f = TEXTURE_CLASSES.ngtdm(flat);
    expect(f).toEqual({ Coarseness: 1000000, Contrast: 0, Busyness: 0, Complexity: 0, Strength: 0 });
  });

  it('GLRLM along x: 4 runs of length 2 → SRE averaged with the other angles stays within (0, 1]', () => {
    const f = TEXTURE_CLASSES.glrlm(flat);
    expect(f.GrayLevelNonUniformityNormalized).toBe(1);
    expect(f.ShortRunEmphasis).toBeGreaterThan(0);
    expect(f.ShortRunEmphasis).toBeLessThanOrEqual(1);
  });
});

describe('texture settings', () => {
  // Two gray levels side by side along x in a 2×1×1 volume: one horizontal pair (1,2).
  const pair = cube([1, 2], [2, 1, 1]);

  it('a 2-voxel ROI has one GLCM angle; symmetric GLCM p = [[0, ½], [½, 0]]', () => {
    const m = computeGlcm(pair);
    expect(m.nAngles).toBe(1);
    expect(Array.from(m.P)).toEqual([0, 0.5, 0.5, 0]);
    const f = TEXTURE_CLASSES.glcm(pair);
    expect(f.Contrast).toBe(1); // (1−2)² · 1
    expect(f.DifferenceAverage).toBe(1);
    expect(f.Correlation).toBeCloseTo(-1, 12); // perfectly anti-correlated
  });

  it('asymmetric GLCM keeps only the forward pair', () => {
    expect(Array.from(computeGlcm({ ...pair, settings: { symmetricalGLCM: false } }).P)).toEqual([0, 1, 0, 0]);
  });

  it('duplicate distances are ignored', () => {
    const v = cube([1, 2, 2, 1, 2, 1, 1, 2], [2, 2, 2]);
    expect(TEXTURE_CLASSES.glcm({ ...v, settings: { distances: [1, 1] } })).toEqual(TEXTURE_CLASSES.glcm(v));
  });

  it('errors carry stable codes', () => {
    expect(() => TEXTURE_CLASSES.glcm(cube([0, 0], [2, 1, 1]))).toThrow(expect.objectContaining({ code: 'RADIOMICS_EMPTY_MASK' }));
    expect(() => TEXTURE_CLASSES.glcm(cube([1, 2], [3, 1, 1]))).toThrow(expect.objectContaining({ code: 'RADIOMICS_GEOMETRY_MISMATCH' }));
    expect(() => TEXTURE_CLASSES.ngtdm({ ...pair, settings: { distances: [0] } })).toThrow(expect.objectContaining({ code: 'RADIOMICS_PARAM_INVALID' }));
    expect(() => TEXTURE_CLASSES.glrlm({ ...pair, settings: { force2D: true, force2Ddimension: 5 } })).toThrow(expect.objectContaining({ code: 'RADIOMICS_PARAM_INVALID' }));
  });
});

describe('distance weighting (PyRadiomics glcm/glrlm _calculateMatrix)', () => {
  // Angle (dz, dy, dx) = (1, 1, 1), spacing (z, y, x) = (2, 1, 1) mm → |a|⊙s = (2, 1, 1).
  it('GLCM weights w = exp(−‖d‖²)', () => {
    expect(glcmWeight([1, 1, 1], [2, 1, 1], 'infinity')).toBe(Math.exp(-4));
    expect(glcmWeight([1, 1, 1], [2, 1, 1], 'euclidean')).toBe(Math.exp(-6));
    expect(glcmWeight([1, 1, 1], [2, 1, 1], 'manhattan')).toBe(Math.exp(-16));
    expect(glcmWeight([1, 1, 1], [2, 1, 1], 'no_weighting')).toBe(1);
  });
  it('GLRLM weights w = ‖d‖', () => {
    expect(angleDistance([1, 1, 1], [2, 1, 1], 'infinity')).toBe(2);
    expect(angleDistance([1, 1, 1], [2, 1, 1], 'euclidean')).toBe(Math.sqrt(6));
    expect(angleDistance([1, 1, 1], [2, 1, 1], 'manhattan')).toBe(4);
  });
  it('weighted GLCM merges the angles into one matrix', () => {
    const v = cube([1, 2, 2, 1, 2, 1, 1, 2], [2, 2, 2], { weightingNorm: 'manhattan' });
    const m = computeGlcm(v);
    expect(m.nAngles).toBe(1);
    expect(m.P.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
  });
});
