import { describe, expect, it } from 'vitest';
import type { Volume } from '@tace/common';
import { exponentialImage, logarithmImage, squareImage, squareRootImage } from './intensity.ts';

const vol = (values: number[]): Volume<Float64Array> => ({
  size: [values.length, 1, 1],
  spacingMm: [1, 1, 1],
  originMm: [0, 0, 0],
  direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  data: Float64Array.from(values),
});

// Expected values worked by hand from the formulas in PyRadiomics' imageoperations docstrings,
// with M = max|x| = 4 for the input [-4, -1, 0, 1, 2].
const x = [-4, -1, 0, 1, 2];

describe('intensity image types', () => {
  it('square: (x/√M)² = x²/4', () => {
    expect(Array.from(squareImage(vol(x)).data)).toEqual([4, 0.25, 0, 0.25, 1]);
  });
  it('squareroot: ±√(M·|x|) = ±2√|x|', () => {
    const r = Array.from(squareRootImage(vol(x)).data);
    [-4, -2, 0, 2, 2 * Math.SQRT2].forEach((e, i) => expect(r[i]).toBeCloseTo(e, 14));
  });
  it('logarithm: ±log(|x|+1) rescaled so that max|f| = M', () => {
    const r = Array.from(logarithmImage(vol(x)).data);
    const k = 4 / Math.log(5);
    [-4, -Math.log(2) * k, 0, Math.log(2) * k, Math.log(3) * k].forEach((e, i) => expect(r[i]).toBeCloseTo(e, 13));
  });
  it('exponential: exp(x·log(M)/M) = 4^(x/4)', () => {
    const r = Array.from(exponentialImage(vol(x)).data);
    [0.25, Math.pow(4, -0.25), 1, Math.pow(4, 0.25), 2].forEach((e, i) => expect(r[i]).toBeCloseTo(e, 14));
  });
  it('keeps the geometry and does not modify the input', () => {
    const v = vol(x);
    const r = squareImage(v);
    expect(r.size).toEqual(v.size);
    expect(Array.from(v.data)).toEqual(x);
  });
});
