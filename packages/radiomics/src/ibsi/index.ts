/**
 * IBSI 1 mode of the radiomics engine: the IBSI processing chain and feature definitions, with
 * IBSI tags (as in the IBSI reference tables) and aggregation methods on every output row.
 */
import { MAX_TEXTURE_GRAY_LEVELS } from '../textureCommon.ts';
import type { LabelMap, Volume } from '@tace/common';
import { cropToMorphMask } from './grid.ts';
import { preprocess } from './preprocess.ts';
import { discretise } from './discretise.ts';
import { intensityHistogram, intensityStatistics, intensityVolumeHistogram } from './statistics.ts';
import { localIntensity } from './localIntensity.ts';
import { morphology } from './morphology.ts';
import { texture2D, texture3D } from './texture.ts';
import type { LevelGrid } from './levelGrid.ts';
import { TaceError } from '@tace/common';
import type { IbsiConfig, IbsiFamily, IbsiFeature } from './types.ts';
import { ibsiCodeOf } from './codes.ts';

export type {
  IbsiAggregation,
  IbsiConfig,
  IbsiDiscretisation,
  IbsiFamily,
  IbsiFeature,
  IbsiResampling,
} from './types.ts';
export { IBSI_CODES, ibsiCodeOf } from './codes.ts';


const ALL_FAMILIES: IbsiFamily[] = [
  'morphology', 'local_intensity', 'intensity_statistics', 'intensity_histogram', 'ivh',
  'glcm', 'glrlm', 'glszm', 'gldzm', 'ngtdm', 'ngldm',
];

function roiValues(image: Float64Array, mask: Uint8Array): Float64Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[k++] = image[i] ?? 0;
  return out;
}

/**
 * Compute IBSI features of the ROI `mask` (label `config.label`, default any non-zero) in `image`.
 * Rows carry the IBSI tag, family and aggregation method; diagnostics come first when enabled.
 */
export function extractIbsi(image: Volume, mask: LabelMap, config: IbsiConfig): IbsiFeature[] {
  const families = new Set<IbsiFamily>(config.families ?? ALL_FAMILIES);
  const { grid: full, diagnostics } = preprocess(image, mask, config);
  const out: IbsiFeature[] = config.diagnostics === false ? [] : diagnostics;
  const g = cropToMorphMask(full);
  const values = roiValues(g.image, g.intensityMask);

  if (families.has('morphology')) out.push(...morphology(g, config.autocorrelation ?? true));
  if (families.has('local_intensity')) out.push(...localIntensity(full));
  if (families.has('intensity_statistics')) out.push(...intensityStatistics(values));

  const d = discretise(g.image, g.intensityMask, config.discretisation, config.resegmentationRange);
  if (families.has('intensity_histogram')) {
    const lv = roiValues(Float64Array.from(d.levels), g.intensityMask);
    out.push(...intensityHistogram(lv, d.ng));
  }
  if (families.has('ivh')) out.push(...ivh(g.image, g.intensityMask, values, config));

  const texture = ['glcm', 'glrlm', 'glszm', 'gldzm', 'ngtdm', 'ngldm'].some((f) => families.has(f as IbsiFamily));
  if (texture && d.ng > MAX_TEXTURE_GRAY_LEVELS)
    throw new TaceError(
      'IBSI_TOO_MANY_GREY_LEVELS',
      `discretisation gives ${d.ng} grey levels; texture matrices are limited to ${MAX_TEXTURE_GRAY_LEVELS} (use a wider bin or fewer bins)`,
      { detail: { greyLevels: d.ng, limit: MAX_TEXTURE_GRAY_LEVELS } },
    );
  const lg: LevelGrid = { nx: g.nx, ny: g.ny, nz: g.nz, levels: d.levels, ng: d.ng };
  if (config.mode !== '3D') out.push(...texture2D(lg, families, g.morphMask));
  if (config.mode !== '2D') out.push(...texture3D(lg, families, g.morphMask));
  if (config.aggregations) {
    const keep = new Set<string>(config.aggregations);
    const filtered = out.filter((f) => f.aggregation === 'n/a' || f.family === 'diagnostics' || keep.has(f.aggregation));
    out.length = 0;
    out.push(...filtered);
  }
  for (const f of out) {
    const code = f.ibsiCode ?? ibsiCodeOf(f.tag);
    if (code) f.ibsiCode = code;
  }
  return out;
}

/**
 * IVH grey-level grid (IBSI 3.5): the discrete case uses the intensities themselves on the integer
 * grid of the re-segmentation range (or the ROI range); with an FBS `ivhDiscretisation` (calibrated,
 * continuous case) the intensities are re-discretised and represented by their bin centres; with
 * FBN (arbitrary units) by their bin numbers.
 */
function ivh(image: Float64Array, mask: Uint8Array, values: Float64Array, config: IbsiConfig): IbsiFeature[] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = config.resegmentationRange;
  const lo = range && Number.isFinite(range[0]) ? range[0] : min;
  const hi = range && Number.isFinite(range[1]) ? range[1] : max;
  const dd = config.ivhDiscretisation;
  if (!dd || dd.method === 'none') {
    return intensityVolumeHistogram(values, lo, 1, Math.round(hi - lo) + 1);
  }
  const d = discretise(image, mask, dd, range);
  const lv = roiValues(Float64Array.from(d.levels), mask);
  // Arbitrary intensity units (FBN): the IVH runs on the bin numbers 1..N_g themselves.
  if (dd.method === 'FBN') return intensityVolumeHistogram(lv, 1, 1, d.ng);
  const centres = lv.map((k) => d.levelValue(k));
  const ng = dd.method === 'FBS' ? Math.max(d.ng, Math.ceil((hi - lo) / dd.binWidth)) : d.ng;
  const first = d.levelValue(1);
  const step = d.levelValue(2) - first;
  return intensityVolumeHistogram(centres, first, step, ng);
}
