import type { LabelMap, Vec3, Volume } from '@tace/common';
import { cropToRoi } from './crop.ts';
import { loadCtVolume, type CtVolume } from './ct-volume.ts';
import { selectCtAndSegmentation } from './select.ts';
import { segmentationToLabelMap } from './segmentation.ts';
import type { SliceCheckOptions } from './slices.ts';
import type { StudySource } from './study-source.ts';

export interface RoiCase {
  studyInstanceUid: string;
  ctSeriesInstanceUid: string;
  segmentationSopInstanceUid: string;
  segmentationSeriesInstanceUid: string;
  segmentationKind: 'SEG' | 'RTSTRUCT';
  segmentNumber: number;
  segmentLabel: string;
  /** Full CT volume geometry (no pixel data kept) and the crop's offset in it. */
  fullGeometry: Pick<CtVolume, 'size' | 'spacingMm' | 'originMm' | 'direction'>;
  offset: Vec3;
  /** HU crop and its mask (1 = tumour), same grid. */
  volume: Volume<Float32Array>;
  mask: LabelMap;
}

/**
 * The whole DICOM stage of a run: fetch the study, pick the segmentation and its CT series,
 * build the HU volume and the tumour mask, crop both to the ROI plus `marginMm`.
 * Errors keep their stable codes (DICOM_STUDY_NOT_FOUND, DICOM_NO_SEGMENTATION, …).
 */
export async function assembleRoiCase(
  source: StudySource,
  studyInstanceUid: string,
  opts: { segmentationSopInstanceUid?: string; marginMm: number } & SliceCheckOptions,
): Promise<RoiCase> {
  const study = await source.getStudy(studyInstanceUid);
  const sel = selectCtAndSegmentation(study, { segmentationSopInstanceUid: opts.segmentationSopInstanceUid });
  const ct = loadCtVolume(sel.ct, opts);
  const mask = segmentationToLabelMap(sel.seg, ct, sel.segmentNumber);
  const crop = cropToRoi(ct, mask, opts.marginMm);
  return {
    studyInstanceUid,
    ctSeriesInstanceUid: ct.seriesInstanceUid,
    segmentationSopInstanceUid: sel.seg.sopInstanceUid,
    segmentationSeriesInstanceUid: sel.seg.seriesInstanceUid,
    segmentationKind: sel.kind,
    segmentNumber: sel.segmentNumber,
    segmentLabel: sel.segmentLabel,
    fullGeometry: { size: ct.size, spacingMm: ct.spacingMm, originMm: ct.originMm, direction: ct.direction },
    offset: crop.offset,
    volume: crop.volume,
    mask: crop.mask,
  };
}
