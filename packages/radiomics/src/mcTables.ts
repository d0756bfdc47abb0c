/**
 * Marching-cubes geometry for the shape classes.
 *
 * Corner numbering (offsets in (z, y, x) index order, as PyRadiomics' cshape walks numpy arrays):
 *   0 (0,0,0) 1 (0,0,1) 2 (0,1,1) 3 (0,1,0) 4 (1,0,0) 5 (1,0,1) 6 (1,1,1) 7 (1,1,0)
 * Edges (corner pairs): 0:0-1 1:1-2 2:2-3 3:3-0 4:4-5 5:5-6 6:6-7 7:7-4 8:0-4 9:1-5 10:2-6 11:3-7.
 * Vertices sit at edge midpoints (binary mask → iso-value 0.5 is always halfway).
 *
 * TRIANGLES lists, for the 128 cube configurations with corner 7 outside, the triangles of the
 * classic public-domain Lorensen/Bourke triangulation table (configurations ≥ 128 use the complement,
 * as PyRadiomics does). Triangle winding is NOT taken from the table: `orientedTriangles` orients
 * each triangle so its normal points from the inside corner to the outside corner of its edges,
 * which makes the signed-tetrahedron volume sum positive.
 */
export const CORNERS: readonly (readonly [number, number, number])[] = [
  [0, 0, 0], [0, 0, 1], [0, 1, 1], [0, 1, 0], [1, 0, 0], [1, 0, 1], [1, 1, 1], [1, 1, 0],
];
export const EDGES: readonly (readonly [number, number])[] = [
  [0, 1], [1, 2], [2, 3], [3, 0], [4, 5], [5, 6], [6, 7], [7, 4], [0, 4], [1, 5], [2, 6], [3, 7],
];

const TRIANGLES: readonly (readonly number[])[] = [
  [], [0, 8, 3], [0, 1, 9], [1, 8, 3, 9, 8, 1], [1, 2, 10], [0, 8, 3, 1, 2, 10], [9, 2, 10, 0, 2, 9],
  [2, 8, 3, 2, 10, 8, 10, 9, 8], [3, 11, 2], [0, 11, 2, 8, 11, 0], [1, 9, 0, 2, 3, 11],
  [1, 11, 2, 1, 9, 11, 9, 8, 11], [3, 10, 1, 11, 10, 3], [0, 10, 1, 0, 8, 10, 8, 11, 10],
  [3, 9, 0, 3, 11, 9, 11, 10, 9], [9, 8, 10, 10, 8, 11], [4, 7, 8], [4, 3, 0, 7, 3, 4], [0, 1, 9, 8, 4, 7],
  [4, 1, 9, 4, 7, 1, 7, 3, 1], [1, 2, 10, 8, 4, 7], [3, 4, 7, 3, 0, 4, 1, 2, 10], [9, 2, 10, 9, 0, 2, 8, 4, 7],
  [2, 10, 9, 2, 9, 7, 2, 7, 3, 7, 9, 4], [8, 4, 7, 3, 11, 2], [11, 4, 7, 11, 2, 4, 2, 0, 4],
  [9, 0, 1, 8, 4, 7, 2, 3, 11], [4, 7, 11, 9, 4, 11, 9, 11, 2, 9, 2, 1], [3, 10, 1, 3, 11, 10, 7, 8, 4],
  [1, 11, 10, 1, 4, 11, 1, 0, 4, 7, 11, 4], [4, 7, 8, 9, 0, 11, 9, 11, 10, 11, 0, 3],
  [4, 7, 11, 4, 11, 9, 9, 11, 10], [9, 5, 4], [9, 5, 4, 0, 8, 3], [0, 5, 4, 1, 5, 0], [8, 5, 4, 8, 3, 5, 3, 1, 5],
  [1, 2, 10, 9, 5, 4], [3, 0, 8, 1, 2, 10, 4, 9, 5], [5, 2, 10, 5, 4, 2, 4, 0, 2],
  [2, 10, 5, 3, 2, 5, 3, 5, 4, 3, 4, 8], [9, 5, 4, 2, 3, 11], [0, 11, 2, 0, 8, 11, 4, 9, 5],
  [0, 5, 4, 0, 1, 5, 2, 3, 11], [2, 1, 5, 2, 5, 8, 2, 8, 11, 4, 8, 5], [10, 3, 11, 10, 1, 3, 9, 5, 4],
  [4, 9, 5, 0, 8, 1, 8, 10, 1, 8, 11, 10], [5, 4, 0, 5, 0, 11, 5, 11, 10, 11, 0, 3],
  [5, 4, 8, 5, 8, 10, 10, 8, 11], [9, 7, 8, 5, 7, 9], [9, 3, 0, 9, 5, 3, 5, 7, 3], [0, 7, 8, 0, 1, 7, 1, 5, 7],
  [1, 5, 3, 3, 5, 7], [9, 7, 8, 9, 5, 7, 10, 1, 2], [10, 1, 2, 9, 5, 0, 5, 3, 0, 5, 7, 3],
  [8, 0, 2, 8, 2, 5, 8, 5, 7, 10, 5, 2], [2, 10, 5, 2, 5, 3, 3, 5, 7], [7, 9, 5, 7, 8, 9, 3, 11, 2],
  [9, 5, 7, 9, 7, 2, 9, 2, 0, 2, 7, 11], [2, 3, 11, 0, 1, 8, 1, 7, 8, 1, 5, 7], [11, 2, 1, 11, 1, 7, 7, 1, 5],
  [9, 5, 8, 8, 5, 7, 10, 1, 3, 10, 3, 11], [5, 7, 0, 5, 0, 9, 7, 11, 0, 1, 0, 10, 11, 10, 0],
  [11, 10, 0, 11, 0, 3, 10, 5, 0, 8, 0, 7, 5, 7, 0], [11, 10, 5, 7, 11, 5], [10, 6, 5], [0, 8, 3, 5, 10, 6],
  [9, 0, 1, 5, 10, 6], [1, 8, 3, 1, 9, 8, 5, 10, 6], [1, 6, 5, 2, 6, 1], [1, 6, 5, 1, 2, 6, 3, 0, 8],
  [9, 6, 5, 9, 0, 6, 0, 2, 6], [5, 9, 8, 5, 8, 2, 5, 2, 6, 3, 2, 8], [2, 3, 11, 10, 6, 5],
  [11, 0, 8, 11, 2, 0, 10, 6, 5], [0, 1, 9, 2, 3, 11, 5, 10, 6], [5, 10, 6, 1, 9, 2, 9, 11, 2, 9, 8, 11],
  [6, 3, 11, 6, 5, 3, 5, 1, 3], [0, 8, 11, 0, 11, 5, 0, 5, 1, 5, 11, 6], [3, 11, 6, 0, 3, 6, 0, 6, 5, 0, 5, 9],
  [6, 5, 9, 6, 9, 11, 11, 9, 8], [5, 10, 6, 4, 7, 8], [4, 3, 0, 4, 7, 3, 6, 5, 10], [1, 9, 0, 5, 10, 6, 8, 4, 7],
  [10, 6, 5, 1, 9, 7, 1, 7, 3, 7, 9, 4], [6, 1, 2, 6, 5, 1, 4, 7, 8], [1, 2, 5, 5, 2, 6, 3, 0, 4, 3, 4, 7],
  [8, 4, 7, 9, 0, 5, 0, 6, 5, 0, 2, 6], [7, 3, 9, 7, 9, 4, 3, 2, 9, 5, 9, 6, 2, 6, 9],
  [3, 11, 2, 7, 8, 4, 10, 6, 5], [5, 10, 6, 4, 7, 2, 4, 2, 0, 2, 7, 11], [0, 1, 9, 4, 7, 8, 2, 3, 11, 5, 10, 6],
  [9, 2, 1, 9, 11, 2, 9, 4, 11, 7, 11, 4, 5, 10, 6], [8, 4, 7, 3, 11, 5, 3, 5, 1, 5, 11, 6],
  [5, 1, 11, 5, 11, 6, 1, 0, 11, 7, 11, 4, 0, 4, 11], [0, 5, 9, 0, 6, 5, 0, 3, 6, 11, 6, 3, 8, 4, 7],
  [6, 5, 9, 6, 9, 11, 4, 7, 9, 7, 11, 9], [10, 4, 9, 6, 4, 10], [4, 10, 6, 4, 9, 10, 0, 8, 3],
  [10, 0, 1, 10, 6, 0, 6, 4, 0], [8, 3, 1, 8, 1, 6, 8, 6, 4, 6, 1, 10], [1, 4, 9, 1, 2, 4, 2, 6, 4],
  [3, 0, 8, 1, 2, 9, 2, 4, 9, 2, 6, 4], [0, 2, 4, 4, 2, 6], [8, 3, 2, 8, 2, 4, 4, 2, 6],
  [10, 4, 9, 10, 6, 4, 11, 2, 3], [0, 8, 2, 2, 8, 11, 4, 9, 10, 4, 10, 6], [3, 11, 2, 0, 1, 6, 0, 6, 4, 6, 1, 10],
  [6, 4, 1, 6, 1, 10, 4, 8, 1, 2, 1, 11, 8, 11, 1], [9, 6, 4, 9, 3, 6, 9, 1, 3, 11, 6, 3],
  [8, 11, 1, 8, 1, 0, 11, 6, 1, 9, 1, 4, 6, 4, 1], [3, 11, 6, 3, 6, 0, 0, 6, 4], [6, 4, 8, 11, 6, 8],
  [7, 10, 6, 7, 8, 10, 8, 9, 10], [0, 7, 3, 0, 10, 7, 0, 9, 10, 6, 7, 10], [10, 6, 7, 1, 10, 7, 1, 7, 8, 1, 8, 0],
  [10, 6, 7, 10, 7, 1, 1, 7, 3], [1, 2, 6, 1, 6, 8, 1, 8, 9, 8, 6, 7],
  [2, 6, 9, 2, 9, 1, 6, 7, 9, 0, 9, 3, 7, 3, 9], [7, 8, 0, 7, 0, 6, 6, 0, 2], [7, 3, 2, 6, 7, 2],
  [2, 3, 11, 10, 6, 8, 10, 8, 9, 8, 6, 7], [2, 0, 7, 2, 7, 11, 0, 9, 7, 6, 7, 10, 9, 10, 7],
  [1, 8, 0, 1, 7, 8, 1, 10, 7, 6, 7, 10, 2, 3, 11], [11, 2, 1, 11, 1, 7, 10, 6, 1, 6, 7, 1],
  [8, 9, 6, 8, 6, 7, 9, 1, 6, 11, 6, 3, 1, 3, 6], [0, 9, 1, 11, 6, 7], [7, 8, 0, 7, 0, 6, 3, 11, 0, 11, 6, 0],
  [7, 11, 6],
];

/** Raw (unoriented) triangle edge lists for configurations 0..127, for verification. */
export const RAW_TRIANGLES = TRIANGLES;

/** Split a configuration's triangles into surface components (triangles sharing a vertex). */
function components(tri: readonly number[]): number[][] {
  const comps: { edges: Set<number>; tris: number[] }[] = [];
  for (let t = 0; t < tri.length; t += 3) {
    const e = [tri[t]!, tri[t + 1]!, tri[t + 2]!];
    const hit = comps.filter((c) => e.some((x) => c.edges.has(x)));
    const merged = { edges: new Set<number>(e), tris: [...e] };
    for (const c of hit) {
      c.edges.forEach((x) => merged.edges.add(x));
      merged.tris.push(...c.tris);
      comps.splice(comps.indexOf(c), 1);
    }
    comps.push(merged);
  }
  return comps.map((c) => c.tris);
}

const edgeKey = (tris: readonly number[]) => [...new Set(tris)].sort((a, b) => a - b).join(',');

/**
 * The table as current PyRadiomics uses it: a surface component is always triangulated the same
 * way, whatever else the cube holds — the way the classic table triangulates the configuration in
 * which that component is alone. (The classic table triangulates some multi-component cubes
 * differently; PyRadiomics' newer mesh code made them consistent, which is what moved its mesh
 * features by up to ~1e-3 relative.)
 */
function consistentTriangles(): number[][] {
  const single = new Map<string, readonly number[]>();
  TRIANGLES.forEach((tri) => {
    const comps = components(tri);
    if (comps.length === 1) {
      const k = edgeKey(tri);
      if (!single.has(k)) single.set(k, tri);
    }
  });
  return TRIANGLES.map((tri) => components(tri).flatMap((c) => [...(single.get(edgeKey(c)) ?? c)]));
}

function edgeMid(e: number): [number, number, number] {
  const [a, b] = EDGES[e]!;
  const pa = CORNERS[a]!, pb = CORNERS[b]!;
  return [(pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2, (pa[2] + pb[2]) / 2];
}

/** Edge midpoints (z, y, x) relative to the cube origin corner. */
export const EDGE_MIDPOINTS: readonly (readonly [number, number, number])[] = EDGES.map((_, e) => edgeMid(e));

/**
 * For every configuration 0..255 (bit k = corner k inside), the triangle edge triplets oriented
 * outward: configurations with corner 7 inside use the complement's triangles (PyRadiomics' halved
 * table), and orientation is decided against the actual inside corners.
 */
export function buildOrientedTriangles(): Int8Array[] {
  const consistent = consistentTriangles();
  const out: Int8Array[] = [];
  for (let cfg = 0; cfg < 256; cfg++) {
    const base = cfg & 0x80 ? cfg ^ 0xff : cfg;
    const tri = consistent[base]!;
    const oriented = new Int8Array(tri.length);
    for (let t = 0; t < tri.length; t += 3) {
      const e = [tri[t]!, tri[t + 1]!, tri[t + 2]!];
      const [a, b, c] = e.map(edgeMid) as [number, number, number][];
      const u = [b![0] - a![0], b![1] - a![1], b![2] - a![2]];
      const v = [c![0] - a![0], c![1] - a![1], c![2] - a![2]];
      const n = [u[1]! * v[2]! - u[2]! * v[1]!, u[2]! * v[0]! - u[0]! * v[2]!, u[0]! * v[1]! - u[1]! * v[0]!];
      // Sum over the three edges of n · (outside corner − inside corner): > 0 means outward.
      let s = 0;
      for (const edge of e) {
        const [p, q] = EDGES[edge]!;
        const pin = (cfg >> p) & 1;
        const [cin, cout] = pin ? [CORNERS[p]!, CORNERS[q]!] : [CORNERS[q]!, CORNERS[p]!];
        s += n[0]! * (cout[0] - cin[0]) + n[1]! * (cout[1] - cin[1]) + n[2]! * (cout[2] - cin[2]);
      }
      if (s >= 0) { oriented[t] = e[0]!; oriented[t + 1] = e[1]!; oriented[t + 2] = e[2]!; }
      else { oriented[t] = e[0]!; oriented[t + 1] = e[2]!; oriented[t + 2] = e[1]!; }
    }
    out.push(oriented);
  }
  return out;
}
