/**
 * IBSI mode of extractFeatures (parameter files with `setting: { standard: ibsi }`): runs the IBSI 1
 * chain (ibsi/) and writes its rows as a flat feature vector with IBSI names:
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
import type { LabelMap, Volume } from '@tace/common';
import { extractIbsi, ibsiCodeOf } from './ibsi/index.ts';
import type { IbsiConfig, IbsiFamily, IbsiFeature } from './ibsi/types.ts';
import type { FeatureVector, ExtractOptions } from './extractor.ts';
import type { RadiomicsParams } from './params.ts';
import { AGGREGATION_LABEL, type IbsiAggregationName } from './ibsiParams.ts';
import { checkFinite, checkLabelPresent, labelBoundingBox } from './preprocess.ts';
import { ENGINE_VERSION, pyRepr } from './diagnostics.ts';
import { RADIOMICS_ERRORS, radiomicsError } from './errors.ts';
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

/** Run the IBSI chain for a parameter file in IBSI mode (p.ibsi set by paramsFromObject). */
export function extractIbsiMode(image: Volume, mask: LabelMap, p: RadiomicsParams, opts: ExtractOptions = {}): FeatureVector {
  const mode = p.ibsi;
  if (!mode) {
    throw radiomicsError(RADIOMICS_ERRORS.PARAM_INVALID, "IBSI mode parameters must be built with parseParams/paramsFromObject ('standard: ibsi' was set by hand)");
  }
  const label = opts.label ?? p.setting.label;
  if (image.data.length !== image.size[0] * image.size[1] * image.size[2] || mask.data.length !== mask.size[0] * mask.size[1] * mask.size[2]) {
    throw radiomicsError(RADIOMICS_ERRORS.GEOMETRY_MISMATCH, 'voxel array length does not match the declared size');
  }
  if (image.data.length !== mask.data.length) {
    throw radiomicsError(RADIOMICS_ERRORS.GEOMETRY_MISMATCH, 'IBSI mode needs the image and the mask on the same voxel grid');
  }
  if (!labelBoundingBox(mask, label)) checkLabelPresent(mask, label); // throws EMPTY_MASK or LABEL_ABSENT
  checkFinite(image, mask, false);

  const { roundInputIntensities, ...base } = mode;
  const config: IbsiConfig = { ...base, label };
  if (base.resampling) {
    // PyRadiomics semantics: a spacing of 0 keeps the image's spacing on that axis.
    const s = base.resampling.spacingMm;
    config.resampling = {
      ...base.resampling,
      spacingMm: [s[0] || image.spacingMm[0], s[1] || image.spacingMm[1], s[2] || image.spacingMm[2]],
    };
  }
  const src: Volume = roundInputIntensities ? { ...image, data: Float64Array.from(image.data, (v) => Math.round(v)) } : image;
  const rows = extractIbsi(src, mask, config);

  const out: FeatureVector = {};
  const features: FeatureVector = {};
  const codes: string[] = [];
  const seen = new Set<string>();
  for (const f of rows) {
    const name = ibsiFeatureName(f);
    if (f.family === 'diagnostics') {
      out[name] = f.value;
      continue;
    }
    features[name] = f.value;
    const stem = name.slice('ibsi_'.length).replace(/_(2D|2\.5D|3D)(-averaged|-merged)?$/, '');
    if (f.ibsiCode && !seen.has(stem)) {
      seen.add(stem);
      codes.push(`${stem}=${f.ibsiCode}`);
    }
  }
  if (mode.diagnostics === false) return features;
  return {
    diagnostics_Versions_TaceRadiomics: ENGINE_VERSION,
    diagnostics_Versions_Definitions: 'IBSI 1 (Zwanenburg et al., Radiology 2020; IBSI reference manual definitions)',
    diagnostics_Configuration_Settings: pyRepr({ ...p.setting, label }),
    diagnostics_Configuration_EnabledImageTypes: pyRepr(p.imageType),
    diagnostics_Configuration_Standard: 'ibsi',
    // One compact column with the IBSI identifier of every feature stem, so CSV output carries the codes too.
    diagnostics_IBSI_Codes: codes.join(';'),
    ...out,
    ...features,
  };
}
