import { TaceError, type Geometry, type LabelMap } from '@tace/common';
import { axis, maxAbsDiff, physicalToIndex } from './geometry.ts';
import type { DicomInstance } from './instance.ts';
import { isSeg, listSegments, pickTumourSegment } from './segments.ts';
import { TAG, TRANSFER_SYNTAX } from './tags.ts';

/** Geometry of the target grid, optionally with the SOPInstanceUID behind each k (see CtVolume). */
export type TargetGeometry = Geometry & { sliceSopInstanceUids?: readonly string[] };

export interface SegToLabelMapOptions {
  /** Segment to extract; default: pickTumourSegment(listSegments(seg)). */
  segmentNumber?: number;
  /** Value written for the segment's voxels (default 1). */
  labelValue?: number;
  /**
   * A frame with foreground that lies outside the target grid: 'error' (default,
   * DICOM_SEG_OUTSIDE_VOLUME — the SEG was drawn on other images) or 'ignore'.
   */
  outside?: 'error' | 'ignore';
}

/** Index of frame f's source image in the target grid (DerivationImage → SourceImage). */
function sourceSliceIndex(seg: DicomInstance, f: number, g: TargetGeometry): number | undefined {
  if (!g.sliceSopInstanceUids) return undefined;
  for (const d of seg.perFrame(f)?.sequence(TAG.DerivationImageSequence) ?? []) {
    for (const src of d.sequence(TAG.SourceImageSequence)) {
      const uid = src.string(TAG.ReferencedSOPInstanceUID);
      const k = uid ? g.sliceSopInstanceUids.indexOf(uid) : -1;
      if (k >= 0) return k;
    }
  }
  return undefined;
}

/**
 * Rasterise one segment of a DICOM SEG onto a target grid (usually the CT volume's).
 * - BINARY: 1 bit per pixel, LSB first, frames packed back to back with no padding, so frame f
 *   starts at bit f·rows·cols (which is mid-byte when rows·cols is not a multiple of 8).
 * - FRACTIONAL: a pixel is in the segment when value / MaximumFractionalValue ≥ 0.5.
 * Frames are placed by their PlanePosition (per-frame functional groups) in the target grid,
 * or, lacking one, by DerivationImage's ReferencedSOPInstanceUID. Frames of other segments are
 * ignored, so overlapping segments are read one at a time.
 */
export function segToLabelMap(seg: DicomInstance, geometry: TargetGeometry, opts: SegToLabelMapOptions = {}): LabelMap {
  if (!isSeg(seg)) throw new TaceError('DICOM_NOT_SEGMENTATION', `Expected a DICOM SEG, found modality ${seg.modality || '(none)'}`);
  const segments = listSegments(seg);
  const segmentNumber = opts.segmentNumber ?? pickTumourSegment(segments).segmentNumber;
  if (!segments.some((s) => s.segmentNumber === segmentNumber)) {
    throw new TaceError('DICOM_SEGMENT_NOT_FOUND', `Segment ${segmentNumber} is not defined in the SEG`,
      { httpStatus: 404, detail: { segmentNumber, available: segments.map((s) => s.segmentNumber) } });
  }
  const label = opts.labelValue ?? 1;
  const type = seg.string(TAG.SegmentationType) ?? 'BINARY';
  if (type !== 'BINARY' && type !== 'FRACTIONAL') {
    throw new TaceError('DICOM_SEG_TYPE_UNSUPPORTED', `SegmentationType ${type} is not supported (BINARY, FRACTIONAL)`);
  }
  const rows = seg.rows, cols = seg.columns, frames = seg.numberOfFrames;
  const [nx, ny, nz] = geometry.size;
  const out = new Uint8Array(nx * ny * nz);
  const packedNative = type === 'BINARY' && seg.transferSyntaxUid !== TRANSFER_SYNTAX.RLELossless;
  const allBits = packedNative ? seg.nativePixelData() : undefined;
  const maxFrac = seg.uint16(TAG.MaximumFractionalValue) ?? 255;
  const rowAxis = axis(geometry.direction, 0), colAxis = axis(geometry.direction, 1);
  const planeBits = rows * cols;
  if (allBits && allBits.length * 8 < planeBits * frames) {
    throw new TaceError('DICOM_PIXEL_DATA_TRUNCATED', `SEG Pixel Data holds ${allBits.length * 8} bits, ${frames} frames need ${planeBits * frames}`);
  }

  for (let f = 0; f < frames; f++) {
    const segNo = seg.functionalGroup(f, TAG.SegmentIdentificationSequence)?.uint16(TAG.ReferencedSegmentNumber);
    if ((segNo ?? (segments.length === 1 ? segmentNumber : undefined)) !== segmentNumber) continue;

    // Pixel test for this frame.
    let inSeg: (p: number) => boolean;
    if (allBits) {
      const base = f * planeBits;
      inSeg = (p) => ((allBits[(base + p) >> 3] >> ((base + p) & 7)) & 1) === 1;
    } else if (type === 'BINARY') {
      const b = seg.frameBytes(f);
      inSeg = (p) => ((b[p >> 3] >> (p & 7)) & 1) === 1;
    } else {
      const b = seg.frameBytes(f);
      inSeg = (p) => b[p] / maxFrac >= 0.5;
    }
    let any = false;
    for (let p = 0; p < planeBits && !any; p++) any = inSeg(p);
    if (!any) continue;

    // Where the frame lies in the target grid.
    let i0 = 0, j0 = 0, k: number;
    const pos = seg.framePosition(f);
    const iop = seg.frameOrientation(f);
    if (iop && maxAbsDiff(iop, [...rowAxis, ...colAxis]) > 1e-3) {
      throw new TaceError('DICOM_SEG_GEOMETRY_MISMATCH', 'SEG frame orientation differs from the image grid', { detail: { frame: f + 1 } });
    }
    const ps = seg.framePixelSpacing(f);
    if (ps && maxAbsDiff([ps[1], ps[0]], geometry.spacingMm.slice(0, 2)) > 1e-3) {
      throw new TaceError('DICOM_SEG_GEOMETRY_MISMATCH', 'SEG pixel spacing differs from the image grid',
        { detail: { frame: f + 1, segSpacingMm: ps, imageSpacingMm: geometry.spacingMm } });
    }
    if (pos) {
      const idx = physicalToIndex(geometry, pos);
      i0 = Math.round(idx[0]); j0 = Math.round(idx[1]); k = Math.round(idx[2]);
      if (Math.abs(idx[0] - i0) > 0.1 || Math.abs(idx[1] - j0) > 0.1 || Math.abs(idx[2] - k) > 0.25) {
        throw new TaceError('DICOM_SEG_GEOMETRY_MISMATCH', `SEG frame ${f + 1} does not fall on the image grid`,
          { detail: { frame: f + 1, continuousIndex: idx } });
      }
    } else {
      const kk = sourceSliceIndex(seg, f, geometry);
      if (kk === undefined) {
        throw new TaceError('DICOM_SEG_GEOMETRY_MISMATCH', `SEG frame ${f + 1} has neither a plane position nor a source image in the series`);
      }
      k = kk;
    }
    if (k < 0 || k >= nz) {
      if (opts.outside === 'ignore') continue;
      throw new TaceError('DICOM_SEG_OUTSIDE_VOLUME', `SEG frame ${f + 1} (slice index ${k}) lies outside the ${nz}-slice image volume`,
        { detail: { frame: f + 1, sliceIndex: k } });
    }
    for (let r = 0; r < rows; r++) {
      const y = j0 + r;
      if (y < 0 || y >= ny) continue;
      for (let c = 0; c < cols; c++) {
        const x = i0 + c;
        if (x < 0 || x >= nx) continue;
        if (inSeg(r * cols + c)) out[x + nx * (y + ny * k)] = label;
      }
    }
  }
  return { size: [nx, ny, nz], spacingMm: [...geometry.spacingMm], originMm: [...geometry.originMm], direction: [...geometry.direction], data: out };
}
