/**
 * The intensity image types of PyRadiomics (getSquareImage, getSquareRootImage, getLogarithmImage,
 * getExponentialImage): point-wise maps rescaled by M = max(|x|) over the whole input image.
 * With `region`, M (and the logarithm's max |g|) still come from the whole image, but only the
 * region's voxels are written; the others stay 0.
 */
import type { Volume } from '@tace/common';
import { forEachRow, withData, type IndexRange } from './volume-util.ts';

function maxAbs(d: Float64Array): number {
  let m = 0;
  for (let i = 0; i < d.length; i++) {
    const a = Math.abs(d[i]);
    if (a > m || Number.isNaN(a)) m = a;
  }
  return m;
}

/** square: f(x) = (c·x)², c = 1 / √M. */
export function squareImage(image: Volume<Float64Array>, region?: IndexRange): Volume<Float64Array> {
  const d = image.data;
  const c = 1 / Math.sqrt(maxAbs(d));
  const out = new Float64Array(d.length);
  forEachRow(image.size, region, (start, end) => {
    for (let i = start; i < end; i++) {
      const v = c * d[i]!;
      out[i] = v * v;
    }
  });
  return withData(image, out);
}

/** squareroot: f(x) = √(M·x) for x > 0, −√(−M·x) for x < 0, 0 at 0. */
export function squareRootImage(image: Volume<Float64Array>, region?: IndexRange): Volume<Float64Array> {
  const d = image.data;
  const c = maxAbs(d);
  const out = new Float64Array(d.length);
  forEachRow(image.size, region, (start, end) => {
    for (let i = start; i < end; i++) {
      const x = d[i]!;
      out[i] = x > 0 ? Math.sqrt(x * c) : x < 0 ? -Math.sqrt(-x * c) : x;
    }
  });
  return withData(image, out);
}

/**
 * logarithm: g(x) = log(x + 1) for x > 0, −log(1 − x) for x < 0, 0 at 0; then f = g · M / max(|g|)
 * (PyRadiomics computes `-log(-(x - 1))` for negatives; identical values).
 */
function logMap(x: number): number {
  return x > 0 ? Math.log(x + 1) : x < 0 ? -Math.log(-(x - 1)) : x;
}

export function logarithmImage(image: Volume<Float64Array>, region?: IndexRange): Volume<Float64Array> {
  const d = image.data;
  const m = maxAbs(d);
  // max |g| over the whole image, g not stored (maxAbs's comparisons, NaN included)
  let gm = 0;
  for (let i = 0; i < d.length; i++) {
    const a = Math.abs(logMap(d[i]!));
    if (a > gm || Number.isNaN(a)) gm = a;
  }
  const scale = m / gm;
  const g = new Float64Array(d.length);
  forEachRow(image.size, region, (start, end) => {
    for (let i = start; i < end; i++) g[i] = logMap(d[i]!) * scale;
  });
  return withData(image, g);
}

/** exponential: f(x) = exp(c·x), c = log(M) / M. */
export function exponentialImage(image: Volume<Float64Array>, region?: IndexRange): Volume<Float64Array> {
  const d = image.data;
  const m = maxAbs(d);
  const c = Math.log(m) / m;
  const out = new Float64Array(d.length);
  forEachRow(image.size, region, (start, end) => {
    for (let i = start; i < end; i++) out[i] = Math.exp(c * d[i]!);
  });
  return withData(image, out);
}
