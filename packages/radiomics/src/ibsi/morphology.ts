/**
 * Morphological features (IBSI 3.1), computed in 3D on the ROI morphological mask (mesh, voxel
 * counting, PCA, bounding volumes) and the intensity mask (centre of mass, integrated intensity,
 * Moran's I, Geary's C). Not computed: the oriented minimum bounding box and minimum-volume
 * enclosing ellipsoid densities, which the IBSI leaves unstandardised (no reference value).
 */
import convexHull from 'convex-hull';
import type { IbsiGrid } from './grid.ts';
import { meshOfMask } from './mesh.ts';
import { moranGeary } from './autocorrelation.ts';
import type { IbsiFeature } from './types.ts';

/** Eigenvalues of a symmetric 3×3 matrix, descending (trigonometric closed form). */
export function symmetricEigenvalues3(a: number, b: number, c: number, d: number, e: number, f: number): [number, number, number] {
  // Matrix [[a, d, f], [d, b, e], [f, e, c]]
  const p1 = d * d + e * e + f * f;
  if (p1 === 0) {
    const s = [a, b, c].sort((x, y) => y - x);
    return [s[0] ?? 0, s[1] ?? 0, s[2] ?? 0];
  }
  const q = (a + b + c) / 3;
  const p2 = (a - q) ** 2 + (b - q) ** 2 + (c - q) ** 2 + 2 * p1;
  const p = Math.sqrt(p2 / 6);
  const B = [(a - q) / p, d / p, f / p, d / p, (b - q) / p, e / p, f / p, e / p, (c - q) / p] as const;
  const detB = B[0] * (B[4] * B[8] - B[5] * B[7]) - B[1] * (B[3] * B[8] - B[5] * B[6]) + B[2] * (B[3] * B[7] - B[4] * B[6]);
  const r = Math.max(-1, Math.min(1, detB / 2));
  const phi = Math.acos(r) / 3;
  const l1 = q + 2 * p * Math.cos(phi);
  const l3 = q + 2 * p * Math.cos(phi + (2 * Math.PI) / 3);
  return [l1, 3 * q - l1 - l3, l3];
}

/**
 * Surface area of an ellipsoid with semi-axes a ≥ b ≥ c by the series of the IBSI manual (3.1.20):
 * A = 4π a b Σ_{ν=0}^{20} (αβ)^ν / (1 − 4ν²) · P_ν((α² + β²)/(2αβ)), α = √(1 − b²/a²), β = √(1 − c²/a²).
 * Q_ν = (αβ)^ν P_ν(x) is evaluated by the Legendre recurrence multiplied through by (αβ)^ν,
 * Q_ν = ((2ν−1)·(α²+β²)/2·Q_{ν−1} − (ν−1)(αβ)²·Q_{ν−2})/ν, which stays finite as αβ → 0.
 * Note: this is the IBSI definition, which the reference values follow; it is not the exact
 * geometric area (for semi-axes 1.2, 1, 1 it gives 13.44 mm² where the spheroid has 14.27 mm²).
 */
export function ellipsoidArea(a: number, b: number, c: number): number {
  const a2 = 1 - (b * b) / (a * a);
  const b2 = 1 - (c * c) / (a * a);
  const half = (Math.max(0, a2) + Math.max(0, b2)) / 2;
  const ab2 = Math.max(0, a2) * Math.max(0, b2);
  let q0 = 1;
  let q1 = half;
  let s = q0 + q1 / (1 - 4);
  for (let v = 2; v <= 20; v++) {
    const q2 = ((2 * v - 1) * half * q1 - (v - 1) * ab2 * q0) / v;
    s += q2 / (1 - 4 * v * v);
    q0 = q1;
    q1 = q2;
  }
  return 4 * Math.PI * a * b * s;
}

/**
 * Convex hull volume, area and vertices. The hull is built on exact integer coordinates (mesh
 * vertices lie on the half-voxel lattice) with robust predicates, then measured in mm: an axis
 * scaling maps the hull of the lattice points onto the hull of the mm points.
 */
function hullOf(vertices: Float64Array, spacingMm: [number, number, number]): { volume: number; area: number; points: number[][] } {
  const pts: number[][] = [];
  const lattice: number[][] = [];
  for (let i = 0; i < vertices.length; i += 3) {
    const p = [vertices[i] ?? 0, vertices[i + 1] ?? 0, vertices[i + 2] ?? 0];
    pts.push(p);
    lattice.push(p.map((c, k) => Math.round((2 * c) / (spacingMm[k] ?? 1))));
  }
  const faces = convexHull(lattice);
  let vol6 = 0;
  let area2 = 0;
  const used = new Set<number>();
  for (const f of faces) {
    for (const k of f) used.add(k);
    const p0 = pts[f[0] ?? 0] ?? [0, 0, 0];
    for (let k = 1; k + 1 < f.length; k++) {
      const p1 = pts[f[k] ?? 0] ?? p0;
      const p2 = pts[f[k + 1] ?? 0] ?? p0;
      const u = [(p1[0] ?? 0) - (p0[0] ?? 0), (p1[1] ?? 0) - (p0[1] ?? 0), (p1[2] ?? 0) - (p0[2] ?? 0)];
      const w = [(p2[0] ?? 0) - (p0[0] ?? 0), (p2[1] ?? 0) - (p0[1] ?? 0), (p2[2] ?? 0) - (p0[2] ?? 0)];
      const cx = (u[1] ?? 0) * (w[2] ?? 0) - (u[2] ?? 0) * (w[1] ?? 0);
      const cy = (u[2] ?? 0) * (w[0] ?? 0) - (u[0] ?? 0) * (w[2] ?? 0);
      const cz = (u[0] ?? 0) * (w[1] ?? 0) - (u[1] ?? 0) * (w[0] ?? 0);
      area2 += Math.hypot(cx, cy, cz);
      vol6 += (p0[0] ?? 0) * cx + (p0[1] ?? 0) * cy + (p0[2] ?? 0) * cz;
    }
  }
  return { volume: Math.abs(vol6) / 6, area: area2 / 2, points: [...used].map((k) => pts[k] ?? [0, 0, 0]) };
}

/** Strict vertices of the 2-D convex hull of integer points (monotone chain; collinear points dropped). */
function hull2dVertices(idx: number[], u: Int32Array, v: Int32Array): number[] {
  if (idx.length <= 2) return idx;
  const pts = [...idx].sort((a, b) => (u[a] ?? 0) - (u[b] ?? 0) || (v[a] ?? 0) - (v[b] ?? 0));
  const crossZ = (o: number, a: number, b: number): number =>
    ((u[a] ?? 0) - (u[o] ?? 0)) * ((v[b] ?? 0) - (v[o] ?? 0)) - ((v[a] ?? 0) - (v[o] ?? 0)) * ((u[b] ?? 0) - (u[o] ?? 0));
  const lower: number[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && crossZ(lower[lower.length - 2] ?? 0, lower[lower.length - 1] ?? 0, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: number[] = [];
  for (let k = pts.length - 1; k >= 0; k--) {
    const p = pts[k] ?? 0;
    while (upper.length >= 2 && crossZ(upper[upper.length - 2] ?? 0, upper[upper.length - 1] ?? 0, p) <= 0) upper.pop();
    upper.push(p);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

/**
 * Reduce the mesh vertices to hull-vertex candidates: a point that is not a vertex of the 2-D hull
 * of the points sharing its x (or y, or z) plane is a convex combination of them, hence not a 3-D
 * hull vertex. Applied along the three axes on exact lattice coordinates (half-voxel units).
 */
function hullCandidates(v: Float64Array, spacingMm: [number, number, number]): Float64Array {
  const n = v.length / 3;
  const L = [0, 1, 2].map((k) => Int32Array.from({ length: n }, (_, i) => Math.round((2 * (v[3 * i + k] ?? 0)) / (spacingMm[k] ?? 1))));
  let alive = Array.from({ length: n }, (_, i) => i);
  for (let axis = 0; axis < 3; axis++) {
    const c = L[axis] as Int32Array;
    const u = L[(axis + 1) % 3] as Int32Array;
    const w = L[(axis + 2) % 3] as Int32Array;
    const planes = new Map<number, number[]>();
    for (const i of alive) {
      const key = c[i] ?? 0;
      const list = planes.get(key);
      if (list) list.push(i);
      else planes.set(key, [i]);
    }
    alive = [];
    for (const list of planes.values()) alive.push(...hull2dVertices(list, u, w));
  }
  const out = new Float64Array(alive.length * 3);
  alive.forEach((i, k) => {
    out[3 * k] = v[3 * i] ?? 0;
    out[3 * k + 1] = v[3 * i + 1] ?? 0;
    out[3 * k + 2] = v[3 * i + 2] ?? 0;
  });
  return out;
}

export function morphology(g: IbsiGrid, autocorrelation = true): IbsiFeature[] {
  const { nx, ny, nz, image, morphMask, intensityMask } = g;
  const [sx, sy, sz] = g.spacingMm;
  const mesh = meshOfMask(morphMask, nx, ny, nz, g.spacingMm);
  const V = mesh.volumeMm3;
  const A = mesh.areaMm2;

  // Voxel-centre statistics of the morphological mask, and intensity-weighted centre.
  let nMorph = 0;
  let gx = 0;
  let gy = 0;
  let gz = 0;
  let wsum = 0;
  let wx = 0;
  let wy = 0;
  let wz = 0;
  let nInt = 0;
  let isum = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const i = x + nx * (y + ny * z);
        if (morphMask[i]) {
          nMorph++;
          gx += x * sx;
          gy += y * sy;
          gz += z * sz;
        }
        if (intensityMask[i]) {
          const v = image[i] ?? 0;
          nInt++;
          isum += v;
          wsum += v;
          wx += v * x * sx;
          wy += v * y * sy;
          wz += v * z * sz;
        }
      }
  gx /= nMorph;
  gy /= nMorph;
  gz /= nMorph;
  let cxx = 0;
  let cyy = 0;
  let czz = 0;
  let cxy = 0;
  let cyz = 0;
  let cxz = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        if (!morphMask[x + nx * (y + ny * z)]) continue;
        const dx = x * sx - gx;
        const dy = y * sy - gy;
        const dz = z * sz - gz;
        cxx += dx * dx;
        cyy += dy * dy;
        czz += dz * dz;
        cxy += dx * dy;
        cyz += dy * dz;
        cxz += dx * dz;
      }
  // Sample covariance (divisor N − 1), as the IBSI reference implementations compute it.
  const dn = Math.max(1, nMorph - 1);
  const [l1, l2, l3] = symmetricEigenvalues3(cxx / dn, cyy / dn, czz / dn, cxy / dn, cyz / dn, cxz / dn);

  // Axis-aligned bounding box of the mesh vertices.
  const vtx = mesh.vertices;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < vtx.length; i += 3)
    for (let k = 0; k < 3; k++) {
      const c = vtx[i + k] ?? 0;
      if (c < (lo[k] ?? 0)) lo[k] = c;
      if (c > (hi[k] ?? 0)) hi[k] = c;
    }
  const ex = (hi[0] ?? 0) - (lo[0] ?? 0);
  const ey = (hi[1] ?? 0) - (lo[1] ?? 0);
  const ez = (hi[2] ?? 0) - (lo[2] ?? 0);

  const hull = hullOf(hullCandidates(vtx, g.spacingMm), g.spacingMm);
  // Maximum 3D diameter: the farthest pair of mesh vertices is a pair of hull vertices.
  let diam2 = 0;
  const hp = hull.points;
  for (let i = 0; i < hp.length; i++) {
    const p = hp[i] ?? [0, 0, 0];
    for (let j = i + 1; j < hp.length; j++) {
      const q = hp[j] ?? [0, 0, 0];
      const d = ((p[0] ?? 0) - (q[0] ?? 0)) ** 2 + ((p[1] ?? 0) - (q[1] ?? 0)) ** 2 + ((p[2] ?? 0) - (q[2] ?? 0)) ** 2;
      if (d > diam2) diam2 = d;
    }
  }

  const a = 2 * Math.sqrt(l1);
  const b = 2 * Math.sqrt(l2);
  const c = 2 * Math.sqrt(l3);
  const { moranI, gearyC } = autocorrelation
    ? moranGeary(image, intensityMask, nx, ny, nz, g.spacingMm)
    : { moranI: NaN, gearyC: NaN };
  const comShift = Math.hypot(gx - wx / wsum, gy - wy / wsum, gz - wz / wsum);
  const s36 = 36 * Math.PI * V * V;
  const values: [string, string, number][] = [
    ['morph_volume', 'RNU0', V],
    ['morph_vol_approx', 'YEKZ', nMorph * sx * sy * sz],
    ['morph_area_mesh', 'C0JK', A],
    ['morph_av', '2PR5', A / V],
    ['morph_comp_1', 'SKGS', V / (Math.sqrt(Math.PI) * Math.pow(A, 1.5))],
    ['morph_comp_2', 'BQWJ', s36 / (A * A * A)],
    ['morph_sph_dispr', 'KRCK', A / Math.cbrt(s36)],
    ['morph_sphericity', 'QCFX', Math.cbrt(s36) / A],
    ['morph_asphericity', '25C7', Math.cbrt((A * A * A) / s36) - 1],
    ['morph_com', 'KLMA', comShift],
    ['morph_diam', 'L0JK', Math.sqrt(diam2)],
    ['morph_pca_maj_axis', 'TDIC', 4 * Math.sqrt(l1)],
    ['morph_pca_min_axis', 'P9VJ', 4 * Math.sqrt(l2)],
    ['morph_pca_least_axis', '7J51', 4 * Math.sqrt(l3)],
    ['morph_pca_elongation', 'Q3CK', Math.sqrt(l2 / l1)],
    ['morph_pca_flatness', 'N17B', Math.sqrt(l3 / l1)],
    ['morph_vol_dens_aabb', 'PBX1', V / (ex * ey * ez)],
    ['morph_area_dens_aabb', 'R59B', A / (2 * (ex * ey + ey * ez + ex * ez))],
    ['morph_vol_dens_aee', '6BDE', V / ((4 * Math.PI * a * b * c) / 3)],
    ['morph_area_dens_aee', 'RDD2', A / ellipsoidArea(a, b, c)],
    ['morph_vol_dens_conv_hull', 'R3ER', V / hull.volume],
    ['morph_area_dens_conv_hull', '7T7F', A / hull.area],
    ['morph_integ_int', '99N0', V * (isum / nInt)],
    ['morph_moran_i', 'N365', moranI],
    ['morph_geary_c', 'NPT7', gearyC],
  ];
  return values
    .filter(([tag]) => autocorrelation || (tag !== 'morph_moran_i' && tag !== 'morph_geary_c'))
    .map(([tag, ibsiCode, value]) => ({ tag, ibsiCode, family: 'morphology', aggregation: 'n/a', value }));
}
