/**
 * Grey level co-occurrence matrix (IBSI 3.6): symmetric, Chebyshev distance 1, both voxels in
 * the ROI intensity mask. Matrices are (ng+1)² count arrays indexed [i·(ng+1) + j], levels 1..ng.
 */
import type { Dir, LevelGrid } from './levelGrid.ts';

/** Co-occurrence counts for one direction over slices zLo..zHi (pairs must lie within that range). */
export function glcmCounts(g: LevelGrid, d: Dir, zLo: number, zHi: number): Float64Array {
  const m = g.ng + 1;
  const P = new Float64Array(m * m);
  const [dx, dy, dz] = d;
  const { nx, ny, levels } = g;
  for (let z = zLo; z <= zHi; z++) {
    const z2 = z + dz;
    if (z2 < zLo || z2 > zHi) continue;
    for (let y = 0; y < ny; y++) {
      const y2 = y + dy;
      if (y2 < 0 || y2 >= ny) continue;
      const row = nx * (y + ny * z);
      const row2 = nx * (y2 + ny * z2);
      const x0 = Math.max(0, -dx);
      const x1 = Math.min(nx, nx - dx);
      for (let x = x0; x < x1; x++) {
        const i = levels[row + x] ?? 0;
        if (i === 0) continue;
        const j = levels[row2 + x + dx] ?? 0;
        if (j === 0) continue;
        P[i * m + j]++;
        P[j * m + i]++;
      }
    }
  }
  return P;
}

/** GLCM features of one (possibly merged) count matrix; undefined when it holds no pair. */
export function glcmFeatures(P: Float64Array, ng: number): Record<string, number> | undefined {
  const m = ng + 1;
  let total = 0;
  for (let k = 0; k < P.length; k++) total += P[k] ?? 0;
  if (total === 0) return undefined;
  const px = new Float64Array(m);
  const pdiff = new Float64Array(m);
  const psum = new Float64Array(2 * m);
  let jointMax = 0;
  let jointAvg = 0;
  let entropy = 0;
  let energy = 0;
  let contrast = 0;
  let dissim = 0;
  let invDiff = 0;
  let invDiffNorm = 0;
  let invDiffMom = 0;
  let invDiffMomNorm = 0;
  let invVar = 0;
  let autoCorr = 0;
  for (let i = 1; i <= ng; i++)
    for (let j = 1; j <= ng; j++) {
      const p = (P[i * m + j] ?? 0) / total;
      if (p === 0) continue;
      const k = Math.abs(i - j);
      px[i] = (px[i] ?? 0) + p;
      pdiff[k] = (pdiff[k] ?? 0) + p;
      psum[i + j] = (psum[i + j] ?? 0) + p;
      if (p > jointMax) jointMax = p;
      jointAvg += i * p;
      entropy -= p * Math.log2(p);
      energy += p * p;
      contrast += k * k * p;
      dissim += k * p;
      invDiff += p / (1 + k);
      invDiffNorm += p / (1 + k / ng);
      invDiffMom += p / (1 + k * k);
      invDiffMomNorm += p / (1 + (k * k) / (ng * ng));
      if (k > 0) invVar += p / (k * k);
      autoCorr += i * j * p;
    }
  let jointVar = 0;
  let clustTend = 0;
  let clustShade = 0;
  let clustProm = 0;
  let cov = 0;
  let hxy1 = 0;
  let hxy2 = 0;
  for (let i = 1; i <= ng; i++) {
    const pi = px[i] ?? 0;
    for (let j = 1; j <= ng; j++) {
      const pj = px[j] ?? 0;
      const pij = pi * pj;
      if (pij > 0) hxy2 -= pij * Math.log2(pij);
      const p = (P[i * m + j] ?? 0) / total;
      if (p === 0) continue;
      const a = i - jointAvg;
      const s = i + j - 2 * jointAvg;
      jointVar += a * a * p;
      cov += a * (j - jointAvg) * p;
      clustTend += s * s * p;
      clustShade += s * s * s * p;
      clustProm += s * s * s * s * p;
      hxy1 -= p * Math.log2(pij);
    }
  }
  let hx = 0;
  for (let i = 1; i <= ng; i++) {
    const pi = px[i] ?? 0;
    if (pi > 0) hx -= pi * Math.log2(pi);
  }
  let diffAvg = 0;
  let diffEntr = 0;
  for (let k = 0; k < m; k++) {
    const p = pdiff[k] ?? 0;
    diffAvg += k * p;
    if (p > 0) diffEntr -= p * Math.log2(p);
  }
  let diffVar = 0;
  for (let k = 0; k < m; k++) diffVar += (k - diffAvg) * (k - diffAvg) * (pdiff[k] ?? 0);
  let sumAvg = 0;
  let sumEntr = 0;
  for (let k = 2; k < 2 * m; k++) {
    const p = psum[k] ?? 0;
    sumAvg += k * p;
    if (p > 0) sumEntr -= p * Math.log2(p);
  }
  let sumVar = 0;
  for (let k = 2; k < 2 * m; k++) sumVar += (k - sumAvg) * (k - sumAvg) * (psum[k] ?? 0);
  // Symmetric matrix: the row and column marginals coincide, so σ_i = σ_j and H(X) = H(Y).
  return {
    joint_max: jointMax,
    joint_avg: jointAvg,
    joint_var: jointVar,
    joint_entr: entropy,
    diff_avg: diffAvg,
    diff_var: diffVar,
    diff_entr: diffEntr,
    sum_avg: sumAvg,
    sum_var: sumVar,
    sum_entr: sumEntr,
    energy,
    contrast,
    dissimilarity: dissim,
    inv_diff: invDiff,
    inv_diff_norm: invDiffNorm,
    inv_diff_mom: invDiffMom,
    inv_diff_mom_norm: invDiffMomNorm,
    inv_var: invVar,
    corr: jointVar > 0 ? cov / jointVar : 0,
    auto_corr: autoCorr,
    clust_tend: clustTend,
    clust_shade: clustShade,
    clust_prom: clustProm,
    info_corr1: hx > 0 ? (entropy - hxy1) / hx : 0,
    info_corr2: Math.sqrt(Math.max(0, 1 - Math.exp(-2 * (hxy2 - entropy)))),
  };
}
