/**
 * Minimal NIfTI-1 reader for the IBSI conformance tests (`.nii` / `.nii.gz`), used until the
 * package-wide reader in io/ is available. Geometry comes from the sform (or qform for the
 * common axis-aligned case) and is converted from NIfTI RAS to the LPS convention of `Volume`.
 */
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { TaceError } from '@tace/common';
import type { Mat3, Vec3, Volume } from '@tace/common';

export function readNiftiForIbsi(path: string): Volume<Float64Array> {
  let buf = readFileSync(path);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let le = true;
  if (dv.getInt32(0, true) !== 348) {
    if (dv.getInt32(0, false) !== 348) throw new TaceError('IBSI_NIFTI_INVALID', 'not a NIfTI-1 file (sizeof_hdr != 348)');
    le = false;
  }
  const dim = [1, 2, 3].map((i) => dv.getInt16(40 + 2 * i, le));
  const size: Vec3 = [dim[0] ?? 1, dim[1] ?? 1, dim[2] ?? 1];
  const datatype = dv.getInt16(70, le);
  const pixdim = [1, 2, 3].map((i) => dv.getFloat32(76 + 4 * i, le));
  const voxOffset = dv.getFloat32(108, le);
  let slope = dv.getFloat32(112, le);
  const inter = dv.getFloat32(116, le);
  if (slope === 0 || !Number.isFinite(slope)) slope = 1;
  const sformCode = dv.getInt16(254, le);
  const n = size[0] * size[1] * size[2];
  const data = new Float64Array(n);
  const off = Math.round(voxOffset);
  const readers: Record<number, [number, (o: number) => number]> = {
    2: [1, (o) => dv.getUint8(o)],
    4: [2, (o) => dv.getInt16(o, le)],
    8: [4, (o) => dv.getInt32(o, le)],
    16: [4, (o) => dv.getFloat32(o, le)],
    64: [8, (o) => dv.getFloat64(o, le)],
    256: [1, (o) => dv.getInt8(o)],
    512: [2, (o) => dv.getUint16(o, le)],
  };
  const r = readers[datatype];
  if (!r) throw new TaceError('IBSI_NIFTI_DATATYPE', `unsupported NIfTI datatype ${datatype}`);
  const [bytes, get] = r;
  for (let i = 0; i < n; i++) data[i] = get(off + i * bytes) * slope + inter;

  // World (RAS) = srow · [i j k 1]; LPS flips the first two rows.
  let m: number[];
  if (sformCode > 0) {
    m = [];
    for (let i = 0; i < 12; i++) m.push(dv.getFloat32(280 + 4 * i, le));
  } else {
    const qfac = dv.getFloat32(76, le) < 0 ? -1 : 1;
    const qx = dv.getFloat32(268, le);
    const qy = dv.getFloat32(272, le);
    const qz = dv.getFloat32(276, le);
    const b = dv.getFloat32(256, le);
    const c = dv.getFloat32(260, le);
    const d = dv.getFloat32(264, le);
    const a = Math.sqrt(Math.max(0, 1 - b * b - c * c - d * d));
    const R = [
      a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c),
      2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b),
      2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b,
    ];
    const s = [pixdim[0] ?? 1, pixdim[1] ?? 1, (pixdim[2] ?? 1) * qfac];
    m = [];
    const t = [qx, qy, qz];
    for (let row = 0; row < 3; row++) {
      for (let col = 0; col < 3; col++) m.push((R[row * 3 + col] ?? 0) * (s[col] ?? 1));
      m.push(t[row] ?? 0);
    }
  }
  const spacingMm: Vec3 = [0, 0, 0];
  const direction: number[] = new Array<number>(9).fill(0);
  for (let col = 0; col < 3; col++) {
    const v = [0, 1, 2].map((row) => (m[row * 4 + col] ?? 0) * (row < 2 ? -1 : 1));
    const len = Math.hypot(v[0] ?? 0, v[1] ?? 0, v[2] ?? 0);
    spacingMm[col] = len;
    for (let row = 0; row < 3; row++) direction[row * 3 + col] = (v[row] ?? 0) / (len || 1);
  }
  const originMm: Vec3 = [-(m[3] ?? 0), -(m[7] ?? 0), m[11] ?? 0];
  return { size, spacingMm, originMm, direction: direction as Mat3, data };
}
