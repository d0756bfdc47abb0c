/**
 * PyRadiomics getLBP3DImage (Banerjee et al., ACCV 2012 workshops): rotation-invariant 3-D LBP
 * from spherical harmonics, computed for ROI voxels only. Settings: lbp3DLevels (2),
 * lbp3DIcosphereRadius (1), lbp3DIcosphereSubdivision (1), label.
 *
 * For each ROI voxel p (numpy index (z, y, x)) and each icosphere vertex v = (v0, v1, v2):
 *   g_v = cubic-spline value at (z + v0, y + v1, x + v2) (scipy map_coordinates, order 3: mirror
 *         prefilter, 0 outside the grid) — vertex components added to numpy axes, in voxel units;
 *   k_p = excess kurtosis of {g_v} (scipy.stats.kurtosis, population moments; NaN if flat);
 *   s_v = [g_v ≥ f(p)];  c_nm = Σ_v s_v Y_n^m(v)  (no conjugate, as PyRadiomics);
 *   f_n(v) = Σ_m c_nm Y_n^m(v);  m_{n+1}(p) = Re √(Σ_v f_n(v)²) (complex square and principal root);
 * with Y_n^m = scipy.special.sph_harm(m, n, θ, φ), θ = arccos(v2 / R), φ = atan2(v1, v0) — scipy's
 * (azimuth, polar) argument order, so θ enters as the azimuth, as in PyRadiomics.
 * Outputs 'lbp-3D-m1' … 'lbp-3D-m<levels>' and 'lbp-3D-k'.
 *
 * Deviation: voxels outside the ROI are 0 (PyRadiomics leaves them uninitialised memory).
 */
import type { ImageTypeFn, DerivedImage } from './types.ts';
import { numOpt } from './options.ts';
import { icosphereVertices } from './icosphere.ts';
import { bsplineAt, bsplineCoefficients } from './interpolate.ts';
import { withData } from './volume-util.ts';

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/** Associated Legendre P_n^m(x), m ≥ 0, with the Condon–Shortley phase (as scipy.special.lpmv). */
function legendre(n: number, m: number, x: number): number {
  let pmm = 1;
  const s = Math.sqrt((1 - x) * (1 + x));
  for (let i = 1; i <= m; i++) pmm *= -(2 * i - 1) * s;
  if (n === m) return pmm;
  let pm1 = x * (2 * m + 1) * pmm;
  if (n === m + 1) return pm1;
  let pn = 0;
  for (let l = m + 2; l <= n; l++) {
    pn = ((2 * l - 1) * x * pm1 - (l + m - 1) * pmm) / (l - m);
    pmm = pm1;
    pm1 = pn;
  }
  return pn;
}

/** scipy.special.sph_harm(m, n, azimuth, polar) as [re, im]. */
export function sphHarm(m: number, n: number, azimuth: number, polar: number): [number, number] {
  const am = Math.abs(m);
  let p = legendre(n, am, Math.cos(polar));
  if (m < 0) p *= ((am % 2 ? -1 : 1) * factorial(n - am)) / factorial(n + am);
  const norm = Math.sqrt(((2 * n + 1) / (4 * Math.PI)) * (factorial(n - m) / factorial(n + m)));
  return [norm * p * Math.cos(m * azimuth), norm * p * Math.sin(m * azimuth)];
}

/** Cubic B-spline weights for a fractional offset t ∈ [0, 1) (as ITK/scipy evaluate them). */
function cubicWeights(t: number): number[] {
  const w3 = (1.0 / 6.0) * t * t * t;
  const w0 = 1.0 / 6.0 + 0.5 * t * (t - 1.0) - w3;
  const w2 = t + w0 - 2.0 * w3;
  const w1 = 1.0 - w0 - w2 - w3;
  return [w0, w1, w2, w3];
}

/** Real part of the principal complex square root of a + bi (numpy's stable csqrt). */
function sqrtRe(a: number, b: number): number {
  if (b === 0) return a >= 0 ? Math.sqrt(a) : 0;
  const r = Math.hypot(a, b);
  if (a >= 0) return Math.sqrt((r + a) / 2);
  const t = Math.sqrt((r - a) / 2);
  return Math.abs(b) / (2 * t);
}

export const lbp3DImages: ImageTypeFn = (image, mask, opts) => {
  const levels = numOpt(opts, 'lbp3DLevels', 2);
  const R = numOpt(opts, 'lbp3DIcosphereRadius', 1);
  const sub = numOpt(opts, 'lbp3DIcosphereSubdivision', 1);
  const label = numOpt(opts, 'label', 1);
  const [nx, ny, nz] = image.size;
  const verts = icosphereVertices(sub, R);
  const nv = verts.length;
  // spherical harmonics per (n, m) and vertex
  const harmonics: Array<{ n: number; re: Float64Array; im: Float64Array }> = [];
  for (let n = 0; n < levels; n++) {
    for (let m = -n; m <= n; m++) {
      const re = new Float64Array(nv);
      const im = new Float64Array(nv);
      verts.forEach((v, i) => {
        const theta = Math.acos(v[2] / R);
        const phi = Math.atan2(v[1], v[0]);
        [re[i], im[i]] = sphHarm(m, n, theta, phi);
      });
      harmonics.push({ n, re, im });
    }
  }
  const nh = harmonics.length;
  // harmonics are stored level by level: level n occupies indices [n², (n+1)²)
  const levelRange = Array.from({ length: levels }, (_, n) => [n * n, (n + 1) * (n + 1)]);
  const coef = bsplineCoefficients(image.data, nx, ny, nz, true);
  // Interior voxels (whole 4×4×4 support of every vertex inside the grid) use a precomputed stencil:
  // the fractional offsets of p + v are those of v, so the 64 weights per vertex are shared.
  const stencil = verts.map((v) => {
    const off = [v[2], v[1], v[0]]; // x, y, z offsets (numpy axes 2, 1, 0)
    const base = off.map((o) => Math.floor(o) - 1);
    const w = off.map((o, a) => cubicWeights(o - (base[a] + 1)));
    const weights = new Float64Array(64);
    const offsets = new Int32Array(64);
    let t = 0;
    for (let k = 0; k < 4; k++) for (let j = 0; j < 4; j++) for (let i = 0; i < 4; i++, t++) {
      weights[t] = w[0][i] * w[1][j] * w[2][k];
      offsets[t] = base[0] + i + nx * (base[1] + j + ny * (base[2] + k));
    }
    return { weights, offsets };
  });
  const reach = Math.ceil(R) + 2;
  const results = Array.from({ length: levels }, () => new Float64Array(image.data.length));
  const kurt = new Float64Array(image.data.length);
  const g = new Float64Array(nv);
  const s = new Uint8Array(nv);
  const cRe = new Float64Array(harmonics.length);
  const cIm = new Float64Array(harmonics.length);
  const tol = 1e-9;
  let p = 0;
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, p++) {
    if (mask.data[p] !== label) continue;
    let mean = 0;
    const interior = x >= reach && y >= reach && z >= reach && x < nx - reach && y < ny - reach && z < nz - reach;
    for (let i = 0; i < nv; i++) {
      if (interior) {
        const { weights, offsets } = stencil[i];
        let acc = 0;
        for (let t = 0; t < 64; t++) acc += weights[t] * coef[p + offsets[t]];
        g[i] = acc;
        mean += acc;
        continue;
      }
      const v = verts[i];
      // numpy axes (z, y, x) get vertex components (0, 1, 2)
      const cz = z + v[0];
      const cy = y + v[1];
      const cx = x + v[2];
      const inside = cx >= -tol && cx <= nx - 1 + tol && cy >= -tol && cy <= ny - 1 + tol && cz >= -tol && cz <= nz - 1 + tol;
      g[i] = inside ? bsplineAt(coef, nx, ny, nz, cx, cy, cz) : 0;
      mean += g[i];
    }
    mean /= nv;
    let m2 = 0;
    let m4 = 0;
    for (let i = 0; i < nv; i++) {
      const d = g[i] - mean;
      const d2 = d * d;
      m2 += d2;
      m4 += d2 * d2;
    }
    m2 /= nv;
    m4 /= nv;
    // scipy.stats.kurtosis: NaN when the variance is zero to float resolution
    kurt[p] = m2 <= (1e-15 * mean) ** 2 ? NaN : m4 / (m2 * m2) - 3;
    const centre = image.data[p];
    for (let i = 0; i < nv; i++) s[i] = g[i] >= centre ? 1 : 0;
    for (let j = 0; j < nh; j++) {
      const hr = harmonics[j].re;
      const hi = harmonics[j].im;
      let re = 0;
      let im = 0;
      for (let i = 0; i < nv; i++) if (s[i]) {
        re += hr[i];
        im += hi[i];
      }
      cRe[j] = re;
      cIm[j] = im;
    }
    for (let n = 0; n < levels; n++) {
      const [j0, j1] = levelRange[n];
      let sumRe = 0;
      let sumIm = 0;
      for (let i = 0; i < nv; i++) {
        let fr = 0;
        let fi = 0;
        for (let j = j0; j < j1; j++) {
          const yr = harmonics[j].re[i];
          const yi = harmonics[j].im[i];
          fr += cRe[j] * yr - cIm[j] * yi;
          fi += cRe[j] * yi + cIm[j] * yr;
        }
        sumRe += fr * fr - fi * fi;
        sumIm += 2 * fr * fi;
      }
      results[n][p] = sqrtRe(sumRe, sumIm);
    }
  }
  const out: DerivedImage[] = results.map((r, i) => ({ name: `lbp-3D-m${i + 1}`, image: withData(image, r) }));
  out.push({ name: 'lbp-3D-k', image: withData(image, kurt) });
  return out;
};
