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
  const reader = await findReader(path, 'image');
  if (reader) return reader.readImage(path, opts);
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
  if (opts.series !== undefined) throw optionUnsupported('series');
  return (await takePrefetchedAsync(path, bytes)) ?? readImageBufferAsync(bytes, path);
}

/** Convert any integer-valued volume to a LabelMap (labels 0..255); other values → RADIOMICS_MASK_LABEL_RANGE. */
export function toLabelMap(v: Volume): LabelMap {
  const d = v.data;
  if (d instanceof Uint8Array) return v as LabelMap;
  const out = new Uint8Array(d.length);
  // Integer arrays (NRRD masks are often int32): one OR over all voxels shows whether any value has a
  // bit outside 0..255 (negatives included), then a native typed-array copy; no per-voxel checks.
  if (d instanceof Int16Array || d instanceof Uint16Array || d instanceof Int32Array) {
    let bits = 0;
    const n = d.length; // (a local: this 1.6 M-voxel loop starts in the interpreter)
    for (let i = 0; i < n; i++) bits |= d[i]!;
    if ((bits & ~255) === 0) {
      out.set(d);
      return { size: v.size, spacingMm: v.spacingMm, originMm: v.originMm, direction: v.direction, data: out };
    }
  }
  for (let i = 0; i < out.length; i++) {
    const x = d[i]!;
    if (!(x >= 0 && x <= 255 && Number.isInteger(x))) {
      throw radiomicsError(RADIOMICS_ERRORS.MASK_LABEL_RANGE, `mask value ${x} is not an integer label in 0..255`);
    }
    out[i] = x;
  }
  return { size: v.size, spacingMm: v.spacingMm, originMm: v.originMm, direction: v.direction, data: out };
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
  const v = await readImageFile(path);
  if (opts.segment !== undefined) throw optionUnsupported('segment');
  return toLabelMap(v);
}
