/**
 * PyRadiomics getWaveletImage / _swt3: undecimated wavelet decompositions with PyWavelets'
 * `swtn(..., level=1, start_level=0)` applied `start_level + level` times to the approximation.
 *
 * - Each odd dimension is first padded by one voxel with numpy 'wrap' (the first slice appended),
 *   and every output is cropped back to the input size.
 * - Axes are transformed in PyRadiomics' order: numpy axes (2, 1, 0) = x, y, z; with `force2D`
 *   numpy axis `force2Ddimension` (0 = z, 1 = y, 2 = x) is left out.
 * - Names: the i-th (1-based) computed level yields 'wavelet-<XYZ>' (i = 1) or 'wavelet<i>-<XYZ>',
 *   XYZ one L/H letter per transformed axis in x, y, z order, in PyWavelets' dict order
 *   (LLH, LHL, LHH, HLL, HLH, HHL, HHH); the final approximation comes last as 'wavelet[-|n-]LLL'.
 * - `imagePixelType: 'float32'` in the options (the pixel type of the image handed to the filter)
 *   selects PyWavelets' single-precision kernels, as pywt does for float32 arrays.
 * - Note (PyRadiomics behaviour, kept): levels after the first reuse the undilated filters on the
 *   previous approximation; they are not the à-trous levels of a multi-level `pywt.swtn`.
 */
import { TaceError } from '@tace/common';
import type { Volume } from '@tace/common';
import type { DerivedImage, ImageTypeFn } from './types.ts';
import { boolOpt, numOpt, strOpt } from './options.ts';
import { swtAxis } from './swt.ts';
import { waveletFilters } from './wavelet-filters.ts';
import { withData } from './volume-util.ts';

/** numpy.pad(data, [(0, 1 if odd else 0)…], 'wrap') on an x-fastest volume. */
function padToEven(data: Float64Array, size: readonly number[]): { data: Float64Array; size: number[] } {
  const out = size.map((n) => (n % 2 ? n + 1 : n));
  if (out.every((n, i) => n === size[i])) return { data: data.slice(), size: out };
  const [nx, ny] = size;
  const [ox, oy, oz] = out;
  const res = new Float64Array(ox * oy * oz);
  let p = 0;
  for (let z = 0; z < oz; z++) {
    const sz = z % size[2];
    for (let y = 0; y < oy; y++) {
      const sy = y % ny;
      const row = nx * (sy + ny * sz);
      for (let x = 0; x < ox; x++, p++) res[p] = data[row + (x % nx)];
    }
  }
  return { data: res, size: out };
}

function cropTo(data: Float64Array, padded: readonly number[], size: readonly number[]): Float64Array {
  if (padded.every((n, i) => n === size[i])) return data;
  const [nx, ny, nz] = size;
  const [px, py] = padded;
  const out = new Float64Array(nx * ny * nz);
  let p = 0;
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) {
    const row = px * (y + py * z);
    for (let x = 0; x < nx; x++, p++) out[p] = data[row + x];
  }
  return out;
}

export interface SwtLevel {
  /** Sub-bands keyed by PyWavelets' a/d string (one letter per transformed axis, x first). */
  bands: Map<string, Float64Array>;
}

/**
 * One `pywt.swtn(data, wavelet, level=1, start_level=0, axes)` call on an even-sized volume:
 * all 2^k sub-bands in PyWavelets' insertion order ('aaa', 'aad', …, 'ddd').
 */
export function swtn1(data: Float64Array, size: readonly number[], axes: readonly number[], wavelet: string, single = false): Map<string, Float64Array> {
  const { decLo, decHi } = waveletFilters(wavelet, single);
  let coeffs: Array<[string, Float64Array]> = [['', data]];
  for (const axis of axes) {
    const next: Array<[string, Float64Array]> = [];
    for (const [name, x] of coeffs) {
      const [a, d] = swtAxis(x, size, axis, decLo, decHi, single);
      next.push([name + 'a', a], [name + 'd', d]);
    }
    coeffs = next;
  }
  return new Map(coeffs);
}

export const waveletImages: ImageTypeFn = (image, _mask, opts) => {
  const wavelet = strOpt(opts, 'wavelet', 'coif1');
  const level = numOpt(opts, 'level', 1);
  const startLevel = numOpt(opts, 'start_level', 0);
  if (!Number.isInteger(level) || level < 1 || !Number.isInteger(startLevel) || startLevel < 0) {
    throw new TaceError('RADIOMICS_SETTING_INVALID', 'Wavelet level must be an integer ≥ 1 and start_level an integer ≥ 0', {
      detail: { level, start_level: startLevel },
    });
  }
  waveletFilters(wavelet); // fail early on an unknown wavelet name
  // PyWavelets keeps float32 arrays in float32 (its float kernels); integer and float64 inputs run in double.
  const single = opts.imagePixelType === 'float32';
  let axes = [0, 1, 2]; // numpy axes (2, 1, 0)
  if (boolOpt(opts, 'force2D', false)) {
    const np = numOpt(opts, 'force2Ddimension', 0);
    axes = axes.filter((a) => a !== 2 - np);
  }
  const approxKey = 'a'.repeat(axes.length);
  const padded = padToEven(image.data, image.size);
  let data = padded.data;
  for (let i = 0; i < startLevel; i++) data = swtn1(data, padded.size, axes, wavelet, single).get(approxKey)!;
  const out: DerivedImage[] = [];
  for (let idx = 1; idx <= level; idx++) {
    const bands = swtn1(data, padded.size, axes, wavelet, single);
    data = bands.get(approxKey)!;
    for (const [key, band] of bands) {
      if (key === approxKey) continue;
      const name = key.replace(/a/g, 'L').replace(/d/g, 'H');
      out.push({ name: idx === 1 ? `wavelet-${name}` : `wavelet${idx}-${name}`, image: withData(image, cropTo(band, padded.size, image.size)) });
    }
  }
  const lname = 'L'.repeat(axes.length);
  out.push({ name: level === 1 ? `wavelet-${lname}` : `wavelet${level}-${lname}`, image: withData(image, cropTo(data, padded.size, image.size)) });
  return out;
};

/**
 * Voxels of context, per axis (x, y, z), that make a voxel's decompositions independent of anything
 * farther away: a filtered sample is y[o] = Σ_j f[j]·x[o + ⌊F/2⌋ − j] (swt.ts) away from the line's ends,
 * so each swtn1 application reads at most F − 1 − ⌊F/2⌋ samples before and ⌊F/2⌋ after; `start_level +
 * level` applications chain them. F·(applications) bounds both. An axis the transform leaves out
 * (force2D) needs none. Inside a sub-volume with this margin around the ROI on an axis (and the wrap
 * padding of odd sizes only ever reaching the ends), the ROI's coefficients are the same sums in the same
 * order as on the whole image: bit for bit the same (the extractor relies on it; wavelet.test.ts checks).
 */
export function waveletMargin(opts: Record<string, unknown>): [number, number, number] {
  const level = numOpt(opts, 'level', 1);
  const startLevel = numOpt(opts, 'start_level', 0);
  const m = waveletFilters(strOpt(opts, 'wavelet', 'coif1')).decLo.length * (level + startLevel);
  const margin: [number, number, number] = [m, m, m];
  if (boolOpt(opts, 'force2D', false)) margin[2 - numOpt(opts, 'force2Ddimension', 0)] = 0;
  return margin;
}

/** Convenience for tests and callers holding a volume: all decompositions keyed by name. */
export function waveletDecompositions(image: Volume<Float64Array>, opts: Record<string, unknown> = {}): Map<string, Volume<Float64Array>> {
  return new Map(waveletImages(image, { size: image.size, spacingMm: image.spacingMm, originMm: image.originMm, direction: image.direction, data: new Uint8Array(0) }, opts).map((d) => [d.name, d.image]));
}
