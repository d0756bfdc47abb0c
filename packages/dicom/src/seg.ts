import { TaceError, type Geometry, type LabelMap } from '@tace/common';
import { axis, maxAbsDiff, physicalToIndex } from './geometry.ts';
import type { DicomInstance } from './instance.ts';
import { isSeg, listSegments, pickTumourSegment } from './segments.ts';
import { TAG } from './tags.ts';

/** Geometry of the target grid, optionally with the SOPInstanceUID behind each k (see CtVolume). */
export type TargetGeometry = Geometry & {
  sliceSopInstanceUids?: readonly string[];
  /** The grid is a gantry-tilt correction (CtVolume.tiltResampled): frames may sit between pixels. */
  tiltResampled?: { inPlaneShiftMm: ReadonlyArray<readonly [number, number]> };
};

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

/** Frame f of the segment as one byte per pixel, non-zero = in the segment. */
type FramePlane = (f: number) => Uint8Array;

/** Unpack `n` bits starting at bit `base` of `bits` (LSB first) into one byte per pixel. */
function unpackBits(bits: Uint8Array, base: number, n: number): Uint8Array {
  const plane = new Uint8Array(n);
  for (let p = 0; p < n;) {
    const bit = base + p;
    // Most of a mask is background: skip whole zero bytes.
    if ((bit & 7) === 0 && p + 8 <= n && bits[bit >> 3] === 0) { p += 8; continue; }
    plane[p] = (bits[bit >> 3] >> (bit & 7)) & 1;
    p++;
  }
  return plane;
}

/**
 * How the frames of a SEG are read, whatever their transfer syntax (the same codec path as
 * images). BINARY: native Pixel Data is one bit stream packed across frame boundaries (frame f
 * starts at bit f·rows·cols, mid-byte when rows·cols is not a multiple of 8); RLE and Deflated
 * Image Frame Compression hold each frame packed on its own, byte-aligned; the JPEG-family codecs
 * (JPEG-LS, JPEG 2000, HTJ2K, JPEG Lossless) give one byte per pixel, non-zero = in.
 * FRACTIONAL: value / MaximumFractionalValue ≥ 0.5. LABELMAP: value = segment number.
 */
function framePlanes(seg: DicomInstance, type: string, segmentNumber: number): FramePlane {
  const n = seg.rows * seg.columns;
  if (type === 'BINARY' && seg.isNativePixelData) {
    const allBits = seg.nativePixelData();
    const need = n * seg.numberOfFrames;
    if (allBits.length * 8 < need) {
      throw seg.fail('DICOM_PIXEL_DATA_TRUNCATED', '(7FE0,0010) Pixel Data',
        `holds ${allBits.length * 8} bits; ${seg.numberOfFrames} frames of ${seg.rows}×${seg.columns} need ${need}`);
    }
    return (f) => unpackBits(allBits, f * n, n);
  }
  if (type === 'BINARY') {
    return (f) => {
      const b = seg.frameBytes(f);
      return b.length >= n ? b : unpackBits(b, 0, n); // a codec's byte per pixel, or packed bits
    };
  }
  if (type === 'FRACTIONAL') {
    const maxFrac = seg.uint16(TAG.MaximumFractionalValue) ?? 255;
    return (f) => {
      const b = seg.frameBytes(f);
      const plane = new Uint8Array(n);
      for (let p = 0; p < n; p++) plane[p] = b[p] / maxFrac >= 0.5 ? 1 : 0;
      return plane;
    };
  }
  // LABELMAP
  const bits = seg.bitsAllocated;
  if (bits !== 8 && bits !== 16) {
    throw seg.fail('DICOM_PIXEL_FORMAT_UNSUPPORTED', '(0028,0100) Bits Allocated', `${bits}; a LABELMAP segmentation has 8 or 16`);
  }
  return (f) => {
    const b = seg.frameBytes(f);
    const v = bits === 8 ? b
      : b.byteOffset % 2 === 0 ? new Uint16Array(b.buffer, b.byteOffset, b.byteLength >> 1) : new Uint16Array(b.slice().buffer, 0, b.byteLength >> 1);
    const plane = new Uint8Array(n);
    for (let p = 0; p < n; p++) plane[p] = v[p] === segmentNumber ? 1 : 0;
    return plane;
  };
}

/**
 * Rasterise one segment of a DICOM SEG (BINARY, FRACTIONAL or LABELMAP, any supported transfer
 * syntax; see framePixelTests) onto a target grid (usually the CT volume's).
 * Frames are placed by their PlanePosition (per-frame functional groups) in the target grid,
 * or, lacking one, by DerivationImage's ReferencedSOPInstanceUID. In BINARY and FRACTIONAL SEGs
 * frames of other segments are skipped, so overlapping segments are read one at a time; a
 * LABELMAP frame holds every segment of its plane.
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
  if (type !== 'BINARY' && type !== 'FRACTIONAL' && type !== 'LABELMAP') {
    throw seg.fail('DICOM_SEG_TYPE_UNSUPPORTED', '(0062,0001) Segmentation Type', `${type}; expected BINARY, FRACTIONAL or LABELMAP`);
  }
  const rows = seg.rows, cols = seg.columns, frames = seg.numberOfFrames;
  const [nx, ny, nz] = geometry.size;
  const out = new Uint8Array(nx * ny * nz);
  const rowAxis = axis(geometry.direction, 0), colAxis = axis(geometry.direction, 1);
  const planeBits = rows * cols;
  const planeOf = framePlanes(seg, type, segmentNumber);

  for (let f = 0; f < frames; f++) {
    if (type !== 'LABELMAP') {
      const segNo = seg.functionalGroup(f, TAG.SegmentIdentificationSequence)?.uint16(TAG.ReferencedSegmentNumber);
      if ((segNo ?? (segments.length === 1 ? segmentNumber : undefined)) !== segmentNumber) continue;
    }
    const plane = planeOf(f);
    let any = false;
    for (let p = 0; p < planeBits && !any; p++) any = plane[p] !== 0;
    if (!any) continue;

    // Where the frame lies in the target grid (fi0, fj0: continuous in-plane index of its origin).
    let fi0 = 0, fj0 = 0, k: number;
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
      fi0 = idx[0]; fj0 = idx[1]; k = Math.round(idx[2]);
      const offGrid = Math.abs(fi0 - Math.round(fi0)) > 0.1 || Math.abs(fj0 - Math.round(fj0)) > 0.1;
      if ((offGrid && !geometry.tiltResampled) || Math.abs(idx[2] - k) > 0.25) {
        throw new TaceError('DICOM_SEG_GEOMETRY_MISMATCH', `SEG frame ${f + 1} does not fall on the image grid`,
          { detail: { frame: f + 1, continuousIndex: idx } });
      }
    } else {
      const kk = sourceSliceIndex(seg, f, geometry);
      if (kk === undefined) {
        throw new TaceError('DICOM_SEG_GEOMETRY_MISMATCH', `SEG frame ${f + 1} has neither a plane position nor a source image in the series`);
      }
      k = kk;
      // Drawn on source slice k: on a tilt-corrected grid, it moved with that slice.
      const shift = geometry.tiltResampled?.inPlaneShiftMm[k];
      if (shift) { fi0 = shift[0] / geometry.spacingMm[0]; fj0 = shift[1] / geometry.spacingMm[1]; }
    }
    if (k < 0 || k >= nz) {
      if (opts.outside === 'ignore') continue;
      throw new TaceError('DICOM_SEG_OUTSIDE_VOLUME', `SEG frame ${f + 1} (slice index ${k}) lies outside the ${nz}-slice image volume`,
        { detail: { frame: f + 1, sliceIndex: k } });
    }
    const i0 = Math.round(fi0), j0 = Math.round(fj0);
    if (Math.abs(fi0 - i0) <= 0.1 && Math.abs(fj0 - j0) <= 0.1) {
      for (let r = 0; r < rows; r++) {
        const y = j0 + r;
        if (y < 0 || y >= ny) continue;
        for (let c = 0; c < cols; c++) {
          const x = i0 + c;
          if (x < 0 || x >= nx) continue;
          if (plane[r * cols + c] !== 0) out[x + nx * (y + ny * k)] = label;
        }
      }
    } else {
      // Tilt-corrected grid, frame between pixels: nearest source pixel, as the HU were moved.
      for (let y = 0; y < ny; y++) {
        const r = Math.round(y - fj0);
        if (r < 0 || r >= rows) continue;
        for (let x = 0; x < nx; x++) {
          const c = Math.round(x - fi0);
          if (c >= 0 && c < cols && plane[r * cols + c] !== 0) out[x + nx * (y + ny * k)] = label;
        }
      }
    }
  }
  return { size: [nx, ny, nz], spacingMm: [...geometry.spacingMm], originMm: [...geometry.originMm], direction: [...geometry.direction], data: out };
}
