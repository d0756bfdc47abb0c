/**
 * NIfTI-1 reader (.nii, .nii.gz), geometry converted from RAS (NIfTI) to LPS as SimpleITK reads it:
 * direction rows 0 and 1 and origin x, y negated. Transform: qform when qform_code > 0, else sform
 * when sform_code > 0, else pixdim scaling only (ITK's "analyze" fallback). Spacing = pixdim[1..3].
 * scl_slope/scl_inter are applied (result Float64) unless they are the identity, as ITK does.
 */
import { gunzip, gunzipSync } from 'node:zlib';
import type { Mat3, Vec3, Volume } from '@tace/common';
import { RADIOMICS_ERRORS, radiomicsError } from '../errors.ts';
import { isGzip } from './magic.ts';
import { decodeSamples } from './nrrd.ts';

function unreadable(why: string): never {
  throw radiomicsError(RADIOMICS_ERRORS.FILE_UNREADABLE, `NIfTI: ${why}`);
}

const DATATYPES: Record<number, string> = {
  2: 'uint8', 4: 'int16', 8: 'int32', 16: 'float32', 64: 'float64', 256: 'int8', 512: 'uint16', 768: 'uint32',
};

/**
 * zlib output chunk for a gzip stream: its decompressed size from the trailer (ISIZE, mod 2³²) plus one,
 * so that the output is one buffer (no list of 16 kB chunks concatenated at the end).
 */
function gunzipChunk(buf: Uint8Array): number {
  const n = buf.byteLength;
  const isize = n >= 18 ? (buf[n - 4]! | (buf[n - 3]! << 8) | (buf[n - 2]! << 16) | (buf[n - 1]! << 24)) >>> 0 : 0;
  return Math.max(64 * 1024, Math.min(isize + 1, 2 ** 31 - 1));
}

function gzipFailed(e: unknown): never {
  unreadable(`gzip data cannot be decompressed (${(e as Error).message})`);
}

export function readNifti(input: Uint8Array): Volume {
  let buf = input;
  if (isGzip(buf)) {
    try {
      buf = new Uint8Array(gunzipSync(buf, { chunkSize: gunzipChunk(buf) }));
    } catch (e) {
      gzipFailed(e);
    }
  }
  return parseNifti(buf);
}

/** readNifti with a .nii.gz decompressed on libuv's thread pool (image and mask in parallel). */
export async function readNiftiAsync(input: Uint8Array): Promise<Volume> {
  if (!isGzip(input)) return parseNifti(input);
  const raw = await new Promise<Buffer>((resolve, reject) => {
    gunzip(input, { chunkSize: gunzipChunk(input) }, (e, r) => (e ? reject(e) : resolve(r)));
  }).catch(gzipFailed);
  return parseNifti(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
}

/** An uncompressed NIfTI-1 file's bytes → Volume (LPS). */
function parseNifti(buf: Uint8Array): Volume {
  if (buf.byteLength < 348) unreadable('file shorter than a NIfTI-1 header');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let le = true;
  if (dv.getInt32(0, true) !== 348) {
    if (dv.getInt32(0, false) === 348) le = false;
    else if (dv.getInt32(0, true) === 540 || dv.getInt32(0, false) === 540) unreadable('NIfTI-2 is not supported');
    else unreadable('sizeof_hdr is not 348');
  }
  const i16 = (o: number) => dv.getInt16(o, le);
  const f32 = (o: number) => dv.getFloat32(o, le);
  const ndim = i16(40);
  if (ndim < 2 || ndim > 4) unreadable(`unsupported number of dimensions ${ndim}`);
  const dims = [i16(42), i16(44), ndim >= 3 ? i16(46) : 1];
  if (ndim === 4 && i16(48) > 1) unreadable('4-D (time series) images are not supported');
  const size: Vec3 = [dims[0]!, dims[1]!, dims[2]!];
  const datatype = i16(70);
  const type = DATATYPES[datatype];
  if (!type) unreadable(`unsupported datatype ${datatype}`);
  const pixdim = [0, 1, 2, 3].map((k) => f32(76 + 4 * k));
  const spacingMm: Vec3 = [Math.abs(pixdim[1]!) || 1, Math.abs(pixdim[2]!) || 1, ndim >= 3 ? Math.abs(pixdim[3]!) || 1 : 1];
  const voxOffset = Math.max(348, Math.round(f32(108)));
  const slope = f32(112);
  const inter = f32(116);
  const qformCode = i16(252);
  const sformCode = i16(254);

  // RAS direction (columns = axis unit vectors) and origin.
  let dirRas: number[] = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  let originRas: number[] = [0, 0, 0];
  if (qformCode > 0) {
    let b = f32(256), c = f32(260), d = f32(264);
    // As nifti1_io's quatern_to_mat44 (which ITK uses): for a rotation near 180° (a ≈ 0) the float32
    // b, c, d are renormalised and a = 0, instead of a = sqrt of rounding noise (a 3e-4 error in the
    // direction of a coronal or a 180°-rotated image).
    const a2 = 1 - (b * b + c * c + d * d);
    let a = 0;
    if (a2 < 1e-7) {
      const s = 1 / Math.sqrt(b * b + c * c + d * d);
      b *= s; c *= s; d *= s;
    } else {
      a = Math.sqrt(a2);
    }
    const qfac = pixdim[0]! < 0 ? -1 : 1;
    dirRas = [
      a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c) * qfac,
      2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b) * qfac,
      2 * (b * d - a * c), 2 * (c * d + a * b), (a * a + d * d - c * c - b * b) * qfac,
    ];
    originRas = [f32(268), f32(272), f32(276)];
  } else if (sformCode > 0) {
    const row = (o: number) => [f32(o), f32(o + 4), f32(o + 8), f32(o + 12)];
    const rx = row(280), ry = row(296), rz = row(312);
    const m = [rx, ry, rz];
    const norms = [0, 1, 2].map((j) => Math.hypot(m[0]![j]!, m[1]![j]!, m[2]![j]!) || 1);
    dirRas = [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => m[i]![j]! / norms[j]!));
    originRas = [rx[3]!, ry[3]!, rz[3]!];
  }
  const direction = dirRas.map((v, k) => (k < 6 ? -v : v) + 0) as Mat3; // + 0 turns −0 into 0
  const originMm: Vec3 = [-originRas[0]!, -originRas[1]!, originRas[2]!];
  const count = size[0] * size[1] * size[2];
  let data = decodeSamples(type, buf.subarray(voxOffset), count, le);
  if (slope !== 0 && Number.isFinite(slope) && (slope !== 1 || inter !== 0)) {
    const scaled = new Float64Array(count);
    for (let i = 0; i < count; i++) scaled[i] = data[i]! * slope + inter;
    data = scaled;
  }
  return { size, spacingMm, originMm, direction, data };
}
