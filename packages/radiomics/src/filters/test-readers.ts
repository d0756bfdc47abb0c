/**
 * Minimal NRRD / NIfTI-1 readers for this folder's tests and bench only (the package's real readers
 * live in io/). Enough for the PyRadiomics and IBSI reference files: gzip or raw, little endian,
 * scalar types; NIfTI geometry from pixdim only (orientation ignored — the bench needs voxels).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Mat3, Vec3, Volume } from '@tace/common';
import type { PixelType } from '../resample.ts';

export interface ReadVolume {
  volume: Volume<Float64Array>;
  pixelType: PixelType;
}

const NRRD_TYPES: Record<string, PixelType> = {
  short: 'int16', int16: 'int16', 'signed short': 'int16',
  ushort: 'uint16', uint16: 'uint16', 'unsigned short': 'uint16',
  int: 'int32', int32: 'int32', uint: 'uint32', uint32: 'uint32',
  uchar: 'uint8', uint8: 'uint8', 'unsigned char': 'uint8', char: 'int8', int8: 'int8', 'signed char': 'int8',
  float: 'float32', double: 'float64',
};

function decode(buf: Buffer, t: PixelType, n: number): Float64Array {
  const out = new Float64Array(n);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const size = { int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, float64: 8 }[t];
  for (let i = 0; i < n; i++) {
    const o = i * size;
    out[i] =
      t === 'int8' ? dv.getInt8(o) : t === 'uint8' ? dv.getUint8(o) : t === 'int16' ? dv.getInt16(o, true) : t === 'uint16' ? dv.getUint16(o, true)
        : t === 'int32' ? dv.getInt32(o, true) : t === 'uint32' ? dv.getUint32(o, true) : t === 'float32' ? dv.getFloat32(o, true) : dv.getFloat64(o, true);
  }
  return out;
}

export function readNrrdForTest(path: string): ReadVolume {
  const raw = readFileSync(path);
  const end = raw.indexOf('\n\n');
  const header = raw.subarray(0, end).toString('latin1');
  const fields = new Map<string, string>();
  for (const line of header.split('\n')) {
    const m = /^([^#:][^:]*):=?\s*(.*)$/.exec(line);
    if (m) fields.set(m[1].trim(), m[2].trim());
  }
  const t = NRRD_TYPES[fields.get('type') ?? ''];
  const size = (fields.get('sizes') ?? '').split(/\s+/).map(Number) as Vec3;
  const dirs = [...(fields.get('space directions') ?? '').matchAll(/\(([^)]*)\)/g)].map((m) => m[1].split(',').map(Number));
  const origin = /\(([^)]*)\)/.exec(fields.get('space origin') ?? '')![1].split(',').map(Number) as Vec3;
  const spacingMm = dirs.map((d) => Math.hypot(d[0], d[1], d[2])) as Vec3;
  // direction columns = unit axis vectors
  const direction = [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => dirs[c][r] / spacingMm[c])) as Mat3;
  const body = raw.subarray(end + 2);
  const data = fields.get('encoding') === 'gzip' ? gunzipSync(body) : body;
  const n = size[0] * size[1] * size[2];
  return { volume: { size, spacingMm, originMm: origin, direction, data: decode(data, t, n) }, pixelType: t };
}

const NIFTI_TYPES: Record<number, PixelType> = { 2: 'uint8', 4: 'int16', 8: 'int32', 16: 'float32', 64: 'float64', 256: 'int8', 512: 'uint16', 768: 'uint32' };

export function readNiftiForTest(path: string): ReadVolume {
  let buf = readFileSync(path);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const size: Vec3 = [dv.getInt16(42, true), dv.getInt16(44, true), dv.getInt16(46, true)];
  const t = NIFTI_TYPES[dv.getInt16(70, true)];
  const spacingMm: Vec3 = [dv.getFloat32(80, true), dv.getFloat32(84, true), dv.getFloat32(88, true)];
  const voxOffset = dv.getFloat32(108, true);
  const slope = dv.getFloat32(112, true);
  const inter = dv.getFloat32(116, true);
  const n = size[0] * size[1] * size[2];
  const data = decode(buf.subarray(voxOffset), t, n);
  if (slope !== 0 && !(slope === 1 && inter === 0)) for (let i = 0; i < n; i++) data[i] = data[i] * slope + inter;
  return { volume: { size, spacingMm, originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], data }, pixelType: t };
}
