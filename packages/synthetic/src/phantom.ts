/**
 * Synthetic post-TACE CT phantom: a liver-like background with one irregular lesion carrying
 * lipiodol deposits and necrosis, optional satellite nodules, and the tumour mask.
 * Small on purpose (96×96×40 at 0.8×0.8×2.5 mm) so that a 400-patient cohort builds in minutes.
 */
import { IDENTITY_DIRECTION, type LabelMap, type Vec3, type Volume } from '@tace/common';
import { randomRotation, waveField } from './fields.ts';
import type { Rng } from './random.ts';

export const PHANTOM_SIZE: Vec3 = [96, 96, 40];
export const PHANTOM_SPACING_MM: Vec3 = [0.8, 0.8, 2.5];
/**
 * The phantom's field of view is 76.8 × 76.8 × 100 mm, so lesions larger than this are drawn at
 * this diameter; their clinical size (what the nomogram uses) is unchanged.
 */
export const MAX_RENDERED_DIAMETER_MM = 50;

/** Hidden per-lesion image parameters; the outcome model reads some of them (see outcome.ts). */
export interface LesionLatent {
  /** 0–1: amplitude of the texture inside the lipiodol deposit (the outcome's "heterogeneity"). */
  heterogeneity: number;
  /** 0.2–1: share of the lesion volume covered by lipiodol. */
  lipiodolCoverage: number;
  /** 0–0.3: share of the lesion volume (central) that is necrotic where there is no lipiodol. */
  necrosisFraction: number;
  /** 0.05–0.25: amplitude of the boundary perturbation of the ellipsoid. */
  irregularity: number;
  /** HU of the lipiodol deposit before texture (350–900). */
  lipiodolBaseHu: number;
}

export function drawLesionLatent(rng: Rng): LesionLatent {
  return {
    heterogeneity: rng.uniform(),
    lipiodolCoverage: rng.between(0.2, 1.0),
    necrosisFraction: rng.between(0, 0.3),
    irregularity: rng.between(0.05, 0.25),
    lipiodolBaseHu: rng.between(350, 900),
  };
}

export interface Phantom {
  /** CT in HU (Int16). LPS, identity direction. */
  ct: Volume<Int16Array>;
  /** Tumour mask (1 = lesion incl. satellites). */
  mask: LabelMap;
  /** Diameter the main lesion was drawn at, mm (largest semi-axis × 2 before perturbation). */
  renderedDiameterMm: number;
  satelliteCount: number;
}

const LIVER_HU = 60;
const VIABLE_TUMOUR_HU = 45;
const NECROSIS_HU = 15;
const NOISE_SD_HU = 12;
const LIPIODOL_MIN_HU = 200;
const LIPIODOL_MAX_HU = 1500;

/**
 * Renders the phantom. `rng` is consumed in a fixed order, so the same stream gives the same
 * volume bit for bit.
 */
export function renderPhantom(rng: Rng, latent: LesionLatent, tumourSizeMm: number, noduleCount: number): Phantom {
  const [nx, ny, nz] = PHANTOM_SIZE;
  const [sx, sy, sz] = PHANTOM_SPACING_MM;
  const n = nx * ny * nz;
  // Centre the grid on (0,0,0) in LPS plus a random table offset (realistic non-zero origin).
  const originMm: Vec3 = [
    -((nx - 1) * sx) / 2 + rng.between(-20, 20),
    -((ny - 1) * sy) / 2 + rng.between(-20, 20),
    -((nz - 1) * sz) / 2 + rng.between(-200, -100),
  ];
  const hu = new Float32Array(n);
  const mask = new Uint8Array(n);

  // Liver parenchyma: slowly varying enhancement (±6 HU) plus white noise.
  const liverField = waveField(rng, 4, 40, 120);
  for (let k = 0, idx = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, idx++) {
        hu[idx] = LIVER_HU + 6 * liverField(i * sx, j * sy, k * sz) + NOISE_SD_HU * rng.normal();
      }
    }
  }

  // Main lesion: rotated ellipsoid with a perturbed boundary, centred near the grid centre.
  const diameterMm = Math.min(tumourSizeMm, MAX_RENDERED_DIAMETER_MM);
  const semi: Vec3 = [diameterMm / 2, (diameterMm / 2) * rng.between(0.7, 1), (diameterMm / 2) * rng.between(0.6, 1)];
  const rot = randomRotation(rng);
  const centre: Vec3 = [((nx - 1) * sx) / 2 + rng.between(-4, 4), ((ny - 1) * sy) / 2 + rng.between(-4, 4), ((nz - 1) * sz) / 2 + rng.between(-6, 6)];
  const lobes = Array.from({ length: 5 }, () => ({ dir: rng.unitVector(), freq: rng.between(1, 4), phase: rng.between(0, 2 * Math.PI), w: rng.between(0.5, 1) }));
  const boundary = (ux: number, uy: number, uz: number): number => {
    let s = 0;
    for (const l of lobes) s += l.w * Math.cos(l.freq * Math.acos(Math.max(-1, Math.min(1, ux * l.dir[0] + uy * l.dir[1] + uz * l.dir[2]))) + l.phase);
    return 1 + (latent.irregularity * s) / lobes.length;
  };
  const lipiodolField = waveField(rng, 6, 6, 20);
  const textureField = waveField(rng, 8, 4, 10);

  // Voxels of the lesion with their normalised radius (for the necrotic core) and lipiodol field value.
  const reach = semi[0] * (1 + latent.irregularity) + 1;
  const lesionIdx: number[] = [];
  const lesionRho: number[] = [];
  const lesionLip: number[] = [];
  const range = (c: number, s: number, len: number): [number, number] => [Math.max(0, Math.floor((c - reach) / s)), Math.min(len - 1, Math.ceil((c + reach) / s))];
  const [i0, i1] = range(centre[0], sx, nx);
  const [j0, j1] = range(centre[1], sy, ny);
  const [k0, k1] = range(centre[2], sz, nz);
  for (let k = k0; k <= k1; k++) {
    for (let j = j0; j <= j1; j++) {
      for (let i = i0; i <= i1; i++) {
        const dx = i * sx - centre[0];
        const dy = j * sy - centre[1];
        const dz = k * sz - centre[2];
        // Lesion frame coordinates: rotᵀ · d.
        const lx = rot[0] * dx + rot[3] * dy + rot[6] * dz;
        const ly = rot[1] * dx + rot[4] * dy + rot[7] * dz;
        const lz = rot[2] * dx + rot[5] * dy + rot[8] * dz;
        const rho = Math.hypot(lx / semi[0], ly / semi[1], lz / semi[2]);
        const norm = Math.hypot(lx, ly, lz) || 1;
        const limit = boundary(lx / norm, ly / norm, lz / norm);
        if (rho < limit) {
          const idx = i + nx * (j + ny * k);
          lesionIdx.push(idx);
          lesionRho.push(rho / limit);
          lesionLip.push(lipiodolField(dx, dy, dz));
        }
      }
    }
  }

  // Lipiodol where the smooth field is in its top `coverage` quantile inside the lesion.
  const sortedLip = [...lesionLip].sort((a, b) => a - b);
  const lipThreshold = sortedLip.length === 0 ? Infinity : sortedLip[Math.min(sortedLip.length - 1, Math.floor((1 - latent.lipiodolCoverage) * sortedLip.length))];
  const necroticRho = Math.cbrt(latent.necrosisFraction);
  const textureAmpHu = 450 * latent.heterogeneity;
  const lipNoiseSdHu = 25 + 120 * latent.heterogeneity;
  for (let p = 0; p < lesionIdx.length; p++) {
    const idx = lesionIdx[p];
    mask[idx] = 1;
    const i = idx % nx;
    const j = Math.floor(idx / nx) % ny;
    const k = Math.floor(idx / (nx * ny));
    if (lesionLip[p] >= lipThreshold) {
      const v = latent.lipiodolBaseHu + textureAmpHu * textureField(i * sx, j * sy, k * sz) + lipNoiseSdHu * rng.normal();
      hu[idx] = Math.max(LIPIODOL_MIN_HU, Math.min(LIPIODOL_MAX_HU, v));
    } else if (lesionRho[p] < necroticRho) {
      hu[idx] = NECROSIS_HU + 8 * rng.normal();
    } else {
      hu[idx] = VIABLE_TUMOUR_HU + NOISE_SD_HU * rng.normal();
    }
  }

  // Satellite nodules: small dense spheres just outside the main lesion.
  const satelliteCount = Math.min(Math.max(0, noduleCount - 1), 3);
  for (let s = 0; s < satelliteCount; s++) {
    const u = rng.unitVector();
    const dist = semi[0] + rng.between(4, 10);
    const c: Vec3 = [centre[0] + u[0] * dist, centre[1] + u[1] * dist, centre[2] + u[2] * dist * 0.5];
    const rMm = rng.between(2.5, 5);
    const satHu = rng.between(300, 900);
    for (let k = Math.max(0, Math.floor((c[2] - rMm) / sz)); k <= Math.min(nz - 1, Math.ceil((c[2] + rMm) / sz)); k++) {
      for (let j = Math.max(0, Math.floor((c[1] - rMm) / sy)); j <= Math.min(ny - 1, Math.ceil((c[1] + rMm) / sy)); j++) {
        for (let i = Math.max(0, Math.floor((c[0] - rMm) / sx)); i <= Math.min(nx - 1, Math.ceil((c[0] + rMm) / sx)); i++) {
          if (Math.hypot(i * sx - c[0], j * sy - c[1], k * sz - c[2]) < rMm) {
            const idx = i + nx * (j + ny * k);
            mask[idx] = 1;
            hu[idx] = satHu + 40 * rng.normal();
          }
        }
      }
    }
  }

  const data = new Int16Array(n);
  for (let p = 0; p < n; p++) data[p] = Math.max(-1024, Math.min(3071, Math.round(hu[p])));
  const geometry = { size: [...PHANTOM_SIZE] as Vec3, spacingMm: [...PHANTOM_SPACING_MM] as Vec3, originMm, direction: [...IDENTITY_DIRECTION] as typeof IDENTITY_DIRECTION };
  return {
    ct: { ...geometry, data },
    mask: { ...geometry, size: [...PHANTOM_SIZE] as Vec3, data: mask },
    renderedDiameterMm: diameterMm,
    satelliteCount,
  };
}
