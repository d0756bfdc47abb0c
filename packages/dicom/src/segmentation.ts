import type { LabelMap } from '@tace/common';
import type { DicomInstance } from './instance.ts';
import { rtstructToLabelMap } from './rtstruct.ts';
import { segToLabelMap, type TargetGeometry } from './seg.ts';
import { isRtStruct } from './segments.ts';

/**
 * One entry point for either kind of segmentation: a SEG segment (by SegmentNumber) or an
 * RTSTRUCT ROI (by ROINumber), as returned by selectCtAndSegmentation.
 */
export function segmentationToLabelMap(seg: DicomInstance, geometry: TargetGeometry, segmentNumber?: number): LabelMap {
  return isRtStruct(seg) ? rtstructToLabelMap(seg, geometry, segmentNumber) : segToLabelMap(seg, geometry, { segmentNumber });
}
