import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TaceError } from '@tace/common';
import { sigmoid } from './logistic.ts';
import {
  buildNomogram, datadistLimits, formatNumbers, formatPoints, formatValue, nomogramPoints, printNomogram, roundR,
  scoreNomogram, totalPointsToProbability, type DatadistLimits, type LogisticNomogramModel, type NomogramTerm,
  type TermTransform,
} from './nomogram.ts';
import { pretty, prettyTyped } from './pretty.ts';
import { rcsBasis, rcsKnots } from './rcs.ts';

const readJson = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../reference/${name}`, import.meta.url), 'utf8')) as T;

function readColumns(name: string): Record<string, number[]> {
  const lines = readFileSync(new URL(`../reference/${name}`, import.meta.url), 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',').map((h) => h.replace(/^"(.*)"$/, '$1'));
  const cols: Record<string, number[]> = Object.fromEntries(header.map((h) => [h, [] as number[]]));
  for (const line of lines.slice(1)) line.split(',').forEach((v, i) => cols[header[i]].push(Number(v)));
  return cols;
}

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TaceError);
    expect((e as TaceError).code).toBe(code);
    return;
  }
  throw new Error(`expected a TaceError ${code}`);
}

/** |a − b| ≤ tol·|b| elementwise (absolute tol when b = 0; R gives exact zeros where we do). */
function expectClose(actual: readonly number[], expected: readonly number[], tol = 1e-9): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const b = expected[i];
    const err = Math.abs(a - b);
    if (!(err <= tol * Math.max(Math.abs(b), b === 0 ? 1 : 0))) {
      throw new Error(`element ${i}: ${a} vs R ${b} (error ${err})`);
    }
  });
}

/** The Total Points, linear-predictor and risk axes equal rms::nomogram's (as read from its JSON). */
function expectAxesAsR(
  nom: { totalPoints: readonly number[]; lp: { at: readonly number[]; points: readonly number[] }; fun: { at: readonly number[]; labels: readonly string[]; points: readonly number[] } },
  r: { totalPoints: readonly number[]; lp: { x: readonly number[]; xReal: readonly number[] }; fun: ReadonlyArray<{ xReal: readonly number[]; fat: readonly string[]; x: readonly number[] }> },
): void {
  expect(nom.totalPoints).toEqual(r.totalPoints);
  expect(nom.lp.at).toEqual(r.lp.xReal);
  expectClose(nom.lp.points, r.lp.x);
  expect(nom.fun.at).toEqual(r.fun[0]!.xReal);
  expect(nom.fun.labels).toEqual(r.fun[0]!.fat);
  expectClose(nom.fun.points, r.fun[0]!.x);
}

// ---- R's pretty() ----------------------------------------------------------------------------

interface PrettyCase { lo: number; hi: number; n: number; minN: number; pretty: number[]; isInteger: boolean }

describe('pretty() equals R 4.2.2 pretty()', () => {
  const ref = readJson<{ cases: PrettyCase[] }>('pretty.json');

  it(`reproduces all ${ref.cases.length} reference ranges exactly (===), with R's integer/double type`, () => {
    expect(ref.cases.length).toBeGreaterThan(700);
    const bad: string[] = [];
    for (const c of ref.cases) {
      const got = prettyTyped([c.lo, c.hi], c.n, { minN: c.minN });
      const same = got.values.length === c.pretty.length && got.values.every((v, i) => v === c.pretty[i]);
      if (!same || got.integer !== c.isInteger) bad.push(`pretty(c(${c.lo}, ${c.hi}), ${c.n}) = ${got.values.join(' ')} (R: ${c.pretty.join(' ')})`);
    }
    expect(bad).toEqual([]);
  });

  it('uses n = 5 by default and the min and max of the values', () => {
    expect(pretty([3.2, 0.1, 7.9])).toEqual([0, 2, 4, 6, 8]);
    expect(pretty([0, 100], 10)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  });

  it('rejects bad input with stable codes', () => {
    expectCode(() => pretty([]), 'MODEL_EMPTY_INPUT');
    expectCode(() => pretty([0, Number.NaN]), 'MODEL_NON_FINITE_INPUT');
    expectCode(() => pretty([0, Infinity]), 'MODEL_NON_FINITE_INPUT');
    expectCode(() => pretty([0, 1], -1), 'MODEL_INVALID_ARGUMENT');
    expectCode(() => pretty([0, 1], 2.5), 'MODEL_INVALID_ARGUMENT');
    expectCode(() => pretty([0, 1], 2, { minN: 3 }), 'MODEL_INVALID_ARGUMENT'); // R: invalid 'min.n' argument
  });
});

// ---- R's format() and round() ----------------------------------------------------------------------

interface FormatRef {
  single: { x: number[]; format: string[] };
  vectors: Array<{ x: number[]; format: string[]; trim: string[] }>;
  integerVectors: Array<{ x: number[]; isInteger: boolean; format: string[] }>;
  round: Array<{ digits: number; x: number[]; round: number[]; format: string[] }>;
}

describe("formatValue / formatNumbers / roundR / formatPoints equal R's format() and round()", () => {
  const ref = readJson<FormatRef>('nomogram-format.json');

  it(`formats ${ref.single.x.length} single values as format(x)`, () => {
    const got = ref.single.x.map((x) => formatValue(x));
    const bad = got.map((g, i) => (g === ref.single.format[i] ? '' : `${ref.single.x[i]}: ${g} vs R ${ref.single.format[i]}`)).filter(Boolean);
    expect(bad).toEqual([]);
    expect(formatValue(0.5)).toBe('0.5');
    expect(formatValue(0.1 + 0.2)).toBe('0.3'); // not 0.30000000000000004
    expect(formatValue(1e5)).toBe('1e+05');
  });

  it('formats vectors with one common format, padded or trimmed', () => {
    for (const v of ref.vectors) {
      expect(formatNumbers(v.x)).toEqual(v.format);
      expect(formatNumbers(v.x, { trim: true })).toEqual(v.trim);
    }
  });

  it('formats R integer vectors plainly (pretty() ticks without a 0 are integers in R)', () => {
    for (const v of ref.integerVectors) {
      expect(formatNumbers(v.x, { integer: v.isInteger })).toEqual(v.format);
      expect(prettyTyped([Math.min(...v.x), Math.max(...v.x)]).integer).toBe(v.isInteger);
    }
    expectCode(() => formatNumbers([1.5], { integer: true }), 'MODEL_INVALID_ARGUMENT');
  });

  it('rounds as round(x, d) (R >= 4, half to even at d = 0) and formats points as format(round(x, d))', () => {
    for (const r of ref.round) {
      const got = r.x.map((x) => roundR(x, r.digits));
      got.forEach((g, i) => expect(g === r.round[i], `round(${r.x[i]}, ${r.digits}) = ${g}, R ${r.round[i]}`).toBe(true));
      expect(formatPoints(r.x, r.digits)).toEqual(r.format);
    }
    expect(formatPoints([12.000000000001, 0.4999999, 2.5, 99.5])).toEqual([' 12', '  0', '  2', '100']);
    expect(formatPoints([12.000000000001, 3], 0, { trim: true })).toEqual(['12', '3']);
  });

  it('rejects non-finite values', () => {
    expectCode(() => formatNumbers([1, Number.NaN]), 'MODEL_NON_FINITE_INPUT');
    expectCode(() => formatPoints([Infinity]), 'MODEL_NON_FINITE_INPUT');
  });
});

// ---- rms::datadist -----------------------------------------------------------------------------------

interface DatadistCase { name: string; x: number[]; limits: DatadistLimits }

describe('datadistLimits equals rms::datadist (rms 6.5)', () => {
  const ref = readJson<{ datadist: DatadistCase[] }>('nomogram.json');

  it.each(ref.datadist.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const got = datadistLimits(c.x);
    // quantile type 7 and median are a handful of exact operations: equal to the last bit
    expect(got).toEqual(c.limits);
  });

  it('puts the prediction limits at the 10/max(n, 200) quantiles, not at the data range', () => {
    const x = Array.from({ length: 100 }, (_, i) => i + 1); // n < 200: q = 0.05
    const l = datadistLimits(x);
    expect([l.lowPrediction, l.highPrediction]).toEqual([5.95, 95.05]);
    expect([l.low, l.high]).toEqual([1, 100]);
    expect(l.values).toBeUndefined();
  });

  it('rejects non-finite values and fewer than 2 values', () => {
    expectCode(() => datadistLimits([1, 2, Number.NaN]), 'MODEL_NON_FINITE_INPUT');
    expectCode(() => datadistLimits([1]), 'MODEL_TOO_FEW_ROWS');
  });
});

// ---- rms::nomogram -----------------------------------------------------------------------------------

interface RefAxis { name: string; values: number[]; isInteger: boolean; labels: string[]; xbeta: number[]; points: number[] }
interface RefNomogram {
  id: string;
  terms: Array<{ name: string; transform: TermTransform; at?: number[] }>;
  result: {
    settings: { funAt?: number[]; funLabel: string; maxscale: number; nint: number };
    coefficients: Record<string, number>;
    lpRange: [number, number];
    axes: RefAxis[];
    totalPoints: number[];
    lp: { x: number[]; xReal: number[] };
    fun: Array<{ label: string; x: number[]; xReal: number[]; fat: string[] }>;
    R: { low: number[]; high: number[]; names: string[] };
    sc: number;
    intercept: number;
    lpAt: number[];
    print: string[];
  };
}

describe('buildNomogram equals rms::nomogram on lrm fits (rms 6.5)', () => {
  const ref = readJson<{ nomograms: RefNomogram[] }>('nomogram.json');
  const data = readColumns('nomogram_data.csv');

  const build = (c: RefNomogram) => {
    const co = c.result.coefficients;
    const model: LogisticNomogramModel = {
      intercept: co.Intercept,
      terms: c.terms.map((t): NomogramTerm => ({ name: t.name, coefficient: co[t.name], transform: t.transform, data: data[t.name], at: t.at })),
    };
    const s = c.result.settings;
    return buildNomogram(model, { funAt: s.funAt, funLabel: s.funLabel, pointsScale: s.maxscale, nint: s.nint });
  };

  // A: age, size, nodules (discrete), albumin (β < 0); B: + log(afp) with given ticks, default fun.at;
  // C: log10(afp), maxscale 10, nint 5, fun.at values outside the LP range (dropped).
  describe.each(ref.nomograms.map((c) => [c.id, c] as const))('nomogram %s', (_id, c) => {
    const nom = build(c);
    const r = c.result;

    it('has the axes rms draws: tick values, labels, X·β and points (1e-9 relative)', () => {
      expect(nom.axes.map((a) => a.name)).toEqual(r.axes.map((a) => a.name));
      nom.axes.forEach((a, k) => {
        expect(a.values).toEqual(r.axes[k].values);
        expect(a.labels).toEqual(r.axes[k].labels);
        // R's type of the tick values (integer vs double) is known for pretty() axes; data values are read as doubles
        if (!a.discrete && !c.terms[k].at) expect(a.integerValues).toBe(r.axes[k].isInteger);
        expectClose(a.xBeta, r.axes[k].xbeta);
        expectClose(a.points, r.axes[k].points);
      });
      expect(Math.max(...nom.axes.flatMap((a) => a.points))).toBeCloseTo(r.settings.maxscale, 12);
    });

    it('has the scale: points per LP unit, LP at 0 points, per-axis X·β ranges', () => {
      expectClose([nom.pointsPerLp, nom.lpAtZeroPoints], [r.sc, r.intercept]);
      expectClose(nom.ranges.map((x) => x.low), r.R.low);
      expectClose(nom.ranges.map((x) => x.high), r.R.high);
    });

    it('has the Total Points ticks, the LP axis and the risk axis', () => {
      expectAxesAsR(nom, r);
      expect(nom.fun.label).toBe(r.fun[0].label);
    });

    it("prints exactly print(nom)'s text", () => {
      expect(printNomogram(nom).split('\n')).toEqual(r.print);
    });

    it('gives the same nomogram from datadist limits and the LP range instead of raw data', () => {
      const co = r.coefficients;
      const limits = Object.fromEntries(c.terms.map((t) => [t.name, datadistLimits(data[t.name])]));
      const nom2 = buildNomogram(
        { intercept: co.Intercept, terms: c.terms.map((t) => ({ name: t.name, coefficient: co[t.name], transform: t.transform, at: t.at })) },
        { funAt: r.settings.funAt, funLabel: r.settings.funLabel, pointsScale: r.settings.maxscale, nint: r.settings.nint, limits, linearPredictorRange: r.lpRange },
      );
      expect(nom2.lp.at).toEqual(r.lpAt);
      expectClose(nom2.axes.flatMap((a) => a.points), r.axes.flatMap((a) => a.points));
      expectClose(nom2.fun.points, r.fun[0].x);
    });
  });

  it('places the risk axis by the inverse of plogis (rms approximates it on a 1000-point grid)', () => {
    const nom = build(ref.nomograms[0]);
    nom.fun.at.forEach((p, i) => {
      const exact = (Math.log(p / (1 - p)) - nom.lpAtZeroPoints) * nom.pointsPerLp;
      expect(Math.abs(nom.fun.points[i] - exact)).toBeLessThan(1e-3);
    });
  });

  it('stops like rms on an infinite axis value (log of a 0 tick) and on other bad input', () => {
    const d = data;
    const terms: NomogramTerm[] = [
      { name: 'age', coefficient: 0.02, data: d.age },
      { name: 'afp', coefficient: 0.3, transform: 'log', data: d.afp }, // pretty(range(afp)) starts at 0
    ];
    expectCode(() => buildNomogram({ intercept: -1, terms }), 'MODEL_NOMOGRAM_INFINITE_AXIS');
    expectCode(() => buildNomogram({ intercept: Number.NaN, terms: [terms[0]] }), 'MODEL_NON_FINITE_INPUT');
    expectCode(() => buildNomogram({ intercept: 0, terms: [{ name: 'age', coefficient: 0, data: d.age }] }), 'MODEL_NOMOGRAM_NO_EFFECT');
    expectCode(() => buildNomogram({ intercept: 0, terms: [{ name: 'x', coefficient: 1 }] }), 'MODEL_NOMOGRAM_NO_LIMITS');
    expectCode(() => buildNomogram({ intercept: 0, terms: [{ name: 'x', coefficient: 1, at: [0, 1] }] }), 'MODEL_NOMOGRAM_NO_LP_RANGE');
    expectCode(() => buildNomogram({ intercept: 0, terms: [terms[0], terms[0]] }), 'MODEL_INVALID_ARGUMENT');
    expectCode(() => buildNomogram({ intercept: 0, terms: [] }), 'MODEL_INVALID_ARGUMENT');
    expectCode(() => buildNomogram({ intercept: 0, terms: [terms[0]] }, { pointsScale: 0 }), 'MODEL_INVALID_ARGUMENT');
    expectCode(() => buildNomogram({ intercept: 0, terms: [{ ...terms[0], data: [1, 2, Infinity] }] }), 'MODEL_NON_FINITE_INPUT');
    const nom = buildNomogram({ intercept: -1, terms: [terms[0]] });
    expectCode(() => scoreNomogram(nom, {}), 'MODEL_NON_FINITE_INPUT');
  });
});

// ---- property: points map back to the model's prediction -------------------------------------------

describe('a nomogram read off for a subject gives back the model (property)', () => {
  const transforms: TermTransform[] = ['identity', 'log', 'log10'];

  it('total points → linear predictor → probability equals the logistic model for random models and subjects', () => {
    const termArb = fc.record({
      coefficient: fc.double({ min: -3, max: 3, noNaN: true }).filter((b) => Math.abs(b) > 1e-3),
      transform: fc.constantFrom(...transforms),
      lo: fc.double({ min: 0.1, max: 50, noNaN: true }),
      span: fc.double({ min: 0.5, max: 200, noNaN: true }),
      u: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 12, maxLength: 12 }),
      subject: fc.double({ min: 0, max: 1.2, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(termArb, { minLength: 1, maxLength: 4 }), fc.double({ min: -4, max: 4, noNaN: true }), (ts, intercept) => {
        const terms: NomogramTerm[] = ts.map((t, k) => ({
          name: `x${k}`,
          coefficient: t.coefficient,
          transform: t.transform,
          data: [t.lo, t.lo + t.span, ...t.u.map((u) => t.lo + u * t.span)],
          // positive ticks for log terms (rms would stop on a 0 tick)
          at: t.transform === 'identity' ? undefined : [t.lo, t.lo + t.span / 2, t.lo + t.span],
        }));
        const nom = buildNomogram({ intercept, terms });
        const subject = Object.fromEntries(ts.map((t, k) => [`x${k}`, t.lo + t.subject * t.span]));
        const s = scoreNomogram(nom, subject);
        let eta = intercept;
        let scale = Math.abs(intercept);
        for (const t of terms) {
          const x = subject[t.name];
          const g = t.transform === 'log' ? Math.log(x) : t.transform === 'log10' ? Math.log10(x) : x;
          eta += t.coefficient * g;
          scale += Math.abs(t.coefficient * g) + Math.abs(t.coefficient) * 200;
        }
        expect(Math.abs(s.linearPredictor - eta)).toBeLessThanOrEqual(1e-12 * scale);
        expect(Math.abs(s.probability - sigmoid(eta))).toBeLessThanOrEqual(1e-12 * scale);
        // the sum of the axes' points, and the LP axis: LP = LP0 + total/sc at every LP tick
        expect(s.totalPoints).toBeCloseTo(Object.values(s.points).reduce((a, b) => a + b, 0), 9);
        nom.lp.at.forEach((lp, i) => expect(Math.abs(nom.lpAtZeroPoints + nom.lp.points[i] / nom.pointsPerLp - lp)).toBeLessThanOrEqual(1e-12 * (scale + Math.abs(lp))));
        // a subject at a tick gets that tick's points
        nom.axes.forEach((a) => {
          a.values.forEach((v, i) => {
            const at = scoreNomogram(nom, { ...subject, [a.name]: v }).points[a.name];
            expect(Math.abs(at - a.points[i])).toBeLessThanOrEqual(1e-9 * nom.pointsScale);
          });
        });
        // the widest axis spans exactly pointsScale; no axis has negative points
        expect(Math.max(...nom.axes.map((a) => Math.max(...a.points)))).toBeCloseTo(nom.pointsScale, 9);
        expect(Math.min(...nom.axes.flatMap((a) => a.points))).toBe(0);
      }),
      { numRuns: 150, seed: 20240612 },
    );
  });
});

// ---- the earlier API, kept for packages/models -----------------------------------------------

describe('nomogramPoints / totalPointsToProbability (min–max scale, used by packages/models)', () => {
  it('maps a subject to points and back to the logistic prediction', () => {
    const model = {
      intercept: -2,
      factors: [
        { name: 'a', coefficient: 0.5, min: 0, max: 10 }, // widest: 5 LP units = 100 points
        { name: 'b', coefficient: -1, min: 1, max: 3 }, // 2 LP units = 40 points, 0 at b = 3
      ],
    };
    const r = nomogramPoints(model, { a: 4, b: 2 });
    expect(r.factors.map((f) => f.points)).toEqual([40, 20]);
    expect(r.totalPoints).toBe(60);
    expect(r.linearPredictor).toBeCloseTo(-2 + 0.5 * 4 - 1 * 2, 12);
    expect(r.probability).toBeCloseTo(sigmoid(-2), 12);
    expect(totalPointsToProbability(model, 60)).toBeCloseTo(sigmoid(-2), 12);
  });
});

// ---- rms::nomogram with restricted cubic spline terms --------------------------------------------

interface RefRcsNomogram {
  id: string;
  terms: Array<{ name: string; transform: TermTransform; knots?: number; at?: number[] }>;
  result: RefNomogram['result'] & {
    splines: Array<{ name: string; knots: number[] }>;
    plotAxes: Array<{ side: 1 | 3; at: number[]; labels: string[] }>;
  };
}

describe('buildNomogram equals rms::nomogram on lrm fits with rcs() terms (rms 6.5)', () => {
  const ref = readJson<{ nomograms: RefRcsNomogram[] }>('nomogram_rcs.json');
  const data = readColumns('nomogram_rcs_data.csv');
  const g = (t: TermTransform, x: number) => (t === 'log10' ? Math.log10(x) : t === 'log' ? Math.log(x) : x);

  const termsOf = (c: RefRcsNomogram, withData: boolean): NomogramTerm[] => {
    const co = c.result.coefficients;
    return c.terms.map((t): NomogramTerm => {
      const base = { name: t.name, transform: t.transform, at: t.at, ...(withData ? { data: data[t.name] } : {}) };
      if (!t.knots) return { ...base, coefficient: co[t.name] };
      const knots = c.result.splines.find((s) => s.name === t.name)?.knots as number[];
      const coefficients = Array.from({ length: knots.length - 1 }, (_, j) => co[t.name + "'".repeat(j)]);
      return { ...base, coefficient: coefficients[0], spline: { knots, coefficients } };
    });
  };
  const build = (c: RefRcsNomogram) => {
    const s = c.result.settings;
    return buildNomogram({ intercept: c.result.coefficients.Intercept, terms: termsOf(c, true) }, { funAt: s.funAt, funLabel: s.funLabel, pointsScale: s.maxscale, nint: s.nint });
  };

  // A: rcs(size, 4) + age + albumin (β < 0), fun.at given; B: rcs(log10(afp), 3) with given ticks
  // in ng/mL + age + nodules (discrete), maxscale 10, nint 5, default fun.at. Both splines rise and
  // then fall over their axes.
  describe.each(ref.nomograms.map((c) => [c.id, c] as const))('nomogram %s', (_id, c) => {
    const nom = build(c);
    const r = c.result;

    it("uses the fit's knots, which are rcsKnots of the data on the model scale (Harrell's quantiles, as rms::rcs)", () => {
      for (const t of c.terms.filter((x) => x.knots)) {
        const knots = r.splines.find((s) => s.name === t.name)?.knots;
        expect(rcsKnots(data[t.name].map((x) => g(t.transform, x)), t.knots as number)).toEqual(knots);
      }
    });

    it('has the axes rms draws: tick values, labels, X·β through the spline, points (1e-9 relative)', () => {
      expect(nom.axes.map((a) => a.name)).toEqual(r.axes.map((a) => a.name));
      nom.axes.forEach((a, k) => {
        expect(a.values).toEqual(r.axes[k].values);
        expect(a.labels).toEqual(r.axes[k].labels);
        if (!a.discrete && !c.terms[k].at) expect(a.integerValues).toBe(r.axes[k].isInteger);
        expectClose(a.xBeta, r.axes[k].xbeta);
        expectClose(a.points, r.axes[k].points);
      });
      // the spline axis is not monotonic: its highest points sit at an interior tick
      const spline = nom.axes[0];
      expect(spline.spline?.knots.length).toBe(c.terms[0].knots);
      const top = spline.points.indexOf(Math.max(...spline.points));
      expect(top).toBeGreaterThan(0);
      expect(top).toBeLessThan(spline.points.length - 1);
      expect(Math.max(...nom.axes.flatMap((a) => a.points))).toBeCloseTo(r.settings.maxscale, 12);
    });

    it('has the scale, Total Points, LP axis and risk axis of rms', () => {
      expectClose([nom.pointsPerLp, nom.lpAtZeroPoints], [r.sc, r.intercept]);
      expectClose(nom.ranges.map((x) => x.low), r.R.low);
      expectClose(nom.ranges.map((x) => x.high), r.R.high);
      expectAxesAsR(nom, r);
    });

    it("prints exactly print(nom)'s text", () => {
      expect(printNomogram(nom).split('\n')).toEqual(r.print);
    });

    it('gives the same nomogram from datadist limits and the LP range instead of raw data', () => {
      const limits = Object.fromEntries(c.terms.map((t) => [t.name, datadistLimits(data[t.name])]));
      const nom2 = buildNomogram(
        { intercept: r.coefficients.Intercept, terms: termsOf(c, false) },
        { funAt: r.settings.funAt, funLabel: r.settings.funLabel, pointsScale: r.settings.maxscale, nint: r.settings.nint, limits, linearPredictorRange: r.lpRange },
      );
      expect(nom2.lp.at).toEqual(r.lpAt);
      expectClose(nom2.axes.flatMap((a) => a.points), r.axes.flatMap((a) => a.points));
    });

    it("scores a subject at every tick with that tick's points, and any subject with the model's η", () => {
      const subject = Object.fromEntries(nom.axes.map((a) => [a.name, a.values[1]]));
      nom.axes.forEach((a) => {
        a.values.forEach((v, i) => {
          expect(Math.abs(scoreNomogram(nom, { ...subject, [a.name]: v }).points[a.name] - a.points[i])).toBeLessThanOrEqual(1e-9 * nom.pointsScale);
        });
      });
      const terms = termsOf(c, true);
      for (const row of [0, 1, 2, 150, 299]) {
        const s = scoreNomogram(nom, Object.fromEntries(terms.map((t) => [t.name, data[t.name][row]])));
        let eta = r.coefficients.Intercept;
        for (const t of terms) {
          const x = g(t.transform ?? 'identity', data[t.name][row]);
          eta += t.spline ? rcsBasis([x], t.spline.knots).reduce((acc, col, j) => acc + (t.spline as { coefficients: readonly number[] }).coefficients[j] * col[0], 0) : t.coefficient * x;
        }
        expect(Math.abs(s.linearPredictor - eta)).toBeLessThan(1e-12);
      }
    });
  });

  it('refuses a spline without 3 increasing knots, with the wrong number of coefficients, or a coefficient that is not its linear one', () => {
    const base = { name: 'size', data: data.size };
    const spline = { knots: [1, 3, 5, 10], coefficients: [0.5, -0.2, 0.1] };
    expectCode(() => buildNomogram({ intercept: 0, terms: [{ ...base, coefficient: 0.5, spline: { ...spline, knots: [1, 3] } }] }), 'MODEL_INVALID_ARGUMENT');
    expectCode(() => buildNomogram({ intercept: 0, terms: [{ ...base, coefficient: 0.5, spline: { ...spline, knots: [1, 5, 3, 10] } }] }), 'MODEL_INVALID_ARGUMENT');
    expectCode(() => buildNomogram({ intercept: 0, terms: [{ ...base, coefficient: 0.5, spline: { ...spline, coefficients: [0.5, -0.2] } }] }), 'MODEL_INVALID_ARGUMENT');
    expectCode(() => buildNomogram({ intercept: 0, terms: [{ ...base, coefficient: 0.4, spline }] }), 'MODEL_INVALID_ARGUMENT');
    expect(buildNomogram({ intercept: 0, terms: [{ ...base, coefficient: 0.5, spline }] }).axes[0].spline).toEqual(spline);
  });
});

describe('nomogramPoints with a spline factor (the worker’s scale)', () => {
  const spline = { knots: [1, 3, 5, 10], coefficients: [0.6, -0.9, 0.4] };
  const f = (x: number) => rcsBasis([x], spline.knots).reduce((s, c, j) => s + spline.coefficients[j] * c[0], 0);
  const ticks = [0, 2, 4, 6, 8, 10, 12];
  const effects = ticks.map(f);
  const model = {
    intercept: -1.5,
    pointsScale: 100,
    factors: [
      { name: 'a', coefficient: 0.3, min: 0, max: 4 },
      { name: 's', coefficient: 0.6, min: 0, max: 12, spline: { ...spline, effectRange: [Math.min(...effects), Math.max(...effects)] as [number, number] } },
    ],
  };

  it('gives points (f(x) − effectRange[0])/lpPerPoint, the model’s η = intercept + β·a + f(s), and equals buildNomogram at the ticks', () => {
    const widest = Math.max(1.2, Math.max(...effects) - Math.min(...effects));
    for (const s of [0, 1.5, 3, 7, 12, 14]) {
      const r = nomogramPoints(model, { a: 2, s });
      expect(r.factors[1].points).toBeCloseTo(((f(s) - Math.min(...effects)) * 100) / widest, 10);
      expect(r.linearPredictor).toBe(-1.5 + 0.3 * 2 + f(s));
      expect(r.probability).toBe(sigmoid(-1.5 + 0.3 * 2 + f(s)));
      expect(r.factors[1].outOfRange).toBe(s > 12);
      expect(totalPointsToProbability(model, r.totalPoints)).toBeCloseTo(r.probability, 12);
    }
    const nom = buildNomogram(
      { intercept: -1.5, terms: [{ name: 'a', coefficient: 0.3, at: [0, 4] }, { name: 's', coefficient: 0.6, spline, at: ticks }] },
      { lpAt: [-2, 0, 2] },
    );
    ticks.forEach((t, i) => expect(nomogramPoints(model, { a: 0, s: t }).factors[1].points).toBeCloseTo(nom.axes[1].points[i], 10));
  });

  it('refuses a spline factor with a bad effectRange or mismatched coefficients', () => {
    const bad = (spl: object) => ({ ...model, factors: [model.factors[0], { ...model.factors[1], spline: { ...model.factors[1].spline, ...spl } }] });
    expect(() => nomogramPoints(bad({ effectRange: [1, 0] }) as never, { a: 1, s: 1 })).toThrow(/effectRange/);
    expect(() => nomogramPoints(bad({ coefficients: [1, 2] }) as never, { a: 1, s: 1 })).toThrow(/coefficients/);
  });
});
