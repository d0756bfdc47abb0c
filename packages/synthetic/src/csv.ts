/**
 * Minimal RFC 4180 CSV parsing (quoted fields, doubled quotes, CRLF), enough for the public
 * HCC-TACE-Seg clinical table. Returns one record per data row keyed by the header.
 */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...data] = rows.filter((r) => r.length > 1 || r[0] !== '');
  return data.map((r) => Object.fromEntries(header.map((h, j) => [h, r[j] ?? ''])));
}

/** Values of a column that parse as finite numbers (empty / "NA" cells dropped). */
export function numericColumn(records: Record<string, string>[], column: string): number[] {
  const out: number[] = [];
  for (const r of records) {
    const s = (r[column] ?? '').trim();
    if (s === '' || s.toUpperCase() === 'NA') continue;
    const v = Number(s);
    if (Number.isFinite(v)) out.push(v);
  }
  return out;
}
