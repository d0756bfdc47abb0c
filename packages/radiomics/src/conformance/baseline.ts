/**
 * Reading PyRadiomics' baseline CSVs (featureName rows × test-case columns) and the Python-repr
 * settings dict stored in each column's `diagnostics_Configuration_Settings` row.
 */
import { readFileSync } from 'node:fs';
import { parseCsvRows } from '../csv.ts';

/** The CSV's non-empty rows (RFC 4180, the CLI's parser). */
export function parseCsv(text: string): string[][] {
  return parseCsvRows(text).filter((r) => r.length > 1 || r[0] !== '');
}

export interface Baseline {
  columns: string[];
  /** rows[featureName][column] = raw cell text */
  rows: Map<string, Map<string, string>>;
}

export function readBaseline(path: string): Baseline {
  const table = parseCsv(readFileSync(path, 'utf8'));
  const columns = table[0]!.slice(1);
  const rows = new Map<string, Map<string, string>>();
  for (const r of table.slice(1)) {
    const m = new Map<string, string>();
    columns.forEach((c, i) => m.set(c, r[i + 1] ?? ''));
    rows.set(r[0]!, m);
  }
  return { columns, rows };
}

/** Python literal (dict/list/tuple/str/number/None/True/False) → JS value. */
export function parsePythonLiteral(src: string): unknown {
  const json = src
    .replace(/'/g, '"')
    .replace(/\bNone\b/g, 'null')
    .replace(/\bTrue\b/g, 'true')
    .replace(/\bFalse\b/g, 'false')
    .replace(/\(/g, '[')
    .replace(/\)/g, ']');
  return JSON.parse(json);
}

/** Numbers of a Python tuple string "(1, 2.5, 3)". */
export function parseTuple(s: string): number[] {
  return s.replace(/[()\s]/g, '').split(',').filter(Boolean).map(Number);
}
