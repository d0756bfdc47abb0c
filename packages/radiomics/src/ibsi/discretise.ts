/**
 * IBSI discretisation (manual 2.7).
 *  FBS: X_d = ⌊(X − X_min)/w_b⌋ + 1, with X_min the re-segmentation lower bound when one is set
 *       (else the ROI minimum) — the IBSI convention, which differs from PyRadiomics' binning.
 *  FBN: X_d = ⌊N_g (X − X_min)/(X_max − X_min)⌋ + 1, X_d = N_g at X = X_max, over the ROI range.
 * Returns grey levels per voxel of the grid (0 outside the ROI intensity mask) and N_g.
 */
import { TaceError } from '@tace/common';
import type { IbsiDiscretisation } from './types.ts';

export interface Discretised {
  levels: Int32Array;
  /** Number of grey levels N_g (highest level that can occur). */
  ng: number;
  /** Intensity represented by level k (bin centre for FBS/FBN; the level itself for 'none'). */
  levelValue: (k: number) => number;
}

export function discretise(
  image: Float64Array,
  mask: Uint8Array,
  d: IbsiDiscretisation,
  range: [number, number] | undefined,
): Discretised {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < image.length; i++)
    if (mask[i]) {
      const v = image[i] ?? 0;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  const levels = new Int32Array(image.length);
  if (d.method === 'none') {
    let ng = 0;
    for (let i = 0; i < image.length; i++)
      if (mask[i]) {
        const v = Math.round(image[i] ?? 0);
        if (v < 1) throw new TaceError('IBSI_DISCRETISATION_REQUIRED', 'grey levels below 1 need a discretisation method');
        levels[i] = v;
        if (v > ng) ng = v;
      }
    return { levels, ng, levelValue: (k) => k };
  }
  if (d.method === 'FBS') {
    const w = d.binWidth;
    if (!(w > 0)) throw new TaceError('IBSI_BAD_BIN_WIDTH', 'FBS bin width must be > 0');
    const lo = range && Number.isFinite(range[0]) ? range[0] : min;
    let ng = 0;
    for (let i = 0; i < image.length; i++)
      if (mask[i]) {
        const v = Math.floor(((image[i] ?? 0) - lo) / w) + 1;
        levels[i] = v;
        if (v > ng) ng = v;
      }
    return { levels, ng, levelValue: (k) => lo + (k - 0.5) * w };
  }
  const nb = d.binCount;
  if (!(nb >= 1)) throw new TaceError('IBSI_BAD_BIN_COUNT', 'FBN bin count must be ≥ 1');
  const span = max - min;
  for (let i = 0; i < image.length; i++)
    if (mask[i]) {
      const v = image[i] ?? 0;
      levels[i] = span > 0 ? Math.min(nb, Math.floor((nb * (v - min)) / span) + 1) : 1;
    }
  return { levels, ng: nb, levelValue: (k) => min + ((k - 0.5) * span) / nb };
}
