import { describe, expect, it } from 'vitest';
import type { Vec3, Volume } from '@tace/common';
import { gradientMagnitudeImage } from './gradient.ts';

function vol(size: Vec3, spacingMm: Vec3, f: (x: number, y: number, z: number) => number): Volume<Float64Array> {
  const data = new Float64Array(size[0] * size[1] * size[2]);
  let p = 0;
  for (let z = 0; z < size[2]; z++) for (let y = 0; y < size[1]; y++) for (let x = 0; x < size[0]; x++) data[p++] = f(x, y, z);
  return { size, spacingMm, originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], data };
}

describe('gradient (ITK GradientMagnitudeImageFilter)', () => {
  // f = 3·X − 2·Y + 0.5·Z in mm → |∇f| = √(9 + 4 + 0.25) in the interior.
  const sp: Vec3 = [0.5, 2, 1.5];
  const img = vol([6, 5, 4], sp, (x, y, z) => 3 * x * sp[0] - 2 * y * sp[1] + 0.5 * z * sp[2]);

  it('central differences with spacing give the analytic magnitude inside', () => {
    const g = gradientMagnitudeImage(img, true);
    expect(g.data[2 + 6 * (2 + 5 * 1)]).toBeCloseTo(Math.sqrt(9 + 4 + 0.25), 6);
  });

  it('zero-flux Neumann border: one-sided half difference at the edge voxel', () => {
    const g = gradientMagnitudeImage(img, true);
    // at x = 0: (f[1] − f[0]) / (2·spacing) = 3/2 along x; y and z interior
    expect(g.data[0 + 6 * (2 + 5 * 1)]).toBeCloseTo(Math.sqrt(1.5 * 1.5 + 4 + 0.25), 6);
  });

  it('output is single precision (SimpleITK GradientMagnitude output pixel type float)', () => {
    const g = gradientMagnitudeImage(img, true);
    expect(g.data.every((v) => Math.fround(v) === v)).toBe(true);
    expect(g.data[2 + 6 * (2 + 5 * 1)]).toBe(Math.fround(Math.sqrt(9 + 4 + 0.25)));
  });

  it('gradientUseSpacing = false differentiates per voxel', () => {
    const g = gradientMagnitudeImage(img, false);
    // per-index slopes: 3·0.5, −2·2, 0.5·1.5
    expect(g.data[2 + 6 * (2 + 5 * 1)]).toBeCloseTo(Math.sqrt(1.5 ** 2 + 4 ** 2 + 0.75 ** 2), 6);
  });
});
