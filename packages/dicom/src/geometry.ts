import type { Geometry, Mat3, Vec3 } from '@tace/common';

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function dot(a: readonly number[], b: readonly number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

/** Row cosines, column cosines and slice normal (row × column) of an ImageOrientationPatient. */
export function orientationAxes(iop: readonly number[]): { row: Vec3; col: Vec3; normal: Vec3 } {
  const row: Vec3 = [iop[0], iop[1], iop[2]];
  const col: Vec3 = [iop[3], iop[4], iop[5]];
  return { row, col, normal: cross(row, col) };
}

/** Direction matrix (row-major, columns = axis unit vectors) from three axis vectors. */
export function directionFromAxes(x: Vec3, y: Vec3, z: Vec3): Mat3 {
  return [x[0], y[0], z[0], x[1], y[1], z[1], x[2], y[2], z[2]];
}

/** Column c (0..2) of a row-major direction matrix. */
export function axis(d: Mat3, c: number): Vec3 {
  return [d[c], d[3 + c], d[6 + c]];
}

/** physical = origin + D · (index ⊙ spacing) */
export function indexToPhysical(g: Geometry, idx: Vec3): Vec3 {
  const s = g.spacingMm, d = g.direction, o = g.originMm;
  const a = idx[0] * s[0], b = idx[1] * s[1], c = idx[2] * s[2];
  return [o[0] + d[0] * a + d[1] * b + d[2] * c, o[1] + d[3] * a + d[4] * b + d[5] * c, o[2] + d[6] * a + d[7] * b + d[8] * c];
}

/**
 * Continuous index of a physical point: index = (D⁻¹ · (p − origin)) ⊘ spacing. D is taken as
 * orthonormal (DICOM direction cosines), so D⁻¹ = Dᵀ.
 */
export function physicalToIndex(g: Geometry, p: Vec3): Vec3 {
  const v = sub(p, g.originMm), d = g.direction, s = g.spacingMm;
  return [
    (d[0] * v[0] + d[3] * v[1] + d[6] * v[2]) / s[0],
    (d[1] * v[0] + d[4] * v[1] + d[7] * v[2]) / s[1],
    (d[2] * v[0] + d[5] * v[1] + d[8] * v[2]) / s[2],
  ];
}

/** Largest absolute difference between two orientation vectors (same length). */
export function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
