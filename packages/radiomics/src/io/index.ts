/** Image and mask file readers: NRRD (.nrrd, .nhdr with attached data) and NIfTI-1 (.nii, .nii.gz). */
import { readFileBytes } from './fsAsync.ts';
import type { LabelMap, Volume } from '@tace/common';
import { RADIOMICS_ERRORS, radiomicsError } from '../errors.ts';
import { readImageBufferAsync } from './decode.ts';
import { prefetchedBytes, takePrefetchedAsync } from './prefetch.ts';
import { findReader, optionUnsupported, type ImageReadOptions, type MaskReadOptions } from './registry.ts';

export { readNrrd, readNrrdAsync } from './nrrd.ts';
export { readNifti, readNiftiAsync } from './nifti.ts';
export { readImageBuffer, readImageBufferAsync } from './decode.ts';

/** Read an image: a registered reader's (see registry.ts) if one takes `path`, else NRRD / NIfTI. */
export async function readImageFile(path: string, opts: ImageReadOptions = {}): Promise<Volume> {
  return (await readImageOwned(path, opts)).volume;
}

/** readImageFile, telling whether the volume was decoded here for this call alone (`own`) or came from a registered reader. */
async function readImageOwned(path: string, opts: ImageReadOptions): Promise<{ volume: Volume; own: boolean }> {
  const reader = await findReader(path, 'image');
  if (reader) return { volume: await reader.readImage(path, opts), own: false };
  // the bytes the CLI prefetched, if the file has not changed since (not read twice), else read now
  let bytes = prefetchedBytes(path);
  if (!bytes) {
    let buf: Buffer;
    try {
      buf = await readFileBytes(path);
    } catch (e) {
      throw radiomicsError(RADIOMICS_ERRORS.FILE_UNREADABLE, `cannot read image file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  // (after the read: a missing file is reported as unreadable, whatever the options)
  if (opts.series !== undefined) throw optionUnsupported('series');
  return { volume: (await takePrefetchedAsync(path, bytes)) ?? await readImageBufferAsync(bytes, path), own: true };
}

/**
 * Convert any integer-valued volume to a LabelMap (labels 0..255); other values → RADIOMICS_MASK_LABEL_RANGE.
 * `inPlace`: the labels are written over the volume's own voxel buffer (the first byte of each voxel's
 * slot, front to back, so no voxel is overwritten before it is read) and the volume must not be used
 * afterwards. readLabelMapFile does so with the volume it has just decoded: a 256×256×25 int32 mask then
 * costs no second 1.6 MB array, whose first touch is most of the conversion's time on a fresh process.
 */
export function toLabelMap(v: Volume, { inPlace = false }: { inPlace?: boolean } = {}): LabelMap {
  const d = v.data;
  if (d instanceof Uint8Array) return v as LabelMap;
  const n = d.length; // (a local: this 1.6 M-voxel loop starts in the interpreter)
  const out = inPlace ? new Uint8Array(d.buffer, d.byteOffset, n) : new Uint8Array(n);
  if (d instanceof Int16Array || d instanceof Uint16Array || d instanceof Int32Array) {
    // integer voxels: one bit test per voxel (any bit outside 0..255, negatives included)
    for (let i = 0; i < n; i++) {
      const x = d[i]!;
      if ((x & ~255) !== 0) throw labelRangeError(x);
      out[i] = x;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const x = d[i]!;
      if (!(x >= 0 && x <= 255 && Number.isInteger(x))) throw labelRangeError(x);
      out[i] = x;
    }
  }
  return { size: v.size, spacingMm: v.spacingMm, originMm: v.originMm, direction: v.direction, data: out };
}

function labelRangeError(x: number): Error {
  return radiomicsError(RADIOMICS_ERRORS.MASK_LABEL_RANGE, `mask value ${x} is not an integer label in 0..255`);
}

/**
 * Read a mask. A registered mask reader (DICOM SEG / RTSTRUCT…) rasterises onto the grid of
 * `opts.reference`, the image the mask belongs to (awaited only then, so NRRD/NIfTI masks are still
 * read in parallel with their image); built-in NRRD / NIfTI masks ignore it.
 */
export async function readLabelMapFile(path: string, opts: MaskReadOptions & { reference?: Volume | Promise<Volume> } = {}): Promise<LabelMap> {
  const reader = await findReader(path, 'mask');
  if (reader?.readMask) {
    if (opts.reference === undefined) {
      throw radiomicsError(RADIOMICS_ERRORS.FILE_UNREADABLE, `the ${reader.name} mask reader needs the image the mask belongs to`);
    }
    return reader.readMask(path, await opts.reference, { label: opts.label, segment: opts.segment });
  }
  const { volume, own } = await readImageOwned(path, {});
  if (opts.segment !== undefined) throw optionUnsupported('segment');
  return toLabelMap(volume, { inPlace: own });
}
