/**
 * Exact maximum-distance search over grid points without an O(n²) all-pairs scan.
 *
 * The farthest pair of a point set is a pair of vertices of its convex hull. Points here lie on a
 * half-voxel grid, so hulls are computed on integer (doubled-index) coordinates with exact
 * arithmetic; axis scaling by the voxel spacing is affine and keeps the hull vertex set, so the
 * distances themselves are then evaluated in millimetres exactly as PyRadiomics does
 * ((Δz)² + (Δy)² + (Δx)², in that order) over the hull vertices only.
 */

/** Indices (into u/v) of the strict convex-hull vertices of 2-D integer points (monotone chain). */
export function hull2D(u: Int32Array, v: Int32Array, idx: number[]): number[] {
  // For each u keep only the min and max v: interior points of a grid row cannot be extreme. u values
  // are small grid coordinates, so the rows are slots of a typed array over [uMin, uMax]; walking the
  // slots in order gives the points sorted by (u, v) (points are distinct) with no Map and no sort.
  let uMin = Infinity, uMax = -Infinity;
  for (const i of idx) { const w = u[i]!; if (w < uMin) uMin = w; if (w > uMax) uMax = w; }
  const pts: number[] = [];
  if (idx.length === 0) return pts;
  const rows = uMax - uMin + 1;
  const lo = new Int32Array(rows).fill(-1);
  const hi = new Int32Array(rows);
  for (const i of idx) {
    const r = u[i]! - uMin;
    const a = lo[r]!;
    if (a < 0) { lo[r] = i; hi[r] = i; continue; }
    if (v[i]! < v[a]!) lo[r] = i;
    if (v[i]! > v[hi[r]!]!) hi[r] = i;
  }
  for (let r = 0; r < rows; r++) {
    const a = lo[r]!;
    if (a < 0) continue;
    pts.push(a);
    if (hi[r] !== a) pts.push(hi[r]!);
  }
  if (pts.length <= 2) return pts;
  const cross = (o: number, a: number, b: number) =>
    (u[a]! - u[o]!) * (v[b]! - v[o]!) - (v[a]! - v[o]!) * (u[b]! - u[o]!);
  const lower: number[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: number[] = [];
  for (let k = pts.length - 1; k >= 0; k--) {
    const p = pts[k]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
}

/**
 * Mesh vertices on a half-voxel grid: coordinates are stored doubled (2·index + offset) as integers,
 * in (z, y, x) order like PyRadiomics' cshape, with the voxel spacing (z, y, x) in mm.
 */
export interface GridPoints {
  z: Int32Array;
  y: Int32Array;
  x: Int32Array;
  count: number;
}

/** Squared distance in mm, summed in PyRadiomics' order. */
function dist2(p: GridPoints, i: number, j: number, s: readonly [number, number, number]): number {
  // PyRadiomics: coordinate = (index + 0.5·k)·spacing; doubled coords → (c/2)·spacing.
  const dz = (p.z[i]! / 2) * s[0] - (p.z[j]! / 2) * s[0];
  const dy = (p.y[i]! / 2) * s[1] - (p.y[j]! / 2) * s[1];
  const dx = (p.x[i]! / 2) * s[2] - (p.x[j]! / 2) * s[2];
  return dz * dz + dy * dy + dx * dx;
}

function groupBy(keys: Int32Array, count: number): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const k = keys[i]!;
    let g = m.get(k);
    if (!g) m.set(k, (g = []));
    g.push(i);
  }
  return m;
}

function maxPair(p: GridPoints, cand: number[], s: readonly [number, number, number]): number {
  let best = 0;
  for (let a = 0; a < cand.length; a++) {
    const i = cand[a]!;
    for (let b = a + 1; b < cand.length; b++) {
      const d = dist2(p, i, cand[b]!, s);
      if (d > best) best = d;
    }
  }
  return best;
}

/**
 * PyRadiomics' four mesh diameters: [max within a z plane (Slice), within a y plane (Column),
 * within an x plane (Row), overall 3-D], each the exact maximum pairwise distance.
 */
export function meshDiameters(p: GridPoints, spacingZyx: readonly [number, number, number]): [number, number, number, number] {
  const axes: [Int32Array, Int32Array, Int32Array][] = [[p.z, p.y, p.x], [p.y, p.z, p.x], [p.x, p.z, p.y]];
  const onHull = [new Uint8Array(p.count), new Uint8Array(p.count), new Uint8Array(p.count)];
  const planeMax = [0, 0, 0];
  axes.forEach(([key, u, v], a) => {
    for (const [, members] of groupBy(key, p.count)) {
      const h = hull2D(u, v, members);
      for (const i of h) onHull[a]![i] = 1;
      const d = maxPair(p, h, spacingZyx);
      if (d > planeMax[a]!) planeMax[a] = d;
    }
  });
  // A 3-D hull vertex is an extreme point of every plane section through it.
  const cand: number[] = [];
  for (let i = 0; i < p.count; i++) if (onHull[0]![i] && onHull[1]![i] && onHull[2]![i]) cand.push(i);
  const d3 = maxPair(p, cand, spacingZyx);
  return [Math.sqrt(planeMax[0]!), Math.sqrt(planeMax[1]!), Math.sqrt(planeMax[2]!), Math.sqrt(d3)];
}

/** Maximum pairwise distance of 2-D grid points (doubled coordinates u, v; spacing per axis). */
export function maxDiameter2D(u: Int32Array, v: Int32Array, count: number, spacingUv: readonly [number, number]): number {
  const all = Array.from({ length: count }, (_, i) => i);
  const h = hull2D(u, v, all);
  let best = 0;
  for (let a = 0; a < h.length; a++) {
    for (let b = a + 1; b < h.length; b++) {
      const i = h[a]!, j = h[b]!;
      const du = (u[i]! / 2) * spacingUv[0] - (u[j]! / 2) * spacingUv[0];
      const dv = (v[i]! / 2) * spacingUv[1] - (v[j]! / 2) * spacingUv[1];
      const d = du * du + dv * dv;
      if (d > best) best = d;
    }
  }
  return Math.sqrt(best);
}
