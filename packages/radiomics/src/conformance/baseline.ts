/**
 * Reading PyRadiomics' baseline CSVs (featureName rows × test-case columns) and the Python-repr
 * settings dict stored in each column's `diagnostics_Configuration_Settings` row.
 */
import { readFileSync } from 'node:fs';

/** Minimal RFC 4180 CSV parser (quoted fields with commas and doubled quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows.filter((r) => r.length > 1 || r[0] !== '');
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
