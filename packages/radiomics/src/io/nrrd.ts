/**
 * NRRD reader (attached data, raw or gzip encoding), returning a Volume in LPS like ITK's NrrdImageIO:
 * spacing = length of each `space directions` vector, direction columns = those vectors normalised,
 * RAS / LAS spaces converted to LPS by negating the x and y components.
 */
import { gunzip, gunzipSync } from 'node:zlib';
import type { Mat3, Vec3, Volume, VoxelArray } from '@tace/common';
import { RADIOMICS_ERRORS, radiomicsError } from '../errors.ts';

function unreadable(why: string): never {
  throw radiomicsError(RADIOMICS_ERRORS.FILE_UNREADABLE, `NRRD: ${why}`);
}

function parseVector(s: string): number[] {
  const m = s.trim().match(/^\(([^)]*)\)$/);
  if (!m) unreadable(`cannot parse vector '${s}'`);
  return m[1]!.split(',').map((t) => Number(t.trim()));
}

const TYPE_ALIASES: Record<string, string> = {
  'signed char': 'int8', int8: 'int8', int8_t: 'int8', uchar: 'uint8', 'unsigned char': 'uint8', uint8: 'uint8', uint8_t: 'uint8',
  short: 'int16', 'short int': 'int16', 'signed short': 'int16', 'signed short int': 'int16', int16: 'int16', int16_t: 'int16',
  ushort: 'uint16', 'unsigned short': 'uint16', 'unsigned short int': 'uint16', uint16: 'uint16', uint16_t: 'uint16',
  int: 'int32', 'signed int': 'int32', int32: 'int32', int32_t: 'int32',
  uint: 'uint32', 'unsigned int': 'uint32', uint32: 'uint32', uint32_t: 'uint32',
  float: 'float32', double: 'float64',
};

const SAMPLE_BYTES: Record<string, number> = { int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, float64: 8 };

/**
 * Decode little/big endian samples into a typed array the Volume type supports (int8/uint32 widen).
 * `owned`: `bytes` is a buffer nobody else holds (freshly decompressed), so native-endian samples at an
 * aligned offset are used in place instead of copied.
 */
export function decodeSamples(type: string, bytes: Uint8Array, count: number, littleEndian: boolean, owned = false): VoxelArray {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bpp = SAMPLE_BYTES[type];
  if (!bpp) unreadable(`unsupported sample type '${type}'`);
  if (bytes.byteLength < count * bpp) unreadable(`data truncated: expected ${count * bpp} bytes, got ${bytes.byteLength}`);
  // Fast path: little-endian samples on a little-endian host are copied as a block.
  const hostLE = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
  if (littleEndian === hostLE && type !== 'int8' && type !== 'uint32') {
    const inPlace = owned && bytes.byteOffset % bpp === 0;
    // Uint8Array's slice (a copy), also for a Node Buffer, whose own slice() is a view of the whole file.
    const block = inPlace ? bytes.buffer : Uint8Array.prototype.slice.call(bytes, 0, count * bpp).buffer;
    const at = inPlace ? bytes.byteOffset : 0;
    switch (type) {
      case 'uint8': return new Uint8Array(block, at, count);
      case 'int16': return new Int16Array(block, at, count);
      case 'uint16': return new Uint16Array(block, at, count);
      case 'int32': return new Int32Array(block, at, count);
      case 'float32': return new Float32Array(block, at, count);
      default: return new Float64Array(block, at, count);
    }
  }
  switch (type) {
    case 'uint8': return Uint8Array.prototype.slice.call(bytes, 0, count);
    case 'int8': { const o = new Int16Array(count); for (let i = 0; i < count; i++) o[i] = dv.getInt8(i); return o; }
    case 'int16': { const o = new Int16Array(count); for (let i = 0; i < count; i++) o[i] = dv.getInt16(2 * i, littleEndian); return o; }
    case 'uint16': { const o = new Uint16Array(count); for (let i = 0; i < count; i++) o[i] = dv.getUint16(2 * i, littleEndian); return o; }
    case 'int32': { const o = new Int32Array(count); for (let i = 0; i < count; i++) o[i] = dv.getInt32(4 * i, littleEndian); return o; }
    case 'uint32': { const o = new Float64Array(count); for (let i = 0; i < count; i++) o[i] = dv.getUint32(4 * i, littleEndian); return o; }
    case 'float32': { const o = new Float32Array(count); for (let i = 0; i < count; i++) o[i] = dv.getFloat32(4 * i, littleEndian); return o; }
    default: { const o = new Float64Array(count); for (let i = 0; i < count; i++) o[i] = dv.getFloat64(8 * i, littleEndian); return o; }
  }
}

/** A parsed NRRD: geometry, sample layout and the (possibly gzip-compressed) sample bytes. */
interface NrrdParts {
  head: Omit<Volume, 'data'>;
  type: string;
  count: number;
  littleEndian: boolean;
  payload: Uint8Array;
  gzip: boolean;
}

/** Read an NRRD file's bytes into a 3-D Volume (2-D images get a z size of 1). */
export function readNrrd(buf: Uint8Array): Volume {
  const parts = parseNrrd(buf);
  if (!parts.gzip) return assemble(parts, undefined);
  let out: Buffer | undefined;
  try {
    out = gunzipSync(parts.payload, { chunkSize: inflateChunk(parts) });
  } catch (e) {
    gzipFailed(e);
  }
  return assemble(parts, out);
}

/**
 * readNrrd with the gzip decompression on libuv's thread pool: two files (image and mask) read with
 * Promise.all decompress in parallel, and the calling thread stays free meanwhile.
 */
export async function readNrrdAsync(buf: Uint8Array): Promise<Volume> {
  const parts = parseNrrd(buf);
  if (!parts.gzip) return assemble(parts, undefined);
  const out = await new Promise<Buffer>((resolve, reject) => {
    gunzip(parts.payload, { chunkSize: inflateChunk(parts) }, (e, r) => (e ? reject(e) : resolve(r)));
  }).catch(gzipFailed);
  return assemble(parts, out);
}

/** One output chunk of the expected size: no chunk list to concatenate. */
function inflateChunk(p: NrrdParts): number {
  return Math.max(64 * 1024, p.count * (SAMPLE_BYTES[p.type] ?? 8) + 1);
}

function gzipFailed(e: unknown): never {
  unreadable(`gzip data cannot be decompressed (${(e as Error).message})`);
}

/** Samples of a parsed NRRD; `inflated` (the decompressed payload) is used in place, not copied. */
function assemble(p: NrrdParts, inflated: Buffer | undefined): Volume {
  const data = inflated ? new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength) : p.payload;
  return { ...p.head, data: decodeSamples(p.type, data, p.count, p.littleEndian, inflated !== undefined) };
}

function parseNrrd(buf: Uint8Array): NrrdParts {
  // Header ends at the first empty line ("\n\n").
  let end = -1;
  for (let i = 0; i + 1 < buf.length && i < 1 << 20; i++) {
    if (buf[i] === 10 && buf[i + 1] === 10) { end = i; break; }
    if (buf[i] === 10 && buf[i + 1] === 13 && buf[i + 2] === 10) { end = i + 1; break; }
  }
  if (end < 0) unreadable('no end of header found');
  const header = new TextDecoder('latin1').decode(buf.subarray(0, end));
  const lines = header.split(/\r?\n/);
  if (!lines[0]?.startsWith('NRRD')) unreadable('missing NRRD magic');
  const fields: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    if (line.startsWith('#') || !line.includes(':')) continue;
    const idx = line.indexOf(':');
    const key = line.slice(0, idx).trim().toLowerCase();
    const val = line.slice(idx + 1).replace(/^=/, '').trim();
    fields[key] = val;
  }
  if (fields['data file'] || fields['datafile']) unreadable('detached data files are not supported');
  const type = TYPE_ALIASES[fields.type ?? ''];
  if (!type) unreadable(`unknown type '${fields.type}'`);
  const dim = Number(fields.dimension);
  if (dim !== 2 && dim !== 3) unreadable(`only 2-D and 3-D images are supported (dimension ${fields.dimension})`);
  const sizes = (fields.sizes ?? '').split(/\s+/).map(Number);
  if (sizes.length !== dim || sizes.some((s) => !Number.isInteger(s) || s < 1)) unreadable(`bad sizes '${fields.sizes}'`);
  const size: Vec3 = [sizes[0]!, sizes[1]!, dim === 3 ? sizes[2]! : 1];

  let spacingMm: Vec3 = [1, 1, 1];
  let direction: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  let originMm: Vec3 = [0, 0, 0];
  const space = (fields.space ?? '').toLowerCase();
  // Sign flips to go from the file's space to LPS.
  const flip: Vec3 = [1, 1, 1];
  if (space === 'right-anterior-superior' || space === 'ras') { flip[0] = -1; flip[1] = -1; }
  else if (space === 'left-anterior-superior' || space === 'las') { flip[1] = -1; }
  if (fields['space directions']) {
    const vecs = fields['space directions'].split(/\)\s*/).filter((s) => s.trim() && s.trim() !== 'none').map((s) => parseVector(s + ')'));
    if (vecs.length !== dim) unreadable('space directions do not match the dimension');
    const cols: number[][] = vecs.map((v) => {
      const full = [v[0] ?? 0, v[1] ?? 0, v[2] ?? 0].map((c, i) => c * flip[i]!);
      return full;
    });
    if (dim === 2) cols.push([0, 0, 1]);
    const sp = cols.map((c) => Math.hypot(c[0]!, c[1]!, c[2]!));
    spacingMm = [sp[0]!, sp[1]!, sp[2]!];
    direction = [
      cols[0]![0]! / sp[0]!, cols[1]![0]! / sp[1]!, cols[2]![0]! / sp[2]!,
      cols[0]![1]! / sp[0]!, cols[1]![1]! / sp[1]!, cols[2]![1]! / sp[2]!,
      cols[0]![2]! / sp[0]!, cols[1]![2]! / sp[1]!, cols[2]![2]! / sp[2]!,
    ];
  } else if (fields.spacings) {
    const sp = fields.spacings.split(/\s+/).map(Number);
    spacingMm = [sp[0] ?? 1, sp[1] ?? 1, dim === 3 ? sp[2] ?? 1 : 1];
  }
  if (fields['space origin']) {
    const o = parseVector(fields['space origin']);
    originMm = [(o[0] ?? 0) * flip[0], (o[1] ?? 0) * flip[1], (o[2] ?? 0) * flip[2]];
  }
  const encoding = (fields.encoding ?? 'raw').toLowerCase();
  const gzip = encoding === 'gzip' || encoding === 'gz';
  if (!gzip && encoding !== 'raw') unreadable(`unsupported encoding '${encoding}'`);
  const littleEndian = (fields.endian ?? 'little').toLowerCase() !== 'big';
  // Samples start right after the header ('byte skip' / 'line skip' are not supported).
  const count = size[0] * size[1] * size[2];
  return { head: { size, spacingMm, originMm, direction }, type, count, littleEndian, payload: buf.subarray(end + 2), gzip };
}
