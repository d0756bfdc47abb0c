import { TaceError } from '@tace/common';
import { TRANSFER_SYNTAX } from '../tags.ts';

/**
 * A minimal DICOM Part 10 encoder: Explicit VR Little Endian, defined lengths everywhere,
 * elements sorted by tag. Enough for the CT and SEG instances this package writes.
 */
export type DicomValue = string | number | readonly (string | number)[] | Uint8Array | Int16Array | Uint16Array | readonly DataSetSpec[];
export interface ElementSpec { tag: number; vr: string; value: DicomValue }
export type DataSetSpec = ElementSpec[];

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const TEXT_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT']);

export const IMPLEMENTATION_CLASS_UID = '2.25.247336327929420366930926958935848062531';
export const IMPLEMENTATION_VERSION = 'TACE_RISK_0_1';

/** A DS value in at most 16 characters (PS3.5 6.2). */
export function formatDs(n: number): string {
  if (!Number.isFinite(n)) throw new TaceError('DICOM_WRITE_INVALID', `Non-finite decimal ${n}`);
  let s = String(n);
  for (let p = 15; s.length > 16 && p > 0; p--) s = String(Number(n.toPrecision(p)));
  if (s.length > 16) s = n.toExponential(8);
  return s;
}

function textBytes(vr: string, value: DicomValue): Uint8Array {
  const parts = (Array.isArray(value) ? value : [value]) as (string | number)[];
  const s = parts.map((v) => (typeof v === 'number' ? (vr === 'DS' ? formatDs(v) : String(Math.round(v))) : v)).join('\\');
  // Every writer here declares SpecificCharacterSet ISO_IR 192: text is UTF-8 (UIDs, codes and
  // numbers are ASCII either way).
  const b = Buffer.from(s, 'utf8');
  if (b.length % 2 === 0) return b;
  const out = Buffer.alloc(b.length + 1, vr === 'UI' ? 0 : 0x20);
  b.copy(out);
  return out;
}

function binaryBytes(vr: string, value: DicomValue): Uint8Array {
  if (value instanceof Uint8Array || value instanceof Int16Array || value instanceof Uint16Array) {
    const b = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    if (b.length % 2 === 0) return b;
    const out = new Uint8Array(b.length + 1);
    out.set(b);
    return out;
  }
  const nums = (Array.isArray(value) ? value : [value]) as number[];
  const width = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, AT: 4 }[vr];
  if (width === undefined) throw new TaceError('DICOM_WRITE_INVALID', `Cannot encode VR ${vr} from numbers`);
  const out = new Uint8Array(width * nums.length);
  const dv = new DataView(out.buffer);
  nums.forEach((n, i) => {
    const o = i * width;
    if (vr === 'US') dv.setUint16(o, n, true);
    else if (vr === 'SS') dv.setInt16(o, n, true);
    else if (vr === 'UL') dv.setUint32(o, n, true);
    else if (vr === 'SL') dv.setInt32(o, n, true);
    else if (vr === 'FL') dv.setFloat32(o, n, true);
    else if (vr === 'FD') dv.setFloat64(o, n, true);
    else { dv.setUint16(o, n >>> 16, true); dv.setUint16(o + 2, n & 0xffff, true); } // AT: group, element
  });
  return out;
}

function header(tag: number, vr: string, length: number): Uint8Array {
  const long = LONG_VRS.has(vr);
  const out = new Uint8Array(long ? 12 : 8);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, tag >>> 16, true);
  dv.setUint16(2, tag & 0xffff, true);
  out[4] = vr.charCodeAt(0); out[5] = vr.charCodeAt(1);
  if (long) dv.setUint32(8, length, true);
  else {
    if (length > 0xffff) throw new TaceError('DICOM_WRITE_INVALID', `Value of VR ${vr} too long (${length} bytes)`);
    dv.setUint16(6, length, true);
  }
  return out;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const n = chunks.reduce((s, c) => s + c.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}

function itemHeader(tag: number, length: number): Uint8Array {
  const out = new Uint8Array(8);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 0xfffe, true); dv.setUint16(2, tag, true); dv.setUint32(4, length, true);
  return out;
}

/** Encode a data set (Explicit VR Little Endian), elements in ascending tag order. */
export function encodeDataSet(ds: DataSetSpec): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const el of [...ds].sort((a, b) => a.tag - b.tag)) {
    let body: Uint8Array;
    if (el.vr === 'SQ') {
      body = concat((el.value as readonly DataSetSpec[]).flatMap((item) => {
        const enc = encodeDataSet(item);
        return [itemHeader(0xe000, enc.length), enc];
      }));
    } else if (TEXT_VRS.has(el.vr)) body = textBytes(el.vr, el.value);
    else body = binaryBytes(el.vr, el.value);
    chunks.push(header(el.tag, el.vr, body.length), body);
  }
  return concat(chunks);
}

/** A Part 10 file: 128-byte preamble, "DICM", File Meta Information, then the data set. */
export function encodePart10(ds: DataSetSpec, sopClassUid: string, sopInstanceUid: string): Uint8Array {
  const meta = encodeDataSet([
    { tag: 0x00020001, vr: 'OB', value: new Uint8Array([0, 1]) },
    { tag: 0x00020002, vr: 'UI', value: sopClassUid },
    { tag: 0x00020003, vr: 'UI', value: sopInstanceUid },
    { tag: 0x00020010, vr: 'UI', value: TRANSFER_SYNTAX.ExplicitVRLittleEndian },
    { tag: 0x00020012, vr: 'UI', value: IMPLEMENTATION_CLASS_UID },
    { tag: 0x00020013, vr: 'SH', value: IMPLEMENTATION_VERSION },
  ]);
  const groupLength = encodeDataSet([{ tag: 0x00020000, vr: 'UL', value: meta.length }]);
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  return concat([preamble, groupLength, meta, encodeDataSet(ds)]);
}
