/**
 * NRRD and NIfTI-1 writers, the inverse of nrrd.ts / nifti.ts: a Volume (LPS, ITK layout) out to a
 * file that ITK, 3D Slicer, SimpleITK, nibabel and PyRadiomics read with the same geometry.
 * - NRRD: `space: left-posterior-superior`, `space directions` = direction columns × spacing,
 *   `space origin`, gzip encoding (raw for .nhdr-less uncompressed output is not offered: gzip costs
 *   little and is what dcmqi and Slicer write).
 * - NIfTI-1 (.nii, .nii.gz): RAS, so LPS x and y are negated; qform (quaternion + qfac, code 1
 *   scanner) and sform (code 1) both set, as ITK writes them; pixdim in mm (xyzt_units 2).
 * Header numbers are float32 in NIfTI (its format), full float64 text in NRRD.
 */
import { gzipSync } from 'node:zlib';
import { rename, rm, writeFile } from 'node:fs/promises';
import type { Mat3, Volume, VoxelArray } from '@tace/common';
import { RADIOMICS_ERRORS, radiomicsError } from '../errors.ts';

export type ImageFileFormat = 'nrrd' | 'nifti';

/** The format and compression a file name asks for: .nrrd (gzip), .nii, .nii.gz; undefined otherwise. */
export function imageFormatOf(path: string): { format: ImageFileFormat; gzip: boolean } | undefined {
  const p = path.toLowerCase();
  if (p.endsWith('.nrrd')) return { format: 'nrrd', gzip: true };
  if (p.endsWith('.nii.gz')) return { format: 'nifti', gzip: true };
  if (p.endsWith('.nii')) return { format: 'nifti', gzip: false };
  return undefined;
}

interface SampleType { nrrd: string; nifti: number; bytes: number }

function sampleType(d: VoxelArray): SampleType {
  if (d instanceof Uint8Array) return { nrrd: 'unsigned char', nifti: 2, bytes: 1 };
  if (d instanceof Int16Array) return { nrrd: 'short', nifti: 4, bytes: 2 };
  if (d instanceof Uint16Array) return { nrrd: 'unsigned short', nifti: 512, bytes: 2 };
  if (d instanceof Int32Array) return { nrrd: 'int', nifti: 8, bytes: 4 };
  if (d instanceof Float32Array) return { nrrd: 'float', nifti: 16, bytes: 4 };
  return { nrrd: 'double', nifti: 64, bytes: 8 };
}

const HOST_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** The voxels as little-endian bytes (a view when the host is little-endian, as every supported one is). */
function littleEndianBytes(d: VoxelArray): Uint8Array {
  if (HOST_LITTLE_ENDIAN || d.BYTES_PER_ELEMENT === 1) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const out = new Uint8Array(d.byteLength);
  const w = d.BYTES_PER_ELEMENT;
  const src = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  for (let i = 0; i < src.length; i += w) for (let b = 0; b < w; b++) out[i + b] = src[i + w - 1 - b]!;
  return out;
}

function checkVolume(v: Volume): void {
  const n = v.size[0] * v.size[1] * v.size[2];
  if (v.data.length !== n) {
    throw radiomicsError(RADIOMICS_ERRORS.FILE_WRITE_FAILED, `volume of size ${v.size.join('×')} holds ${v.data.length} voxels, not ${n}`);
  }
}

/** Numbers in NRRD text: the shortest decimal that reads back to the same float64 (no -0). */
const num = (x: number): string => String(x + 0);

/** An NRRD file (attached data, little endian, gzip unless `gzip: false`). */
export function encodeNrrd(v: Volume, { gzip = true }: { gzip?: boolean } = {}): Uint8Array {
  checkVolume(v);
  const t = sampleType(v.data);
  const d = v.direction;
  const col = (i: number): string => `(${num(d[i]! * v.spacingMm[i]!)},${num(d[3 + i]! * v.spacingMm[i]!)},${num(d[6 + i]! * v.spacingMm[i]!)})`;
  const header = [
    'NRRD0004',
    '# Complete NRRD file format specification at:',
    '# http://teem.sourceforge.net/nrrd/format.html',
    `type: ${t.nrrd}`,
    'dimension: 3',
    'space: left-posterior-superior',
    `sizes: ${v.size.join(' ')}`,
    `space directions: ${col(0)} ${col(1)} ${col(2)}`,
    'kinds: domain domain domain',
    ...(t.bytes > 1 ? ['endian: little'] : []),
    `encoding: ${gzip ? 'gzip' : 'raw'}`,
    `space origin: (${v.originMm.map(num).join(',')})`,
    '',
    '',
  ].join('\n');
  const raw = littleEndianBytes(v.data);
  const payload = gzip ? gzipSync(raw, { level: 6 }) : raw;
  const head = Buffer.from(header, 'latin1');
  const out = new Uint8Array(head.length + payload.byteLength);
  out.set(head, 0);
  out.set(payload, head.length);
  return out;
}

/** Quaternion (b, c, d) and qfac of a rotation matrix with columns = axes, as nifti1_io's mat44_to_quatern. */
function quaternion(r: Mat3): { b: number; c: number; d: number; qfac: number } {
  let [r11, r12, r13, r21, r22, r23, r31, r32, r33] = r;
  const det = r11 * r22 * r33 - r11 * r32 * r23 - r21 * r12 * r33 + r21 * r32 * r13 + r31 * r12 * r23 - r31 * r22 * r13;
  let qfac = 1;
  if (det <= 0) { // improper (a mirrored axis): NIfTI flips the third axis and records it in qfac
    qfac = -1;
    r13 = -r13; r23 = -r23; r33 = -r33;
  }
  let a = r11 + r22 + r33 + 1, b: number, c: number, d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = 0.25 * (r32 - r23) / a; c = 0.25 * (r13 - r31) / a; d = 0.25 * (r21 - r12) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33), yd = 1 + r22 - (r11 + r33), zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd); c = 0.25 * (r12 + r21) / b; d = 0.25 * (r13 + r31) / b; a = 0.25 * (r32 - r23) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd); b = 0.25 * (r12 + r21) / c; d = 0.25 * (r23 + r32) / c; a = 0.25 * (r13 - r31) / c;
    } else {
      d = 0.5 * Math.sqrt(zd); b = 0.25 * (r13 + r31) / d; c = 0.25 * (r23 + r32) / d; a = 0.25 * (r21 - r12) / d;
    }
    if (a < 0) { b = -b; c = -c; d = -d; }
  }
  return { b, c, d, qfac };
}

/** Bytes before the voxels: the 348-byte header and the 4-byte "no extension" flag. */
const NIFTI_VOX_OFFSET = 352;

/** A NIfTI-1 single file (.nii; gzip-compressed as a .nii.gz when `gzip`). */
export function encodeNifti(v: Volume, { gzip = false }: { gzip?: boolean } = {}): Uint8Array {
  checkVolume(v);
  const t = sampleType(v.data);
  const raw = littleEndianBytes(v.data);
  const file = new Uint8Array(NIFTI_VOX_OFFSET + raw.byteLength);
  const dv = new DataView(file.buffer);
  const i16 = (o: number, x: number): void => dv.setInt16(o, x, true);
  const f32 = (o: number, x: number): void => dv.setFloat32(o, x, true);
  dv.setInt32(0, 348, true); // sizeof_hdr
  file[38] = 0x72; // regular = 'r'
  [3, v.size[0], v.size[1], v.size[2], 1, 1, 1, 1].forEach((x, k) => i16(40 + 2 * k, x));
  i16(70, t.nifti);
  i16(72, 8 * t.bytes);
  // LPS → RAS: rows 0 and 1 of the direction and origin x, y change sign.
  const ras = v.direction.map((x, k) => (k < 6 ? -x : x) + 0) as Mat3;
  const q = quaternion(ras);
  [q.qfac, v.spacingMm[0], v.spacingMm[1], v.spacingMm[2], 1, 1, 1, 1].forEach((x, k) => f32(76 + 4 * k, x));
  f32(108, NIFTI_VOX_OFFSET);
  f32(112, 1); // scl_slope 1, scl_inter 0: the stored values are the values
  file[123] = 2; // xyzt_units: NIFTI_UNITS_MM
  const descrip = 'tace-risk';
  for (let i = 0; i < descrip.length; i++) file[148 + i] = descrip.charCodeAt(i);
  i16(252, 1); // qform_code NIFTI_XFORM_SCANNER_ANAT
  i16(254, 1); // sform_code
  const originRas = [-v.originMm[0], -v.originMm[1], v.originMm[2]];
  [q.b, q.c, q.d, originRas[0]!, originRas[1]!, originRas[2]!].forEach((x, k) => f32(256 + 4 * k, x));
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) f32(280 + 16 * r + 4 * c, ras[3 * r + c]! * v.spacingMm[c]!);
    f32(280 + 16 * r + 12, originRas[r]!);
  }
  file.set([0x6e, 0x2b, 0x31, 0], 344); // magic "n+1\0"
  file.set(raw, NIFTI_VOX_OFFSET);
  return gzip ? new Uint8Array(gzipSync(file, { level: 6 })) : file;
}

/** The file's bytes in the format its name asks for (.nrrd, .nii, .nii.gz). */
export function encodeImageFile(path: string, v: Volume): Uint8Array {
  const f = imageFormatOf(path);
  if (!f) throw radiomicsError(RADIOMICS_ERRORS.FILE_WRITE_FAILED, `cannot write '${path}': the name must end in .nrrd, .nii or .nii.gz`);
  return f.format === 'nrrd' ? encodeNrrd(v, { gzip: f.gzip }) : encodeNifti(v, { gzip: f.gzip });
}

/**
 * Write `v` to `path` (.nrrd, .nii, .nii.gz) whole or not at all: the bytes go to a temporary file
 * beside it, renamed over `path` once complete, so a reader never sees half a file.
 */
export async function writeImageFile(path: string, v: Volume): Promise<void> {
  const bytes = encodeImageFile(path, v);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw radiomicsError(RADIOMICS_ERRORS.FILE_WRITE_FAILED, `cannot write '${path}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
