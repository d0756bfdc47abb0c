/**
 * Shared plumbing of the `tace-risk stats …` and `tace-risk model …` commands: argument parsing
 * (node:util parseArgs, strict: an unknown option is an error), `--help`, and output as text,
 * JSON (`--format json`) or CSV (`--format csv`, one table: `--table NAME` picks it).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { TaceError } from '@tace/common';
import { csvLine } from '@tace/radiomics/csv';

export type Cell = string | number | boolean | null | undefined;
export interface OutputTable {
  name: string;
  rows: Array<Record<string, Cell>>;
}
export interface CommandOutput {
  /** The whole result, printed with --format json. */
  json: unknown;
  /** Tables for text and CSV output; the first is the default for CSV. */
  tables: OutputTable[];
  /** Lines printed above the tables in text output. */
  notes?: string[];
}

export interface CommandSpec {
  usage: string;
  description: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Help text per option name. */
  help: Record<string, string>;
  required?: string[];
}

export const FORMAT_OPTIONS = {
  format: { type: 'string', default: 'text' },
  table: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
export const FORMAT_HELP = {
  format: 'text (default), json or csv',
  table: 'with --format csv: which table to print (default: the first)',
};

export function helpText(spec: CommandSpec): string {
  const lines = [`usage: ${spec.usage}`, '', spec.description, '', 'options:'];
  for (const [name, opt] of Object.entries(spec.options)) {
    const flag = `--${name}${opt.type === 'string' ? ' VALUE' : ''}`;
    const req = spec.required?.includes(name) ? ' (required)' : '';
    lines.push(`  ${flag.padEnd(28)} ${spec.help[name] ?? ''}${req}`);
  }
  return `${lines.join('\n')}\n`;
}

export type Parsed = Record<string, string | boolean | undefined>;

/** Parse argv; `undefined` means help was printed. */
export function parseCommand(argv: string[], spec: CommandSpec, out: NodeJS.WritableStream = process.stdout): Parsed | undefined {
  let values: Parsed;
  try {
    ({ values } = parseArgs({ args: argv, options: spec.options, strict: true, allowPositionals: false }) as { values: Parsed });
  } catch (e) {
    throw new TaceError('CLI_BAD_ARGUMENT', `${(e as Error).message}\n${helpText(spec)}`);
  }
  if (values.help) {
    out.write(helpText(spec));
    return undefined;
  }
  for (const r of spec.required ?? []) {
    if (values[r] === undefined || values[r] === '') throw new TaceError('CLI_BAD_ARGUMENT', `--${r} is required\n${helpText(spec)}`);
  }
  const format = values.format;
  if (format !== undefined && format !== 'text' && format !== 'json' && format !== 'csv') {
    throw new TaceError('CLI_BAD_ARGUMENT', `--format must be text, json or csv, not ${String(format)}`);
  }
  return values;
}

export function numberOption(values: Parsed, name: string, dflt: number, check: (v: number) => boolean = Number.isFinite, what = 'a number'): number {
  const raw = values[name];
  if (raw === undefined) return dflt;
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !check(v)) throw new TaceError('CLI_BAD_ARGUMENT', `--${name} must be ${what}, not ${String(raw)}`);
  return v;
}

/** Numbers in text output: up to 6 significant digits, integers as they are. */
export function fmt(v: Cell): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    if (!Number.isFinite(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-4 || a >= 1e6) ? v.toExponential(3) : String(Number(v.toPrecision(6)));
  }
  return String(v);
}

function textTable(t: OutputTable): string {
  if (t.rows.length === 0) return `${t.name}: (none)\n`;
  const cols = [...new Set(t.rows.flatMap((r) => Object.keys(r)))];
  const cells = t.rows.map((r) => cols.map((c) => fmt(r[c])));
  const width = cols.map((c, j) => Math.max(c.length, ...cells.map((r) => r[j].length)));
  const line = (xs: string[]) => xs.map((x, j) => x.padEnd(width[j])).join('  ').trimEnd();
  return `${t.name}\n${line(cols)}\n${cells.map(line).join('\n')}\n`;
}

export function csvTable(t: OutputTable): string {
  const cols = [...new Set(t.rows.flatMap((r) => Object.keys(r)))];
  // CSV keeps full precision (17 significant digits round-trip), unlike the text view.
  return `${[csvLine(cols), ...t.rows.map((r) => csvLine(cols.map((c) => (r[c] === null || r[c] === undefined ? '' : r[c]))))].join('\n')}\n`;
}

/** JSON with non-finite numbers spelt as strings ("Infinity"), since JSON has none. */
export function toJson(v: unknown): string {
  return `${JSON.stringify(
    v,
    (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : ArrayBuffer.isView(x) ? Array.from(x as unknown as ArrayLike<number>) : x),
    2,
  )}\n`;
}

export function writeOutput(result: CommandOutput, values: Parsed, out: NodeJS.WritableStream = process.stdout): void {
  const format = (values.format as string | undefined) ?? 'text';
  if (format === 'json') {
    out.write(toJson(result.json));
    return;
  }
  if (format === 'csv') {
    const name = values.table as string | undefined;
    const t = name === undefined ? result.tables[0] : result.tables.find((x) => x.name === name);
    if (!t) {
      throw new TaceError('CLI_BAD_ARGUMENT', `--table ${name}: this command's tables are ${result.tables.map((x) => x.name).join(', ')}`);
    }
    out.write(csvTable(t));
    return;
  }
  for (const n of result.notes ?? []) out.write(`${n}\n`);
  for (const t of result.tables) out.write(`\n${textTable(t)}`);
}

/** Progress lines go to stderr, so stdout stays machine-readable. */
export function progress(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

/**
 * Dispatch `sub` to its command; the command parses argv (printing --help itself and returning
 * undefined then), and its output is written in the format its own parse accepted.
 */
export async function runSubcommand(
  usage: string,
  commands: Record<string, [CommandSpec, (a: string[]) => CommandOutput | undefined | Promise<CommandOutput | undefined>]>,
  sub: string | undefined,
  rest: string[],
): Promise<number> {
  const entry = sub === undefined ? undefined : commands[sub];
  if (!entry) {
    process.stdout.write(`usage: ${usage}\n`);
    return sub === undefined || sub === '--help' || sub === '-h' ? 0 : 2;
  }
  const [spec, run] = entry;
  const out = await run(rest);
  if (out) writeOutput(out, parseCommand(rest, spec, { write: () => true } as unknown as NodeJS.WritableStream) ?? {});
  return 0;
}

/** "a:b:step" → thresholds a, a+step, … ≤ b (computed as a + k·step, rounded to 10 decimals like seq()). */
export function thresholdGrid(spec: string): number[] {
  const parts = spec.split(':').map(Number);
  const [from, to, step] = parts;
  if (parts.length !== 3 || !parts.every(Number.isFinite) || !(step > 0) || !(from >= 0) || !(to <= 1) || !(to >= from)) {
    throw new TaceError('CLI_BAD_ARGUMENT', `--thresholds must be from:to:step with 0 ≤ from ≤ to ≤ 1 and step > 0, not ${spec}`);
  }
  const n = Math.floor((to - from) / step + 1e-10);
  if (n > 100_000) throw new TaceError('CLI_BAD_ARGUMENT', `--thresholds ${spec} gives more than 100,000 thresholds`);
  return Array.from({ length: n + 1 }, (_, k) => Number((from + k * step).toFixed(10)));
}

