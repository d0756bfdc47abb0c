/**
 * Moran's I and Geary's C (IBSI 3.1.24–25) over the ROI intensity mask, with weights
 * w_kl = 1/‖r_k − r_l‖ (mm) for all pairs k ≠ l:
 *   I = N/W · Σ w_kl (x_k−μ)(x_l−μ) / Σ (x_k−μ)²
 *   C = (N−1)/(2W) · Σ w_kl (x_k−x_l)² / Σ (x_k−μ)²,   W = Σ_{k≠l} w_kl.
 * The all-pairs sums are exact convolutions with the kernel 1/‖r‖ (0 at r = 0) on the grid,
 * computed with one packed forward FFT and one inverse FFT on a zero-padded grid (each axis at least
 * 2n − 1, rounded up to a product of 2, 3 and 5) — no sampling or approximation; O(M log M) in the
 * padded bounding-box size M.
 */
import { TaceError } from '@tace/common';
import { fft3d, nextFastSize } from './fft.ts';

/**
 * Largest zero-padded grid (points) for the FFT: three Float64Arrays of it live at once, so 2^26 points
 * is ≈1.6 GB. A larger ROI box (e.g. 300×300×100 voxels → 600×600×200) is refused with
 * IBSI_AUTOCORRELATION_TOO_LARGE rather than exhaust the machine's memory; `ibsiAutocorrelation: false`
 * omits the two features.
 */
export const MAX_AUTOCORRELATION_POINTS = 2 ** 26;

export function moranGeary(
  image: Float64Array,
  mask: Uint8Array,
  nx: number,
  ny: number,
  nz: number,
  spacingMm: [number, number, number],
): { moranI: number; gearyC: number } {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < mask.length; i++)
    if (mask[i]) {
      n++;
      sum += image[i] ?? 0;
    }
  const mean = sum / n;
  if (n < 2) return { moranI: NaN, gearyC: NaN };
  // A period of at least 2n − 1 per axis keeps every pair's offset from wrapping around.
  const mx = nextFastSize(2 * nx - 1);
  const my = nextFastSize(2 * ny - 1);
  const mz = nz === 1 ? 1 : nextFastSize(2 * nz - 1);
  const M = mx * my * mz;
  if (M > MAX_AUTOCORRELATION_POINTS) {
    throw new TaceError(
      'IBSI_AUTOCORRELATION_TOO_LARGE',
      `Moran's I / Geary's C over this ROI box (${nx}×${ny}×${nz} voxels) need an FFT over ${mx}×${my}×${mz} points (≈${((3 * 8 * M) / 2 ** 30).toFixed(1)} GB); the limit is ${MAX_AUTOCORRELATION_POINTS} points: set ibsiAutocorrelation: false to omit them`,
      { detail: { box: [nx, ny, nz], points: M, limit: MAX_AUTOCORRELATION_POINTS } },
    );
  }
  // Kernel on the wrapped grid; real and even, so its transform is real.
  // Transformed first, keeping only its real part, so that at most three grid-sized arrays live at once.
  const kr = new Float64Array(M);
  let ki: Float64Array | undefined = new Float64Array(M);
  const [sx, sy, sz] = spacingMm;
  // squared wrapped offsets in mm per axis; 1/√(Σ) per point (Math.hypot is several times slower here)
  const sq = (m: number, sp: number) => Float64Array.from({ length: m }, (_, i) => ((i <= m / 2 ? i : i - m) * sp) ** 2);
  const qx = sq(mx, sx), qy = sq(my, sy), qz = sq(mz, sz);
  for (let z = 0; z < mz; z++) {
    for (let y = 0; y < my; y++) {
      const qyz = qy[y]! + qz[z]!;
      const row = mx * (y + my * z);
      for (let x = 0; x < mx; x++) kr[row + x] = 1 / Math.sqrt(qx[x]! + qyz);
    }
  }
  kr[0] = 0; // (r = 0: no self-pair)
  fft3d(kr, ki, mx, my, mz, false);
  ki = undefined;
  // Packed input: real = centred intensities a, imaginary = ROI indicator m.
  const re = new Float64Array(M);
  const im = new Float64Array(M);
  let ss = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const i = x + nx * (y + ny * z);
        if (!mask[i]) continue;
        const a = (image[i] ?? 0) - mean;
        ss += a * a;
        const j = x + mx * (y + my * z);
        re[j] = a;
        im[j] = 1;
      }
  fft3d(re, im, mx, my, mz, false, [nx, ny, nz]);
  for (let i = 0; i < M; i++) {
    const k = kr[i] ?? 0;
    re[i] = (re[i] ?? 0) * k;
    im[i] = (im[i] ?? 0) * k;
  }
  fft3d(re, im, mx, my, mz, true, [nx, ny, nz]);
  // re = (a * K), im = (m * K) at every grid point.
  let saa = 0;
  let w = 0;
  let sa2w = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const i = x + nx * (y + ny * z);
        if (!mask[i]) continue;
        const a = (image[i] ?? 0) - mean;
        const j = x + mx * (y + my * z);
        saa += a * (re[j] ?? 0);
        w += im[j] ?? 0;
        sa2w += a * a * (im[j] ?? 0);
      }
  const moranI = ss > 0 ? ((n / w) * saa) / ss : 1;
  // Σ w (x_k − x_l)² = 2 Σ_k a_k² (m*K)_k − 2 Σ w a_k a_l
  const gearyC = ss > 0 ? (((n - 1) / (2 * w)) * (2 * sa2w - 2 * saa)) / ss : 1;
  return { moranI, gearyC };
}
