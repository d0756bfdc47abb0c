/**
 * What a folder of DICOM files holds, from headers only: studies, series (sizes, spacing, transfer
 * syntaxes, whether a CT series makes a regular volume), segmentations and their segments, and
 * what the service's selection (selectCtAndSegmentation) would pick and why. No pixel is decoded,
 * so a folder in a syntax we cannot decode is still described. No patient identifiers (name, ID,
 * birth date) are reported: the output may end up in a ticket.
 */
import { relative } from 'node:path';
import { isTaceError, type Vec3 } from '@tace/common';
import { isCtInstance } from './ct-volume.ts';
import type { FolderScan, ScannedFile } from './folder-scan.ts';
import { SUPPORTED_TRANSFER_SYNTAXES, type DicomInstance } from './instance.ts';
import { referencedSeriesUids, referencedSopUids, selectCtAndSegmentation, segmentationSummary } from './select.ts';
import type { SeriesRules } from './series-rules.ts';
import { chooseCtSeries, isStackImage } from './series-export.ts';
import { isRtStruct, isSeg, isTumourSegment, listSegments, type SegmentInfo } from './segments.ts';
import { slicePlanes, sortAndCheckSlices } from './slices.ts';
import { groupSeries } from './study-source.ts';
import { TRANSFER_SYNTAX_NAMES } from './transfer-syntax-names.ts';
import { TAG } from './tags.ts';


export interface TransferSyntaxInfo {
  uid: string;
  name: string;
  /** Whether this build decodes its pixel data (SUPPORTED_TRANSFER_SYNTAXES). */
  decodable: boolean;
  instances: number;
}

/** A CT series as a volume (what `dicom volume` would write), or the coded reason it is not one. */
export type GridInfo =
  | { ok: true; size: Vec3; spacingMm: Vec3; orientation: string }
  | { ok: false; code: string; message: string };

export interface SeriesInfo {
  seriesInstanceUid: string;
  modality: string;
  seriesNumber?: number;
  description?: string;
  instances: number;
  frames: number;
  rows: number;
  columns: number;
  /** As stored: [row spacing, column spacing] mm. */
  pixelSpacingMm?: [number, number];
  sliceThicknessMm?: number;
  transferSyntaxes: TransferSyntaxInfo[];
  /** CT series: scout views (ImageType LOCALIZER) left out of the stack. */
  localizers?: number;
  grid?: GridInfo;
}

export interface SegmentationInfo {
  /** The file, relative to the scanned folder: what `dicom mask --seg` takes. */
  path: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  kind: 'SEG' | 'RTSTRUCT';
  /** SEG: BINARY, FRACTIONAL or LABELMAP. */
  segmentationType?: string;
  frames?: number;
  transferSyntax: string;
  segments: Array<SegmentInfo & { tumourLike: boolean }>;
  referencedSeries: string[];
  /** Whether the folder holds a CT series it was drawn on (by series UID or referenced images). */
  sourceInFolder: boolean;
}

export interface SelectionInfo {
  ok: boolean;
  /** When ok: what the service would score. */
  segmentation?: { sopInstanceUid: string; kind: 'SEG' | 'RTSTRUCT'; why: string };
  ctSeries?: { seriesInstanceUid: string; images: number; why: string };
  segment?: { segmentNumber: number; label: string; why: string };
  /** The series rules' verdict on each segmented series (chosen first), as the case records it. */
  rules?: string[];
  /** When not ok: the code and message the service would fail the run with. */
  code?: string;
  message?: string;
}

export interface StudyInfo {
  studyInstanceUid: string;
  studyDate?: string;
  description?: string;
  series: SeriesInfo[];
  segmentations: SegmentationInfo[];
  selection: SelectionInfo;
}

export interface DicomInventory {
  root: string;
  dicomFiles: number;
  notDicom: string[];
  unreadable: FolderScan['unreadable'];
  studies: StudyInfo[];
  /** What `dicom volume` takes without --series, or why it needs one. */
  volumeSeries: { seriesInstanceUid: string; why: string } | { code: string; message: string };
}

function orientationName(direction: readonly number[]): string {
  // the slice normal (third column) along a patient axis within ~1°
  const n = [direction[2]!, direction[5]!, direction[8]!].map(Math.abs);
  if (n[2]! > 0.9998) return 'axial';
  if (n[1]! > 0.9998) return 'coronal';
  if (n[0]! > 0.9998) return 'sagittal';
  return 'oblique';
}

function gridOf(images: readonly DicomInstance[]): GridInfo {
  try {
    const s = sortAndCheckSlices(slicePlanes(images));
    const first = s.planes[0]!;
    const z = s.spacingZMm ?? first.instance.decimal(TAG.SpacingBetweenSlices) ?? first.instance.decimal(TAG.SliceThickness) ?? 1;
    return {
      ok: true,
      size: [first.columns, first.rows, s.planes.length],
      spacingMm: [first.pixelSpacingMm[1], first.pixelSpacingMm[0], z],
      orientation: orientationName([s.row[0], s.col[0], s.normal[0], s.row[1], s.col[1], s.normal[1], s.row[2], s.col[2], s.normal[2]]),
    };
  } catch (e) {
    if (!isTaceError(e)) throw e;
    return { ok: false, code: e.code, message: e.message };
  }
}

function transferSyntaxes(instances: readonly DicomInstance[]): TransferSyntaxInfo[] {
  const count = new Map<string, number>();
  for (const i of instances) count.set(i.transferSyntaxUid, (count.get(i.transferSyntaxUid) ?? 0) + 1);
  return [...count].sort(([a], [b]) => a.localeCompare(b)).map(([uid, n]) => ({
    uid, name: TRANSFER_SYNTAX_NAMES[uid] ?? 'unknown', decodable: SUPPORTED_TRANSFER_SYNTAXES.includes(uid), instances: n,
  }));
}

function seriesInfo(instances: readonly DicomInstance[]): SeriesInfo {
  const first = instances[0]!;
  const ps = first.framePixelSpacing(0);
  const info: SeriesInfo = {
    seriesInstanceUid: first.seriesInstanceUid,
    modality: first.modality,
    seriesNumber: first.decimal(TAG.SeriesNumber),
    description: first.string(TAG.SeriesDescription),
    instances: instances.length,
    frames: instances.reduce((a, i) => a + i.numberOfFrames, 0),
    rows: first.rows,
    columns: first.columns,
    ...(ps ? { pixelSpacingMm: ps } : {}),
    sliceThicknessMm: first.decimal(TAG.SliceThickness),
    transferSyntaxes: transferSyntaxes(instances),
  };
  if (instances.some(isCtInstance)) {
    const stack = instances.filter(isStackImage);
    info.localizers = instances.length - stack.length;
    info.grid = stack.length > 0 ? gridOf(stack) : { ok: false, code: 'DICOM_NO_IMAGES', message: 'Only scout views (LOCALIZER)' };
  }
  return info;
}

function segmentationInfo(f: ScannedFile, scan: FolderScan, ctImages: readonly DicomInstance[]): SegmentationInfo {
  const h = f.header;
  const refSeries = [...new Set(referencedSeriesUids(h))];
  const sops = referencedSopUids(h);
  const sourceInFolder = ctImages.some((i) => refSeries.includes(i.seriesInstanceUid) || sops.has(i.sopInstanceUid));
  let segments: SegmentationInfo['segments'] = [];
  try { segments = listSegments(h).map((s) => ({ ...s, tumourLike: isTumourSegment(s) })); } catch { /* reported by selection */ }
  return {
    path: f.path === scan.root ? f.path : relative(scan.root, f.path),
    sopInstanceUid: h.sopInstanceUid,
    seriesInstanceUid: h.seriesInstanceUid,
    kind: isSeg(h) ? 'SEG' : 'RTSTRUCT',
    ...(isSeg(h) ? { segmentationType: h.string(TAG.SegmentationType) ?? 'BINARY', frames: h.numberOfFrames } : {}),
    transferSyntax: h.transferSyntaxUid,
    segments,
    referencedSeries: refSeries,
    sourceInFolder,
  };
}

/** What selectCtAndSegmentation picks for the study, with the rule that decided each choice. */
function selectionInfo(studyUid: string, headers: readonly DicomInstance[], rules: SeriesRules): SelectionInfo {
  try {
    const pick = selectCtAndSegmentation(groupSeries(studyUid, headers), { rules });
    const candidates = headers.flatMap((i) => segmentationSummary(i) ?? []);
    const sameKind = candidates.filter((c) => c.kind === pick.kind).length;
    const segWhy = pick.kind === 'SEG'
      ? (sameKind === 1 ? 'the only SEG' : `the latest of ${sameKind} SEGs by content date and time`)
      : (sameKind === 1 ? 'no SEG; the only RTSTRUCT' : `no SEG; the latest of ${sameKind} RTSTRUCTs`);
    const ctUid = pick.ct[0]?.seriesInstanceUid ?? '';
    const ctWhy = referencedSeriesUids(pick.seg).includes(ctUid)
      ? `named in the ${pick.kind}'s ${pick.kind === 'SEG' ? 'ReferencedSeriesSequence' : 'RTReferencedSeriesSequence'}`
      : pick.ct.some((i) => referencedSopUids(pick.seg).has(i.sopInstanceUid))
        ? `holds the images the ${pick.kind} references`
        : `the only CT series in the ${pick.kind}'s frame of reference`;
    const segments = listSegments(pick.seg);
    const chosen = segments.find((s) => s.segmentNumber === pick.segmentNumber)!;
    const segmentWhy = segments.length === 1 ? 'the only one' : isTumourSegment(chosen) ? 'the first whose code or label says tumour' : 'the lowest number; none says tumour';
    return {
      ok: true,
      segmentation: { sopInstanceUid: pick.seg.sopInstanceUid, kind: pick.kind, why: segWhy },
      ctSeries: { seriesInstanceUid: ctUid, images: pick.ct.length, why: ctWhy },
      segment: { segmentNumber: pick.segmentNumber, label: pick.segmentLabel, why: segmentWhy },
      rules: pick.selection.summary,
    };
  } catch (e) {
    if (!isTaceError(e)) throw e;
    return { ok: false, code: e.code, message: e.message };
  }
}

/**
 * Describe a scanned folder (see scanDicomFolder). `rules`: the series rules the service applies
 * (TACE_SERIES_*), so the selection shown is the one it would make; the TACE date rule needs the
 * EHR and is not applied here.
 */
export function inspectScan(scan: FolderScan, rules: SeriesRules = {}): DicomInventory {
  const byStudy = new Map<string, ScannedFile[]>();
  for (const f of scan.files) {
    const uid = f.header.studyInstanceUid;
    const list = byStudy.get(uid);
    if (list) list.push(f); else byStudy.set(uid, [f]);
  }
  const ctImages = scan.files.map((f) => f.header).filter(isStackImage);
  const studies: StudyInfo[] = [...byStudy].map(([uid, files]) => {
    const headers = files.map((f) => f.header);
    const study = groupSeries(uid, headers);
    const first = headers[0]!;
    return {
      studyInstanceUid: uid,
      studyDate: first.string(TAG.StudyDate),
      description: first.string(TAG.StudyDescription),
      series: study.series.map((s) => seriesInfo(s.instances)),
      segmentations: files.filter((f) => isSeg(f.header) || isRtStruct(f.header)).map((f) => segmentationInfo(f, scan, ctImages)),
      selection: selectionInfo(uid, headers, rules),
    };
  });
  let volumeSeries: DicomInventory['volumeSeries'];
  try {
    const c = chooseCtSeries(scan);
    volumeSeries = { seriesInstanceUid: c.seriesInstanceUid, why: c.why };
  } catch (e) {
    if (!isTaceError(e)) throw e;
    volumeSeries = { code: e.code, message: e.message };
  }
  return { root: scan.root, dicomFiles: scan.files.length, notDicom: scan.notDicom, unreadable: scan.unreadable, studies, volumeSeries };
}
