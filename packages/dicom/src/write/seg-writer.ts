import { TaceError, type LabelMap } from '@tace/common';
import type { CodedConcept } from '../segments.ts';
import { maxAbsDiff, physicalToIndex } from '../geometry.ts';
import { parseDicom, type DicomInstance } from '../instance.ts';
import { slicePlanes, sortAndCheckSlices } from '../slices.ts';
import { SOP_CLASS, TAG } from '../tags.ts';
import { encodePart10, type DataSetSpec } from './encoder.ts';
import { patientStudyElements } from './ct-writer.ts';
import { newUid, uidFromSeed } from './uid.ts';

export interface SegMeta {
  seriesInstanceUid?: string;
  sopInstanceUid?: string;
  seriesNumber?: number;
  seriesDescription?: string;
  /** YYYYMMDD / HHMMSS of the segmentation content; default the CT study date / 120000. */
  contentDate?: string;
  contentTime?: string;
  contentCreatorName?: string;
  segmentLabel?: string;
  algorithmType?: 'MANUAL' | 'SEMIAUTOMATIC' | 'AUTOMATIC';
  algorithmName?: string;
  propertyCategory?: CodedConcept;
  propertyType?: CodedConcept;
}

/** SNOMED CT "Morphologically altered structure" (CID 7150). */
export const SCT_MORPHOLOGICALLY_ALTERED_STRUCTURE: CodedConcept = { codeValue: '49755003', codingSchemeDesignator: 'SCT', codeMeaning: 'Morphologically Altered Structure' };
/** SNOMED CT "Neoplasm" (CID 7151; the concept commonly labelled "Tumor"). */
export const SCT_NEOPLASM: CodedConcept = { codeValue: '108369006', codingSchemeDesignator: 'SCT', codeMeaning: 'Neoplasm' };

function code(c: CodedConcept): DataSetSpec[] {
  return [[
    { tag: 0x00080100, vr: 'SH', value: c.codeValue },
    { tag: 0x00080102, vr: 'SH', value: c.codingSchemeDesignator },
    { tag: 0x00080104, vr: 'LO', value: c.codeMeaning },
  ]];
}

/**
 * Write a one-segment BINARY Segmentation Storage instance for the non-zero voxels of `mask`,
 * drawn on the CT series `ct` (whose grid the mask must share). One frame per slice that holds
 * foreground, in ascending slice order; 1 bit per pixel, LSB first, frames packed back to back
 * without padding (PS3.5 8.1.1). Shared functional groups: PixelMeasures, PlaneOrientation;
 * per frame: FrameContent, PlanePosition, SegmentIdentification, DerivationImage → source CT.
 */
export function writeBinarySeg(mask: LabelMap, ct: readonly DicomInstance[] | readonly Uint8Array[], meta: SegMeta = {}): Uint8Array {
  const cts = ct.map((c) => (c instanceof Uint8Array ? parseDicom(c) : c));
  const s = sortAndCheckSlices(slicePlanes(cts));
  const [nx, ny, nz] = mask.size;
  const first = s.planes[0];
  if (s.planes.length !== nz || first.rows !== ny || first.columns !== nx) {
    throw new TaceError('DICOM_SEG_GEOMETRY_MISMATCH', `Mask ${nx}x${ny}x${nz} does not match the CT ${first.columns}x${first.rows}x${s.planes.length}`);
  }
  const o = physicalToIndex(mask, first.positionMm);
  if (maxAbsDiff(o, [0, 0, 0]) > 0.01) throw new TaceError('DICOM_SEG_GEOMETRY_MISMATCH', 'Mask origin is not the first CT slice position');

  const plane = nx * ny;
  const frames: number[] = [];
  for (let k = 0; k < nz; k++) {
    for (let p = 0; p < plane; p++) if (mask.data[k * plane + p] !== 0) { frames.push(k); break; }
  }
  if (frames.length === 0) throw new TaceError('DICOM_EMPTY_SEGMENTATION', 'The mask to write has no foreground voxels');
  const bytes = Math.ceil((frames.length * plane) / 8);
  const bits = new Uint8Array(bytes + (bytes % 2));
  frames.forEach((k, f) => {
    for (let p = 0; p < plane; p++) {
      if (mask.data[k * plane + p] === 0) continue;
      const b = f * plane + p;
      bits[b >> 3] |= 1 << (b & 7);
    }
  });

  const ref = first.instance;
  const sop = meta.sopInstanceUid ?? newUid();
  // Derived from the SOP UID when one is given, so a seeded synthetic SEG is byte-reproducible.
  const dimOrg = meta.sopInstanceUid ? uidFromSeed(`dimension-organization:${sop}`) : newUid();
  const studyDate = ref.string(TAG.StudyDate) ?? '';
  const sourceCode: DataSetSpec[] = [[
    { tag: 0x00080100, vr: 'SH', value: '121322' }, { tag: 0x00080102, vr: 'SH', value: 'DCM' },
    { tag: 0x00080104, vr: 'LO', value: 'Source image for image processing operation' },
  ]];
  const derivationCode: DataSetSpec[] = [[
    { tag: 0x00080100, vr: 'SH', value: '113076' }, { tag: 0x00080102, vr: 'SH', value: 'DCM' },
    { tag: 0x00080104, vr: 'LO', value: 'Segmentation' },
  ]];
  const perFrame: DataSetSpec[] = frames.map((k, f) => {
    const src = s.planes[k].instance;
    return [
      { tag: 0x00089124, vr: 'SQ', value: [[ // DerivationImageSequence
        { tag: 0x00082112, vr: 'SQ', value: [[ // SourceImageSequence
          { tag: 0x00081150, vr: 'UI', value: src.sopClassUid },
          { tag: 0x00081155, vr: 'UI', value: src.sopInstanceUid },
          { tag: 0x0040a170, vr: 'SQ', value: sourceCode }, // PurposeOfReferenceCodeSequence
        ]] },
        { tag: 0x00089215, vr: 'SQ', value: derivationCode }, // DerivationCodeSequence
      ]] },
      { tag: 0x00209111, vr: 'SQ', value: [[{ tag: 0x00209157, vr: 'UL', value: [1, f + 1] }]] }, // FrameContent: DimensionIndexValues
      { tag: 0x00209113, vr: 'SQ', value: [[{ tag: 0x00200032, vr: 'DS', value: s.planes[k].positionMm }]] }, // PlanePosition
      { tag: 0x0062000a, vr: 'SQ', value: [[{ tag: 0x0062000b, vr: 'US', value: 1 }]] }, // SegmentIdentification
    ];
  });
  const segment: DataSetSpec = [
    { tag: 0x00620003, vr: 'SQ', value: code(meta.propertyCategory ?? SCT_MORPHOLOGICALLY_ALTERED_STRUCTURE) },
    { tag: 0x00620004, vr: 'US', value: 1 },
    { tag: 0x00620005, vr: 'LO', value: meta.segmentLabel ?? 'Tumor' },
    { tag: 0x00620008, vr: 'CS', value: meta.algorithmType ?? 'MANUAL' },
    { tag: 0x0062000f, vr: 'SQ', value: code(meta.propertyType ?? SCT_NEOPLASM) },
    ...(meta.algorithmName ? [{ tag: 0x00620009, vr: 'LO', value: meta.algorithmName }] : []),
  ];
  const ds: DataSetSpec = [
    ...patientStudyElements({
      studyInstanceUid: ref.studyInstanceUid, patientId: ref.string(TAG.PatientID) ?? '', patientName: ref.string(TAG.PatientName) ?? '',
      studyDate, studyTime: ref.string(TAG.StudyTime), accessionNumber: ref.string(TAG.AccessionNumber),
    }),
    { tag: 0x00080008, vr: 'CS', value: ['DERIVED', 'PRIMARY'] },
    { tag: 0x00080016, vr: 'UI', value: SOP_CLASS.Segmentation },
    { tag: 0x00080018, vr: 'UI', value: sop },
    { tag: 0x00080023, vr: 'DA', value: meta.contentDate ?? studyDate },
    { tag: 0x00080033, vr: 'TM', value: meta.contentTime ?? '120000' },
    { tag: 0x00080060, vr: 'CS', value: 'SEG' },
    { tag: 0x0008103e, vr: 'LO', value: meta.seriesDescription ?? 'Tumor segmentation' },
    { tag: 0x00081090, vr: 'LO', value: 'tace-risk' },
    { tag: 0x00081115, vr: 'SQ', value: [[ // ReferencedSeriesSequence
      { tag: 0x0008114a, vr: 'SQ', value: s.planes.map((p) => [
        { tag: 0x00081150, vr: 'UI', value: p.instance.sopClassUid },
        { tag: 0x00081155, vr: 'UI', value: p.instance.sopInstanceUid },
      ]) },
      { tag: 0x0020000e, vr: 'UI', value: ref.seriesInstanceUid },
    ]] },
    { tag: 0x00181000, vr: 'LO', value: '1' },
    { tag: 0x00181020, vr: 'LO', value: '0.1.0' },
    { tag: 0x0020000e, vr: 'UI', value: meta.seriesInstanceUid ?? (meta.sopInstanceUid ? uidFromSeed(`seg-series:${sop}`) : newUid()) },
    { tag: 0x00200011, vr: 'IS', value: meta.seriesNumber ?? 100 },
    { tag: 0x00200013, vr: 'IS', value: 1 },
    { tag: 0x00200052, vr: 'UI', value: ref.frameOfReferenceUid ?? '' },
    { tag: 0x00201040, vr: 'LO', value: '' },
    { tag: 0x00209221, vr: 'SQ', value: [[{ tag: 0x00209164, vr: 'UI', value: dimOrg }]] }, // DimensionOrganizationSequence
    { tag: 0x00209222, vr: 'SQ', value: [ // DimensionIndexSequence
      [{ tag: 0x00209164, vr: 'UI', value: dimOrg }, { tag: 0x00209165, vr: 'AT', value: 0x0062000b }, { tag: 0x00209167, vr: 'AT', value: 0x0062000a }],
      [{ tag: 0x00209164, vr: 'UI', value: dimOrg }, { tag: 0x00209165, vr: 'AT', value: 0x00200032 }, { tag: 0x00209167, vr: 'AT', value: 0x00209113 }],
    ] },
    { tag: 0x00280002, vr: 'US', value: 1 },
    { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
    { tag: 0x00280008, vr: 'IS', value: frames.length },
    { tag: 0x00280010, vr: 'US', value: ny },
    { tag: 0x00280011, vr: 'US', value: nx },
    { tag: 0x00280100, vr: 'US', value: 1 },
    { tag: 0x00280101, vr: 'US', value: 1 },
    { tag: 0x00280102, vr: 'US', value: 0 },
    { tag: 0x00280103, vr: 'US', value: 0 },
    { tag: 0x00282110, vr: 'CS', value: '00' },
    { tag: 0x00620001, vr: 'CS', value: 'BINARY' },
    { tag: 0x00620002, vr: 'SQ', value: [segment] },
    { tag: 0x00620013, vr: 'CS', value: 'NO' },
    { tag: 0x00700080, vr: 'CS', value: 'TUMOR' }, // ContentLabel
    { tag: 0x00700081, vr: 'LO', value: 'Tumour segmentation' },
    { tag: 0x00700084, vr: 'PN', value: meta.contentCreatorName ?? '' },
    { tag: 0x52009229, vr: 'SQ', value: [[ // SharedFunctionalGroupsSequence
      { tag: 0x00289110, vr: 'SQ', value: [[ // PixelMeasures
        { tag: 0x00180050, vr: 'DS', value: mask.spacingMm[2] },
        { tag: 0x00180088, vr: 'DS', value: mask.spacingMm[2] },
        { tag: 0x00280030, vr: 'DS', value: [mask.spacingMm[1], mask.spacingMm[0]] },
      ]] },
      { tag: 0x00209116, vr: 'SQ', value: [[{ tag: 0x00200037, vr: 'DS', value: first.orientation }]] }, // PlaneOrientation
    ]] },
    { tag: 0x52009230, vr: 'SQ', value: perFrame },
    { tag: 0x7fe00010, vr: 'OB', value: bits },
  ];
  return encodePart10(ds, SOP_CLASS.Segmentation, sop);
}
