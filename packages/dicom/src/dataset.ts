import { createRequire } from 'node:module';
import type * as DicomParser from 'dicom-parser';

/**
 * dicom-parser ships a UMD bundle whose named exports Node's ESM loader cannot see, so it is
 * loaded through `require`; the types still come from its own declarations.
 */
export const dicomParser = createRequire(import.meta.url)('dicom-parser') as typeof DicomParser;
export type RawDataSet = DicomParser.DataSet;
export type RawElement = DicomParser.Element;

/**
 * Typed read access to one DICOM data set (the top level of an instance or a sequence item).
 * Absent or empty attributes read as `undefined` (or `[]` for multi-valued ones).
 */
export class DicomDataSet {
  readonly raw: RawDataSet;
  /** Wrapped sequence items per tag: per-frame functional groups are walked once per frame. */
  private readonly seqCache = new Map<string, DicomDataSet[]>();

  constructor(raw: RawDataSet) {
    this.raw = raw;
  }

  has(tag: string): boolean {
    const el = this.raw.elements[tag];
    return el !== undefined && el.length > 0;
  }

  element(tag: string): RawElement | undefined {
    return this.raw.elements[tag];
  }

  /** Text value with padding removed (AE, CS, SH, LO, UI, PN, DA, TM, …); all values joined by `\`. */
  string(tag: string): string | undefined {
    if (!this.has(tag)) return undefined;
    const s = this.raw.string(tag);
    if (s === undefined) return undefined;
    // The UI padding byte is NUL; dicom-parser keeps it in some cases.
    const t = s.replace(/\0+$/, '').trim();
    return t === '' ? undefined : t;
  }

  /** All values of a multi-valued text attribute. */
  strings(tag: string): string[] {
    const s = this.string(tag);
    return s === undefined ? [] : s.split('\\').map((v) => v.trim());
  }

  /** First value of a DS or IS attribute. */
  decimal(tag: string): number | undefined {
    const v = this.decimals(tag);
    return v.length > 0 ? v[0] : undefined;
  }

  /** All values of a DS or IS attribute (multi-valued decimal strings). */
  decimals(tag: string): number[] {
    return this.strings(tag).filter((v) => v !== '').map(Number).filter((n) => Number.isFinite(n));
  }

  /** US value (binary); works in implicit VR too because the length tells the width. */
  uint16(tag: string, index = 0): number | undefined {
    return this.has(tag) ? this.raw.uint16(tag, index) : undefined;
  }

  uint32(tag: string, index = 0): number | undefined {
    return this.has(tag) ? this.raw.uint32(tag, index) : undefined;
  }

  /** FD values (binary doubles). */
  doubles(tag: string): number[] {
    const el = this.element(tag);
    if (!el || el.length === 0) return [];
    const n = Math.floor(el.length / 8);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(this.raw.double(tag, i) as number);
    return out;
  }

  /** FL values (binary floats). */
  floats(tag: string): number[] {
    const el = this.element(tag);
    if (!el || el.length === 0) return [];
    const n = Math.floor(el.length / 4);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(this.raw.float(tag, i) as number);
    return out;
  }

  /** Items of a sequence attribute (SQ), in order. */
  sequence(tag: string): readonly DicomDataSet[] {
    const hit = this.seqCache.get(tag);
    if (hit) return hit;
    const el = this.raw.elements[tag];
    const out: DicomDataSet[] = [];
    for (const item of el?.items ?? []) if (item.dataSet) out.push(new DicomDataSet(item.dataSet));
    this.seqCache.set(tag, out);
    return out;
  }

  /** First item of a sequence, if any. */
  item(tag: string): DicomDataSet | undefined {
    return this.sequence(tag)[0];
  }

  /** Raw value bytes of an element (a view, not a copy). */
  bytes(tag: string): Uint8Array | undefined {
    const el = this.element(tag);
    if (!el) return undefined;
    return new Uint8Array(this.raw.byteArray.buffer, this.raw.byteArray.byteOffset + el.dataOffset, el.length);
  }
}

/** An element that claims more bytes than the file holds after it. */
export interface ElementOverrun { tag: string; length: number; available: number }

/**
 * The first element (nested items included) whose value runs past the end of the data set's
 * bytes. dicom-parser does not check this for every VR, so a length field made huge (a damaged
 * or hostile file) would otherwise surface later as a RangeError or a string thrown by an
 * accessor — or a view over gigabytes that are not there.
 */
export function findElementOverrun(raw: RawDataSet): ElementOverrun | undefined {
  const size = raw.byteArray.length;
  const walk = (ds: RawDataSet): ElementOverrun | undefined => {
    for (const [tag, el] of Object.entries(ds.elements)) {
      // 0xFFFFFFFF: undefined length not resolved (parsing stopped at it, e.g. untilTag Pixel Data).
      const undefinedLength = el.length === 0xffffffff;
      if (!undefinedLength && (el.dataOffset + el.length > size || el.dataOffset < 0 || el.length < 0)) {
        return { tag, length: el.length, available: Math.max(0, size - el.dataOffset) };
      }
      for (const item of el.items ?? []) {
        const hit = item.dataSet ? walk(item.dataSet) : undefined;
        if (hit) return hit;
      }
      for (const f of el.fragments ?? []) {
        if (f.position + f.length > size) return { tag, length: f.length, available: Math.max(0, size - f.position) };
      }
    }
    return undefined;
  };
  return walk(raw);
}
