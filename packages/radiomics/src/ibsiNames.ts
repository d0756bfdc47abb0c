/**
 * Names of IBSI-mode features (parameter files with `setting: { standard: ibsi }`), and their way back
 * to IBSI tags, codes, families and aggregations. Light on purpose (no IBSI computation imported), so
 * the package index can export it without loading the IBSI module:
 *
 *   ibsi_<tag stem>                     families without aggregation   ibsi_morph_volume, ibsi_stat_kurt
 *   ibsi_<tag stem>_<aggregation>       texture families               ibsi_cm_joint_max_3D-averaged, ibsi_szm_sze_2.5D
 *   diagnostics_ibsi_<tag>              IBSI diagnostic rows           diagnostics_ibsi_int_mask_vox_count_reseg_roi
 *
 * The tag stem is the IBSI reference-table tag without its aggregation suffix; the aggregation is
 * one of 2D-averaged, 2D-merged, 2.5D-averaged, 2.5D-merged, 3D-averaged, 3D-merged (GLCM, GLRLM) or
 * 2D, 2.5D, 3D (GLSZM, GLDZM, NGTDM, NGLDM). `ibsiFeatureRows()` turns such a vector back into
 * `{ name, tag, ibsiCode, family, aggregation, value }` rows.
 */
import { ibsiCodeOf } from './ibsi/codes.ts';
import type { IbsiFamily, IbsiFeature } from './ibsi/types.ts';
import type { FeatureVector } from './extractor.ts';
import { AGGREGATION_LABEL, type IbsiAggregationName } from './ibsiParams.ts';
import { pyradiomicsEquivalent } from './ibsiEquivalents.ts';

/** Tag suffix of each internal aggregation label (as in the IBSI reference tables). */
const TAG_SUFFIX: Readonly<Record<string, string>> = {
  '2D, averaged': '_2D_avg',
  '2D, slice-merged': '_2D_comb',
  '2.5D, direction-merged': '_2_5D_avg',
  '2.5D, merged': '_2_5D_comb',
  '3D, averaged': '_3D_avg',
  '3D, merged': '_3D_comb',
  '2D': '_2D',
  '2.5D': '_2_5D',
  '3D': '_3D',
};
const SUFFIX_OF_NAME: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(AGGREGATION_LABEL).map(([internal, name]) => [name, TAG_SUFFIX[internal] ?? '']),
);
const INTERNAL_OF_NAME: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(AGGREGATION_LABEL).map(([internal, name]) => [name, internal]),
);

/** Diagnostic tag suffix → the IBSI processing step it describes. */
const DIAGNOSTIC_STEP: Readonly<Record<string, string>> = {
  init_img: 'initial image',
  init_roi: 'initial ROI',
  interp_img: 'interpolated image',
  interp_roi: 'interpolated ROI',
  reseg_roi: 'resegmented ROI',
};

const FAMILY_OF_PREFIX: Readonly<Record<string, IbsiFamily>> = {
  morph: 'morphology',
  loc: 'local_intensity',
  stat: 'intensity_statistics',
  ih: 'intensity_histogram',
  ivh: 'ivh',
  cm: 'glcm',
  rlm: 'glrlm',
  szm: 'glszm',
  dzm: 'gldzm',
  ngt: 'ngtdm',
  ngl: 'ngldm',
};

/** Name of one IBSI row in the feature vector. */
export function ibsiFeatureName(f: IbsiFeature): string {
  if (f.family === 'diagnostics') return `diagnostics_ibsi_${f.tag}`;
  const suffix = TAG_SUFFIX[f.aggregation];
  const label = AGGREGATION_LABEL[f.aggregation];
  if (!suffix || !label || !f.tag.endsWith(suffix)) return `ibsi_${f.tag}`;
  return `ibsi_${f.tag.slice(0, -suffix.length)}_${label}`;
}

export interface IbsiFeatureInfo {
  /** Name in the feature vector, e.g. `ibsi_cm_joint_max_3D-averaged`. */
  name: string;
  /** IBSI reference-table tag, e.g. `cm_joint_max_3D_avg`. */
  tag: string;
  /** Four-character IBSI identifier of the feature, where the manual gives one. */
  ibsiCode?: string;
  family: IbsiFamily;
  /** 2D-averaged … 3D-merged, 2D / 2.5D / 3D, `n/a`, or the processing step of a diagnostic row. */
  aggregation: IbsiAggregationName | string;
  /** `<class>_<Feature>` of the PyRadiomics feature with the same definition, if there is one (see ibsiEquivalents.ts). */
  pyradiomics?: string;
}

export interface IbsiFeatureRow extends IbsiFeatureInfo {
  value: number | string;
}

/** Parse an IBSI-mode feature name; undefined for names that are not IBSI rows. */
export function describeIbsiFeature(name: string): IbsiFeatureInfo | undefined {
  if (name.startsWith('diagnostics_ibsi_')) {
    const tag = name.slice('diagnostics_ibsi_'.length);
    const step = Object.keys(DIAGNOSTIC_STEP).find((s) => tag.endsWith(`_${s}`));
    return { name, tag, family: 'diagnostics', aggregation: step ? (DIAGNOSTIC_STEP[step] as string) : 'n/a' };
  }
  if (!name.startsWith('ibsi_')) return undefined;
  const rest = name.slice('ibsi_'.length);
  const family = FAMILY_OF_PREFIX[rest.split('_')[0] ?? ''];
  if (!family) return undefined;
  const m = /_(2D|2\.5D|3D)(-averaged|-merged)?$/.exec(rest);
  let tag = rest;
  let aggregation: string = 'n/a';
  let stem = rest;
  if (m) {
    aggregation = `${m[1]}${m[2] ?? ''}`;
    stem = rest.slice(0, m.index);
    tag = `${stem}${SUFFIX_OF_NAME[aggregation] ?? ''}`;
  }
  const info: IbsiFeatureInfo = { name, tag, family, aggregation };
  const code = ibsiCodeOf(tag);
  if (code) info.ibsiCode = code;
  const py = pyradiomicsEquivalent(stem, INTERNAL_OF_NAME[aggregation] ?? 'n/a');
  if (py) info.pyradiomics = py;
  return info;
}

/** The IBSI rows of an IBSI-mode feature vector, with tag, code, family and aggregation. */
export function ibsiFeatureRows(vector: FeatureVector): IbsiFeatureRow[] {
  const rows: IbsiFeatureRow[] = [];
  for (const [name, value] of Object.entries(vector)) {
    const info = describeIbsiFeature(name);
    if (info) rows.push({ ...info, value });
  }
  return rows;
}
