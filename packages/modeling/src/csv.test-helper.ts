import { readFileSync } from 'node:fs';

/** Minimal CSV reader for the reference tables (no embedded commas or quotes in their fields). */
export function readCsv(path: string): Array<Record<string, string>> {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const unquote = (s: string): string => s.replace(/^"(.*)"$/, '$1');
  const header = lines[0].split(',').map(unquote);
  return lines.slice(1).map((l) => {
    const cells = l.split(',').map(unquote);
    return Object.fromEntries(header.map((h, i) => [h, cells[i]]));
  });
}
