/**
 * Seeded mutations of DICOM Part 10 files and multipart bodies for the fuzz test. Every case is
 * a pure function of (seed, case index), so a failure is replayed alone with TACE_FUZZ_SEED and
 * TACE_FUZZ_CASE. Structural mutations aim at the element headers found by parsing the original
 * once: length fields, VRs, whole elements.
 */
import { mulberry32 } from '@tace/common';
import { dicomParser, type RawDataSet } from '../dataset.ts';

/** mulberry32 (@tace/common): small, fast, good enough to spread mutations; not for cryptography. */
export const rng = mulberry32;

/** The RNG of one case: independent of every other case, so one case replays alone. */
export function caseRng(seed: number, index: number): () => number {
  return rng(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35));
}

export const int = (r: () => number, n: number): number => Math.floor(r() * n);
export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[int(r, xs.length)];

/** Where an element's header sits: enough to rewrite its VR or length, or cut it out. */
export interface ElementSite {
  tag: string;
  /** First byte of the tag. */
  start: number;
  /** First byte of the value. */
  dataOffset: number;
  length: number;
  /** Offset and width (2 or 4) of the length field. */
  lengthAt: number;
  lengthBytes: 2 | 4;
  /** Offset of the two VR characters, explicit VR only. */
  vrAt?: number;
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

/** Every element header of a parsed file, nested items included. */
export function elementSites(bytes: Uint8Array): ElementSite[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ds = dicomParser.parseDicom(b);
  // A deflated data set is parsed from its inflated copy: offsets past the meta group mean nothing in the file.
  const deflated = ds.string('x00020010') === '1.2.840.10008.1.2.1.99';
  const out: ElementSite[] = [];
  const walk = (set: RawDataSet) => {
    for (const [tag, el] of Object.entries(set.elements)) {
      if (deflated && !tag.startsWith('x0002')) continue;
      const long = el.vr !== undefined && LONG_VRS.has(el.vr);
      const start = el.dataOffset - (long ? 12 : 8);
      if (el.vr && start >= 0 && b.toString('latin1', start + 4, start + 6) === el.vr) {
        out.push({ tag, start, dataOffset: el.dataOffset, length: el.length, lengthAt: long ? start + 8 : start + 6, lengthBytes: long ? 4 : 2, vrAt: start + 4 });
      } else if (!el.vr && el.dataOffset >= 8) {
        // Implicit VR: tag, then a 4-byte length.
        out.push({ tag, start: el.dataOffset - 8, dataOffset: el.dataOffset, length: el.length, lengthAt: el.dataOffset - 4, lengthBytes: 4 });
      }
      for (const item of el.items ?? []) if (item.dataSet) walk(item.dataSet);
    }
  };
  walk(ds);
  return out;
}

/** Tags whose values steer allocation and decoding: worth aiming at. */
export const HOT_TAGS = [
  'x00280010', 'x00280011', 'x00280100', 'x00280101', 'x00280103', 'x00280002', 'x00280008', 'x7fe00010',
  'x00020010', 'x52009230', 'x52009229', 'x00620002', 'x30060039', 'x30060050', 'x00620001', 'x00620010',
];

const VRS = ['AE', 'AS', 'CS', 'DA', 'DS', 'FD', 'FL', 'IS', 'LO', 'OB', 'OW', 'SQ', 'SS', 'UI', 'UL', 'UN', 'US', 'UT', 'XX', '\0\0'];
const HUGE = [0xffffffff, 0xfffffff0, 0x7fffffff, 0x40000000, 0x10000000, 0xffff, 0xfffe, 0x8000];

export interface Mutation { kind: string; at?: number; detail?: string }

/** Apply 1–3 mutations to a copy of `base`; returns the bytes and what was done (for the report). */
export function mutateDicom(base: Uint8Array, sites: readonly ElementSite[], r: () => number): { bytes: Uint8Array; mutations: Mutation[] } {
  let bytes: Uint8Array = Uint8Array.from(base);
  const mutations: Mutation[] = [];
  const n = 1 + int(r, 3);
  const aimed = (): ElementSite | undefined => {
    if (sites.length === 0) return undefined;
    if (r() < 0.5) {
      const hot = sites.filter((s) => HOT_TAGS.includes(s.tag));
      if (hot.length) return pick(r, hot);
    }
    return pick(r, sites);
  };
  for (let m = 0; m < n; m++) {
    const kind = pick(r, ['bitflip', 'bitflip', 'truncate', 'length', 'length', 'vr', 'delete', 'value'] as const);
    const s = aimed();
    if (kind === 'bitflip' || !s) {
      const flips = 1 + int(r, 8);
      for (let i = 0; i < flips; i++) { const at = int(r, bytes.length); bytes[at] ^= 1 << int(r, 8); mutations.push({ kind: 'bitflip', at }); }
    } else if (kind === 'truncate') {
      const at = r() < 0.5 ? s.dataOffset + int(r, Math.max(1, Math.min(s.length, bytes.length - s.dataOffset))) : int(r, bytes.length);
      bytes = bytes.subarray(0, Math.min(at, bytes.length));
      mutations.push({ kind: 'truncate', at });
    } else if (kind === 'length' && s.lengthAt + s.lengthBytes <= bytes.length) {
      const v = pick(r, HUGE);
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (s.lengthBytes === 2) dv.setUint16(s.lengthAt, v & 0xffff, true); else dv.setUint32(s.lengthAt, v >>> 0, true);
      mutations.push({ kind: 'length', at: s.lengthAt, detail: `${s.tag}=${v >>> 0}` });
    } else if (kind === 'vr' && s.vrAt !== undefined && s.vrAt + 2 <= bytes.length) {
      const vr = pick(r, VRS);
      bytes[s.vrAt] = vr.charCodeAt(0); bytes[s.vrAt + 1] = vr.charCodeAt(1);
      mutations.push({ kind: 'vr', at: s.vrAt, detail: `${s.tag}→${vr}` });
    } else if (kind === 'delete' && s.dataOffset + s.length <= bytes.length && s.length !== 0xffffffff) {
      const end = s.dataOffset + s.length;
      const out = new Uint8Array(bytes.length - (end - s.start));
      out.set(bytes.subarray(0, s.start)); out.set(bytes.subarray(end), s.start);
      bytes = out;
      mutations.push({ kind: 'delete', at: s.start, detail: s.tag });
      break; // later sites' offsets moved
    } else if (kind === 'value' && s.length > 0 && s.dataOffset + s.length <= bytes.length) {
      // Numbers that drive allocation: 65535 rows, a frame count of 10^9, a negative IS.
      const v = pick(r, ['999999999', '-1', '0', '65535', '1e308', 'NaN', '\xff\xff', '\0']);
      for (let i = 0; i < s.length; i++) bytes[s.dataOffset + i] = i < v.length ? v.charCodeAt(i) & 0xff : 0x20;
      if (s.length === 2 && r() < 0.5) { bytes[s.dataOffset] = 0xff; bytes[s.dataOffset + 1] = 0xff; }
      mutations.push({ kind: 'value', at: s.dataOffset, detail: `${s.tag}=${JSON.stringify(v)}` });
    } else {
      const at = int(r, bytes.length); bytes[at] ^= 0xff; mutations.push({ kind: 'bitflip', at });
    }
  }
  return { bytes, mutations };
}

/** A multipart body of `parts`, then mutated: flips, cuts, delimiter damage, duplicated or dropped bytes. */
export function mutatedMultipart(parts: readonly Uint8Array[], boundary: string, r: () => number): { body: Uint8Array; mutations: Mutation[] } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const withLength = r() < 0.3;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n${withLength ? `Content-Length: ${p.length}\r\n` : ''}\r\n`, 'latin1'), Buffer.from(p), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  let body: Buffer = Buffer.concat(chunks);
  const mutations: Mutation[] = [];
  const n = int(r, 4); // 0 mutations too: the clean body must parse
  for (let m = 0; m < n; m++) {
    const kind = pick(r, ['bitflip', 'truncate', 'delimiter', 'splice', 'header'] as const);
    const delims: number[] = [];
    for (let i = body.indexOf(`--${boundary}`); i >= 0; i = body.indexOf(`--${boundary}`, i + 1)) delims.push(i);
    if (kind === 'bitflip') { const at = int(r, body.length); body[at] ^= 1 << int(r, 8); mutations.push({ kind, at }); }
    else if (kind === 'truncate') { const at = int(r, body.length); body = body.subarray(0, at); mutations.push({ kind, at }); }
    else if (kind === 'delimiter' && delims.length) {
      const at = pick(r, delims) + int(r, boundary.length + 4);
      if (at < body.length) body[at] = pick(r, [0x2d, 0x0d, 0x0a, 0x20, 0x41]);
      mutations.push({ kind, at });
    } else if (kind === 'splice') {
      const at = int(r, body.length), len = int(r, 64);
      body = Buffer.concat([body.subarray(0, at), body.subarray(at, at + len), body.subarray(at)]);
      mutations.push({ kind, at, detail: `dup ${len}` });
    } else if (kind === 'header' && delims.length) {
      const at = pick(r, delims);
      const junk = pick(r, ['Content-Length: 99999999999\r\n', 'Content-Length: -5\r\n', 'NoColon\r\n', `X: ${'h'.repeat(20_000)}\r\n`, '\r\n\r\n']);
      const lineEnd = body.indexOf('\r\n', at);
      if (lineEnd > 0) body = Buffer.concat([body.subarray(0, lineEnd + 2), Buffer.from(junk, 'latin1'), body.subarray(lineEnd + 2)]);
      mutations.push({ kind, at, detail: junk.slice(0, 24) });
    }
  }
  return { body, mutations };
}
