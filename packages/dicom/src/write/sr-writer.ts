import { TaceError } from '@tace/common';
import { encodePart10, type DataSetSpec } from './encoder.ts';
import { codeItem, encodeItem, type Code, type Item } from './sr-content.ts';
import { dicomDateTime, patientStudyModules, type SourceStudyHeader } from './source-header.ts';
import { uidFromSeed } from './uid.ts';

export const COMPREHENSIVE_SR = '1.2.840.10008.5.1.4.1.1.88.33';
export const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';

/**
 * Our private coding scheme. No DCM, SCT or LOINC concept exists for "risk of distant metastasis
 * after TACE", its nomogram, or the DLR score, so these are ours (PS3.16 8.2: private designators
 * start with "99"), declared in CodingSchemeIdentificationSequence.
 */
export const PRIVATE_SCHEME = { designator: '99TACE', uid: uidFromSeed('tace-risk coding scheme 1'), name: 'tace-risk local concepts', organization: 'tace-risk' } as const;
const P = (value: string, meaning: string): Code => ({ value, scheme: PRIVATE_SCHEME.designator, meaning });
const DCM = (value: string, meaning: string): Code => ({ value, scheme: 'DCM', meaning });
const SCT = (value: string, meaning: string): Code => ({ value, scheme: 'SCT', meaning });
const UCUM = (value: string, meaning: string): Code => ({ value, scheme: 'UCUM', meaning });

export const SR_CODES = {
  metastasisRisk: P('METASTASIS-RISK', 'Probability of distant metastasis after TACE'),
  riskGroup: P('RISK-GROUP', 'Risk group for distant metastasis after TACE'),
  nomogramPoints: P('NOMOGRAM-POINTS', 'Nomogram points'),
  totalPoints: P('NOMOGRAM-TOTAL', 'Total nomogram points'),
  dlrScore: P('DLR-SCORE', 'Deep learning radiomics score'),
  noduleCount: P('NODULE-COUNT', 'Number of tumour nodules'),
  log10Afp: P('LOG10-AFP', 'log10 of serum AFP in ng/mL'),
  afpAtLeast: P('AFP-AT-LEAST', 'Serum AFP at or above the model cut-off'),
  // SNOMED CT has Low risk and High risk qualifiers; no moderate one we could verify, so ours.
  riskLow: SCT('723505004', 'Low risk'),
  riskModerate: P('RISK-MODERATE', 'Moderate risk'),
  riskHigh: SCT('723509005', 'High risk'),
  diameter: SCT('81827009', 'Diameter'),
  afp: { value: '1834-1', scheme: 'LN', meaning: 'Alpha-1-Fetoprotein [Mass/volume] in Serum or Plasma' } as Code,
  percent: UCUM('%', 'percent'),
  noUnits: UCUM('1', 'no units'),
  points: UCUM('{points}', 'points'),
  millimetre: UCUM('mm', 'millimeter'),
  ngPerMl: UCUM('ng/mL', 'nanogram per milliliter'),
  neoplasm: SCT('108369006', 'Neoplasm'),
  liver: SCT('10200004', 'Liver'),
  ctAbdomen: SCT('169070004', 'CT of abdomen'),
} as const;

export interface NomogramFactor {
  /** Manifest name: dlrScore, tumourSizeMm, noduleCount, log10AfpNgPerMl, afpAtLeastCutoff. */
  factor: string;
  /** On the model's scale (log10 ng/mL for AFP); a numeric string is read as its number. */
  value: number | string;
  unit?: string;
  /** The clinical value before the model's transform (AFP in ng/mL). */
  inputValue?: number;
  inputUnit?: string;
  points: number;
}

export interface RiskModel {
  id: string;
  version: string;
  name: string;
  weightsSha256: string;
  syntheticDemo: boolean;
}

/** One run's result as it goes into the PACS. */
export interface RiskReportInput {
  runId: string;
  header: SourceStudyHeader;
  /** 0..1 */
  probability: number;
  riskGroup: 'low' | 'moderate' | 'high';
  factors: readonly NomogramFactor[];
  totalPoints: number;
  model: RiskModel;
  /** ISO 8601: the content date and time (not "now", so a resend is the same bytes). */
  scoredAt: string;
}

export const SYNTHETIC_NOTICE = 'Synthetic demonstration model, trained on synthetic data: for demonstration only, not for clinical use.';

/** The UIDs of a run's objects in the PACS: derived from the run id, so a resend is the same instances. */
export function resultUids(runId: string) {
  return {
    srSeries: uidFromSeed(`tace-risk/sr-series/${runId}`),
    srInstance: uidFromSeed(`tace-risk/sr/${runId}`),
    scSeries: uidFromSeed(`tace-risk/sc-series/${runId}`),
    scInstance: uidFromSeed(`tace-risk/sc/${runId}`),
    tracking: uidFromSeed(`tace-risk/tracking/${runId}`),
  };
}

function factorItem(factor: NomogramFactor): Item {
  const value = Number(factor.value);
  if (typeof factor.value === 'string' && factor.value.trim() === '' || !Number.isFinite(value)) {
    throw new TaceError('DICOM_WRITE_INVALID', `nomogram factor '${factor.factor.slice(0, 40)}' has no numeric value`);
  }
  const f = { ...factor, value };
  const points: Item = { rel: 'HAS PROPERTIES', type: 'NUM', name: SR_CODES.nomogramPoints, number: f.points, unit: SR_CODES.points };
  const num = (name: Code, n: number, unit: Code): Item => ({ rel: 'INFERRED FROM', type: 'NUM', name, number: n, unit, children: [points] });
  switch (f.factor) {
    case 'dlrScore': return num(SR_CODES.dlrScore, f.value, SR_CODES.noUnits);
    case 'tumourSizeMm': return num(SR_CODES.diameter, f.value, SR_CODES.millimetre);
    case 'noduleCount': return num(SR_CODES.noduleCount, f.value, SR_CODES.noUnits);
    case 'log10AfpNgPerMl':
      return f.inputValue !== undefined && f.inputUnit === 'ng/mL' ? num(SR_CODES.afp, f.inputValue, SR_CODES.ngPerMl) : num(SR_CODES.log10Afp, f.value, SR_CODES.noUnits);
    case 'afpAtLeastCutoff': return num(SR_CODES.afpAtLeast, f.value, SR_CODES.noUnits);
    default: throw new TaceError('DICOM_WRITE_INVALID', `unknown nomogram factor '${f.factor.slice(0, 40)}': no SR concept for it`);
  }
}

const GROUP_CODE = { low: SR_CODES.riskLow, moderate: SR_CODES.riskModerate, high: SR_CODES.riskHigh } as const;

/** TID 4019 Algorithm Identification (its rows at the level they modify). */
function algorithmItems(m: RiskModel): Item[] {
  const params = `weights sha256=${m.weightsSha256}; model id=${m.id}${m.syntheticDemo ? `; ${SYNTHETIC_NOTICE}` : ''}`;
  return [
    { rel: 'HAS CONCEPT MOD', type: 'TEXT', name: DCM('111001', 'Algorithm Name'), text: m.name },
    { rel: 'HAS CONCEPT MOD', type: 'TEXT', name: DCM('111003', 'Algorithm Version'), text: m.version },
    { rel: 'HAS CONCEPT MOD', type: 'TEXT', name: DCM('111002', 'Algorithm Parameters'), text: params },
  ];
}

/** The content tree: TID 1500 with one TID 1411 Volumetric ROI Measurements group. */
export function riskReportContent(r: RiskReportInput): Item {
  if (!(r.probability >= 0 && r.probability <= 1)) throw new TaceError('DICOM_WRITE_INVALID', `probability ${r.probability} is not in [0, 1]`);
  const uids = resultUids(r.runId);
  const h = r.header;
  const device: Item[] = [
    { rel: 'HAS OBS CONTEXT', type: 'CODE', name: DCM('121005', 'Observer Type'), code: DCM('121007', 'Device') },
    { rel: 'HAS OBS CONTEXT', type: 'UIDREF', name: DCM('121012', 'Device Observer UID'), uid: uidFromSeed(`tace-risk/device/${r.model.id}/${r.model.version}/${r.model.weightsSha256}`) },
    { rel: 'HAS OBS CONTEXT', type: 'TEXT', name: DCM('121013', 'Device Observer Name'), text: `${r.model.id} ${r.model.version}` },
    { rel: 'HAS OBS CONTEXT', type: 'TEXT', name: DCM('121014', 'Device Observer Manufacturer'), text: 'tace-risk' },
    { rel: 'HAS OBS CONTEXT', type: 'TEXT', name: DCM('121015', 'Device Observer Model Name'), text: r.model.name },
  ];
  const risk: Item = {
    rel: 'CONTAINS', type: 'NUM', name: SR_CODES.metastasisRisk, number: Math.round(r.probability * 1e6) / 1e4, unit: SR_CODES.percent,
    children: [
      ...algorithmItems(r.model),
      { rel: 'HAS PROPERTIES', type: 'NUM', name: SR_CODES.totalPoints, number: r.totalPoints, unit: SR_CODES.points },
      ...r.factors.map(factorItem),
    ],
  };
  const group: Item = {
    rel: 'CONTAINS', type: 'CONTAINER', name: DCM('125007', 'Measurement Group'), template: '1411',
    children: [
      { rel: 'HAS OBS CONTEXT', type: 'TEXT', name: DCM('112039', 'Tracking Identifier'), text: `tace-risk run ${r.runId}`.slice(0, 64) },
      { rel: 'HAS OBS CONTEXT', type: 'UIDREF', name: DCM('112040', 'Tracking Unique Identifier'), uid: uids.tracking },
      { rel: 'CONTAINS', type: 'IMAGE', name: DCM('121191', 'Referenced Segment'), sopClassUid: h.segmentation.sopClassUid, sopInstanceUid: h.segmentation.sopInstanceUid, segmentNumber: h.segmentation.segmentNumber },
      { rel: 'CONTAINS', type: 'UIDREF', name: DCM('121232', 'Source series for segmentation'), uid: h.ct.seriesInstanceUid },
      { rel: 'HAS CONCEPT MOD', type: 'CODE', name: DCM('121071', 'Finding'), code: SR_CODES.neoplasm },
      ...algorithmItems(r.model),
      { rel: 'HAS CONCEPT MOD', type: 'CODE', name: SCT('363698007', 'Finding Site'), code: SR_CODES.liver },
      risk,
      { rel: 'CONTAINS', type: 'CODE', name: SR_CODES.riskGroup, code: GROUP_CODE[r.riskGroup] },
      ...(r.model.syntheticDemo ? [{ rel: 'CONTAINS' as const, type: 'TEXT' as const, name: DCM('121106', 'Comment'), text: SYNTHETIC_NOTICE }] : []),
    ],
  };
  const library: Item = {
    rel: 'CONTAINS', type: 'CONTAINER', name: DCM('111028', 'Image Library'),
    children: [{
      rel: 'CONTAINS', type: 'CONTAINER', name: DCM('126200', 'Image Library Group'),
      children: h.ct.sliceSopInstanceUids.map((uid) => ({ rel: 'CONTAINS' as const, type: 'IMAGE' as const, sopClassUid: h.ct.sopClassUid, sopInstanceUid: uid })),
    }],
  };
  return {
    type: 'CONTAINER', name: DCM('126000', 'Imaging Measurement Report'), template: '1500',
    children: [
      { rel: 'HAS CONCEPT MOD', type: 'CODE', name: DCM('121049', 'Language of Content Item and Descendants'), code: { value: 'en-US', scheme: 'RFC5646', meaning: 'English (United States)' } },
      ...device,
      { rel: 'HAS CONCEPT MOD', type: 'CODE', name: DCM('121058', 'Procedure reported'), code: SR_CODES.ctAbdomen },
      library,
      { rel: 'CONTAINS', type: 'CONTAINER', name: DCM('126010', 'Imaging Measurements'), children: [group] },
    ],
  };
}

/** Hierarchical SOP Instance Reference (PS3.3 C.17.2.1): the instances a document references, by series. */
function evidence(h: SourceStudyHeader): DataSetSpec[] {
  const series = (uid: string, refs: Array<[string, string]>): DataSetSpec => [
    { tag: 0x0020000e, vr: 'UI', value: uid },
    { tag: 0x00081199, vr: 'SQ', value: refs.map(([cls, inst]) => [{ tag: 0x00081150, vr: 'UI', value: cls }, { tag: 0x00081155, vr: 'UI', value: inst }]) },
  ];
  return [[
    { tag: 0x0020000d, vr: 'UI', value: h.study.studyInstanceUid },
    { tag: 0x00081115, vr: 'SQ', value: [
      series(h.ct.seriesInstanceUid, h.ct.sliceSopInstanceUids.map((u) => [h.ct.sopClassUid, u])),
      series(h.segmentation.seriesInstanceUid, [[h.segmentation.sopClassUid, h.segmentation.sopInstanceUid]]),
    ] },
  ]];
}

/** SOP Common's declaration of our private coding scheme and the external ones used. */
export function codingSchemes(): DataSetSpec[] {
  return [[
    { tag: 0x00080102, vr: 'SH', value: PRIVATE_SCHEME.designator },
    { tag: 0x0008010c, vr: 'UI', value: PRIVATE_SCHEME.uid },
    { tag: 0x00080115, vr: 'ST', value: PRIVATE_SCHEME.name },
    { tag: 0x00080116, vr: 'ST', value: PRIVATE_SCHEME.organization },
  ]];
}

/**
 * A Comprehensive SR "Imaging Measurement Report" (TID 1500) for one run, in the CT's study.
 * Pure of the clock: the same input gives the same bytes, and the UIDs come from the run id.
 */
export function writeRiskSr(r: RiskReportInput): Uint8Array {
  const uids = resultUids(r.runId);
  const when = dicomDateTime(r.scoredAt);
  const root = encodeItem(riskReportContent(r));
  const ds: DataSetSpec = [
    ...patientStudyModules(r.header),
    { tag: 0x00080012, vr: 'DA', value: when.date }, // InstanceCreationDate
    { tag: 0x00080013, vr: 'TM', value: when.time },
    { tag: 0x00080016, vr: 'UI', value: COMPREHENSIVE_SR },
    { tag: 0x00080018, vr: 'UI', value: uids.srInstance },
    { tag: 0x00080021, vr: 'DA', value: when.date }, // SeriesDate
    { tag: 0x00080023, vr: 'DA', value: when.date },
    { tag: 0x00080031, vr: 'TM', value: when.time },
    { tag: 0x00080033, vr: 'TM', value: when.time },
    { tag: 0x00080060, vr: 'CS', value: 'SR' },
    { tag: 0x00080070, vr: 'LO', value: 'tace-risk' },
    { tag: 0x00080110, vr: 'SQ', value: codingSchemes() },
    { tag: 0x00080201, vr: 'SH', value: '+0000' }, // TimezoneOffsetFromUTC: the times above are UTC
    { tag: 0x0008103e, vr: 'LO', value: r.model.syntheticDemo ? 'AI metastasis risk - SYNTHETIC DEMO, not for clinical use' : 'AI metastasis risk after TACE' },
    { tag: 0x00081090, vr: 'LO', value: r.model.name.slice(0, 64) },
    { tag: 0x00081111, vr: 'SQ', value: [] }, // ReferencedPerformedProcedureStepSequence (Type 2)
    { tag: 0x00181020, vr: 'LO', value: `${r.model.id} ${r.model.version}`.slice(0, 64) },
    { tag: 0x0020000e, vr: 'UI', value: uids.srSeries },
    { tag: 0x00200011, vr: 'IS', value: 9901 },
    { tag: 0x00200013, vr: 'IS', value: 1 },
    { tag: 0x0040a372, vr: 'SQ', value: [] }, // PerformedProcedureCodeSequence (Type 2)
    { tag: 0x0040a375, vr: 'SQ', value: evidence(r.header) }, // CurrentRequestedProcedureEvidenceSequence
    { tag: 0x0040a491, vr: 'CS', value: 'COMPLETE' },
    { tag: 0x0040a493, vr: 'CS', value: 'UNVERIFIED' },
    ...root,
  ];
  return encodePart10(ds, COMPREHENSIVE_SR, uids.srInstance);
}

export { codeItem };
