/**
 * Test support, not exported: re-encode a published native BINARY SEG into the other ways a SEG
 * reaches us (each compressed transfer syntax; LABELMAP), so that every encoding is checked
 * against the SAME independent truth (the publisher's NRRD label map). No public SEG exists in
 * these encodings, and GDCM / DCMTK refuse to compress 1-bit data, so the files are made here:
 * dcmjs reads and writes the data set (an independent DICOM library), the frames are encoded by
 * the reference codecs' own encoders (CharLS, OpenJPEG, OpenJPH, zlib) and a PackBits RLE
 * written below from PS3.5 Annex G. Nothing here uses the package's readers.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import dcmjs from 'dcmjs';

const require = createRequire(import.meta.url);

export type SegEncoding = 'deflated-frames' | 'rle' | 'jpeg-ls' | 'jpeg2000' | 'htj2k';
export const SEG_ENCODING_SYNTAX: Record<SegEncoding, string> = {
  'deflated-frames': '1.2.840.10008.1.2.8.1',
  rle: '1.2.840.10008.1.2.5',
  'jpeg-ls': '1.2.840.10008.1.2.4.80',
  jpeg2000: '1.2.840.10008.1.2.4.90',
  htj2k: '1.2.840.10008.1.2.4.201',
};

interface FrameInfo { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned: boolean; isUsingColorTransform?: boolean }
interface WasmEncoder {
  getDecodedBuffer(info: FrameInfo): Uint8Array;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
  setQuality?(lossless: boolean, quantizationStep?: number): void;
  setDecompositions?(n: number): void;
  delete(): void;
}
interface Encoders { jls: new () => WasmEncoder; j2k: new () => WasmEncoder; htj2k: new () => WasmEncoder }
let encoders: Encoders | undefined;

/** Load the codecs' encoder builds (each module on its own options object). */
export async function loadEncoders(): Promise<void> {
  const q = () => ({ print: (): void => {}, printErr: (): void => {} });
  type F = (o: ReturnType<typeof q>) => Promise<Record<string, new () => WasmEncoder>>;
  const charls = await (require('@cornerstonejs/codec-charls/wasmjs') as F)(q());
  const openjpeg = await (require('@cornerstonejs/codec-openjpeg/wasmjs') as F)(q());
  const openjph = await (require('@cornerstonejs/codec-openjph') as F)(q());
  encoders = { jls: charls.JpegLSEncoder, j2k: openjpeg.J2KEncoder, htj2k: openjph.HTJ2KEncoder };
}

function wasmEncode(Enc: new () => WasmEncoder, pixels: Uint8Array, width: number, height: number, lossless: boolean): Uint8Array {
  const e = new Enc();
  try {
    e.getDecodedBuffer({ width, height, bitsPerSample: 8, componentCount: 1, isSigned: false, isUsingColorTransform: false }).set(pixels);
    if (lossless) e.setQuality?.(true, 0);
    // OpenJPEG's default of 5 wavelet levels needs ≥ 32 pixels a side (23×38 frames fail).
    e.setDecompositions?.(Math.max(0, Math.min(5, Math.floor(Math.log2(Math.min(width, height))) - 1)));
    e.encode();
    return e.getEncodedBuffer().slice();
  } finally {
    e.delete();
  }
}

/** PackBits (PS3.5 G.3.1): literal runs and replicate runs of at most 128 bytes. */
function packBits(b: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < b.length) {
    let run = 1;
    while (i + run < b.length && run < 128 && b[i + run] === b[i]) run++;
    if (run >= 2) { out.push(257 - run, b[i]); i += run; continue; }
    const start = i;
    while (i < b.length && i - start < 128 && !(i + 1 < b.length && b[i + 1] === b[i])) i++;
    if (i === start) i++;
    out.push(i - start - 1, ...b.subarray(start, i));
  }
  return new Uint8Array(out);
}

/** One RLE frame with a single segment (8-bit samples): 64-byte header, then the PackBits data. */
function rleFrame(bytes: Uint8Array): Uint8Array {
  const seg = packBits(bytes);
  const padded = seg.length % 2 ? seg.length + 1 : seg.length;
  const out = new Uint8Array(64 + padded);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 1, true);
  dv.setUint32(4, 64, true);
  out.set(seg, 64);
  return out;
}

function packFrame(values: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(values.length / 8));
  for (let p = 0; p < values.length; p++) if (values[p]) out[p >> 3] |= 1 << (p & 7);
  return out;
}

type Dict = Record<string, { vr: string; Value: unknown[] }>;

/**
 * The file at `path` (a native BINARY SEG) re-encoded: frames in `encoding`, and, with
 * `labelmap`, as a LABELMAP SEG (Label Map Segmentation Storage, 8-bit, value = segment number;
 * only for SEGs whose frames do not overlap).
 */
export function reencodeSeg(path: string, encoding: SegEncoding | 'native', opts: { labelmap?: boolean } = {}): Uint8Array {
  if (encoding !== 'native' && encoding !== 'deflated-frames' && encoding !== 'rle' && !encoders) throw new Error('call loadEncoders() first');
  const buf = readFileSync(path);
  const dd = dcmjs.data.DicomMessage.readFile(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
  const dict = dd.dict as Dict, meta = dd.meta as Dict;
  const rows = dict['00280010'].Value[0] as number, cols = dict['00280011'].Value[0] as number;
  const frames = Number(dict['00280008'].Value[0]);
  const n = rows * cols;
  const bits = new Uint8Array(dict['7FE00010'].Value[0] as ArrayBuffer);
  const perFrame = (dict['52009230']?.Value ?? []) as Dict[];
  // Unpack the native bit stream (packed across frame boundaries) into one byte per pixel.
  const planes: Uint8Array[] = [];
  for (let f = 0; f < frames; f++) {
    const plane = new Uint8Array(n);
    const segNo = opts.labelmap ? Number((perFrame[f]?.['0062000A']?.Value?.[0] as Dict | undefined)?.['0062000B']?.Value?.[0] ?? 1) : 1;
    for (let p = 0; p < n; p++) {
      const bit = f * n + p;
      if ((bits[bit >> 3] >> (bit & 7)) & 1) plane[p] = segNo;
    }
    planes.push(plane);
  }
  if (opts.labelmap) {
    dict['00080016'].Value = ['1.2.840.10008.5.1.4.1.1.66.7'];
    meta['00020002'].Value = ['1.2.840.10008.5.1.4.1.1.66.7'];
    dict['00620001'].Value = ['LABELMAP'];
    dict['00280100'].Value = [8];
    dict['00280101'].Value = [8];
    dict['00280102'].Value = [7];
    for (const item of perFrame) delete item['0062000A'];
  }
  const eightBit = opts.labelmap === true;
  const encodeOne = (plane: Uint8Array): Uint8Array => {
    switch (encoding) {
      case 'native': return eightBit ? plane : packFrame(plane);
      case 'deflated-frames': return deflateRawSync(eightBit ? plane : packFrame(plane));
      case 'rle': return rleFrame(eightBit ? plane : packFrame(plane));
      case 'jpeg-ls': return wasmEncode(encoders!.jls, plane, cols, rows, true);
      case 'jpeg2000': return wasmEncode(encoders!.j2k, plane, cols, rows, true);
      case 'htj2k': return wasmEncode(encoders!.htj2k, plane, cols, rows, true);
    }
  };
  const encoded = planes.map(encodeOne);
  if (encoding === 'native') {
    const all = eightBit ? Buffer.concat(encoded) : packFrame(Buffer.concat(planes.map((p) => Buffer.from(p.map((v) => (v ? 1 : 0))))));
    const even = all.length % 2 ? Buffer.concat([all, Buffer.alloc(1)]) : Buffer.from(all);
    dict['7FE00010'] = { vr: eightBit ? 'OB' : 'OB', Value: [even.buffer.slice(even.byteOffset, even.byteOffset + even.byteLength)] };
  } else {
    meta['00020010'].Value = [SEG_ENCODING_SYNTAX[encoding]];
    dict['7FE00010'] = { vr: 'OB', Value: encoded.map((e) => e.buffer.slice(e.byteOffset, e.byteOffset + e.byteLength)) };
  }
  return new Uint8Array(dd.write({ fragmentMultiframe: false }) as ArrayBuffer);
}

/**
 * A native single-frame grayscale image re-encoded into HTJ2K (lossless) or Deflated Image Frame
 * Compression, its data set otherwise unchanged (dcmjs reads and writes it).
 */
export function reencodeImage(path: string, encoding: 'htj2k' | 'deflated-frames'): Uint8Array {
  if (encoding === 'htj2k' && !encoders) throw new Error('call loadEncoders() first');
  const buf = readFileSync(path);
  const dd = dcmjs.data.DicomMessage.readFile(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
  const dict = dd.dict as Dict, meta = dd.meta as Dict;
  const rows = dict['00280010'].Value[0] as number, cols = dict['00280011'].Value[0] as number;
  const bitsAllocated = dict['00280100'].Value[0] as number;
  const signed = dict['00280103'].Value[0] === 1;
  const pixels = new Uint8Array(dict['7FE00010'].Value[0] as ArrayBuffer).slice(0, rows * cols * (bitsAllocated / 8));
  // dcmjs refuses to write the over-long AE values some sample files carry (station names): drop them.
  for (const d of [dict, meta]) for (const [tag, el] of Object.entries(d)) if (el.vr === 'AE') delete d[tag];
  let frame: Uint8Array;
  if (encoding === 'deflated-frames') frame = deflateRawSync(pixels);
  else {
    const e = new encoders!.htj2k();
    try {
      e.getDecodedBuffer({ width: cols, height: rows, bitsPerSample: bitsAllocated, componentCount: 1, isSigned: signed, isUsingColorTransform: false }).set(pixels);
      e.setQuality?.(true, 0);
      e.encode();
      frame = e.getEncodedBuffer().slice();
    } finally {
      e.delete();
    }
  }
  meta['00020010'].Value = [encoding === 'htj2k' ? SEG_ENCODING_SYNTAX.htj2k : SEG_ENCODING_SYNTAX['deflated-frames']];
  dict['7FE00010'] = { vr: 'OB', Value: [frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength)] };
  return new Uint8Array(dd.write({ fragmentMultiframe: false }) as ArrayBuffer);
}
