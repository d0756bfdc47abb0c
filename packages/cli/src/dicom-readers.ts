/**
 * DICOM readers for `tace-risk radiomics extract|batch` (the radiomics engine knows nothing of DICOM;
 * this module plugs into its reader registry):
 * - image: a folder of DICOM Part 10 files holding a CT series (other files and non-CT objects in the
 *   folder, e.g. a SEG beside the slices, are ignored; several CT series need `--series UID`);
 * - mask: a DICOM SEG or RTSTRUCT file, rasterised onto the image's grid (`--segment N|NAME` picks the
 *   segment / ROI, default pickTumourSegment: the only one, else the first tumour-like, else the lowest).
 *
 * Importing this module registers the readers (so a batch worker importing it gets them too);
 * `registerDicomReaders()` is the explicit form for the CLI, which also hands the module to the workers.
 * @tace/dicom is imported on the first DICOM read, so NRRD/NIfTI runs do not pay for it.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { TaceError, type LabelMap, type Volume } from '@tace/common';
// the registry alone (not the engine): `tace-risk radiomics` runs the engine bundled, sharing this registry
import { loadReaderModule, registerImageReader, type ImageReadOptions, type ImageReader, type MaskReadOptions } from '@tace/radiomics/registry';

type Dicom = typeof import('@tace/dicom');
type DicomInstance = import('@tace/dicom').DicomInstance;

let dicomModule: Promise<Dicom> | undefined;
/** @tace/dicom with its JPEG-LS / JPEG 2000 / JPEG Lossless codecs loaded (compressed CT slices). */
function dicom(): Promise<Dicom> {
  dicomModule ??= (async () => {
    const m = await import('@tace/dicom');
    await m.loadCodecs();
    return m;
  })();
  return dicomModule;
}

const NON_DICOM_NAME = /\.(nrrd|nhdr|nii|nii\.gz|csv|ya?ml|json|md|txt)$/i;

/** Part 10 file: 128-byte preamble then "DICM". */
async function hasDicmPreamble(path: string): Promise<boolean> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return false;
  try {
    const head = Buffer.alloc(132);
    const { bytesRead } = await fh.read(head, 0, 132, 0);
    return bytesRead === 132 && head.toString('latin1', 128, 132) === 'DICM';
  } finally {
    await fh.close();
  }
}

async function parseFile(d: Dicom, path: string): Promise<DicomInstance> {
  const b = await readFile(path);
  return d.parseDicom(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
}

/** All Part 10 files under `dir` (recursive, sorted by path for a deterministic order); a file is itself. */
async function dicomFilesUnder(dir: string): Promise<string[]> {
  if ((await stat(dir)).isFile()) return [dir]; // one multi-frame (Enhanced) CT object
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (NON_DICOM_NAME.test(e.name)) continue;
      // Symlinked files are followed (a series assembled from links); symlinked folders are not (cycles).
      else if ((e.isFile() || (e.isSymbolicLink() && (await stat(p).catch(() => undefined))?.isFile())) && await hasDicmPreamble(p)) out.push(p);
    }
  };
  await walk(dir);
  return out;
}

/**
 * The CT volume (HU, LPS) of the one CT series in `dir`, or of `opts.series`.
 * Errors: DICOM_NO_IMAGES (no CT image in the folder), DICOM_MULTIPLE_SERIES (several CT series and
 * no --series; the message lists their UIDs and image counts), DICOM_SERIES_NOT_FOUND, and those of
 * loadCtVolume (DICOM_INCONSISTENT_SPACING, DICOM_GANTRY_TILT, …).
 */
export async function readDicomSeriesFolder(dir: string, opts: ImageReadOptions = {}): Promise<Volume> {
  const d = await dicom();
  const bySeries = new Map<string, DicomInstance[]>();
  for (const p of await dicomFilesUnder(dir)) {
    const inst = await parseFile(d, p);
    if (!d.isCtInstance(inst)) continue;
    const list = bySeries.get(inst.seriesInstanceUid);
    if (list) list.push(inst);
    else bySeries.set(inst.seriesInstanceUid, [inst]);
  }
  if (bySeries.size === 0) throw new TaceError('DICOM_NO_IMAGES', 'The image folder holds no DICOM CT image', { httpStatus: 422 });
  const listing = [...bySeries].map(([uid, l]) => ({ seriesInstanceUid: uid, images: l.length }));
  let chosen: DicomInstance[] | undefined;
  if (opts.series !== undefined) {
    chosen = bySeries.get(opts.series);
    if (!chosen) {
      throw new TaceError('DICOM_SERIES_NOT_FOUND',
        `CT series ${opts.series} is not in the image folder; it holds: ${listing.map((s) => `${s.seriesInstanceUid} (${s.images} images)`).join(', ')}`,
        { httpStatus: 422, detail: { series: listing } });
    }
  } else if (bySeries.size > 1) {
    throw new TaceError('DICOM_MULTIPLE_SERIES',
      `The image folder holds ${bySeries.size} CT series; pick one with --series (or a Series column): ${listing.map((s) => `${s.seriesInstanceUid} (${s.images} images)`).join(', ')}`,
      { httpStatus: 422, detail: { series: listing } });
  } else {
    chosen = [...bySeries.values()][0];
  }
  return d.loadCtVolume(chosen!);
}

/**
 * One segment of a DICOM SEG, or one ROI of an RTSTRUCT, as a label map on `reference`'s grid, its
 * voxels set to `opts.label ?? 1`. `opts.segment`: a number (SegmentNumber / ROINumber) or a name
 * (SegmentLabel / ROIName; exact, then case-insensitive).
 */
export async function readDicomMask(path: string, reference: Volume, opts: MaskReadOptions = {}): Promise<LabelMap> {
  if ((await stat(path)).isDirectory()) {
    throw new TaceError('DICOM_NOT_SEGMENTATION', 'The mask is a folder; give the DICOM SEG or RTSTRUCT file', { httpStatus: 422 });
  }
  const d = await dicom();
  const inst = await parseFile(d, path);
  const labelValue = opts.label ?? 1;
  const seg = opts.segment;
  const asNumber = seg !== undefined && /^\d+$/.test(seg.trim()) ? Number(seg) : undefined;
  // reference may be a CtVolume carrying sliceSopInstanceUids (SEG frames placed by source image when they lack PlanePosition).
  const geometry = reference as Volume & { sliceSopInstanceUids?: readonly string[] };
  if (d.isRtStruct(inst)) return d.rtstructToLabelMap(inst, geometry, asNumber ?? seg, labelValue);
  if (!d.isSeg(inst)) {
    throw new TaceError('DICOM_NOT_SEGMENTATION', `The mask is a DICOM ${inst.modality || 'object'}, not a SEG or RTSTRUCT`, { httpStatus: 422 });
  }
  let segmentNumber = asNumber;
  if (seg !== undefined && asNumber === undefined) {
    const segments = d.listSegments(inst);
    const hit = segments.find((s) => s.label === seg) ?? segments.find((s) => s.label.toLowerCase() === seg.toLowerCase());
    if (!hit) {
      throw new TaceError('DICOM_SEGMENT_NOT_FOUND', `No segment labelled '${seg}' in the SEG; it has: ${segments.map((s) => `${s.segmentNumber} '${s.label}'`).join(', ')}`,
        { httpStatus: 404, detail: { available: segments.map((s) => ({ segmentNumber: s.segmentNumber, label: s.label })) } });
    }
    segmentNumber = hit.segmentNumber;
  }
  return d.segToLabelMap(inst, geometry, { segmentNumber, labelValue });
}

export const dicomSeriesReader: ImageReader = {
  name: 'dicom',
  canRead: (path: string, st: Stats) => (st.isDirectory() ? true : st.isFile() && !NON_DICOM_NAME.test(path) && hasDicmPreamble(path)),
  readImage: readDicomSeriesFolder,
  readMask: readDicomMask,
};

registerImageReader(dicomSeriesReader);

/** Register the DICOM readers here and for `radiomics batch` worker threads (they import this module). */
export async function registerDicomReaders(): Promise<void> {
  await loadReaderModule(import.meta.url);
}
