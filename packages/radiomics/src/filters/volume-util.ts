import type { LabelMap, Volume, Vec3, Mat3 } from '@tace/common';
import { bboxSize, labelBoundingBox as labelBox } from '../preprocess.ts';

/** Index ranges (inclusive) per axis x, y, z: the part of a derived image its caller reads. */
export interface IndexRange {
  lower: readonly number[];
  upper: readonly number[];
}

/**
 * Calls `row(start, end)` for every x-run [start, end) of linear indices inside `range` (the whole
 * volume without one), z then y ascending. Filters that compute voxel by voxel use it to compute only
 * the voxels their caller reads; a Float64Array(n) written only there touches only those pages.
 */
export function forEachRow(size: readonly number[], range: IndexRange | undefined, row: (start: number, end: number) => void): void {
  const [nx, ny, nz] = size as [number, number, number];
  const x0 = range ? range.lower[0]! : 0, x1 = range ? range.upper[0]! : nx - 1;
  const y0 = range ? range.lower[1]! : 0, y1 = range ? range.upper[1]! : ny - 1;
  const z0 = range ? range.lower[2]! : 0, z1 = range ? range.upper[2]! : nz - 1;
  for (let z = z0; z <= z1; z++) for (let y = y0; y <= y1; y++) {
    const start = nx * (y + ny * z) + x0;
    row(start, start + x1 - x0 + 1);
  }
}

/** A new Float64 volume with the geometry of `v` and the given data (same length). */
export function withData(v: Volume, data: Float64Array): Volume<Float64Array> {
  return {
    size: [...v.size] as Vec3,
    spacingMm: [...v.spacingMm] as Vec3,
    originMm: [...v.originMm] as Vec3,
    direction: [...v.direction] as Mat3,
    data,
  };
}

/** Physical point of a continuous index: origin + D · (index ⊙ spacing) (ITK TransformContinuousIndexToPhysicalPoint). */
export function indexToPhysical(v: Volume, idx: readonly number[]): Vec3 {
  const d = v.direction;
  const s = v.spacingMm;
  const o = v.originMm;
  const a = idx[0] * s[0];
  const b = idx[1] * s[1];
  const c = idx[2] * s[2];
  return [o[0] + d[0] * a + d[1] * b + d[2] * c, o[1] + d[3] * a + d[4] * b + d[5] * c, o[2] + d[6] * a + d[7] * b + d[8] * c];
}

/** 3×3 inverse (row-major). */
export function invert3(m: readonly number[]): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [
    A / det, -(b * i - c * h) / det, (b * f - c * e) / det,
    B / det, (a * i - c * g) / det, -(a * f - c * d) / det,
    C / det, -(a * h - b * g) / det, (a * e - b * d) / det,
  ];
}

/**
 * Matrix mapping physical offsets (p − origin) to continuous index: (D · diag(s))⁻¹ = diag(1/s) · Dᵀ
 * for an orthonormal D. Written with reciprocals because ITK caches this inverse and multiplies by
 * it (1/s · v, not v / s) — the difference decides nearest-neighbour ties at exact half indices.
 */
export function physicalToIndexMatrix(v: Volume): Mat3 {
  const d = v.direction;
  const r = [1 / v.spacingMm[0], 1 / v.spacingMm[1], 1 / v.spacingMm[2]];
  return [r[0] * d[0], r[0] * d[3], r[0] * d[6], r[1] * d[1], r[1] * d[4], r[1] * d[7], r[2] * d[2], r[2] * d[5], r[2] * d[8]];
}

/**
 * Bounding box of `label` in index space as lower corner and size (ITK LabelShapeStatistics
 * GetBoundingBox), or undefined: preprocess.ts's scan (which skips empty voxel groups) in the
 * shape the resampler uses.
 */
export function labelBoundingBox(mask: LabelMap, label: number): { lower: Vec3; size: Vec3; count: number } | undefined {
  const found = labelBox(mask, label);
  if (!found) return undefined;
  return { lower: found.bb.lower, size: bboxSize(found.bb), count: found.count };
}
