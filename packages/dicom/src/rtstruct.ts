import { TaceError, type LabelMap } from '@tace/common';
import { physicalToIndex } from './geometry.ts';
import type { DicomInstance } from './instance.ts';
import type { TargetGeometry } from './seg.ts';
import { isRtStruct, listSegments, pickTumourSegment, type SegmentInfo } from './segments.ts';
import { TAG } from './tags.ts';

/** A closed polygon in continuous (i, j) index coordinates of slice k. */
interface Polygon { k: number; xs: number[]; ys: number[] }

function findRoi(rt: DicomInstance, roi: string | number | undefined): SegmentInfo {
  const rois = listSegments(rt);
  if (roi === undefined) return pickTumourSegment(rois);
  const hit = typeof roi === 'number'
    ? rois.find((r) => r.segmentNumber === roi)
    : rois.find((r) => r.label === roi) ?? rois.find((r) => r.label.toLowerCase() === roi.toLowerCase());
  if (!hit) {
    throw new TaceError('DICOM_SEGMENT_NOT_FOUND', `ROI ${JSON.stringify(roi)} is not in the RT Structure Set`,
      { httpStatus: 404, detail: { available: rois.map((r) => r.label) } });
  }
  return hit;
}

/**
 * Fill polygons with the even-odd rule on pixel centres: a centre (i, j) is inside when a ray
 * towards +i crosses the contours of its slice an odd number of times. Nested contours
 * (holes) thus come out empty, as the RTSTRUCT convention intends. An edge counts for row j
 * when exactly one of its end points has y ≤ j (half-open rule), so shared vertices count once.
 */
export function fillEvenOdd(polys: readonly Polygon[], out: Uint8Array, nx: number, ny: number, label: number): void {
  const byK = new Map<number, Polygon[]>();
  for (const p of polys) byK.set(p.k, [...(byK.get(p.k) ?? []), p]);
  for (const [k, ps] of byK) {
    for (let j = 0; j < ny; j++) {
      const xs: number[] = [];
      for (const p of ps) {
        const n = p.xs.length;
        for (let a = 0, b = n - 1; a < n; b = a++) {
          const y0 = p.ys[b], y1 = p.ys[a];
          if ((y0 <= j) !== (y1 <= j)) xs.push(p.xs[b] + ((j - y0) * (p.xs[a] - p.xs[b])) / (y1 - y0));
        }
      }
      xs.sort((u, v) => u - v);
      for (let q = 0; q + 1 < xs.length; q += 2) {
        const from = Math.max(0, Math.ceil(xs[q])), to = Math.min(nx - 1, Math.ceil(xs[q + 1]) - 1);
        for (let i = from; i <= to; i++) out[i + nx * (j + ny * k)] = label;
      }
    }
  }
}

/**
 * Rasterise one ROI of an RT Structure Set onto a target grid: each CLOSED_PLANAR contour is
 * mapped to index space, assigned to the slice it lies on (within half a slice), and all
 * contours of a slice are filled together with the even-odd rule.
 * `roi`: ROIName (exact, then case-insensitive) or ROINumber; default pickTumourSegment().
 */
export function rtstructToLabelMap(rt: DicomInstance, geometry: TargetGeometry, roi?: string | number, labelValue = 1): LabelMap {
  if (!isRtStruct(rt)) throw new TaceError('DICOM_NOT_SEGMENTATION', `Expected an RTSTRUCT, found modality ${rt.modality || '(none)'}`);
  const info = findRoi(rt, roi);
  const [nx, ny, nz] = geometry.size;
  const polys: Polygon[] = [];
  const contours = rt.sequence(TAG.ROIContourSequence).filter((c) => c.decimal(TAG.ReferencedROINumber) === info.segmentNumber);
  for (const rc of contours) {
    for (const c of rc.sequence(TAG.ContourSequence)) {
      const type = c.string(TAG.ContourGeometricType);
      if (type !== 'CLOSED_PLANAR') continue; // points and open lines enclose no area
      const pts = c.decimals(TAG.ContourData);
      const xs: number[] = [], ys: number[] = [];
      let zSum = 0, zMin = Infinity, zMax = -Infinity;
      for (let p = 0; p + 2 < pts.length; p += 3) {
        const idx = physicalToIndex(geometry, [pts[p], pts[p + 1], pts[p + 2]]);
        xs.push(idx[0]); ys.push(idx[1]); zSum += idx[2];
        zMin = Math.min(zMin, idx[2]); zMax = Math.max(zMax, idx[2]);
      }
      if (xs.length < 3) continue;
      const k = Math.round(zSum / xs.length);
      if (zMax - zMin > 0.5 || Math.abs(zSum / xs.length - k) > 0.5) {
        throw new TaceError('DICOM_RTSTRUCT_GEOMETRY_MISMATCH', 'A contour is not parallel to the image slices or lies between them',
          { detail: { roiNumber: info.segmentNumber, sliceIndexRange: [zMin, zMax] } });
      }
      if (k < 0 || k >= nz) {
        throw new TaceError('DICOM_SEG_OUTSIDE_VOLUME', `A contour of ROI ${info.segmentNumber} lies outside the ${nz}-slice image volume`,
          { detail: { roiNumber: info.segmentNumber, sliceIndex: k } });
      }
      polys.push({ k, xs, ys });
    }
  }
  const out = new Uint8Array(nx * ny * nz);
  fillEvenOdd(polys, out, nx, ny, labelValue);
  return { size: [nx, ny, nz], spacingMm: [...geometry.spacingMm], originMm: [...geometry.originMm], direction: [...geometry.direction], data: out };
}
