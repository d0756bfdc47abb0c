/**
 * Cohort and statistics tables (CSV, RFC 4180, header row required) with strict column access:
 * every refusal is a TaceError with a stable code, naming the column and the 1-based data row
 * (never a cell's value: a table may hold identifiers).
 *
 * Codes: TABLE_UNREADABLE, TABLE_MALFORMED_CSV, TABLE_EMPTY, TABLE_DUPLICATE_COLUMN, TABLE_RAGGED_ROW, TABLE_COLUMN_MISSING,
 * TABLE_NON_NUMERIC, TABLE_MISSING_VALUE, OUTCOME_NOT_BINARY, OUTCOME_POSITIVE_UNKNOWN,
 * OUTCOME_POSITIVE_REQUIRED.
 */
import { readFileSync } from 'node:fs';
import { TaceError } from '@tace/common';
import { CsvSyntaxError, parseCsvRows } from '@tace/radiomics/csv';

export interface Table {
  /** Where it came from (a path), for messages. */
  source: string;
  columns: string[];
  /** Data rows, trimmed cells, as many cells as columns. */
  rows: string[][];
}

/** Cells that mean "no value" (R's read.csv na.strings plus common spellings). */
export const MISSING_TOKENS: ReadonlySet<string> = new Set(['', 'NA', 'NaN', 'nan', 'null', 'NULL', '.']);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseTable(text: string, source = 'table'): Table {
  let all: string[][];
  try {
    all = parseCsvRows(text.replace(/^\uFEFF/, ''), { strict: true });
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw new TaceError('TABLE_MALFORMED_CSV', `${source}: ${e.message}`, { detail: { source, line: e.line } });
    throw e;
  }
  const nonEmpty = all.filter((r) => r.some((c) => c.trim() !== ''));
  if (nonEmpty.length === 0) throw new TaceError('TABLE_EMPTY', `${source}: no header row`);
  const columns = nonEmpty[0].map((h) => h.trim());
  const seen = new Set<string>();
  for (const c of columns) {
    if (c === '') throw new TaceError('TABLE_DUPLICATE_COLUMN', `${source}: a column has an empty name`, { detail: { source } });
    if (seen.has(c)) throw new TaceError('TABLE_DUPLICATE_COLUMN', `${source}: column "${c}" appears twice`, { detail: { source, column: c } });
    seen.add(c);
  }
  const rows = nonEmpty.slice(1).map((r, i) => {
    if (r.length !== columns.length) {
      throw new TaceError('TABLE_RAGGED_ROW', `${source}: data row ${i + 1} has ${r.length} cells, the header has ${columns.length}`, {
        detail: { source, row: i + 1, cells: r.length, columns: columns.length },
      });
    }
    return r.map((c) => c.trim());
  });
  if (rows.length === 0) throw new TaceError('TABLE_EMPTY', `${source}: a header but no data rows`, { detail: { source } });
  return { source, columns, rows };
}

export function readTable(path: string): Table {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TaceError('TABLE_UNREADABLE', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { detail: { path } });
  }
  return parseTable(text, path);
}

function columnIndex(t: Table, name: string): number {
  const j = t.columns.indexOf(name);
  if (j < 0) {
    throw new TaceError('TABLE_COLUMN_MISSING', `${t.source}: no column "${name}"`, { detail: { source: t.source, column: name, columns: t.columns.length } });
  }
  return j;
}

export function hasColumn(t: Table, name: string): boolean {
  return t.columns.includes(name);
}

export function textColumn(t: Table, name: string): string[] {
  const j = columnIndex(t, name);
  return t.rows.map((r) => r[j]);
}

export function isMissing(cell: string): boolean {
  return MISSING_TOKENS.has(cell);
}

/**
 * A numeric column. Missing cells refuse (TABLE_MISSING_VALUE, naming up to 10 rows) unless
 * `allowMissing`, in which case they are NaN for the caller to impute or drop — as configured and
 * reported. Anything else that is not a decimal number refuses with TABLE_NON_NUMERIC.
 */
export function numericColumn(t: Table, name: string, opts: { allowMissing?: boolean; rows?: readonly number[] } = {}): Float64Array {
  const j = columnIndex(t, name);
  const idx = opts.rows ?? t.rows.map((_, i) => i);
  const out = new Float64Array(idx.length);
  const missing: number[] = [];
  idx.forEach((i, k) => {
    const cell = t.rows[i][j];
    if (isMissing(cell)) {
      missing.push(i + 1);
      out[k] = NaN;
      return;
    }
    if (!NUMBER.test(cell)) {
      throw new TaceError('TABLE_NON_NUMERIC', `${t.source}: column "${name}", data row ${i + 1} is not a number`, {
        detail: { source: t.source, column: name, row: i + 1 },
      });
    }
    const v = Number(cell);
    if (!Number.isFinite(v)) {
      throw new TaceError('TABLE_NON_NUMERIC', `${t.source}: column "${name}", data row ${i + 1} is not a finite number`, {
        detail: { source: t.source, column: name, row: i + 1 },
      });
    }
    out[k] = v;
  });
  if (missing.length > 0 && !opts.allowMissing) {
    throw new TaceError('TABLE_MISSING_VALUE', `${t.source}: column "${name}" has ${missing.length} missing value(s) (data rows ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}); remove them or configure imputation`, {
      detail: { source: t.source, column: name, count: missing.length, rows: missing.slice(0, 10) },
    });
  }
  return out;
}

/** Labels read as the positive class when --positive is not given, by the levels present. */
const DEFAULT_POSITIVE: ReadonlyArray<[string, string]> = [
  ['0', '1'],
  ['FALSE', 'TRUE'],
  ['false', 'true'],
  ['no', 'yes'],
  ['No', 'Yes'],
  ['N', 'Y'],
];

export interface Outcome {
  labels: Uint8Array;
  positive: string;
  negative: string;
  events: number;
}

/**
 * A binary outcome column: exactly two levels (missing cells refuse). The positive level is
 * `positive` when given, else the "true" one of a 0/1, FALSE/TRUE, no/yes pair; other pairs need
 * --positive (OUTCOME_POSITIVE_REQUIRED names the two levels: outcome levels, not identifiers).
 */
export function outcomeColumn(t: Table, name: string, positive?: string, rows?: readonly number[]): Outcome {
  const j = columnIndex(t, name);
  const idx = rows ?? t.rows.map((_, i) => i);
  const cells = idx.map((i) => t.rows[i][j]);
  const missingAt = idx.filter((i) => isMissing(t.rows[i][j]));
  if (missingAt.length > 0) {
    throw new TaceError('TABLE_MISSING_VALUE', `${t.source}: outcome column "${name}" has ${missingAt.length} missing value(s) (data rows ${missingAt.slice(0, 10).map((i) => i + 1).join(', ')})`, {
      detail: { source: t.source, column: name, count: missingAt.length },
    });
  }
  const levels = [...new Set(cells)].sort();
  if (levels.length > 2) {
    throw new TaceError('OUTCOME_NOT_BINARY', `${t.source}: outcome column "${name}" has ${levels.length} levels; a binary outcome has 2`, {
      detail: { source: t.source, column: name, levels: levels.length },
    });
  }
  let pos = positive;
  if (pos === undefined) {
    const pair = DEFAULT_POSITIVE.find(([neg, p]) => levels.every((l) => l === neg || l === p));
    if (!pair) {
      throw new TaceError('OUTCOME_POSITIVE_REQUIRED', `${t.source}: say which level of "${name}" is the event with --positive (levels: ${levels.join(', ')})`, {
        detail: { source: t.source, column: name, levels },
      });
    }
    pos = pair[1];
  } else if (!levels.includes(pos)) {
    throw new TaceError('OUTCOME_POSITIVE_UNKNOWN', `${t.source}: --positive ${pos} is not a level of "${name}" (levels: ${levels.join(', ')})`, {
      detail: { source: t.source, column: name, levels },
    });
  }
  const labels = Uint8Array.from(cells, (c) => (c === pos ? 1 : 0));
  const events = labels.reduce((s, v) => s + v, 0);
  const negative = levels.find((l) => l !== pos) ?? '';
  return { labels, positive: pos, negative, events };
}

/** Refuse an outcome with one class in a cohort (MODEL_ONE_CLASS names the cohort). */
export function requireBothClasses(labels: ArrayLike<number>, where: string): void {
  let events = 0;
  for (let i = 0; i < labels.length; i++) events += labels[i];
  if (events === 0 || events === labels.length) {
    throw new TaceError('MODEL_ONE_CLASS', `${where}: the outcome has one class only (${events} events in ${labels.length})`, {
      detail: { where, n: labels.length, events },
    });
  }
}

/** Comma-separated column list ("a,b,c"), refusing empty names and duplicates. */
export function columnList(spec: string, what: string): string[] {
  const names = spec.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) throw new TaceError('CLI_BAD_ARGUMENT', `${what}: an empty column name in "${spec}"`);
  if (new Set(names).size !== names.length) throw new TaceError('CLI_BAD_ARGUMENT', `${what}: a column is listed twice`);
  return names;
}
