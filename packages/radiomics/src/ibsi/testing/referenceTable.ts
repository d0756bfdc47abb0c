/**
 * Test support: read an IBSI reference table (CSV with quoted fields) and compare computed rows
 * the way the IBSI does — round the computed value to 3 significant figures, then
 * |x − reference| ≤ tolerance. Where the reference is written with more than 3 significant digits
 * (voxel counts, image sizes, 3065 HU) the computed value is rounded to that many instead, since
 * rounding 3065 to 3060 would fail a zero-tolerance row that the exact value meets.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IbsiFeature } from '../types.ts';

export interface ReferenceRow {
  family: string;
  aggregation: string;
  feature: string;
  tag: string;
  /** undefined where the IBSI gives no reference value (feature not standardised). */
  reference?: number;
  tolerance?: number;
  /** Significant digits the reference is written with (e.g. 125256 → 6). */
  referenceDigits: number;
  note: string;
}

function significantDigits(s: string): number {
  const m = s.trim().replace(/^[-+]/, '').split(/[eE]/)[0] ?? '';
  const digits = m.replace('.', '').replace(/^0+/, '');
  // Trailing zeros of an integer written without a decimal point are not significant.
  return (m.includes('.') ? digits : digits.replace(/0+$/, '')).length;
}

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * Read a reference table. Two published layouts are taken: ours in ../shared/reference
 * (`…,aggregation,feature,tag,reference_value,tolerance,…`) and the one other IBSI test suites copy
 * from the IBSI repository (`dataset,family,feature,reference value,tolerance,tag`, the aggregation
 * inside the family, e.g. "Co-occurrence matrix (2D, averaged)"); columns are found by name.
 */
export function readReferenceTable(path: string): ReferenceRow[] {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = parseCsvLine(lines[0] ?? '').map((h) => h.trim().toLowerCase().replace(/\s+/g, '_'));
  const col = (...names: string[]): number => header.findIndex((h) => names.includes(h));
  const [cFamily, cAgg, cFeature, cTag, cRef, cTol, cNote] = [
    col('family'), col('aggregation'), col('feature'), col('tag'), col('reference_value', 'value'), col('tolerance'), col('note'),
  ];
  if (cTag < 0 || cRef < 0) throw new Error(`${path}: not an IBSI reference table (no tag / reference value column)`);
  return lines.slice(1).map((l) => {
    const f = parseCsvLine(l);
    const num = (s: string | undefined): number | undefined => (s === undefined || s.trim() === '' ? undefined : Number(s));
    return {
      family: f[cFamily] ?? '',
      aggregation: f[cAgg] ?? '',
      feature: f[cFeature] ?? '',
      tag: f[cTag] ?? '',
      reference: num(f[cRef]),
      tolerance: num(f[cTol]),
      referenceDigits: significantDigits(f[cRef] ?? ''),
      note: f[cNote] ?? '',
    };
  });
}

/**
 * The reference table of IBSI CT-phantom configuration `config` (A–E) in `dir`, under either published
 * file name (`config_A_reference_values.csv`, `ibsi_1_reference_values_config_A.csv`), looked for first in
 * the folder TACE_IBSI_CT_TABLES names (if set), then in `dir`; undefined if absent.
 */
export function ctConfigTable(dir: string | undefined, config: string): string | undefined {
  // TACE_IBSI_CT_TABLES: a further folder of reference tables, searched first
  for (const d of [process.env.TACE_IBSI_CT_TABLES, dir]) {
    if (!d) continue;
    for (const name of [`config_${config}_reference_values.csv`, `ibsi_1_reference_values_config_${config}.csv`]) {
      if (existsSync(join(d, name))) return join(d, name);
    }
  }
  return undefined;
}

export function roundSignificant(x: number, digits: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  return Number(x.toPrecision(digits));
}

export function matchesReference(value: number | undefined, row: ReferenceRow): boolean {
  if (value === undefined || row.reference === undefined || !Number.isFinite(value)) return false;
  const tol = row.tolerance ?? 0;
  // A hair of slack for the decimal representation of the rounded value (e.g. 0.0411 vs 0.04110000001).
  return Math.abs(roundSignificant(value, Math.max(3, row.referenceDigits)) - row.reference) <= tol + 1e-9 * Math.max(1, Math.abs(row.reference));
}

export interface FamilyCount {
  family: string;
  matched: number;
  total: number;
}

export function countByFamily(rows: ReferenceRow[], computed: Map<string, IbsiFeature>): FamilyCount[] {
  const by = new Map<string, FamilyCount>();
  for (const r of rows) {
    if (r.reference === undefined) continue;
    const c = by.get(r.family) ?? { family: r.family, matched: 0, total: 0 };
    c.total++;
    if (matchesReference(computed.get(r.tag)?.value, r)) c.matched++;
    by.set(r.family, c);
  }
  return [...by.values()];
}
