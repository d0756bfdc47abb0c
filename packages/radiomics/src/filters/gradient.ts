/**
 * PyRadiomics getGradientImage: SimpleITK GradientMagnitudeImageFilter.
 * |∇f| = √Σ_d (∂_d f)², with ITK's first-order DerivativeOperator (central difference
 * (f[i+1] − f[i−1]) / 2, coefficients scaled by 1/spacing_d when `gradientUseSpacing` is true, the
 * default) and ITK's ZeroFluxNeumannBoundaryCondition (indices clamped to the edge voxel).
 * Computed in double, stored as float32: SimpleITK's GradientMagnitude output pixel type is float.
 */
import type { Volume } from '@tace/common';
import { withData, type IndexRange } from './volume-util.ts';

/** With `region`, only its voxels are computed (from their neighbours in the whole image); the others stay 0. */
export function gradientMagnitudeImage(image: Volume<Float64Array>, useSpacing = true, region?: IndexRange): Volume<Float64Array> {
  const [nx, ny, nz] = image.size;
  const d = image.data;
  const out = new Float64Array(d.length);
  // ITK scales the operator coefficients (±0.5) by 1/spacing before the inner product.
  const coef = [0, 1, 2].map((i) => 0.5 * (useSpacing ? 1.0 / image.spacingMm[i] : 1.0));
  const sxy = nx * ny;
  const [x0, y0, z0] = region ? region.lower : [0, 0, 0];
  const [x1, y1, z1] = region ? region.upper : [nx - 1, ny - 1, nz - 1];
  for (let z = z0!; z <= z1!; z++) {
    const zm = z > 0 ? z - 1 : 0;
    const zp = z < nz - 1 ? z + 1 : nz - 1;
    for (let y = y0!; y <= y1!; y++) {
      const ym = y > 0 ? y - 1 : 0;
      const yp = y < ny - 1 ? y + 1 : ny - 1;
      for (let x = x0!, p = x0! + y * nx + z * sxy; x <= x1!; x++, p++) {
        const xm = x > 0 ? x - 1 : 0;
        const xp = x < nx - 1 ? x + 1 : nx - 1;
        const row = y * nx + z * sxy;
        const gx = coef[0] * d[row + xp] - coef[0] * d[row + xm];
        const gy = coef[1] * d[x + yp * nx + z * sxy] - coef[1] * d[x + ym * nx + z * sxy];
        const gz = coef[2] * d[x + y * nx + zp * sxy] - coef[2] * d[x + y * nx + zm * sxy];
        out[p] = Math.fround(Math.sqrt(gx * gx + gy * gy + gz * gz));
      }
    }
  }
  return withData(image, out);
}
