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
  /**
   * Set when the series was gantry-tilted and resampled onto this orthogonal grid: the in-plane
   * offset (mm, [row, column]) each source slice was moved by, and the tilt. Masks drawn on the
   * source slices (SEG frames) are moved the same way.
   */
  tiltResampled?: { inPlaneShiftMm: Array<[number, number]>; tiltDeg: number };
}

/** HU given to voxels of the orthogonal grid that no source slice covers after a tilt correction (air). */
export const TILT_PAD_HU = -1024;

/** Bilinear sample of a plane at continuous (x, y) in pixels; `pad` outside. */
function bilinear(src: Float32Array, cols: number, rows: number, x: number, y: number, pad: number): number {
  if (x < 0 || y < 0 || x > cols - 1 || y > rows - 1) {
    if (x < -1e-6 || y < -1e-6 || x > cols - 1 + 1e-6 || y > rows - 1 + 1e-6) return pad;
    x = Math.min(Math.max(x, 0), cols - 1); y = Math.min(Math.max(y, 0), rows - 1);
  }
  const x0 = Math.min(Math.floor(x), cols - 2 < 0 ? 0 : cols - 2), y0 = Math.min(Math.floor(y), rows - 2 < 0 ? 0 : rows - 2);
  const fx = cols > 1 ? x - x0 : 0, fy = rows > 1 ? y - y0 : 0;
  const x1 = Math.min(x0 + 1, cols - 1), y1 = Math.min(y0 + 1, rows - 1);
  const a = src[x0 + cols * y0], b = src[x1 + cols * y0], c = src[x0 + cols * y1], d = src[x1 + cols * y1];
  return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
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
 * for a single slice). Multi-frame (Enhanced / Legacy Converted) CT is expanded frame by frame,
 * each frame's geometry and rescale from its per-frame functional groups. A gantry-tilted stack
 * is resampled onto the orthogonal grid of its first slice (or refused: opts.gantryTilt).
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
  const tilted = s.maxDriftMm > s.tiltToleranceMm; // 'refuse' already threw in sortAndCheckSlices
  const sx = first.pixelSpacingMm[1], sy = first.pixelSpacingMm[0];
  const slice = tilted ? new Float32Array(plane) : undefined;
  // Frames still to read per instance (multi-frame instances are released after their last frame).
  const pending = new Map<DicomInstance, number>();
  for (const p of s.planes) pending.set(p.instance, (pending.get(p.instance) ?? 0) + 1);
  const done = (inst: DicomInstance): void => {
    const left = pending.get(inst)! - 1;
    pending.set(inst, left);
    if (left === 0 && opts.releasePixelData) inst.dropPixelData();
  };
  for (let k = 0; k < n; k++) {
    const p = s.planes[k];
    const { slope, intercept } = p.instance.rescale(p.frame);
    const off = k * plane;
    if (!slice) {
      p.instance.frameIntoFloat32(p.frame, data, off, slope, intercept);
      done(p.instance);
      continue;
    }
    // Orthogonal voxel (i, j) lies at source pixel (i − du/sx, j − dv/sy) of the tilted slice.
    p.instance.frameIntoFloat32(p.frame, slice, 0, slope, intercept);
    const dx = s.inPlaneShiftMm[k][0] / sx, dy = s.inPlaneShiftMm[k][1] / sy;
    for (let j = 0; j < rows; j++) {
      for (let i = 0; i < cols; i++) data[off + i + cols * j] = bilinear(slice, cols, rows, i - dx, j - dy, TILT_PAD_HU);
    }
    done(p.instance);
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
    ...(tilted ? { tiltResampled: {
      inPlaneShiftMm: s.inPlaneShiftMm,
      tiltDeg: (Math.atan2(s.maxDriftMm, s.distancesMm[n - 1] - s.distancesMm[0]) * 180) / Math.PI,
    } } : {}),
  };
}
