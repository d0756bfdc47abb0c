import { TaceError } from '@tace/common';
import type { DicomDataSet } from './dataset.ts';
import type { DicomInstance } from './instance.ts';
import { SOP_CLASS, TAG } from './tags.ts';

export interface CodedConcept {
  codeValue: string;
  codingSchemeDesignator: string;
  codeMeaning: string;
}

/** A segment of a SEG, or an ROI of an RTSTRUCT (segmentNumber = ROINumber). */
export interface SegmentInfo {
  segmentNumber: number;
  label: string;
  description?: string;
  algorithmType?: string;
  propertyCategory?: CodedConcept;
  propertyType?: CodedConcept;
}

export function readCode(ds: DicomDataSet | undefined): CodedConcept | undefined {
  if (!ds) return undefined;
  return {
    codeValue: ds.string(TAG.CodeValue) ?? '',
    codingSchemeDesignator: ds.string(TAG.CodingSchemeDesignator) ?? '',
    codeMeaning: ds.string(TAG.CodeMeaning) ?? '',
  };
}

export function isSeg(i: DicomInstance): boolean {
  return i.modality === 'SEG' || i.sopClassUid === SOP_CLASS.Segmentation || i.sopClassUid === SOP_CLASS.LabelMapSegmentation;
}

export function isRtStruct(i: DicomInstance): boolean {
  return i.modality === 'RTSTRUCT' || i.sopClassUid === SOP_CLASS.RTStructureSet;
}

/** Segments of a SEG (SegmentSequence) or ROIs of an RTSTRUCT (StructureSetROISequence). */
export function listSegments(seg: DicomInstance): SegmentInfo[] {
  if (isRtStruct(seg)) {
    return seg.sequence(TAG.StructureSetROISequence).map((r) => ({
      segmentNumber: r.decimal(TAG.ROINumber) ?? r.uint16(TAG.ROINumber) ?? 0,
      label: r.string(TAG.ROIName) ?? '',
    }));
  }
  if (!isSeg(seg)) throw new TaceError('DICOM_NOT_SEGMENTATION', `Expected a SEG or RTSTRUCT, found modality ${seg.modality || '(none)'}`);
  return seg.sequence(TAG.SegmentSequence).map((s) => ({
    segmentNumber: s.uint16(TAG.SegmentNumber) ?? 0,
    label: s.string(TAG.SegmentLabel) ?? '',
    description: s.string(TAG.SegmentDescription),
    algorithmType: s.string(TAG.SegmentAlgorithmType),
    propertyCategory: readCode(s.item(TAG.SegmentedPropertyCategoryCodeSequence)),
    propertyType: readCode(s.item(TAG.SegmentedPropertyTypeCodeSequence)),
  }));
}

/**
 * SNOMED CT concepts taken to mean "the tumour": Neoplasm 108369006, Malignant neoplasm 86049000,
 * Mass 4147007, Lesion 52988006, Hepatocellular carcinoma 25370001, Neoplasm of liver 399417001
 * (hand-picked list). RTSTRUCT ROIs have no codes and are matched by name (GTV, tumour, …).
 */
const TUMOUR_CODES = new Set(['108369006', '86049000', '4147007', '52988006', '25370001', '399417001']);
const TUMOUR_LABEL = /tumou?r|lesion|neoplasm|hcc|mass|gtv|cancer|carcinoma/i;

/** Whether a segment's property type code or label says tumour (the rule pickTumourSegment applies). */
export function isTumourSegment(s: SegmentInfo): boolean {
  return (s.propertyType !== undefined && TUMOUR_CODES.has(s.propertyType.codeValue)) || TUMOUR_LABEL.test(s.label);
}

/**
 * The segment to score when none is named: the only one; else the first (lowest number) whose
 * property type code or label says tumour; else the lowest number.
 */
export function pickTumourSegment(segments: readonly SegmentInfo[]): SegmentInfo {
  if (segments.length === 0) throw new TaceError('DICOM_EMPTY_SEGMENTATION', 'The segmentation defines no segments');
  const byNumber = [...segments].sort((a, b) => a.segmentNumber - b.segmentNumber);
  if (byNumber.length === 1) return byNumber[0];
  return byNumber.find(isTumourSegment) ?? byNumber[0];
}
