import { TaceError, type Volume } from '@tace/common';
import { directionFromAxes } from './geometry.ts';
import type { DicomInstance } from './instance.ts';
import { slicePlanes, sortAndCheckSlices, type SliceCheckOptions } from './slices.ts';
import { SOP_CLASS, TAG } from './tags.ts';

const CT_SOP_CLASSES: ReadonlySet<string> = new Set([SOP_CLASS.CTImage, SOP_CLASS.EnhancedCTImage, SOP_CLASS.LegacyConvertedEnhancedCTImage]);

/** A CT volume in HU plus the identity of the slice behind each k index. */
export interface CtVolume extends Volume<Float32Array> {
  seriesInstanceUid: string;
  frameOfReferenceUid?: string;
  /** SOPInstanceUID of the image at each k (for multi-frame CT the same UID repeats). */
  sliceSopInstanceUids: string[];
}

export function isCtInstance(i: DicomInstance): boolean {
  return i.modality === 'CT' || CT_SOP_CLASSES.has(i.sopClassUid);
}

/**
 * Assemble one CT series into a volume in Hounsfield units (HU = stored · RescaleSlope +
 * RescaleIntercept, per frame). Geometry is LPS mm: x along the row cosines (column index),
 * y along the column cosines (row index), z along the normal row × col; origin = the
 * ImagePositionPatient of the first slice along the normal; spacing = [PixelSpacing[1],
 * PixelSpacing[0], mean gap along the normal] (SpacingBetweenSlices, else SliceThickness, else 1
 * for a single slice). Multi-frame (Enhanced / Legacy Converted) CT is expanded frame by frame.
 */
export function loadCtVolume(instances: readonly DicomInstance[], opts: SliceCheckOptions = {}): CtVolume {
  if (instances.length === 0) throw new TaceError('DICOM_NO_IMAGES', 'No CT images given');
  for (const i of instances) {
    if (!isCtInstance(i)) {
      throw new TaceError('DICOM_NOT_CT', `Expected CT images, found modality ${i.modality || '(none)'} / SOP class ${i.sopClassUid}`,
        { detail: { modality: i.modality, sopClassUid: i.sopClassUid } });
    }
  }
  const series = new Set(instances.map((i) => i.seriesInstanceUid));
  if (series.size > 1) throw new TaceError('DICOM_MIXED_SERIES', `CT images come from ${series.size} different series`);
  const s = sortAndCheckSlices(slicePlanes(instances), opts);
  const first = s.planes[0];
  const cols = first.columns, rows = first.rows, n = s.planes.length;
  const zSpacing = s.spacingZMm ?? first.instance.decimal(TAG.SpacingBetweenSlices) ?? first.instance.decimal(TAG.SliceThickness) ?? 1;
  const plane = rows * cols;
  const data = new Float32Array(plane * n);
  for (let k = 0; k < n; k++) {
    const p = s.planes[k];
    const stored = p.instance.storedFrame(p.frame);
    const { slope, intercept } = p.instance.rescale(p.frame);
    const off = k * plane;
    for (let q = 0; q < plane; q++) data[off + q] = stored[q] * slope + intercept;
  }
  return {
    size: [cols, rows, n],
    spacingMm: [first.pixelSpacingMm[1], first.pixelSpacingMm[0], zSpacing],
    originMm: [...first.positionMm],
    direction: directionFromAxes(s.row, s.col, s.normal),
    data,
    seriesInstanceUid: first.instance.seriesInstanceUid,
    frameOfReferenceUid: first.instance.frameOfReferenceUid,
    sliceSopInstanceUids: s.planes.map((p) => p.instance.sopInstanceUid),
  };
}
