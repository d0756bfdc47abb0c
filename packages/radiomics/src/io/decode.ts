/** An image file's bytes → Volume, the format told from the content (magic) or the file name. */
import type { Volume } from '@tace/common';
import { RADIOMICS_ERRORS, radiomicsError } from '../errors.ts';
import { isGzip, isNrrd } from './magic.ts';
import { readNifti, readNiftiAsync } from './nifti.ts';
import { readNrrd, readNrrdAsync } from './nrrd.ts';

/** Pick the reader from the content (NRRD magic) or the file name. */
export function readImageBuffer(buf: Uint8Array, nameHint = ''): Volume {
  if (isNrrd(buf)) return readNrrd(buf);
  if (/\.nii(\.gz)?$/i.test(nameHint) || isGzip(buf) || buf.byteLength >= 348) return readNifti(buf);
  throw radiomicsError(RADIOMICS_ERRORS.FILE_UNREADABLE, 'unrecognised image format (expected NRRD or NIfTI)');
}

/**
 * readImageBuffer with the decompression of a gzip-encoded NRRD or a .nii.gz on the thread pool
 * (readNrrdAsync, readNiftiAsync), so an image and its mask read with Promise.all decompress in
 * parallel (brain1: ~18 -> ~13 ms).
 */
export async function readImageBufferAsync(buf: Uint8Array, nameHint = ''): Promise<Volume> {
  if (isNrrd(buf)) return readNrrdAsync(buf);
  if (isGzip(buf)) return readNiftiAsync(buf);
  return readImageBuffer(buf, nameHint);
}
