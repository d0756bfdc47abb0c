/** Index ↔ physical transforms and geometry comparison (ITK conventions, LPS mm). */
import type { Geometry, Vec3 } from '@tace/common';

/** ITK TransformContinuousIndexToPhysicalPoint: origin + D · (index ⊙ spacing). */
export function indexToPhysical(g: Geometry, idx: readonly number[]): Vec3 {
  const d = g.direction, s = g.spacingMm, o = g.originMm;
  const a = idx[0]! * s[0], b = idx[1]! * s[1], c = idx[2]! * s[2];
  return [o[0] + d[0] * a + d[1] * b + d[2] * c, o[1] + d[3] * a + d[4] * b + d[5] * c, o[2] + d[6] * a + d[7] * b + d[8] * c];
}

/** ITK TransformPhysicalPointToContinuousIndex: diag(1/s) · D⁻¹ · (p − origin). */
export function physicalToIndex(g: Geometry, p: readonly number[]): Vec3 {
  const [a, b, c, d, e, f, gg, h, i] = g.direction;
  const A = e * i - f * h, B = -(d * i - f * gg), C = d * h - e * gg;
  const det = a * A + b * B + c * C;
  const inv = [
    A / det, -(b * i - c * h) / det, (b * f - c * e) / det,
    B / det, (a * i - c * gg) / det, -(a * f - c * d) / det,
    C / det, -(a * h - b * gg) / det, (a * e - b * d) / det,
  ];
  const q = [p[0]! - g.originMm[0], p[1]! - g.originMm[1], p[2]! - g.originMm[2]];
  return [
    (inv[0]! * q[0]! + inv[1]! * q[1]! + inv[2]! * q[2]!) / g.spacingMm[0],
    (inv[3]! * q[0]! + inv[4]! * q[1]! + inv[5]! * q[2]!) / g.spacingMm[1],
    (inv[6]! * q[0]! + inv[7]! * q[1]! + inv[8]! * q[2]!) / g.spacingMm[2],
  ];
}

/**
 * ITK ImageToImageFilter::VerifyInputInformation: same size, and origin / spacing within
 * tolerance·spacing[0] of the first image, direction within tolerance (default 1e-6 each;
 * PyRadiomics' geometryTolerance sets both). Returns the first difference found, or null.
 */
export function geometryDifference(a: Geometry, b: Geometry, tolerance: number | null): string | null {
  const tol = tolerance ?? 1e-6;
  const coordTol = tol * a.spacingMm[0];
  for (let i = 0; i < 3; i++) if (a.size[i] !== b.size[i]) return 'size';
  for (let i = 0; i < 3; i++) if (Math.abs(a.originMm[i]! - b.originMm[i]!) > coordTol) return 'origin';
  for (let i = 0; i < 3; i++) if (Math.abs(a.spacingMm[i]! - b.spacingMm[i]!) > coordTol) return 'spacing';
  for (let i = 0; i < 9; i++) if (Math.abs(a.direction[i]! - b.direction[i]!) > tol) return 'direction';
  return null;
}
