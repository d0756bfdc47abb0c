/**
 * A fast reader for the small YAML subset PyRadiomics parameter files are written in, so a fresh
 * `radiomics extract` process does not load and warm the full `yaml` package (≈20 ms to load plus
 * ≈10 ms for its first parse, ~10 % of a whole brain1 extraction).
 *
 * It returns the same value `yaml.parse` (YAML 1.2, core schema) returns, or `undefined` when the text
 * uses anything outside the subset, in which case the caller hands the text to the real parser. The
 * subset: block mappings (space indentation, unique plain keys), block sequences of scalars, flow
 * sequences of scalars (`[a, 1, 2.5]`), empty flow collections (`{}`, `[]`), comments, and scalars:
 * null (`~`, `null`, empty), booleans (`true`/`True`/`TRUE`, same for false), decimal integers and
 * floats, plain words (`sitkBSpline`, `3D-averaged`) and quoted strings without escapes or `#`.
 * Everything else (anchors, tags, multi-line or escaped strings, flow mappings with content, `.inf`,
 * hex/octal numbers, documents markers, tabs, duplicate keys, …) is declined, never guessed.
 */

interface Line { indent: number; text: string }

const INT = /^[-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const WORD = /^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$/;
const KEY = /^[A-Za-z_][A-Za-z0-9_.\-]*$/;
const RESERVED = new Set(['~', 'null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE']);

class Decline extends Error {}
function decline(): never {
  throw new Decline();
}

/** One scalar token (already trimmed, comment removed). */
function scalar(s: string): unknown {
  if (s === '' || s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return null;
  if (s === 'true' || s === 'True' || s === 'TRUE') return true;
  if (s === 'false' || s === 'False' || s === 'FALSE') return false;
  if (INT.test(s) || FLOAT.test(s)) return Number(s);
  const q = s[0];
  if (q === "'" || q === '"') {
    const body = s.slice(1, -1);
    if (s.length < 2 || s[s.length - 1] !== q || body.includes("'") || body.includes('"') || body.includes('\\')) decline();
    return body;
  }
  // Words that YAML would read as numbers in other notations (0x1F, 0o17) are left to the real parser.
  if (!WORD.test(s) || /^[-+]?0[xXoObB]/.test(s) || /^[-+]?\./.test(s)) decline();
  return s;
}

/** A value written on the key's line: a scalar or a flow sequence of scalars. */
function inlineValue(s: string): unknown {
  if (s === '{}') return {};
  if (s[0] === '[') {
    if (s[s.length - 1] !== ']') decline();
    const body = s.slice(1, -1).trim();
    if (body === '') return [];
    return body.split(',').map((t) => {
      const v = t.trim();
      if (v === '' || v[0] === '[' || v[0] === '{') decline();
      return scalar(v);
    });
  }
  if (s[0] === '{' || s[0] === '&' || s[0] === '*' || s[0] === '!' || s[0] === '|' || s[0] === '>' || s[0] === '-' && s[1] === ' ') decline();
  return scalar(s);
}

/** Remove a trailing `# comment` (a `#` at the start or after whitespace); quotes with `#` are declined. */
function stripComment(raw: string): string {
  const hash = raw.indexOf('#');
  if (hash < 0) return raw;
  if (raw.trimStart()[0] === '#') return '';
  if (raw.includes("'") || raw.includes('"')) decline();
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '#' && (i === 0 || raw[i - 1] === ' ')) return raw.slice(0, i);
  }
  return raw;
}

function toLines(text: string): Line[] {
  const lines: Line[] = [];
  for (const raw0 of text.split(/\r?\n/)) {
    if (raw0.includes('\t')) decline();
    const raw = stripComment(raw0).trimEnd();
    if (raw.trim() === '') continue;
    const indent = raw.length - raw.trimStart().length;
    const body = raw.slice(indent);
    if (indent === 0 && (body.startsWith('---') || body.startsWith('...') || body.startsWith('%'))) decline();
    lines.push({ indent, text: body });
  }
  return lines;
}

/** Block sequence at `lines[at]` (indent `indent`): returns the items and the index after it. */
function blockSequence(lines: Line[], at: number, indent: number): [unknown[], number] {
  const items: unknown[] = [];
  let i = at;
  while (i < lines.length && lines[i]!.indent === indent && (lines[i]!.text === '-' || lines[i]!.text.startsWith('- '))) {
    const v = lines[i]!.text.slice(1).trim();
    if (v === '' || v.includes(': ') || v.endsWith(':')) decline(); // nested collections in sequences
    items.push(inlineValue(v));
    i++;
  }
  return [items, i];
}

/** Block mapping whose keys sit at `indent`, starting at `lines[at]`. */
function blockMapping(lines: Line[], at: number, indent: number): [Record<string, unknown>, number] {
  const out: Record<string, unknown> = {};
  let i = at;
  while (i < lines.length && lines[i]!.indent >= indent) {
    const { indent: ind, text } = lines[i]!;
    if (ind !== indent) decline();
    const colon = text.indexOf(':');
    if (colon <= 0 || (colon + 1 < text.length && text[colon + 1] !== ' ')) decline();
    const key = text.slice(0, colon);
    if (!KEY.test(key) || RESERVED.has(key) || Object.hasOwn(out, key) || key === '__proto__') decline();
    const rest = text.slice(colon + 1).trim();
    i++;
    if (rest !== '') {
      out[key] = inlineValue(rest);
      continue;
    }
    const next = lines[i];
    if (next && next.indent > indent) {
      if (next.text === '-' || next.text.startsWith('- ')) [out[key], i] = blockSequence(lines, i, next.indent);
      else [out[key], i] = blockMapping(lines, i, next.indent);
    } else if (next && next.indent === indent && (next.text === '-' || next.text.startsWith('- '))) {
      [out[key], i] = blockSequence(lines, i, indent); // a sequence may sit at its key's indentation
    } else {
      out[key] = null;
    }
  }
  return [out, i];
}

/** `yaml.parse(text)` for the subset above, or `undefined` when the text is outside it. */
export function parseYamlSubset(text: string): Record<string, unknown> | undefined {
  try {
    const lines = toLines(text);
    if (lines.length === 0 || lines[0]!.indent !== 0) return undefined;
    const [value, end] = blockMapping(lines, 0, 0);
    return end === lines.length ? value : undefined;
  } catch (e) {
    if (e instanceof Decline) return undefined;
    throw e;
  }
}
