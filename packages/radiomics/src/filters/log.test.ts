import { describe, expect, it } from 'vitest';
import type { LabelMap, Vec3, Volume } from '@tace/common';
import { laplacianOfGaussian, logImages, pythonNumberString } from './log.ts';

function vol(size: Vec3, spacingMm: Vec3, f: (x: number, y: number, z: number) => number): Volume<Float64Array> {
  const data = new Float64Array(size[0] * size[1] * size[2]);
  let p = 0;
  for (let z = 0; z < size[2]; z++) for (let y = 0; y < size[1]; y++) for (let x = 0; x < size[0]; x++) data[p++] = f(x * spacingMm[0], y * spacingMm[1], z * spacingMm[2]);
  return { size, spacingMm, originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], data };
}
const noMask = (v: Volume): LabelMap => ({ ...v, data: new Uint8Array(v.data.length) });

describe('LoG (ITK LaplacianRecursiveGaussian, normalised across scale)', () => {
  it('Gaussian blob: matches σ²∇²(G_σ * f) = σ² A e^(−r²/2t)(r²/t² − 3/t), t = s² + σ², A = (s²/t)^{3/2}', () => {
    const s = 3;
    const img = vol([64, 64, 64], [1, 1, 1], (x, y, z) => 1000 * Math.exp(-((x - 32) ** 2 + (y - 32) ** 2 + (z - 32) ** 2) / (2 * s * s)));
    for (const sigma of [1, 2, 3]) {
      const out = laplacianOfGaussian(img, sigma).data;
      const t = s * s + sigma * sigma;
      const A = 1000 * Math.pow((s * s) / t, 1.5);
      const peak = (3 * A * sigma * sigma) / t;
      for (const r of [0, 2, 4, 6]) {
        const exact = A * Math.exp((-r * r) / (2 * t)) * ((r * r) / (t * t) - 3 / t) * sigma * sigma;
        // Deriche's recursive approximation on a sampled grid: within 1.5 % of the peak response
        expect(Math.abs(out[32 + r + 64 * (32 + 64 * 32)] - exact) / peak).toBeLessThan(0.015);
      }
    }
  });

  it('quadratic in mm with anisotropic spacing: σ²·∇²f = 2σ²(a + b + c) away from the borders', () => {
    const sp: Vec3 = [0.8, 1.2, 2.0];
    const img = vol([60, 50, 40], sp, (X, Y, Z) => 0.5 * X * X + 2 * Y * Y - 0.25 * Z * Z + 3 * X - Y);
    const v = laplacianOfGaussian(img, 2).data[30 + 60 * (25 + 50 * 20)];
    expect(v).toBeCloseTo(2 * 4 * (0.5 + 2 - 0.25), 4);
  });

  it('values are single precision (ITK keeps its intermediate images as float)', () => {
    const img = vol([8, 8, 8], [1, 1, 1], (x, y, z) => Math.sin(x) + y * z);
    const out = laplacianOfGaussian(img, 1).data;
    expect(out.every((v) => Math.fround(v) === v)).toBe(true);
  });
});

describe('LoG over a region: the lines that reach it only', () => {
  const sp: Vec3 = [0.977, 0.977, 3];
  let seed = 7;
  const img = vol([37, 30, 22], sp, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2000 - 1000);
  const region = { lower: [9, 11, 5], upper: [24, 20, 13] };
  const inRegion = (i: number) => {
    const x = i % 37, y = Math.floor(i / 37) % 30, z = Math.floor(i / (37 * 30));
    return x >= 9 && x <= 24 && y >= 11 && y <= 20 && z >= 5 && z <= 13;
  };
  it.each([1, 3, 5, 9])('σ %s mm: inside, bit for bit the whole image’s values; outside, 0', (sigma) => {
    const whole = laplacianOfGaussian(img, sigma).data;
    const part = laplacianOfGaussian(img, sigma, region).data;
    let inside = 0;
    for (let i = 0; i < whole.length; i++) {
      if (inRegion(i)) {
        inside++;
        if (!Object.is(part[i], whole[i])) expect.fail(`voxel ${i}: ${part[i]} vs ${whole[i]}`);
      } else if (part[i] !== 0) expect.fail(`voxel ${i} outside the region is ${part[i]}`);
    }
    expect(inside).toBe(16 * 10 * 9);
    expect(whole.some((v, i) => !inRegion(i) && v !== 0)).toBe(true);
  });
  it('logImages passes the ROI box on: the same region values through the image-type function', () => {
    const [whole] = logImages(img, noMask(img), { sigma: [3] });
    const [part] = logImages(img, noMask(img), { sigma: [3] }, region);
    for (let i = 0; i < whole!.image.data.length; i++) if (inRegion(i)) expect(part!.image.data[i]).toBe(whole!.image.data[i]);
  });
});

describe('logImages (PyRadiomics getLoGImage)', () => {
  const img = vol([10, 10, 6], [1, 1, 2], (x, y, z) => x * y - z);
  it('names: Python str(sigma) with "." → "-"; YAML integers (bigint) keep the int form', () => {
    expect(logImages(img, noMask(img), { sigma: [1, 2.5] }).map((d) => d.name)).toEqual(['log-sigma-1-0-mm-3D', 'log-sigma-2-5-mm-3D']);
    expect(logImages(img, noMask(img), { sigma: [3n] }).map((d) => d.name)).toEqual(['log-sigma-3-mm-3D']);
    expect(pythonNumberString(0.00001)).toBe('1e-05');
  });
  it('size checks: a sigma needs size ≥ ceil(σ/spacing)+1 on every axis; any axis < 4 disables LoG', () => {
    // σ = 8: x needs ceil(8/1)+1 = 9 ≤ 10, z needs ceil(8/2)+1 = 5 ≤ 6 → kept; σ = 10: x needs 11 > 10 → skipped
    expect(logImages(img, noMask(img), { sigma: [8, 10] }).map((d) => d.name)).toEqual(['log-sigma-8-0-mm-3D']);
    const thin = vol([10, 10, 3], [1, 1, 1], () => 1);
    expect(logImages(thin, noMask(thin), { sigma: [1] })).toEqual([]);
    expect(logImages(img, noMask(img), { sigma: [0] })).toEqual([]);
    expect(logImages(img, noMask(img), {})).toEqual([]);
  });
  it('bad sigma types are refused with a stable code', () => {
    expect(() => logImages(img, noMask(img), { sigma: ['abc'] })).toThrow(expect.objectContaining({ code: 'RADIOMICS_SETTING_INVALID' }));
  });
});
