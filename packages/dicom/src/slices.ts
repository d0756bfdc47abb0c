import { TaceError, type Vec3 } from '@tace/common';
import { dot, maxAbsDiff, orientationAxes, sub } from './geometry.ts';
import type { DicomInstance } from './instance.ts';

/** One image plane: a single-frame instance, or one frame of a multi-frame instance. */
export interface SlicePlane {
  instance: DicomInstance;
  /** 0-based frame index inside the instance. */
  frame: number;
  positionMm: Vec3;
  orientation: number[];
  /** As stored: [row spacing (y), column spacing (x)] mm. */
  pixelSpacingMm: [number, number];
  rows: number;
  columns: number;
}

/** Image planes of instances, frames of multi-frame instances expanded. */
export function slicePlanes(instances: readonly DicomInstance[]): SlicePlane[] {
  const out: SlicePlane[] = [];
  for (const inst of instances) {
    for (let f = 0; f < inst.numberOfFrames; f++) {
      const positionMm = inst.framePosition(f);
      const orientation = inst.frameOrientation(f);
      const pixelSpacingMm = inst.framePixelSpacing(f);
      if (!positionMm || !orientation || !pixelSpacingMm) {
        throw new TaceError('DICOM_MISSING_GEOMETRY',
          `An image lacks ${!positionMm ? 'ImagePositionPatient' : !orientation ? 'ImageOrientationPatient' : 'PixelSpacing'}`,
          { detail: { sopInstanceUid: inst.sopInstanceUid, frame: f } });
      }
      out.push({ instance: inst, frame: f, positionMm, orientation, pixelSpacingMm, rows: inst.rows, columns: inst.columns });
    }
  }
  return out;
}

export interface SortedSlices {
  planes: SlicePlane[];
  /** Distance of each plane along the normal (mm), ascending. */
  distancesMm: number[];
  row: Vec3;
  col: Vec3;
  normal: Vec3;
  /** Mean slice spacing along the normal (mm), or undefined for a single slice. */
  spacingZMm: number | undefined;
  /**
   * In-plane offset of each slice's origin from the first's, [along row, along column] mm: all
   * zero for an orthogonal stack; growing with k for a tilted gantry (the image planes stay
   * perpendicular to the normal, only their origins shear).
   */
  inPlaneShiftMm: Array<[number, number]>;
  /** Largest in-plane drift (mm); over `tiltToleranceMm` means the stack is tilted or sheared. */
  maxDriftMm: number;
  /** The drift a regular stack may have (rounding of ImagePositionPatient), mm. */
  tiltToleranceMm: number;
}

export interface SliceCheckOptions {
  /** Largest tolerated deviation of one slice gap from the mean gap, mm. Default max(0.01 mm, 1 % of the mean gap). */
  spacingToleranceMm?: number;
  /**
   * A gantry-tilted (sheared) stack: 'resample' (default) onto the orthogonal grid of the first
   * slice, each slice moved by its in-plane offset (bilinear for HU, nearest for masks); 'refuse'
   * throws DICOM_GANTRY_TILT. Never read as if it were orthogonal (that would skew the tumour).
   */
  gantryTilt?: 'resample' | 'refuse';
  /**
   * Free each instance's pixel data once its slices are in the volume (the header stays
   * readable): the peak memory of a build is then about the volume, not volume + files.
   * Only for callers that do not read those pixels again.
   */
  releasePixelData?: boolean;
}

/**
 * Sort planes along the slice normal n = row × col by d = n · ImagePositionPatient (never by
 * InstanceNumber, which runs either way), and check that they form one regular grid: one
 * orientation, one matrix size and pixel spacing, positions on the normal line, even gaps.
 */
export function sortAndCheckSlices(planes: SlicePlane[], opts: SliceCheckOptions = {}): SortedSlices {
  if (planes.length === 0) throw new TaceError('DICOM_NO_IMAGES', 'No image planes to build a volume from');
  const first = planes[0];
  for (const p of planes) {
    if (maxAbsDiff(p.orientation, first.orientation) > 1e-3) {
      throw new TaceError('DICOM_MIXED_ORIENTATION', 'Images in the series have different ImageOrientationPatient',
        { detail: { expected: first.orientation, found: p.orientation } });
    }
    if (p.rows !== first.rows || p.columns !== first.columns || maxAbsDiff(p.pixelSpacingMm, first.pixelSpacingMm) > 1e-3) {
      throw new TaceError('DICOM_INCONSISTENT_GEOMETRY', 'Images in the series differ in matrix size or pixel spacing',
        { detail: { expected: [first.rows, first.columns, ...first.pixelSpacingMm], found: [p.rows, p.columns, ...p.pixelSpacingMm] } });
    }
  }
  const { row, col, normal } = orientationAxes(first.orientation);
  const keyed = planes.map((p) => ({ p, d: dot(normal, p.positionMm) })).sort((a, b) => a.d - b.d);
  const sorted = keyed.map((k) => k.p);
  const distancesMm = keyed.map((k) => k.d);
  if (sorted.length === 1) return { planes: sorted, distancesMm, row, col, normal, spacingZMm: undefined, inPlaneShiftMm: [[0, 0]], maxDriftMm: 0, tiltToleranceMm: 0 };

  const n = sorted.length;
  const spacingZMm = (distancesMm[n - 1] - distancesMm[0]) / (n - 1);
  const tol = opts.spacingToleranceMm ?? Math.max(0.01, 0.01 * spacingZMm);
  const tiltToleranceMm = Math.max(tol, 0.01 * Math.min(...first.pixelSpacingMm));
  const o = sorted[0].positionMm;
  const inPlaneShiftMm: Array<[number, number]> = [];
  let maxDriftMm = 0;
  for (let k = 0; k < n; k++) {
    // In-plane drift of the slice origin means a tilted gantry or a sheared stack.
    const v = sub(sorted[k].positionMm, o);
    const shift: [number, number] = [dot(v, row), dot(v, col)];
    inPlaneShiftMm.push(shift);
    maxDriftMm = Math.max(maxDriftMm, Math.abs(shift[0]), Math.abs(shift[1]));
  }
  if (maxDriftMm > tiltToleranceMm && opts.gantryTilt === 'refuse') {
    const extent = distancesMm[n - 1] - distancesMm[0];
    const tiltDeg = (Math.atan2(maxDriftMm, extent) * 180) / Math.PI;
    throw new TaceError('DICOM_GANTRY_TILT',
      `Slice origins drift ${maxDriftMm.toFixed(3)} mm in-plane over ${extent.toFixed(1)} mm (gantry tilt about ${tiltDeg.toFixed(1)}°); refused by policy (gantryTilt: refuse)`,
      { detail: { driftMm: maxDriftMm, tiltDeg } });
  }
  for (let k = 1; k < n; k++) {
    const gap = distancesMm[k] - distancesMm[k - 1];
    if (gap < tol) {
      throw new TaceError('DICOM_INCONSISTENT_SPACING', `Two slices lie at the same position (gap ${gap.toFixed(4)} mm)`,
        { detail: { gapMm: gap, index: k } });
    }
    if (Math.abs(gap - spacingZMm) > tol) {
      throw new TaceError('DICOM_INCONSISTENT_SPACING',
        `Uneven slice spacing: gap ${gap.toFixed(4)} mm between slices ${k - 1} and ${k}, mean ${spacingZMm.toFixed(4)} mm (tolerance ${tol.toFixed(4)} mm); missing or extra slices?`,
        { detail: { gapMm: gap, meanGapMm: spacingZMm, toleranceMm: tol, index: k } });
    }
  }
  return { planes: sorted, distancesMm, row, col, normal, spacingZMm, inPlaneShiftMm, maxDriftMm, tiltToleranceMm };
}
