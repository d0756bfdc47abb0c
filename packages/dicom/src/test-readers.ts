/**
 * Minimal NRRD and NIfTI-1 readers for tests only (reference label maps shipped next to the
 * DICOM samples). Not exported from the package. Only what the reference files use is read.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface RefImage {
  size: number[];
  /** Voxel values, x fastest. */
  data: Float64Array;
  originMm?: number[];
  spacingMm?: number[];
}

function typedValues(raw: Buffer, type: string, count: number): Float64Array {
  const out = new Float64Array(count);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const reads: Record<string, [number, (o: number) => number]> = {
    short: [2, (o) => dv.getInt16(o, true)], int16: [2, (o) => dv.getInt16(o, true)],
    ushort: [2, (o) => dv.getUint16(o, true)], uchar: [1, (o) => dv.getUint8(o)],
    int: [4, (o) => dv.getInt32(o, true)], float: [4, (o) => dv.getFloat32(o, true)], double: [8, (o) => dv.getFloat64(o, true)],
  };
  const r = reads[type];
  if (!r) throw new Error(`test reader: type ${type} not handled`);
  for (let i = 0; i < count; i++) out[i] = r[1](i * r[0]);
  return out;
}

/** NRRD0004 with `encoding: gzip|raw`, little endian, 3-D, LPS. */
export function readNrrd(path: string): RefImage {
  const buf = readFileSync(path);
  const end = buf.indexOf('\n\n');
  const fields = new Map<string, string>();
  for (const line of buf.subarray(0, end).toString('latin1').split('\n')) {
    const m = /^([^#:][^:]*):\s*(.*)$/.exec(line);
    if (m) fields.set(m[1].trim(), m[2].trim());
  }
  const size = (fields.get('sizes') ?? '').split(/\s+/).map(Number);
  const payload = buf.subarray(end + 2);
  const raw = fields.get('encoding') === 'gzip' ? gunzipSync(payload) : payload;
  const vec = (s: string | undefined): number[][] => [...(s ?? '').matchAll(/\(([^)]*)\)/g)].map((m) => m[1].split(',').map(Number));
  const dirs = vec(fields.get('space directions'));
  return {
    size,
    data: typedValues(raw, fields.get('type') ?? '', size.reduce((a, b) => a * b, 1)),
    originMm: vec(fields.get('space origin'))[0],
    spacingMm: dirs.map((d) => Math.hypot(...d)),
  };
}

/** NIfTI-1 single file (.nii or .nii.gz), little endian; datatypes 2, 4, 8, 16, 64, 512. */
export function readNifti(path: string): RefImage {
  let buf = readFileSync(path);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (dv.getInt32(0, true) !== 348) throw new Error('test reader: not a little-endian NIfTI-1 file');
  const ndim = dv.getInt16(40, true);
  const size = Array.from({ length: ndim }, (_, i) => dv.getInt16(42 + 2 * i, true));
  const datatype = dv.getInt16(70, true);
  const voxOffset = dv.getFloat32(108, true);
  const type = ({ 2: 'uchar', 4: 'short', 8: 'int', 16: 'float', 64: 'double', 512: 'ushort' } as Record<number, string>)[datatype];
  if (!type) throw new Error(`test reader: NIfTI datatype ${datatype} not handled`);
  const count = size.reduce((a, b) => a * b, 1);
  const spacingMm = Array.from({ length: ndim }, (_, i) => dv.getFloat32(80 + 4 * i, true));
  return { size, data: typedValues(buf.subarray(Math.round(voxOffset)), type, count), spacingMm };
}
