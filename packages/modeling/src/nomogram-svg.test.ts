import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TaceError } from '@tace/common';
import { buildNomogram, formatNumbers, type Nomogram, type NomogramTerm, type TermTransform } from './nomogram.ts';
import { nomogramSvg } from './nomogram-svg.ts';

// ---- a minimal XML well-formedness checker (the repo has no XML parser dependency) ----------------

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][\w.:-]*/;

function decodeEntities(s: string, where: string): string {
  return s.replace(/&([^;]*);?/g, (m, body: string) => {
    if (!m.endsWith(';')) throw new Error(`bare & in ${where}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (body in named) return named[body];
    if (/^#[0-9]+$/.test(body)) return String.fromCodePoint(Number(body.slice(1)));
    if (/^#x[0-9a-fA-F]+$/.test(body)) return String.fromCodePoint(parseInt(body.slice(2), 16));
    throw new Error(`unknown entity &${body}; in ${where}`);
  });
}

/** Parses a document with one root element; throws on anything not well-formed. */
function parseXml(doc: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const skipSpace = (): void => {
    while (i < doc.length && /\s/.test(doc[i])) i++;
  };
  skipSpace();
  if (doc.startsWith('<?xml', i)) {
    const end = doc.indexOf('?>', i);
    if (end < 0) throw new Error('unterminated XML declaration');
    i = end + 2;
  }
  while (i < doc.length) {
    if (doc[i] !== '<') {
      const end = doc.indexOf('<', i);
      const raw = doc.slice(i, end < 0 ? doc.length : end);
      if (raw.includes('>') && raw.includes(']]>')) throw new Error(']]> in text');
      const text = decodeEntities(raw, 'text');
      if (stack.length === 0) {
        if (text.trim() !== '') throw new Error('text outside the root element');
      } else stack[stack.length - 1].text += text;
      i = end < 0 ? doc.length : end;
      continue;
    }
    if (doc.startsWith('<!--', i)) {
      const end = doc.indexOf('-->', i + 4);
      if (end < 0) throw new Error('unterminated comment');
      i = end + 3;
      continue;
    }
    if (doc.startsWith('</', i)) {
      i += 2;
      const m = NAME.exec(doc.slice(i));
      if (!m) throw new Error('bad end tag');
      i += m[0].length;
      skipSpace();
      if (doc[i] !== '>') throw new Error(`bad end tag </${m[0]}`);
      i++;
      const open = stack.pop();
      if (!open || open.name !== m[0]) throw new Error(`</${m[0]}> closes <${open?.name}>`);
      continue;
    }
    i++;
    const m = NAME.exec(doc.slice(i));
    if (!m) throw new Error(`bad start tag at ${i}`);
    i += m[0].length;
    const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
    for (;;) {
      const before = i;
      skipSpace();
      if (doc.startsWith('/>', i) || doc[i] === '>') break;
      if (i === before) throw new Error(`attributes of <${el.name}> need white space between them`);
      const a = NAME.exec(doc.slice(i));
      if (!a) throw new Error(`bad attribute in <${el.name}>`);
      i += a[0].length;
      skipSpace();
      if (doc[i] !== '=') throw new Error(`attribute ${a[0]} without a value`);
      i++;
      skipSpace();
      const q = doc[i];
      if (q !== '"' && q !== "'") throw new Error(`unquoted attribute ${a[0]}`);
      const end = doc.indexOf(q, i + 1);
      if (end < 0) throw new Error(`unterminated attribute ${a[0]}`);
      const raw = doc.slice(i + 1, end);
      if (raw.includes('<')) throw new Error(`< in attribute ${a[0]}`);
      if (a[0] in el.attrs) throw new Error(`duplicate attribute ${a[0]}`);
      el.attrs[a[0]] = decodeEntities(raw, `attribute ${a[0]}`);
      i = end + 1;
    }
    const selfClosing = doc.startsWith('/>', i);
    i += selfClosing ? 2 : 1;
    if (stack.length) stack[stack.length - 1].children.push(el);
    else if (root) throw new Error('more than one root element');
    else root = el;
    if (!selfClosing) stack.push(el);
  }
  if (stack.length) throw new Error(`<${stack[stack.length - 1].name}> is not closed`);
  if (!root) throw new Error('no root element');
  return root;
}

function all(el: XmlElement, pred: (e: XmlElement) => boolean, out: XmlElement[] = []): XmlElement[] {
  if (pred(el)) out.push(el);
  for (const c of el.children) all(c, pred, out);
  return out;
}

describe('the XML checker itself', () => {
  it('accepts well-formed and rejects malformed documents', () => {
    expect(parseXml('<a x="1"><b>t &amp; u</b><c/></a>').children.map((c) => c.name)).toEqual(['b', 'c']);
    for (const bad of ['<a><b></a></b>', '<a x=1/>', '<a>&</a>', '<a>x < y</a>', '<a/><b/>', '<a>', '<a x="<"/>', '<a x="1"y="2"/>', '<a>&nbsp;</a>']) {
      expect(() => parseXml(bad), bad).toThrow();
    }
  });
});

// ---- the nomogram picture ------------------------------------------------------------------------

interface RefNomogram {
  id: string;
  terms: Array<{ name: string; transform: TermTransform; at?: number[] }>;
  result: { settings: { funAt?: number[]; funLabel: string; maxscale: number; nint: number }; coefficients: Record<string, number> };
}

function referenceNomograms(): Array<[string, Nomogram]> {
  const ref = JSON.parse(readFileSync(new URL('../reference/nomogram.json', import.meta.url), 'utf8')) as { nomograms: RefNomogram[] };
  const lines = readFileSync(new URL('../reference/nomogram_data.csv', import.meta.url), 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',').map((h) => h.replace(/^"(.*)"$/, '$1'));
  const data: Record<string, number[]> = Object.fromEntries(header.map((h) => [h, [] as number[]]));
  for (const l of lines.slice(1)) l.split(',').forEach((v, i) => data[header[i]].push(Number(v)));
  return ref.nomograms.map((c) => {
    const co = c.result.coefficients;
    const s = c.result.settings;
    const terms = c.terms.map((t): NomogramTerm => ({ name: t.name, coefficient: co[t.name], transform: t.transform, data: data[t.name], at: t.at }));
    return [c.id, buildNomogram({ intercept: co.Intercept, terms }, { funAt: s.funAt, funLabel: s.funLabel, pointsScale: s.maxscale, nint: s.nint })];
  });
}

/** Coordinates are written with 2 decimals: positions agree to 0.02 px (rounding of the tick and of the fit). */
const TOL = 0.02;

/** x = a + b·u fitted through two points, then every other point checked against it. */
function affine(u: readonly number[], x: readonly number[]): { a: number; b: number } {
  let i = 0;
  let j = 0;
  u.forEach((v, k) => {
    if (v < u[i]) i = k;
    if (v > u[j]) j = k;
  });
  const b = (x[j] - x[i]) / (u[j] - u[i]);
  return { a: x[i] - b * u[i], b };
}

describe('nomogramSvg', () => {
  const noms = referenceNomograms();

  describe.each(noms)('nomogram %s', (_id, nom) => {
    const svg = nomogramSvg(nom, { title: 'Post-TACE risk <demo> & "test"', showLinearPredictor: true });
    const root = parseXml(svg);
    const labels = all(root, (e) => e.attrs.class === 'tick-label');
    const ofAxis = (axis: string): XmlElement[] => labels.filter((e) => e.attrs['data-axis'] === axis);

    it('is a standalone SVG document: svg root with its namespace, no scripts, links or external fonts', () => {
      expect(root.name).toBe('svg');
      expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
      expect(Number(root.attrs.width)).toBe(900);
      const names = new Set(all(root, () => true).map((e) => e.name));
      for (const forbidden of ['script', 'foreignObject', 'image', 'a', 'style', 'use']) expect(names.has(forbidden)).toBe(false);
      expect(all(root, (e) => Object.keys(e.attrs).some((k) => /href$/i.test(k) || /^on/i.test(k)))).toEqual([]);
      expect(svg).not.toMatch(/url\(|@import|@font-face/);
      expect(all(root, (e) => e.attrs.class === 'title')[0].text).toBe('Post-TACE risk <demo> & "test"');
    });

    it('has every tick label of every axis, with the titles', () => {
      const titles = all(root, (e) => e.attrs.class === 'axis-title').map((e) => e.text);
      expect(titles).toEqual(['Points', ...nom.axes.map((a) => a.label), 'Total Points', 'Linear Predictor', nom.fun.label]);
      for (const a of nom.axes) expect(ofAxis(a.name).map((e) => e.text)).toEqual(a.labels);
      expect(ofAxis('points').map((e) => e.text)).toEqual(formatNumbers(nom.pointsAxis, { trim: true }));
      expect(ofAxis('total-points').map((e) => e.text)).toEqual(formatNumbers(nom.totalPoints, { trim: true }));
      expect(ofAxis('risk').map((e) => e.text)).toEqual(nom.fun.labels);
    });

    it('puts each predictor tick at its points on the Points axis scale (one affine map, increasing)', () => {
      const pts = ofAxis('points');
      const { a, b } = affine(pts.map((e) => Number(e.attrs['data-value'])), pts.map((e) => Number(e.attrs.x)));
      expect(b).toBeGreaterThan(0);
      for (const axis of nom.axes) {
        const els = ofAxis(axis.name);
        els.forEach((e, i) => {
          expect(Number(e.attrs['data-value'])).toBe(axis.points[i]);
          expect(Math.abs(Number(e.attrs.x) - (a + b * axis.points[i]))).toBeLessThanOrEqual(TOL);
        });
        // monotone: more points, further right
        const byPoints = els.map((e) => [Number(e.attrs['data-value']), Number(e.attrs.x)]).sort((p, q) => p[0] - q[0]);
        for (let k = 1; k < byPoints.length; k++) if (byPoints[k][0] > byPoints[k - 1][0]) expect(byPoints[k][1]).toBeGreaterThan(byPoints[k - 1][1]);
      }
      // the widest predictor ends under the last tick of the Points axis
      const maxX = Math.max(...nom.axes.flatMap((axis) => ofAxis(axis.name).map((e) => Number(e.attrs.x))));
      expect(Math.abs(maxX - (a + b * nom.pointsScale))).toBeLessThanOrEqual(TOL);
    });

    it('puts Total Points, LP and risk ticks on one total-points scale whose ends align with the Points axis', () => {
      const pts = ofAxis('points');
      const p = affine(pts.map((e) => Number(e.attrs['data-value'])), pts.map((e) => Number(e.attrs.x)));
      const tot = ofAxis('total-points');
      const t = affine(tot.map((e) => Number(e.attrs['data-value'])), tot.map((e) => Number(e.attrs.x)));
      const newMax = Math.max(...nom.totalPoints);
      expect(Math.abs(t.a - p.a)).toBeLessThanOrEqual(TOL); // 0 total points under 0 points
      expect(Math.abs(t.a + t.b * newMax - (p.a + p.b * nom.pointsScale))).toBeLessThanOrEqual(TOL); // rms rescales: max total under max points
      const check = (axis: string, expected: readonly number[]): void => {
        const els = ofAxis(axis);
        expect(els.map((e) => Number(e.attrs['data-value']))).toEqual([...expected]);
        els.forEach((e, i) => expect(Math.abs(Number(e.attrs.x) - (t.a + t.b * expected[i]))).toBeLessThanOrEqual(TOL));
      };
      check('total-points', nom.totalPoints);
      check('linear-predictor', nom.lp.points);
      check('risk', nom.fun.points);
      // risk increases to the right
      const xs = ofAxis('risk').map((e) => Number(e.attrs.x));
      xs.slice(1).forEach((x, k) => expect(x).toBeGreaterThan(xs[k]));
    });
  });

  it('labels the risk axis as asked, escapes every text, and takes the width', () => {
    const nom = noms[0][1];
    const svg = nomogramSvg(nom, { riskLabel: "Risk of distant metastasis (<1 y) & 'more'", pointsLabel: 'Punkte', width: 640 });
    const root = parseXml(svg);
    const titles = all(root, (e) => e.attrs.class === 'axis-title').map((e) => e.text);
    expect(titles[0]).toBe('Punkte');
    expect(titles[titles.length - 1]).toBe("Risk of distant metastasis (<1 y) & 'more'");
    expect(titles).not.toContain('Linear Predictor');
    expect(root.attrs.width).toBe('640');
    const xs = all(root, (e) => e.name === 'text' || e.name === 'line').flatMap((e) => [e.attrs.x, e.attrs.x1, e.attrs.x2].filter(Boolean).map(Number));
    expect(Math.max(...xs)).toBeLessThanOrEqual(640);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
  });

  it('escapes axis names and labels that contain XML characters', () => {
    const nom = buildNomogram(
      { intercept: -1, terms: [{ name: 'a<b>&"c"', label: "Tumour size <cm> & 'x'", coefficient: 0.4, at: [0, 5, 10] }] },
      { lpAt: [-1, 0, 1, 2, 3] },
    );
    const root = parseXml(nomogramSvg(nom));
    expect(all(root, (e) => e.attrs.class === 'axis-title').map((e) => e.text)).toContain("Tumour size <cm> & 'x'");
    expect(all(root, (e) => e.attrs['data-axis'] === 'a<b>&"c"' && e.attrs.class === 'tick-label').map((e) => e.text)).toEqual(['0', '5', '10']);
  });

  it('merges a flat run of ticks into one label as rms does, and rejects a bad width', () => {
    const nom = buildNomogram(
      { intercept: 0, terms: [{ name: 'x', coefficient: 1, at: [0, 10] }, { name: 'z', coefficient: 0, at: [1, 2, 3] }] },
      { lpAt: [0, 5, 10] },
    );
    const root = parseXml(nomogramSvg(nom));
    expect(all(root, (e) => e.attrs['data-axis'] === 'z' && e.attrs.class === 'tick-label').map((e) => e.text)).toEqual(['1+']);
    try {
      nomogramSvg(nom, { width: 10 });
      throw new Error('no error');
    } catch (e) {
      expect((e as TaceError).code).toBe('MODEL_INVALID_ARGUMENT');
    }
  });
});

// ---- a spline axis that rises and falls (reference/nomogram_rcs.R) -------------------------------

interface RefRcs {
  id: string;
  terms: Array<{ name: string; transform: TermTransform; knots?: number; at?: number[] }>;
  result: RefNomogram['result'] & {
    splines: Array<{ name: string; knots: number[] }>;
    /** Every axisf() call of plot.nomogram: side, tick positions (points), labels (empty: unlabelled ticks). */
    plotAxes: Array<{ side: 1 | 3; at: number[]; labels: string[] }>;
  };
}

describe('nomogramSvg of an rcs nomogram labels ticks where plot.nomogram does', () => {
  const ref = JSON.parse(readFileSync(new URL('../reference/nomogram_rcs.json', import.meta.url), 'utf8')) as { nomograms: RefRcs[] };
  const lines = readFileSync(new URL('../reference/nomogram_rcs_data.csv', import.meta.url), 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',').map((h) => h.replace(/^"(.*)"$/, '$1'));
  const data: Record<string, number[]> = Object.fromEntries(header.map((h) => [h, [] as number[]]));
  for (const l of lines.slice(1)) l.split(',').forEach((v, i) => data[header[i]].push(Number(v)));

  describe.each(ref.nomograms.map((c) => [c.id, c] as const))('nomogram %s', (_id, c) => {
    const co = c.result.coefficients;
    const s = c.result.settings;
    const terms = c.terms.map((t): NomogramTerm => {
      const base = { name: t.name, transform: t.transform, data: data[t.name], at: t.at };
      if (!t.knots) return { ...base, coefficient: co[t.name] };
      const knots = c.result.splines.find((x) => x.name === t.name)?.knots as number[];
      const coefficients = knots.slice(1).map((_, j) => co[t.name + "'".repeat(j)]);
      return { ...base, coefficient: coefficients[0], spline: { knots, coefficients } };
    });
    const nom = buildNomogram({ intercept: co.Intercept, terms }, { funAt: s.funAt, funLabel: s.funLabel, pointsScale: s.maxscale, nint: s.nint });
    const root = parseXml(nomogramSvg(nom));
    const pts = all(root, (e) => e.attrs.class === 'tick-label' && e.attrs['data-axis'] === 'points');
    const { a, b } = affine(pts.map((e) => Number(e.attrs['data-value'])), pts.map((e) => Number(e.attrs.x)));
    // R's labelled axisf() calls of the predictor axes, in drawing order (the LP axis is the last
    // labelled call), split among the axes by their numbers of labels
    const calls = c.result.plotAxes.filter((x) => x.labels.length > 0).slice(0, -1);
    const groupOf = (name: string) => all(root, (e) => e.attrs.class === 'axis' && e.attrs['data-axis'] === name)[0];
    const rmsLabels = new Map<string, Array<{ label: string; points: number; side: number }>>();
    for (const ax of nom.axes) {
      const n = all(groupOf(ax.name), (e) => e.attrs.class === 'tick-label').length;
      const mine: Array<{ label: string; points: number; side: number }> = [];
      while (mine.length < n && calls.length > 0) {
        const call = calls.shift() as RefRcs['result']['plotAxes'][number];
        call.labels.forEach((label, i) => mine.push({ label, points: call.at[i], side: call.side }));
      }
      rmsLabels.set(ax.name, mine);
    }

    it.each(nom.axes.map((ax) => [ax.name, ax] as const))('axis %s: every label at its points, on the side rms draws it', (_n, ax) => {
      const group = groupOf(ax.name);
      const axisY = Number(all(group, (e) => e.name === 'line' && e.attrs.class === undefined)[0].attrs.y1);
      const got = all(group, (e) => e.attrs.class === 'tick-label').map((e) => ({
        label: e.text,
        points: (Number(e.attrs.x) - a) / b,
        side: Number(e.attrs.y) > axisY ? 1 : 3,
      }));
      const mine = rmsLabels.get(ax.name) ?? [];
      const key = (x: { label: string }) => x.label;
      const sorted = (xs: typeof mine) => [...xs].sort((p, q) => key(p).localeCompare(key(q)));
      const g = sorted(got);
      const r = sorted(mine);
      expect(g.map(key)).toEqual(r.map(key));
      g.forEach((x, i) => {
        expect(Math.abs(x.points - r[i].points) * b).toBeLessThanOrEqual(0.05); // px: coordinates have 2 decimals
        // rms labels a monotone continuous axis below (R's axis() drops crowded labels; here they alternate)
        if (ax.discrete || ax.spline) expect(x.side).toBe(r[i].side);
      });
      if (ax.spline) expect(new Set(got.map((x) => x.side)).size).toBe(2); // the rising and the falling run
      // the axis line spans the lowest to the highest points
      const line = all(group, (e) => e.name === 'line' && e.attrs.class === undefined)[0];
      expect(Math.abs(Number(line.attrs.x1) - (a + b * Math.min(...ax.points)))).toBeLessThanOrEqual(0.02);
      expect(Math.abs(Number(line.attrs.x2) - (a + b * Math.max(...ax.points)))).toBeLessThanOrEqual(0.02);
    });
  });
});
