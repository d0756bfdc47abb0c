/**
 * PyRadiomics getLBP2DImage: scikit-image `local_binary_pattern(slice, P, R, method)` applied to
 * every slice perpendicular to numpy axis `force2Ddimension` (0 = z: slices are (y rows, x cols);
 * 1 = y: (z rows, x cols); 2 = x: (y rows, z cols)). Settings: lbp2DRadius (1), lbp2DSamples (8),
 * lbp2DMethod ('uniform'; also 'default' and 'ror').
 *
 * skimage's definition, reproduced: neighbour i at (r − R·sin(2πi/P), c + R·cos(2πi/P)), offsets
 * rounded to 5 decimals, sampled bilinearly with 0 outside the slice; s_i = [g_i − g_c ≥ 0];
 * 'default' = Σ s_i 2^i; 'ror' = minimum over the P right-rotations of that code; 'uniform' = Σ s_i
 * when the number of changes s_i ≠ s_{i+1} for i = 0…P−2 (not wrapping around, as skimage counts)
 * is ≤ 2, else P + 1.
 */
import { TaceError } from '@tace/common';
import type { ImageTypeFn } from './types.ts';
import { numOpt, strOpt } from './options.ts';
import { withData } from './volume-util.ts';

/** numpy.round(x, 5): round half to even at the 5th decimal. */
function round5(x: number): number {
  const y = x * 1e5;
  let r = Math.round(y);
  if (Math.abs(y % 1) === 0.5 && r % 2 !== 0) r -= 1;
  return r / 1e5;
}

function pixel(img: Float64Array, rows: number, cols: number, r: number, c: number): number {
  return r >= 0 && r < rows && c >= 0 && c < cols ? img[r * cols + c] : 0;
}

/**
 * skimage.feature.local_binary_pattern on one row-major 2-D slice; with `window` ([r0, r1, c0, c1],
 * inclusive), only the pixels inside it are computed (their neighbours still read from the whole slice)
 * and the others are left 0.
 */
export function localBinaryPattern2D(img: Float64Array, rows: number, cols: number, P: number, R: number, method: string, window?: readonly [number, number, number, number]): Float64Array {
  if (method !== 'uniform' && method !== 'default' && method !== 'ror') {
    throw new TaceError('RADIOMICS_SETTING_INVALID', `lbp2DMethod ${method} is not supported (use uniform, default or ror)`, { detail: { setting: 'lbp2DMethod' } });
  }
  const rp = new Float64Array(P);
  const cp = new Float64Array(P);
  for (let i = 0; i < P; i++) {
    rp[i] = round5(-R * Math.sin((2 * Math.PI * i) / P));
    cp[i] = round5(R * Math.cos((2 * Math.PI * i) / P));
  }
  const out = new Float64Array(rows * cols);
  const s = new Int8Array(P);
  const [r0, r1, c0, c1] = window ?? [0, rows - 1, 0, cols - 1];
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      const centre = img[r * cols + c];
      for (let i = 0; i < P; i++) {
        const rr = r + rp[i];
        const cc = c + cp[i];
        const minr = Math.floor(rr);
        const minc = Math.floor(cc);
        const maxr = Math.ceil(rr);
        const maxc = Math.ceil(cc);
        const dr = rr - minr;
        const dc = cc - minc;
        const top = (1 - dc) * pixel(img, rows, cols, minr, minc) + dc * pixel(img, rows, cols, minr, maxc);
        const bottom = (1 - dc) * pixel(img, rows, cols, maxr, minc) + dc * pixel(img, rows, cols, maxr, maxc);
        const texture = (1 - dr) * top + dr * bottom;
        s[i] = texture - centre >= 0 ? 1 : 0;
      }
      let lbp = 0;
      if (method === 'uniform') {
        let changes = 0;
        for (let i = 0; i < P - 1; i++) if (s[i] !== s[i + 1]) changes++;
        if (changes <= 2) for (let i = 0; i < P; i++) lbp += s[i];
        else lbp = P + 1;
      } else {
        for (let i = 0; i < P; i++) lbp += s[i] * 2 ** i;
        if (method === 'ror') {
          let v = lbp;
          for (let i = 1; i < P; i++) {
            v = (v >> 1) | ((v & 1) << (P - 1));
            if (v < lbp) lbp = v;
          }
        }
      }
      out[r * cols + c] = lbp;
    }
  }
  return out;
}

export const lbp2DImages: ImageTypeFn = (image, _mask, opts, roi) => {
  const R = numOpt(opts, 'lbp2DRadius', 1);
  const P = numOpt(opts, 'lbp2DSamples', 8);
  const method = strOpt(opts, 'lbp2DMethod', 'uniform');
  const npAxis = numOpt(opts, 'force2Ddimension', 0);
  if (![0, 1, 2].includes(npAxis)) {
    throw new TaceError('RADIOMICS_SETTING_INVALID', 'force2Ddimension must be 0, 1 or 2', { detail: { setting: 'force2Ddimension' } });
  }
  const [nx, ny, nz] = image.size;
  const d = image.data;
  const out = new Float64Array(d.length);
  // slice geometry: slice index axis, row axis, column axis (our x = 0, y = 1, z = 2)
  const [sAx, rAx, cAx] = npAxis === 0 ? [2, 1, 0] : npAxis === 1 ? [1, 2, 0] : [0, 1, 2];
  const strides = [1, nx, nx * ny];
  const sizes = [nx, ny, nz];
  const rows = sizes[rAx];
  const cols = sizes[cAx];
  const slice = new Float64Array(rows * cols);
  // with `roi`: only its slices, and in each only its pixels (each still sees its whole slice)
  const [k0, k1] = roi ? [roi.lower[sAx]!, roi.upper[sAx]!] : [0, sizes[sAx] - 1];
  const win = roi ? [roi.lower[rAx]!, roi.upper[rAx]!, roi.lower[cAx]!, roi.upper[cAx]!] as const : ([0, rows - 1, 0, cols - 1] as const);
  for (let k = k0; k <= k1; k++) {
    const base = k * strides[sAx];
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) slice[r * cols + c] = d[base + r * strides[rAx] + c * strides[cAx]];
    const lbp = localBinaryPattern2D(slice, rows, cols, P, R, method, win);
    for (let r = win[0]; r <= win[1]; r++) for (let c = win[2]; c <= win[3]; c++) out[base + r * strides[rAx] + c * strides[cAx]] = lbp[r * cols + c];
  }
  return [{ name: 'lbp-2D', image: withData(image, out) }];
};
