/**
 * Texture feature classes (PyRadiomics glcm, glrlm, glszm, gldm, ngtdm) over a discretized ROI.
 *
 * Input: the discretized image as `discretize()` returns it (bins 1..Ng inside the ROI, 0 outside,
 * x fastest), its size and spacing in (x, y, z) order, and the class settings. The image may be the whole
 * volume or already cropped: every class crops to the ROI bounding box first, and generates its angles
 * from that box's size, as PyRadiomics does after cropToTumorMask.
 *
 * Output keys are PyRadiomics feature names without prefix (`Contrast`, `Idmn`, `ZoneEntropy`); the
 * extractor prefixes `<imageType>_<class>_`. Each class returns every feature PyRadiomics enables by
 * default (deprecated features, which PyRadiomics never computes, are listed in DEPRECATED_FEATURES).
 *
 * For IBSI aggregation (2D / 2.5D / 3D, averaged / merged), the per-class `compute*` functions return the
 * matrices per angle; call them on one slice (size [nx, ny, 1]) for per-slice matrices. See kernels/.
 */
import type { Vec3 } from '@tace/common';
import { TaceError } from '@tace/common';
import { glcmFeatures } from './glcm.ts';
import { glrlmFeatures } from './glrlm.ts';
import { glszmFeatures } from './glszm.ts';
import { gldmFeatures } from './gldm.ts';
import { ngtdmFeatures } from './ngtdm.ts';

export type WeightingNorm = 'manhattan' | 'euclidean' | 'infinity' | 'no_weighting';

export interface TextureSettings {
  /** Neighbour distances (infinity norm) for GLCM, GLDM, NGTDM. Default [1]. */
  distances?: number[];
  /** GLCM: add the transposed matrix per angle. Default true. */
  symmetricalGLCM?: boolean;
  /** GLCM/GLRLM: merge angles weighted by distance under this norm. Default null (average features over angles). */
  weightingNorm?: WeightingNorm | null;
  /** GLDM: dependence cut-off alpha. Default 0. */
  gldm_a?: number;
  /** Use in-plane angles only. Default false. */
  force2D?: boolean;
  /** Out-of-plane axis in numpy order (0 = z, 1 = y, 2 = x). Default 0. */
  force2Ddimension?: number;
}

export interface TextureInput {
  /** Discretized image: 1..Ng inside the ROI, 0 outside; x fastest. */
  binned: Int32Array;
  /** Size (x, y, z) of `binned`. */
  size: Vec3;
  /** Voxel spacing (x, y, z) in mm; used by weightingNorm. */
  spacingMm: Vec3;
  settings: TextureSettings;
}

export type TextureClassName = 'glcm' | 'glrlm' | 'glszm' | 'gldm' | 'ngtdm';

export const TEXTURE_CLASSES: Record<TextureClassName, (input: TextureInput) => Record<string, number>> = {
  glcm: glcmFeatures,
  glrlm: glrlmFeatures,
  glszm: glszmFeatures,
  gldm: gldmFeatures,
  ngtdm: ngtdmFeatures,
};

/**
 * Features PyRadiomics defines but marks deprecated: never enabled by default, and computing them only
 * raises a DeprecationWarning (no value). Requesting one by name should be reported, not computed.
 */
export const DEPRECATED_FEATURES: Record<TextureClassName, readonly string[]> = {
  glcm: ['Dissimilarity', 'Homogeneity1', 'Homogeneity2', 'SumVariance'],
  glrlm: [],
  glszm: [],
  gldm: ['GrayLevelNonUniformityNormalized', 'DependencePercentage'],
  ngtdm: [],
};

/** numpy machine epsilon, numpy.spacing(1): PyRadiomics adds it inside logs and divisions. */
export const EPS = 2.220446049250313e-16;

/** Out-of-plane numpy axis for the angle generator, or −1 for 3-D. */
export function force2Ddim(settings: TextureSettings): number {
  if (!settings.force2D) return -1;
  const d = settings.force2Ddimension ?? 0;
  if (d !== 0 && d !== 1 && d !== 2) {
    throw new TaceError('RADIOMICS_SETTING_INVALID', `force2Ddimension must be 0, 1 or 2, got ${d}`);
  }
  return d;
}

export function distancesOf(settings: TextureSettings): number[] {
  const d = settings.distances ?? [1];
  if (d.length === 0 || d.some((x) => !Number.isInteger(x) || x < 1)) {
    throw new TaceError('RADIOMICS_SETTING_INVALID', `distances must be a non-empty list of positive integers, got [${d.join(', ')}]`);
  }
  return d;
}

/** Mean ignoring NaN (numpy.nanmean); NaN when every value is NaN. */
export function nanmean(values: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (!Number.isNaN(v)) {
      s += v;
      n++;
    }
  }
  return n === 0 ? NaN : s / n;
}

/**
 * Distance of an angle (dz, dy, dx) under a norm, with spacing (z, y, x) in mm, as PyRadiomics' GLCM and
 * GLRLM weighting compute it (|a| ⊙ spacing, then the norm).
 */
export function angleDistance(dzyx: readonly number[], spacingZYX: readonly number[], norm: WeightingNorm | string): number {
  const v = dzyx.map((a, k) => Math.abs(a) * spacingZYX[k]!);
  switch (norm) {
    case 'infinity':
      return Math.max(...v);
    case 'euclidean':
      return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    case 'manhattan':
      return v.reduce((s, x) => s + x, 0);
    case 'no_weighting':
      return 1;
    default:
      throw new TaceError('RADIOMICS_SETTING_INVALID', `unknown weightingNorm "${norm}"`);
  }
}
