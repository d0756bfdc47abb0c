/** The 3-D FFT behind Moran's I / Geary's C: against a direct DFT, for power-of-two and mixed 2·3·5 sizes. */
import { describe, expect, it } from 'vitest';
import { fft3d, nextFastSize, smoothFactors } from './fft.ts';

/** Direct 3-D DFT (O(M²)), sign −1 forward; the inverse scaled by 1/M. */
function dft3d(re: Float64Array, im: Float64Array, nx: number, ny: number, nz: number, inverse: boolean): [Float64Array, Float64Array] {
  const M = nx * ny * nz;
  const or = new Float64Array(M), oi = new Float64Array(M);
  const sgn = inverse ? 1 : -1;
  for (let kz = 0; kz < nz; kz++) for (let ky = 0; ky < ny; ky++) for (let kx = 0; kx < nx; kx++) {
    let sr = 0, si = 0;
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
      const a = sgn * 2 * Math.PI * ((kx * x) / nx + (ky * y) / ny + (kz * z) / nz);
      const i = x + nx * (y + ny * z);
      sr += re[i]! * Math.cos(a) - im[i]! * Math.sin(a);
      si += re[i]! * Math.sin(a) + im[i]! * Math.cos(a);
    }
    const s = inverse ? 1 / M : 1;
    or[kx + nx * (ky + ny * kz)] = sr * s;
    oi[kx + nx * (ky + ny * kz)] = si * s;
  }
  return [or, oi];
}

describe('fft3d', () => {
  let seed = 3;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
  it.each([
    [8, 4, 2], [6, 5, 3], [10, 12, 9], [15, 1, 4], [3, 25, 2], [30, 6, 5], [1, 1, 5],
  ])('%i×%i×%i: forward and inverse equal the direct DFT (1e-12 of the largest value)', (nx, ny, nz) => {
    const M = nx * ny * nz;
    const re = Float64Array.from({ length: M }, rnd), im = Float64Array.from({ length: M }, rnd);
    for (const inverse of [false, true]) {
      const [er, ei] = dft3d(re, im, nx, ny, nz, inverse);
      const r = re.slice(), i = im.slice();
      fft3d(r, i, nx, ny, nz, inverse);
      const scale = Math.max(...er.map(Math.abs), ...ei.map(Math.abs));
      for (let k = 0; k < M; k++) {
        expect(Math.abs(r[k]! - er[k]!)).toBeLessThan(1e-12 * scale);
        expect(Math.abs(i[k]! - ei[k]!)).toBeLessThan(1e-12 * scale);
      }
    }
  });
  it('more columns than one Stockham block (z pass over a 50×50 plane: 2,500 columns)', () => {
    const [nx, ny, nz] = [50, 50, 3];
    const M = nx * ny * nz;
    const re = Float64Array.from({ length: M }, rnd), im = Float64Array.from({ length: M }, rnd);
    const r = re.slice(), i = im.slice();
    fft3d(r, i, nx, ny, nz, false);
    fft3d(r, i, nx, ny, nz, true);
    for (let k = 0; k < M; k++) {
      expect(r[k]).toBeCloseTo(re[k]!, 12);
      expect(i[k]).toBeCloseTo(im[k]!, 12);
    }
  });
  it('nextFastSize: the smallest 2^a·3^b·5^c ≥ n; other factors are refused', () => {
    expect([1, 7, 11, 13, 52, 97, 198, 199, 257].map(nextFastSize)).toEqual([1, 8, 12, 15, 54, 100, 200, 200, 270]);
    expect(smoothFactors(200)).toEqual([2, 2, 2, 5, 5]);
    expect(() => smoothFactors(14)).toThrow(/prime factor/);
  });
});
