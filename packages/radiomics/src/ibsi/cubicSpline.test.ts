import { describe, expect, it } from 'vitest';
import { bsplinePrefilter, resampleFieldCubic } from './cubicSpline.ts';

describe('tricubic spline interpolation', () => {
  it('interpolates: sampling at the original positions returns the samples', () => {
    const src = Float64Array.from({ length: 9 }, (_, i) => Math.sin(i) * 100 + i * i);
    const out = resampleFieldCubic(src, [9, 1, 1], [
      { size: 9, start: 0, step: 1 },
      { size: 1, start: 0, step: 1 },
      { size: 1, start: 0, step: 1 },
    ]);
    for (let i = 0; i < 9; i++) expect(out[i]).toBeCloseTo(src[i] ?? 0, 9);
  });

  it('reproduces a cubic polynomial between samples away from the boundary', () => {
    const f = (x: number): number => 0.01 * x * x * x - 0.3 * x * x + 2 * x + 5;
    const n = 64;
    const src = Float64Array.from({ length: n }, (_, i) => f(i));
    const out = resampleFieldCubic(src, [n, 1, 1], [
      { size: 2 * n - 1, start: 0, step: 0.5 },
      { size: 1, start: 0, step: 1 },
      { size: 1, start: 0, step: 1 },
    ]);
    // Mirror boundaries perturb the spline near the ends; the perturbation decays as |z|^d ≈ 0.27^d.
    for (let k = 40; k < 80; k++) expect(out[k]).toBeCloseTo(f(k / 2), 6);
  });

  it('prefilter of a constant line is the same constant (B-splines sum to one)', () => {
    const s = new Float64Array(7).fill(3);
    bsplinePrefilter(s);
    for (const v of s) expect(v).toBeCloseTo(3, 12);
  });
});
