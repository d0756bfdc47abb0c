/**
 * Minimal reader for NumPy .npy files (format 1.0–3.0), little-endian float64/int32/int64/int16/uint8,
 * C or Fortran order. Returns the data in C (row-major) order, so element [i, j, k] is at
 * ((i · shape[1]) + j) · shape[2] + k whatever the file's order.
 */
import { RADIOMICS_ERRORS, radiomicsError } from './errors.ts';

export interface NpyArray {
  shape: number[];
  data: Float64Array;
}

export function readNpy(buf: Uint8Array): NpyArray {
  const magic = String.fromCharCode(...buf.subarray(1, 6));
  if (buf[0] !== 0x93 || magic !== 'NUMPY') throw radiomicsError(RADIOMICS_ERRORS.FILE_UNREADABLE, 'not a .npy file (bad magic)');
  const major = buf[6]!;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder('latin1').decode(buf.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || shapeText === undefined) throw radiomicsError(RADIOMICS_ERRORS.FILE_UNREADABLE, 'unreadable .npy header');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const off = headerStart + headerLen;
  const raw = new Float64Array(count);
  const readers: Record<string, [number, (o: number) => number]> = {
    '<f8': [8, (o) => dv.getFloat64(o, true)],
    '<f4': [4, (o) => dv.getFloat32(o, true)],
    '<i4': [4, (o) => dv.getInt32(o, true)],
    '<i8': [8, (o) => Number(dv.getBigInt64(o, true))],
    '<i2': [2, (o) => dv.getInt16(o, true)],
    '|u1': [1, (o) => dv.getUint8(o)],
  };
  const r = readers[descr];
  if (!r) throw radiomicsError(RADIOMICS_ERRORS.FILE_UNREADABLE, `unsupported .npy dtype ${descr}`);
  for (let k = 0; k < count; k++) raw[k] = r[1](off + k * r[0]);
  if (!fortran || shape.length < 2) return { shape, data: raw };
  // Fortran order: first index fastest. Transpose into C order.
  const data = new Float64Array(count);
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  for (let k = 0; k < count; k++) {
    let c = 0;
    for (let d = 0; d < nd; d++) c = c * shape[d]! + idx[d]!;
    data[c] = raw[k]!;
    for (let d = 0; d < nd; d++) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return { shape, data };
}
