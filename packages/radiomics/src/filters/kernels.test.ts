/**
 * The row-vectorised kernels (y and z axes) must do exactly what the one-line kernels do: same
 * operations in the same order per voxel, so the results are compared bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { filterLine, recursiveGaussianAxis, recursiveGaussianCoefficients } from './recursive-gaussian.ts';
import { swtAxis, swtLine, swtScratchLength } from './swt.ts';
import { waveletFilters } from './wavelet-filters.ts';

const size = [9, 7, 6];
const n = size[0] * size[1] * size[2];
const data = Float64Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 0.37) * 50 + (i % 5)));

/** Apply a 1-D line kernel to every line along `axis`, gathering and scattering one line at a time. */
function perLine(axis: number, kernel: (line: Float64Array, out: Float64Array) => void): Float64Array {
  const [nx, ny, nz] = size;
  const ln = size[axis];
  const st = axis === 0 ? 1 : axis === 1 ? nx : nx * ny;
  const res = new Float64Array(n);
  const line = new Float64Array(ln);
  const out = new Float64Array(ln);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    if ((axis === 0 && x) || (axis === 1 && y) || (axis === 2 && z)) continue;
    const base = x + nx * (y + ny * z);
    for (let k = 0; k < ln; k++) line[k] = data[base + k * st];
    kernel(line, out);
    for (let k = 0; k < ln; k++) res[base + k * st] = out[k];
  }
  return res;
}

describe('vectorised kernels equal the line kernels bit for bit', () => {
  it('recursive Gaussian, orders 0–2, every axis', () => {
    for (const order of [0, 1, 2] as const) for (const axis of [0, 1, 2]) {
      const c = recursiveGaussianCoefficients(2.5, [0.7, 1.3, 2.1][axis], order, true);
      const got = new Float64Array(n);
      recursiveGaussianAxis(data, size, axis, c, got);
      const scratch = new Float64Array(size[axis]);
      const want = perLine(axis, (line, out) => filterLine(out, line, scratch, size[axis], c));
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });

  it('stationary wavelet step, double and single precision, every axis', () => {
    for (const single of [false, true]) for (const name of ['coif1', 'db4', 'haar']) for (const axis of [0, 1, 2]) {
      const { decLo, decHi } = waveletFilters(name, single);
      const [lo, hi] = swtAxis(data, size, axis, decLo, decHi, single);
      const ext = new Float64Array(swtScratchLength(size[axis], decLo.length));
      const tmp = new Float64Array(size[axis]);
      const wantLo = perLine(axis, (line, out) => swtLine(line, size[axis], decLo, decHi, out, tmp, ext, single));
      const wantHi = perLine(axis, (line, out) => swtLine(line, size[axis], decLo, decHi, tmp, out, ext, single));
      expect(Array.from(lo)).toEqual(Array.from(wantLo));
      expect(Array.from(hi)).toEqual(Array.from(wantHi));
    }
  });
});
