/**
 * 2-D shape features (PyRadiomics `shape2D`, radiomics/shape2D.py + cshape.c calculate_coefficients2D)
 * of a one-slice ROI (force2D with the out-of-plane axis of size 1).
 *
 * Marching squares, vertices at edge midpoints, each inside corner cut off by its own segment
 * (the two saddle configurations keep diagonal corners apart, as PyRadiomics' table does).
 * MeshSurface = ½ Σ (a × b) over oriented segments (shoelace), Perimeter = Σ |a − b|.
 * Square corners (axis0, axis1): 0 (0,0) 1 (0,1) 2 (1,1) 3 (1,0); edges 0:0-1 1:1-2 2:2-3 3:3-0.
 */
import { maxDiameter2D } from './hull.ts';
import { principalEigenvalues } from './linalg.ts';

const SQ_CORNERS: readonly (readonly [number, number])[] = [[0, 0], [0, 1], [1, 1], [1, 0]];
const SQ_EDGES: readonly (readonly [number, number])[] = [[0, 1], [1, 2], [2, 3], [3, 0]];
/** Segments (edge pairs) per configuration: every segment separates one inside corner run from the outside. */
const SEGMENTS: readonly (readonly number[])[] = [
  [], [3, 0], [0, 1], [3, 1], [1, 2], [1, 2, 3, 0], [0, 2], [3, 2],
  [2, 3], [2, 0], [0, 1, 2, 3], [2, 1], [1, 3], [1, 0], [0, 3], [],
];

const mid = (e: number): [number, number] => {
  const [a, b] = SQ_EDGES[e]!;
  return [(SQ_CORNERS[a]![0] + SQ_CORNERS[b]![0]) / 2, (SQ_CORNERS[a]![1] + SQ_CORNERS[b]![1]) / 2];
};

/** Orient each segment so that the inside lies to the same side (positive shoelace area). */
function orientedSegments(): number[][] {
  return SEGMENTS.map((seg, cfg) => {
    const out: number[] = [];
    for (let s = 0; s < seg.length; s += 2) {
      const ea = seg[s]!, eb = seg[s + 1]!;
      const a = mid(ea), b = mid(eb);
      const d = [b[0] - a[0], b[1] - a[1]];
      // Inside corner of edge ea: the corner set in cfg.
      const [p, q] = SQ_EDGES[ea]!;
      const inside = (cfg >> p) & 1 ? SQ_CORNERS[p]! : SQ_CORNERS[q]!;
      const toIn = [inside[0] - a[0], inside[1] - a[1]];
      const side = d[0]! * toIn[1]! - d[1]! * toIn[0]!;
      if (side > 0) out.push(ea, eb); else out.push(eb, ea);
    }
    return out;
  });
}
const ORIENTED = orientedSegments();

export interface BinaryRoi2D {
  /** data[i1 + n1·i0] ≠ 0 inside; axes in PyRadiomics (numpy) order after dropping the 2-D axis. */
  data: Uint8Array;
  size: readonly [number, number]; // [n0, n1]
  spacingMm: readonly [number, number]; // [s0, s1]
}

export function shape2DFeatures(roi: BinaryRoi2D): Record<string, number> {
  const [n0, n1] = roi.size;
  const [s0, s1] = roi.spacingMm;
  const p0 = n0 + 2, p1 = n1 + 2;
  const m = new Uint8Array(p0 * p1);
  let np = 0;
  for (let i = 0; i < n0; i++) for (let j = 0; j < n1; j++) {
    if (roi.data[j + n1 * i]) { m[j + 1 + p1 * (i + 1)] = 1; np++; }
  }
  // Per-configuration constants: perimeter, Σ a×b and Σ (b − a) in mm.
  const per = new Float64Array(16), cr = new Float64Array(16), d0 = new Float64Array(16), d1 = new Float64Array(16);
  ORIENTED.forEach((seg, cfg) => {
    for (let s = 0; s < seg.length; s += 2) {
      const a = mid(seg[s]!), b = mid(seg[s + 1]!);
      const a0 = a[0] * s0, a1 = a[1] * s1, b0 = b[0] * s0, b1 = b[1] * s1;
      per[cfg] += Math.sqrt((a0 - b0) * (a0 - b0) + (a1 - b1) * (a1 - b1));
      cr[cfg] += a0 * b1 - b0 * a1;
      d0[cfg] += b0 - a0;
      d1[cfg] += b1 - a1;
    }
  });
  let perimeter = 0, surface = 0;
  const u: number[] = [], v: number[] = [];
  for (let i = 0; i < p0; i++) {
    for (let j = 0; j < p1; j++) {
      const k = j + p1 * i;
      const here = m[k]!;
      if (j + 1 < p1 && m[k + 1] !== here) { u.push(2 * i); v.push(2 * j + 1); }
      if (i + 1 < p0 && m[k + p1] !== here) { u.push(2 * i + 1); v.push(2 * j); }
      if (i + 1 >= p0 || j + 1 >= p1) continue;
      const cfg = here | (m[k + 1]! << 1) | (m[k + p1 + 1]! << 2) | (m[k + p1]! << 3);
      if (cfg === 0 || cfg === 15) continue;
      perimeter += per[cfg]!;
      // (p + a) × (p + b) = p × (b − a) + a × b
      surface += cr[cfg]! + (i * s0) * d1[cfg]! - (j * s1) * d0[cfg]!;
    }
  }
  surface /= 2;
  const diameter = maxDiameter2D(Int32Array.from(u), Int32Array.from(v), u.length, [s0, s1]);
  const coords = new Float64Array(np * 2);
  let c = 0;
  for (let i = 0; i < n0; i++) for (let j = 0; j < n1; j++) {
    if (roi.data[j + n1 * i]) { coords[c++] = (i + 1) * s0; coords[c++] = (j + 1) * s1; }
  }
  const [l0, l1] = principalEigenvalues(coords, 2) as [number, number];
  const sphericity = (2 * Math.sqrt(Math.PI * surface)) / perimeter;
  return {
    MeshSurface: surface,
    PixelSurface: np * (s1 * s0),
    Perimeter: perimeter,
    PerimeterSurfaceRatio: perimeter / surface,
    Sphericity: sphericity,
    SphericalDisproportion: 1 / sphericity,
    MaximumDiameter: diameter,
    MajorAxisLength: l1 < 0 ? NaN : Math.sqrt(l1) * 4,
    MinorAxisLength: l0 < 0 ? NaN : Math.sqrt(l0) * 4,
    Elongation: l0 < 0 || l1 < 0 ? NaN : Math.sqrt(l0 / l1),
  };
}
