/** CSV helpers for the CLI: RFC 4180 quoting and a parser for case lists (header row required). */
export function csvField(v: unknown): string {
  const s = v === undefined || v === null ? '' : typeof v === 'number' ? String(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: readonly unknown[]): string {
  return values.map(csvField).join(',');
}

/** A CSV that is not RFC 4180: an unterminated quoted field, or a quote inside an unquoted field. */
export class CsvSyntaxError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvSyntaxError';
    this.line = line;
  }
}

/**
 * RFC 4180 rows (quoted fields, doubled quotes, CRLF or LF), without interpretation.
 * `strict`: a quote opening inside an unquoted field, text after a closing quote, or a file ending
 * inside a quoted field throws CsvSyntaxError (otherwise such a quote would silently swallow the
 * rest of the file into one cell). `lines` receives each row's 1-based starting line.
 */
export function parseCsvRows(text: string, opts: { strict?: boolean; lines?: number[] } = {}): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let afterQuote = false;
  let line = 1;
  let rowLine = 1;
  let quoteLine = 1;
  const strict = opts.strict === true;
  const endRow = () => {
    row.push(field); rows.push(row); opts.lines?.push(rowLine); row = []; field = ''; afterQuote = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') { if (text[i + 1] === '"') { field += '"'; i++; } else { quoted = false; afterQuote = true; } } else { if (ch === '\n') line++; field += ch; }
    } else if (ch === '"') {
      if (strict && (field !== '' || afterQuote)) throw new CsvSyntaxError('a quote inside an unquoted field', line);
      quoted = true; quoteLine = line;
    } else if (ch === ',') { row.push(field); field = ''; afterQuote = false; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++; rowLine = line;
    } else {
      if (strict && afterQuote) throw new CsvSyntaxError('text after a closing quote', line);
      field += ch;
    }
  }
  if (quoted && strict) throw new CsvSyntaxError('a quoted field is never closed', quoteLine);
  if (field !== '' || row.length) endRow();
  return rows;
}

export function parseCsvRecords(text: string): Record<string, string>[] {
  const rows = parseCsvRows(text);
  const nonEmpty = rows.filter((r) => r.some((c) => c.trim() !== ''));
  const header = (nonEmpty[0] ?? []).map((h) => h.trim());
  return nonEmpty.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, (r[i] ?? '').trim()])));
}
