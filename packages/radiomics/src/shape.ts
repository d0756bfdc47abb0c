/**
 * 3-D shape features (PyRadiomics `shape`, radiomics/shape.py + src/cshape.c), IBSI 3.1 codes noted.
 *
 * The mask (cropped to its bounding box) is padded by one voxel and meshed by marching cubes with
 * vertices at edge midpoints. Per cube configuration the triangle area and the two terms of the
 * signed-tetrahedron volume are constants, so the mesh pass is one table look-up per boundary cube:
 *   V = Σ_cubes [ s0(cfg) + p · N(cfg) ] / 6,  s0 = Σ a·(b×c),  N = Σ (b×c + c×a + a×b)
 * where p is the cube origin and a, b, c the triangle vertices relative to it (all in mm).
 * Diameters: exact maxima over mesh vertices via convex hulls (hull.ts), not PyRadiomics' O(n²) scan.
 */
import { EDGE_MIDPOINTS } from './mcTables.ts';
import { orientedTriangles } from './mcOriented.ts';
import { meshDiameters, type GridPoints } from './hull.ts';
import { principalEigenvalues } from './linalg.ts';

/** A binary ROI on a box: data[x + nx·(y + ny·z)] ≠ 0 inside. Spacing (x, y, z) mm. */
export interface BinaryRoi {
  data: Uint8Array;
  size: readonly [number, number, number];
  spacingMm: readonly [number, number, number];
}

interface ConfigTables {
  area: Float64Array;
  s0: Float64Array;
  n: Float64Array; // 3 per config (z, y, x)
}

function configTables(sz: number, sy: number, sx: number): ConfigTables {
  const area = new Float64Array(256);
  const s0 = new Float64Array(256);
  const n = new Float64Array(768);
  // edge midpoints in mm, (z, y, x) per edge; scalar arithmetic below (this runs once per spacing, in
  // the interpreter on a fresh process: no small arrays per triangle)
  const v = new Float64Array(36);
  for (let e = 0; e < 12; e++) {
    const [z, y, x] = EDGE_MIDPOINTS[e]!;
    v[3 * e] = z * sz; v[3 * e + 1] = y * sy; v[3 * e + 2] = x * sx;
  }
  const oriented = orientedTriangles();
  for (let cfg = 0; cfg < 256; cfg++) {
    const tri = oriented[cfg]!;
    let s = 0, tz = 0, ty = 0, tx = 0, ar = 0;
    for (let t = 0; t < tri.length; t += 3) {
      const ia = 3 * tri[t]!, ib = 3 * tri[t + 1]!, ic = 3 * tri[t + 2]!;
      const a0 = v[ia]!, a1 = v[ia + 1]!, a2 = v[ia + 2]!;
      const b0 = v[ib]!, b1 = v[ib + 1]!, b2 = v[ib + 2]!;
      const c0 = v[ic]!, c1 = v[ic + 1]!, c2 = v[ic + 2]!;
      // b×c, c×a, a×b
      const bc0 = b1 * c2 - b2 * c1, bc1 = b2 * c0 - b0 * c2, bc2 = b0 * c1 - b1 * c0;
      const ca0 = c1 * a2 - c2 * a1, ca1 = c2 * a0 - c0 * a2, ca2 = c0 * a1 - c1 * a0;
      const ab0 = a1 * b2 - a2 * b1, ab1 = a2 * b0 - a0 * b2, ab2 = a0 * b1 - a1 * b0;
      s += a0 * bc0 + a1 * bc1 + a2 * bc2;
      const nz = bc0 + ca0 + ab0, ny = bc1 + ca1 + ab1, nx = bc2 + ca2 + ab2;
      tz += nz; ty += ny; tx += nx;
      ar += 0.5 * Math.sqrt(nz * nz + ny * ny + nx * nx);
    }
    s0[cfg] = s; n[3 * cfg] = tz; n[3 * cfg + 1] = ty; n[3 * cfg + 2] = tx; area[cfg] = ar;
  }
  return { area, s0, n };
}

const tableCache = new Map<string, ConfigTables>();
function tablesFor(sz: number, sy: number, sx: number): ConfigTables {
  const key = `${sz},${sy},${sx}`;
  let t = tableCache.get(key);
  if (!t) {
    t = configTables(sz, sy, sx);
    if (tableCache.size > 64) tableCache.clear();
    tableCache.set(key, t);
  }
  return t;
}

export interface MeshResult {
  surfaceAreaMm2: number;
  volumeMm3: number;
  /** [Slice (same z), Column (same y), Row (same x), 3-D] maximum diameters in mm. */
  diametersMm: [number, number, number, number];
}

/** Pad a box ROI by one zero voxel on each side. */
function pad1(roi: BinaryRoi): { m: Uint8Array; px: number; py: number; pz: number } {
  const [nx, ny, nz] = roi.size;
  const px = nx + 2, py = ny + 2, pz = nz + 2;
  const m = new Uint8Array(px * py * pz);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const src = nx * (y + ny * z);
      const dst = 1 + px * (y + 1 + py * (z + 1));
      for (let x = 0; x < nx; x++) m[dst + x] = roi.data[src + x] ? 1 : 0;
    }
  }
  return { m, px, py, pz };
}

/** Marching-cubes surface area and volume, and mesh-vertex diameters, of a binary ROI. */
export function meshMetrics(roi: BinaryRoi): MeshResult {
  const [sx, sy, sz] = roi.spacingMm;
  const { m, px, py, pz } = pad1(roi);
  const T = tablesFor(sz, sy, sx);
  const sxy = px * py;
  let area = 0;
  let vol = 0;
  for (let z = 0; z < pz - 1; z++) {
    const pzmm = z * sz;
    for (let y = 0; y < py - 1; y++) {
      const pymm = y * sy;
      let i = px * (y + py * z);
      for (let x = 0; x < px - 1; x++, i++) {
        // Corner k → (dz, dy, dx): 0 000, 1 001, 2 011, 3 010, 4 100, 5 101, 6 111, 7 110
        const cfg = m[i]! | (m[i + 1]! << 1) | (m[i + px + 1]! << 2) | (m[i + px]! << 3) |
          (m[i + sxy]! << 4) | (m[i + sxy + 1]! << 5) | (m[i + sxy + px + 1]! << 6) | (m[i + sxy + px]! << 7);
        if (cfg === 0 || cfg === 255) continue;
        area += T.area[cfg]!;
        vol += T.s0[cfg]! + pzmm * T.n[3 * cfg]! + pymm * T.n[3 * cfg + 1]! + x * sx * T.n[3 * cfg + 2]!;
      }
    }
  }
  return { surfaceAreaMm2: area, volumeMm3: vol / 6, diametersMm: meshDiameters(boundaryVertices(m, px, py, pz), [sz, sy, sx]) };
}

/** Mesh vertices = midpoints of grid edges joining an inside and an outside voxel (doubled coords). */
function boundaryVertices(m: Uint8Array, px: number, py: number, pz: number): GridPoints {
  const zs: number[] = [], ys: number[] = [], xs: number[] = [];
  const sxy = px * py;
  for (let z = 0; z < pz; z++) {
    for (let y = 0; y < py; y++) {
      let i = px * (y + py * z);
      for (let x = 0; x < px; x++, i++) {
        const a = m[i]!;
        if (x + 1 < px && m[i + 1] !== a) { zs.push(2 * z); ys.push(2 * y); xs.push(2 * x + 1); }
        if (y + 1 < py && m[i + px] !== a) { zs.push(2 * z); ys.push(2 * y + 1); xs.push(2 * x); }
        if (z + 1 < pz && m[i + sxy] !== a) { zs.push(2 * z + 1); ys.push(2 * y); xs.push(2 * x); }
      }
    }
  }
  return { z: Int32Array.from(zs), y: Int32Array.from(ys), x: Int32Array.from(xs), count: zs.length };
}

/** Physical (z, y, x)·spacing coordinates of ROI voxels in the padded frame, for the PCA. */
function voxelCoordinates(roi: BinaryRoi): { coords: Float64Array; np: number } {
  const [nx, ny, nz] = roi.size;
  const [sx, sy, sz] = roi.spacingMm;
  let np = 0;
  const rd = roi.data, n = rd.length;
  for (let i = 0; i < n; i++) if (rd[i]) np++;
  const coords = new Float64Array(np * 3);
  let k = 0;
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    if (!rd[x + nx * (y + ny * z)]) continue;
    coords[k++] = (z + 1) * sz; coords[k++] = (y + 1) * sy; coords[k++] = (x + 1) * sx;
  }
  return { coords, np };
}

/** All PyRadiomics 3-D shape features (including the optional ones) of a binary ROI. */
export function shapeFeatures(roi: BinaryRoi): Record<string, number> {
  const { surfaceAreaMm2: A, volumeMm3: V, diametersMm: d } = meshMetrics(roi);
  const { coords, np } = voxelCoordinates(roi);
  const [l0, l1, l2] = principalEigenvalues(coords, 3) as [number, number, number];
  const [sx, sy, sz] = roi.spacingMm;
  const axis = (l: number) => (l < 0 ? NaN : Math.sqrt(l) * 4);
  const ratio = (a: number, b: number) => (a < 0 || b < 0 ? NaN : Math.sqrt(a / b));
  const sphereTerm = Math.cbrt(36 * Math.PI * V * V);
  return {
    MeshVolume: V, // IBSI RNU0
    VoxelVolume: np * (sz * sx * sy), // IBSI YEKZ
    SurfaceArea: A, // IBSI C0JK
    SurfaceVolumeRatio: A / V, // IBSI 2PR5
    Sphericity: sphereTerm / A, // IBSI QCFX
    Compactness1: V / (Math.pow(A, 1.5) * Math.sqrt(Math.PI)), // IBSI SKGS
    Compactness2: (36 * Math.PI) * (V * V) / (A * A * A), // IBSI BQWJ
    SphericalDisproportion: A / sphereTerm, // IBSI KRCK
    Maximum3DDiameter: d[3], // IBSI L0JK
    Maximum2DDiameterSlice: d[0],
    Maximum2DDiameterColumn: d[1],
    Maximum2DDiameterRow: d[2],
    MajorAxisLength: axis(l2), // IBSI TDIC
    MinorAxisLength: axis(l1), // IBSI P9VJ
    LeastAxisLength: axis(l0), // IBSI 7J51
    Elongation: ratio(l1, l2), // IBSI Q3CK
    Flatness: ratio(l0, l2), // IBSI N17B
  };
}
