/**
 * Vertices of trimesh.creation.icosphere(subdivisions, radius): the icosahedron with vertices
 * (±1, ±t, 0), (0, ±1, ±t), (±t, 0, ±1) / √(t²+1), t = golden ratio, each face split in four at its
 * edge midpoints `subdivisions` times, every vertex pushed onto the sphere of `radius` after each
 * split (with 0 subdivisions the unit icosahedron is returned unscaled, as trimesh does).
 * Only the vertex set matters to LBP3D (every use is a sum over vertices).
 */
export function icosphereVertices(subdivisions: number, radius: number): number[][] {
  const t = (1 + Math.sqrt(5)) / 2;
  const k = Math.sqrt(t * t + 1);
  let verts: number[][] = [
    [-1, t, 0], [1, t, 0], [-1, -t, 0], [1, -t, 0], [0, -1, t], [0, 1, t],
    [0, -1, -t], [0, 1, -t], [t, 0, -1], [t, 0, 1], [-t, 0, -1], [-t, 0, 1],
  ].map((v) => v.map((c) => c / k));
  // faces: triples of mutually nearest vertices (edge length 2/k on the unit icosahedron)
  const edge = 2 / k;
  const near = (a: number[], b: number[]) => Math.abs(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]) - edge) < 1e-9;
  let faces: number[][] = [];
  for (let a = 0; a < 12; a++) for (let b = a + 1; b < 12; b++) for (let c = b + 1; c < 12; c++) {
    if (near(verts[a], verts[b]) && near(verts[b], verts[c]) && near(verts[a], verts[c])) faces.push([a, b, c]);
  }
  for (let s = 0; s < subdivisions; s++) {
    const mids = new Map<string, number>();
    const mid = (a: number, b: number): number => {
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      let i = mids.get(key);
      if (i === undefined) {
        i = verts.length;
        verts.push([0, 1, 2].map((d) => (verts[a][d] + verts[b][d]) / 2));
        mids.set(key, i);
      }
      return i;
    };
    const next: number[][] = [];
    for (const [a, b, c] of faces) {
      const ab = mid(a, b);
      const bc = mid(b, c);
      const ca = mid(c, a);
      next.push([a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]);
    }
    faces = next;
    verts = verts.map((v) => {
      const r = Math.hypot(v[0], v[1], v[2]);
      return v.map((c) => c + (c / r) * (radius - r));
    });
  }
  return verts;
}
