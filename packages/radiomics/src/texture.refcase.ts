/**
 * Test support (not part of the engine): load the PyRadiomics reference cases under
 * ../shared/reference/pyradiomics read-only, with a minimal gzip NRRD reader so the texture tests do not
 * depend on the I/O module, and parse the baseline CSVs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Vec3 } from '@tace/common';

export interface RefVolume {
  data: Float64Array;
  size: Vec3;
  spacingMm: Vec3;
}

/** Read a gzip/raw NRRD (short/int/ushort/uchar/float/double, little-endian). */
export function readNrrdMinimal(path: string): RefVolume {
  const buf = readFileSync(path);
  const end = buf.indexOf('\n\n');
  const header = buf.subarray(0, end).toString('latin1');
  const field = (k: string): string => {
    const m = new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(header);
    if (!m) throw new Error(`NRRD header lacks ${k}`);
    return m[1]!.trim();
  };
  const size = field('sizes').split(/\s+/).map(Number) as Vec3;
  const dirs = [...field('space directions').matchAll(/\(([^)]*)\)/g)].map((m) => m[1]!.split(',').map(Number));
  const spacingMm = dirs.map((d) => Math.hypot(...d)) as Vec3;
  let body: Buffer = buf.subarray(end + 2);
  if (field('encoding') === 'gzip') body = gunzipSync(body);
  const type = field('type');
  const n = size[0] * size[1] * size[2];
  const data = new Float64Array(n);
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const read: Record<string, [number, (o: number) => number]> = {
    short: [2, (o) => dv.getInt16(o, true)],
    ushort: [2, (o) => dv.getUint16(o, true)],
    int: [4, (o) => dv.getInt32(o, true)],
    uchar: [1, (o) => dv.getUint8(o)],
    float: [4, (o) => dv.getFloat32(o, true)],
    double: [8, (o) => dv.getFloat64(o, true)],
  };
  const r = read[type];
  if (!r) throw new Error(`NRRD type ${type} not supported by the test reader`);
  for (let k = 0; k < n; k++) data[k] = r[1](k * r[0]);
  return { data, size, spacingMm };
}

/** Parse a CSV line with double-quoted fields. */
function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let k = 0; k < line.length; k++) {
    const ch = line[k]!;
    if (q) {
      if (ch === '"' && line[k + 1] === '"') {
        cur += '"';
        k++;
      } else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export interface Baseline {
  columns: string[];
  /** row name → values per column */
  rows: Map<string, string[]>;
}

export function readBaseline(path: string): Baseline {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const head = parseCsvLine(lines[0]!);
  const rows = new Map<string, string[]>();
  for (const l of lines.slice(1)) {
    const f = parseCsvLine(l);
    rows.set(f[0]!, f.slice(1));
  }
  return { columns: head.slice(1), rows };
}

/** Python dict literal (as PyRadiomics prints settings) → JSON value. */
export function parsePythonDict(text: string): Record<string, unknown> {
  const json = text
    .replace(/'/g, '"')
    .replace(/\bTrue\b/g, 'true')
    .replace(/\bFalse\b/g, 'false')
    .replace(/\bNone\b/g, 'null')
    .replace(/\(/g, '[')
    .replace(/\)/g, ']');
  return JSON.parse(json) as Record<string, unknown>;
}

export function refFile(root: string, ...parts: string[]): string {
  return join(root, ...parts);
}
