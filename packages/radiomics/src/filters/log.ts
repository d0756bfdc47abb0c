/**
 * PyRadiomics getLoGImage: SimpleITK LaplacianRecursiveGaussianImageFilter with
 * NormalizeAcrossScale on, sigma in mm:
 *   LoG_σ(f) = σ² Σ_d ∂²(G_σ * f)/∂x_d²,
 * computed as ITK does: for each axis d (x, y, z), the recursive second-derivative Gaussian along d
 * then recursive smoothing along the other axes in increasing order, each stored in single
 * precision (ITK's internal float images), accumulated as acc + b·(1/spacing_d²) in float.
 *
 * PyRadiomics' size checks: no LoG image at all when any dimension has fewer than 4 voxels; a sigma
 * is skipped unless size ≥ ceil(σ / spacing) + 1 on every axis (both with a warning, not an error).
 * Names: 'log-sigma-<str(σ)>-mm-3D' with '.' → '-', Python's str() of the configured value.
 */
import type { Volume } from '@tace/common';
import { TaceError } from '@tace/common';
import type { DerivedImage, ImageTypeFn } from './types.ts';
import { recursiveGaussianAxis, recursiveGaussianCoefficients } from './recursive-gaussian.ts';
import { forEachRow, withData, type IndexRange } from './volume-util.ts';

/**
 * One LoG image (float32-valued, returned as Float64Array). Requires every dimension ≥ 4.
 *
 * `region` (inclusive index ranges): only the voxels inside it are needed; the others are left 0. Each
 * term of the sum is ∂²/∂d² along one axis d, then a smoothing along each of the two other axes, every
 * pass a recursion over whole lines: the first pass must run over the whole volume, the second only on
 * the lines whose d-coordinate is in the region, the third only where both other coordinates are. The
 * lines that are filtered are filtered exactly as without a region, so the region's voxels are the same
 * bit for bit; on the IBSI CT phantom (ROI box ≈ a tenth of the image) this does ≈ 5 of the 9 passes'
 * work and touches a fraction of the output's memory.
 */
export function laplacianOfGaussian(image: Volume<Float64Array>, sigmaMm: number, region?: IndexRange): Volume<Float64Array> {
  const size = image.size;
  const n = image.data.length;
  const acc = new Float32Array(n);
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  /** The whole extent, but `region`'s on the axes in `restricted`. */
  const lines = (r: IndexRange, restricted: readonly number[]): IndexRange => ({
    lower: [0, 1, 2].map((ax) => (restricted.includes(ax) ? r.lower[ax]! : 0)),
    upper: [0, 1, 2].map((ax) => (restricted.includes(ax) ? r.upper[ax]! : size[ax]! - 1)),
  });
  for (let dim = 0; dim < 3; dim++) {
    const deriv = recursiveGaussianCoefficients(sigmaMm, image.spacingMm[dim], 2, true);
    recursiveGaussianAxis(image.data, size, dim, deriv, a);
    let src = a;
    let dst = b;
    const done = [dim];
    for (let j = 0; j < 3; j++) {
      if (j === dim) continue;
      const smooth = recursiveGaussianCoefficients(sigmaMm, image.spacingMm[j], 0, true);
      recursiveGaussianAxis(src, size, j, smooth, dst, region ? lines(region, done) : undefined);
      done.push(j);
      [src, dst] = [dst, src];
    }
    const spacing2 = image.spacingMm[dim] * image.spacingMm[dim];
    const inv = 1.0 / spacing2;
    forEachRow(size, region, (start, end) => {
      for (let i = start; i < end; i++) acc[i] = acc[i]! + src[i]! * inv;
    });
  }
  if (!region) return withData(image, Float64Array.from(acc));
  const out = new Float64Array(n); // (untouched pages outside the region stay unmapped zeros)
  forEachRow(size, region, (start, end) => {
    for (let i = start; i < end; i++) out[i] = acc[i]!;
  });
  return withData(image, out);
}

/**
 * Python's str() of a configured sigma: bigint (a YAML integer parsed with `intAsBigInt`) prints as
 * an int ('3'), a string is taken verbatim, a JS number prints as a Python float ('3.0', '0.5').
 */
export function pythonNumberString(v: number | bigint | string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    // Python repr uses 'e-05' style exponents with at least two digits
    const [mant, exp] = v.toExponential().split('e');
    const e = Number(exp);
    return `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return String(v);
}

function sigmaList(opts: Record<string, unknown>): Array<number | bigint | string> {
  const v = opts.sigma;
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  for (const s of list) {
    const ok = typeof s === 'number' ? Number.isFinite(s) : typeof s === 'bigint' || (typeof s === 'string' && Number.isFinite(Number(s)));
    if (!ok) throw new TaceError('RADIOMICS_SETTING_INVALID', 'LoG sigma must be a number or a list of numbers (mm)', { detail: { setting: 'sigma' } });
  }
  return list as Array<number | bigint | string>;
}

export const logImages: ImageTypeFn = (image, _mask, opts, roi) => {
  const out: DerivedImage[] = [];
  const size = image.size;
  if (Math.min(...size) < 4) return out; // PyRadiomics: 'Image too small to apply LoG filter'
  for (const s of sigmaList(opts)) {
    const sigma = Number(s);
    if (!(sigma > 0)) continue; // PyRadiomics logs 'sigma must be greater than 0.0' and skips
    const fits = size.every((n, i) => n >= Math.ceil(sigma / image.spacingMm[i]) + 1);
    if (!fits) continue;
    out.push({ name: `log-sigma-${pythonNumberString(s).replace(/\./g, '-')}-mm-3D`, image: laplacianOfGaussian(image, sigma, roi) });
  }
  return out;
};
