/**
 * A CT series of a scanned folder as an HU volume, and a SEG / RTSTRUCT as a mask on that series'
 * grid: what `tace-risk dicom volume|mask` write out as NRRD / NIfTI for other tools.
 */
import { readFile, stat } from 'node:fs/promises';
import { TaceError, type LabelMap, type Volume } from '@tace/common';
import { loadCodecs } from './codecs.ts';
import { isCtInstance, loadCtVolume, type CtVolume } from './ct-volume.ts';
import { readScannedFile, type FolderScan, type ScannedFile } from './folder-scan.ts';
import { parseDicom, SUPPORTED_TRANSFER_SYNTAXES, type DicomInstance } from './instance.ts';
import { TRANSFER_SYNTAX_NAMES } from './transfer-syntax-names.ts';
import { referencedSeriesUids, referencedSopUids } from './select.ts';
import { segmentationToLabelMap } from './segmentation.ts';
import { isRtStruct, isSeg, isTumourSegment, listSegments, pickTumourSegment, type SegmentInfo } from './segments.ts';
import { TAG, TRANSFER_SYNTAX } from './tags.ts';

/** Syntaxes read without the WASM codecs (loading them costs ~50 ms, so only when needed). */
const NO_CODEC: ReadonlySet<string> = new Set([
  TRANSFER_SYNTAX.ImplicitVRLittleEndian, TRANSFER_SYNTAX.ExplicitVRLittleEndian, TRANSFER_SYNTAX.DeflatedExplicitVRLittleEndian,
  TRANSFER_SYNTAX.ExplicitVRBigEndian, TRANSFER_SYNTAX.RLELossless,
]);

/** Images of a CT stack: CT instances without the scout views (LOCALIZER) that sometimes share the series. */
export function isStackImage(i: DicomInstance): boolean {
  return isCtInstance(i) && !i.strings(TAG.ImageType).includes('LOCALIZER');
}

export interface SeriesChoice {
  seriesInstanceUid: string;
  files: ScannedFile[];
  /** Why this series, in words (for a person reading the output). */
  why: string;
}

/** CT series of a scan: series UID → its stack images, in path order. */
export function ctSeriesOf(scan: FolderScan): Map<string, ScannedFile[]> {
  const out = new Map<string, ScannedFile[]>();
  for (const f of scan.files) {
    if (!isStackImage(f.header)) continue;
    const uid = f.header.seriesInstanceUid;
    const list = out.get(uid);
    if (list) list.push(f); else out.set(uid, [f]);
  }
  return out;
}

const listing = (m: Map<string, ScannedFile[]>): string => [...m].map(([uid, l]) => `${uid} (${l.length} image${l.length === 1 ? '' : 's'})`).join(', ');

/**
 * The image series: `series` if given (DICOM_SERIES_NOT_FOUND if the folder lacks it), else the one
 * the segmentation references (series UID, else the images it names), else the only CT series.
 * No CT image: DICOM_NO_IMAGES; several CT series and nothing to choose by: DICOM_MULTIPLE_SERIES.
 */
export function chooseCtSeries(scan: FolderScan, opts: { series?: string; segmentation?: DicomInstance } = {}): SeriesChoice {
  const ct = ctSeriesOf(scan);
  if (opts.series !== undefined) {
    const files = ct.get(opts.series);
    if (files) return { seriesInstanceUid: opts.series, files, why: 'named by --series' };
    const other = scan.files.filter((f) => f.header.seriesInstanceUid === opts.series);
    if (other.length > 0) {
      const modality = other[0]!.header.modality || '(none)';
      throw new TaceError('DICOM_NOT_CT', `Series ${opts.series} in '${scan.root}' is modality ${modality}, not a CT image stack`,
        { detail: { modality } });
    }
    throw new TaceError('DICOM_SERIES_NOT_FOUND', `Series ${opts.series} is not in '${scan.root}'; its CT series: ${listing(ct) || 'none'}`,
      { httpStatus: 404, detail: { series: [...ct.keys()] } });
  }
  if (ct.size === 0) {
    throw new TaceError('DICOM_NO_IMAGES', `'${scan.root}' holds no DICOM CT image (${scan.files.length} DICOM files, ${scan.notDicom.length} others)`,
      { detail: { dicomFiles: scan.files.length, otherFiles: scan.notDicom.length } });
  }
  if (opts.segmentation) {
    const refSeries = referencedSeriesUids(opts.segmentation);
    const byRef = refSeries.find((u) => ct.has(u));
    if (byRef) return { seriesInstanceUid: byRef, files: ct.get(byRef)!, why: 'the series the segmentation references' };
    const sops = referencedSopUids(opts.segmentation);
    const bySop = [...ct].find(([, l]) => l.some((f) => sops.has(f.header.sopInstanceUid)));
    if (bySop) return { seriesInstanceUid: bySop[0], files: bySop[1], why: 'holds the images the segmentation references' };
  }
  if (ct.size > 1) {
    throw new TaceError('DICOM_MULTIPLE_SERIES', `'${scan.root}' holds ${ct.size} CT series; pick one with --series: ${listing(ct)}`,
      { detail: { series: [...ct.keys()] } });
  }
  const [uid, files] = [...ct][0]!;
  return { seriesInstanceUid: uid, files, why: 'the only CT series' };
}

/** Read the chosen series whole and build its HU volume (loadCtVolume's checks and codes apply). */
export async function loadSeriesVolume(choice: SeriesChoice): Promise<CtVolume> {
  // Refused before reading any pixel, naming the file (the decoder's own error cannot).
  const bad = choice.files.find((f) => !SUPPORTED_TRANSFER_SYNTAXES.includes(f.header.transferSyntaxUid));
  if (bad) {
    const ts = bad.header.transferSyntaxUid;
    const name = TRANSFER_SYNTAX_NAMES[ts];
    throw new TaceError('DICOM_TRANSFER_SYNTAX_UNSUPPORTED',
      `'${bad.path}' holds its pixels in transfer syntax ${ts}${name ? ` (${name})` : ''}, which is not decoded here` +
      `${name?.endsWith('lossy') ? ': lossy JPEG is unfit for radiomics' : ''}`, { detail: { transferSyntaxUid: ts } });
  }
  if (choice.files.some((f) => !NO_CODEC.has(f.header.transferSyntaxUid))) await loadCodecs();
  const instances: DicomInstance[] = [];
  for (const f of choice.files) instances.push(await readScannedFile(f));
  return loadCtVolume(instances);
}

/**
 * The volume in the narrowest type that holds it exactly: Int16 when every voxel is an integer in
 * [−32768, 32767] (CT HU almost always are: integer stored values, slope 1), else as it is (Float32).
 * Half the file size, and what ITK and dcm2niix write for CT.
 */
export function compactHu(v: Volume): Volume {
  const d = v.data;
  if (!(d instanceof Float32Array || d instanceof Float64Array)) return v;
  const out = new Int16Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const x = d[i]!;
    if (!(x >= -32768 && x <= 32767 && Number.isInteger(x))) return v;
    out[i] = x;
  }
  return { size: v.size, spacingMm: v.spacingMm, originMm: v.originMm, direction: v.direction, data: out };
}

/**
 * A SEG or RTSTRUCT file, header and all. Not there: DICOM_INPUT_NOT_FOUND; a folder or another kind
 * of object: DICOM_NOT_SEGMENTATION; not DICOM Part 10: DICOM_PARSE_ERROR; all naming the file.
 */
export async function readSegmentationFile(path: string): Promise<DicomInstance> {
  const st = await stat(path).catch((e: unknown) => {
    throw new TaceError('DICOM_INPUT_NOT_FOUND', `'${path}' cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { httpStatus: 404 });
  });
  if (st.isDirectory()) throw new TaceError('DICOM_NOT_SEGMENTATION', `'${path}' is a folder; give the DICOM SEG or RTSTRUCT file`);
  const b = await readFile(path);
  if (b.length < 132 || b.toString('latin1', 128, 132) !== 'DICM') {
    throw new TaceError('DICOM_PARSE_ERROR', `'${path}' is not a DICOM Part 10 file (no 'DICM' at byte 128)`);
  }
  let inst: DicomInstance;
  try {
    inst = parseDicom(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  } catch (e) {
    throw new TaceError('DICOM_PARSE_ERROR', `'${path}': ${(e as Error).message}`, { cause: e });
  }
  if (!isSeg(inst) && !isRtStruct(inst)) {
    throw new TaceError('DICOM_NOT_SEGMENTATION', `'${path}' is a DICOM ${inst.modality || 'object'} (SOP class ${inst.sopClassUid}), not a SEG or RTSTRUCT`,
      { detail: { modality: inst.modality, sopClassUid: inst.sopClassUid } });
  }
  // SEG frames may come in any syntax the images can (JPEG 2000, JPEG-LS…): their decoders then
  if (!NO_CODEC.has(inst.transferSyntaxUid)) await loadCodecs();
  return inst;
}

/**
 * Refuse a segmentation drawn on other images than `ct`: it names its source series (SEG
 * ReferencedSeriesSequence, RTSTRUCT RTReferencedSeriesSequence) and `ct` is not one; or it names
 * only source images and none is in `ct`. DICOM_SEG_SERIES_MISMATCH. A segmentation that names
 * neither is placed by geometry alone (segToLabelMap still refuses frames off the grid).
 */
export function checkSegmentationSeries(seg: DicomInstance, ct: CtVolume): void {
  const kind = isRtStruct(seg) ? 'RTSTRUCT' : 'SEG';
  const refSeries = referencedSeriesUids(seg);
  if (refSeries.length > 0) {
    if (refSeries.includes(ct.seriesInstanceUid)) return;
    throw new TaceError('DICOM_SEG_SERIES_MISMATCH',
      `The ${kind} was drawn on series ${[...new Set(refSeries)].join(', ')}, not on the image series ${ct.seriesInstanceUid}`,
      { detail: { referencedSeries: refSeries, imageSeries: ct.seriesInstanceUid } });
  }
  const sops = referencedSopUids(seg);
  if (sops.size > 0 && !ct.sliceSopInstanceUids.some((u) => sops.has(u))) {
    throw new TaceError('DICOM_SEG_SERIES_MISMATCH', `None of the ${sops.size} images the ${kind} references is in the image series ${ct.seriesInstanceUid}`,
      { detail: { referencedImages: sops.size, imageSeries: ct.seriesInstanceUid } });
  }
}

export interface SegmentChoice { segment: SegmentInfo; why: string }

/**
 * The segment (SEG) or ROI (RTSTRUCT) asked for: a number (SegmentNumber / ROINumber) or a label
 * (SegmentLabel / ROIName, exact then case-insensitive); none asked: pickTumourSegment's rule.
 * Not there: DICOM_SEGMENT_NOT_FOUND listing what there is.
 */
export function chooseSegment(seg: DicomInstance, asked?: string): SegmentChoice {
  const segments = listSegments(seg);
  if (asked === undefined) {
    const s = pickTumourSegment(segments);
    const why = segments.length === 1 ? 'the only one' : isTumourSegment(s) ? 'the first whose code or label says tumour' : 'the lowest number; none says tumour';
    return { segment: s, why };
  }
  const a = asked.trim();
  const hit = /^\d+$/.test(a)
    ? segments.find((s) => s.segmentNumber === Number(a))
    : segments.find((s) => s.label === a) ?? segments.find((s) => s.label.toLowerCase() === a.toLowerCase());
  if (!hit) {
    throw new TaceError('DICOM_SEGMENT_NOT_FOUND',
      `No segment ${/^\d+$/.test(a) ? 'number' : 'labelled'} '${a}' in the ${isRtStruct(seg) ? 'RTSTRUCT' : 'SEG'}; it has: ${segments.map((s) => `${s.segmentNumber} '${s.label}'`).join(', ') || 'none'}`,
      { httpStatus: 404, detail: { available: segments.map((s) => ({ segmentNumber: s.segmentNumber, label: s.label })) } });
  }
  return { segment: hit, why: '--segment' };
}

/**
 * The segment as a label map (value 1) on `ct`'s grid, after checking the segmentation belongs to
 * `ct`, with its voxel count. A segment with no voxel there is DICOM_EMPTY_SEGMENTATION.
 */
export function segmentationMask(seg: DicomInstance, ct: CtVolume, segment: SegmentInfo): { mask: LabelMap; voxels: number } {
  checkSegmentationSeries(seg, ct);
  const mask = segmentationToLabelMap(seg, ct, segment.segmentNumber);
  let voxels = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i] !== 0) voxels++;
  if (voxels === 0) {
    throw new TaceError('DICOM_EMPTY_SEGMENTATION', `Segment ${segment.segmentNumber} '${segment.label}' has no voxel on the image series' grid`,
      { detail: { segmentNumber: segment.segmentNumber } });
  }
  return { mask, voxels };
}
