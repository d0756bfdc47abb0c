import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TaceError } from '@tace/common';
import { readCsv } from './csv.test-helper.ts';
import {
  correlationMatrix, icc, iccScreen, mrmr, pruneCorrelated, rankAverage, screen, tTest, univariatePriority, wilcoxonRankSum,
  type IccModel, type IccType, type IccUnit, type ScreenConfig,
} from './screening.ts';

// All expected values come from R 4.2.2 (reference/screening.R; irr 0.84.1 and mRMRe re-expressed
// in base R there, their mean squares cross-checked with aov). Every comparison is exact
// computation on both sides, so the tolerance is 1e-9 relative.
const refUrl = (f: string): string => fileURLToPath(new URL(`../reference/${f}`, import.meta.url));

type Num = number;
interface UniRef {
  W: Num[]; auc: Num[]; wilcox_p_default: Num[]; wilcox_exact_used: boolean[]; wilcox_p_noexact: Num[]; wilcox_p_nocorrect: Num[];
  welch_t: Num[]; welch_df: Num[]; welch_p: Num[]; student_t: Num[]; student_df: Num[]; student_p: Num[];
}
interface IccRef {
  feature: string; model: IccModel; type: IccType; unit: IccUnit; r0: number; value: Num; Fvalue: Num; df1: Num; df2: Num;
  p_value: Num; lbound: Num; ubound: Num; MSr: Num; MSw: Num; MSc: Num; MSe: Num; aov_MSr: Num; aov_MSc: Num; aov_MSe: Num; aov_MSw: Num;
}
interface PruneRef { method: 'pearson' | 'spearman'; threshold: number; kept: string[]; dropped: Array<{ name: string; partner: string; r: number }> }
interface MrmrRef { order: string[]; scores: Num[]; relevance: Num[]; mi: Array<Array<Num | null>> }
interface Ref {
  meta: { features: string[] };
  univariate_all: UniRef; univariate_first40: UniRef;
  wilcox_exact: Array<{ x: Num[]; y: Num[]; W: Num; p_value: Num; method: string }>;
  cor: { pearson: Num[][]; spearman: Num[][]; ranks_f23: Num[] };
  icc: IccRef[];
  icc_conf90: IccRef & { conf_level: number };
  priority: Num[];
  prune: PruneRef[];
  mrmr: { pearson: MrmrRef; spearman: MrmrRef };
  pipeline: {
    config: { icc: { threshold: number }; univariate: { p_threshold: number }; correlation: { threshold: number }; mrmr: { k: number } };
    kept: string[]; dropped: Array<{ name: string; step: string; reason: string; statistic: number }>; icc_values: Num[];
  };
}
const ref = JSON.parse(readFileSync(refUrl('screening.json'), 'utf8')) as Ref;
const names = ref.meta.features;
const dataRows = readCsv(refUrl('screening_data.csv'));
const y = dataRows.map((r) => Number(r.y));
const X = dataRows.map((r) => names.map((f) => Number(r[f])));
const column = (j: number, rows = X): number[] => rows.map((r) => r[j]);
const raterRows = readCsv(refUrl('screening_raters.csv'));
const raters = [1, 2, 3].map((k) => raterRows.filter((r) => Number(r.rater) === k).map((r) => names.map((f) => Number(r[f]))));

function close(actual: number, expected: number, rel = 1e-9, abs = 0): void {
  const tol = Math.max(rel * Math.abs(expected), abs);
  if (!(Math.abs(actual - expected) <= tol)) {
    expect.fail(`${actual} differs from ${expected} by ${Math.abs(actual - expected)} (tolerance ${tol})`);
  }
}

function expectTaceError(fn: () => unknown, code: string, detail?: Record<string, unknown>): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TaceError);
    expect((e as TaceError).code).toBe(code);
    if (detail) expect((e as TaceError).detail).toMatchObject(detail);
    return;
  }
  expect.fail(`expected TaceError ${code}`);
}

describe('icc = irr::icc (0.84.1, re-expressed in base R)', () => {
  it('25 features × {oneway, twoway consistency, twoway agreement} × {single, average} × r0 ∈ {0, 0.3}: value, F, df, p, CI at 1e-9', () => {
    expect(ref.icc.length).toBe(25 * 4 * 2 * 2);
    let smallest = 1;
    for (const r of ref.icc) {
      const j = names.indexOf(r.feature);
      const m = raters[0].map((_, i) => raters.map((rt) => rt[i][j]));
      const got = icc(m, { model: r.model, type: r.type, unit: r.unit, r0: r.r0 });
      close(got.value, r.value);
      close(got.fValue, r.Fvalue);
      expect(got.df1).toBe(r.df1);
      close(got.df2, r.df2);
      close(got.pValue, r.p_value);
      close(got.lbound, r.lbound);
      close(got.ubound, r.ubound);
      // Mean squares against base R's ANOVA table (an independent computation).
      close(got.meanSquares.rows, r.aov_MSr);
      close(got.meanSquares.columns, r.aov_MSc);
      close(got.meanSquares.error, r.aov_MSe);
      close(got.meanSquares.within, r.aov_MSw);
      smallest = Math.min(smallest, r.p_value);
    }
    expect(smallest).toBeLessThan(1e-60); // far-tail p-values are part of the comparison
  });

  it('Shrout & Fleiss (1979) Table 2 data: published mean squares and ICCs (2 decimals, a check independent of irr)', () => {
    const sf = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]];
    const two = (got: number, published: number): void => expect(Math.abs(got - published)).toBeLessThanOrEqual(0.005 + 1e-12);
    const ms = icc(sf, { model: 'twoway' }).meanSquares;
    two(ms.rows, 11.24); // BMS
    two(ms.within, 6.26); // WMS
    two(ms.columns, 32.49); // JMS
    two(ms.error, 1.02); // EMS
    two(icc(sf).value, 0.17); // ICC(1,1)
    two(icc(sf, { model: 'twoway', type: 'agreement' }).value, 0.29); // ICC(2,1)
    two(icc(sf, { model: 'twoway', type: 'consistency' }).value, 0.71); // ICC(3,1)
    two(icc(sf, { unit: 'average' }).value, 0.44); // ICC(1,4)
    two(icc(sf, { model: 'twoway', type: 'agreement', unit: 'average' }).value, 0.62); // ICC(2,4)
    two(icc(sf, { model: 'twoway', type: 'consistency', unit: 'average' }).value, 0.91); // ICC(3,4)
  });

  it('confLevel = 0.9', () => {
    const r = ref.icc_conf90;
    const j = names.indexOf(r.feature);
    const m = raters[0].map((_, i) => raters.map((rt) => rt[i][j]));
    const got = icc(m, { model: 'twoway', type: 'agreement', unit: 'single', confLevel: 0.9 });
    close(got.lbound, r.lbound);
    close(got.ubound, r.ubound);
    close(got.value, r.value);
  });

  it('bad input: non-finite, too few subjects/raters, ragged rows, constant ratings, bad options', () => {
    expectTaceError(() => icc([[1, 2], [3, NaN]]), 'MODEL_NON_FINITE_INPUT', { row: 1, rater: 1 });
    expectTaceError(() => icc([[1, 2]]), 'MODEL_TOO_FEW_ROWS');
    expectTaceError(() => icc([[1], [2]]), 'MODEL_TOO_FEW_ROWS');
    expectTaceError(() => icc([[1, 2], [3]]), 'MODEL_DIMENSION_MISMATCH');
    expectTaceError(() => icc([[1, 1], [1, 1]]), 'MODEL_CONSTANT_INPUT');
    expectTaceError(() => icc([[1, 1], [2, 2], [3, 3]]), 'MODEL_DEGENERATE_ICC'); // perfect agreement: irr's bounds are NaN
    expectTaceError(() => icc([[1, 2], [3, 5]], { r0: 1 }), 'MODEL_INVALID_OPTION');
  });
});

describe('iccScreen', () => {
  it('keeps ICC(A,1) ≥ 0.75 exactly as the R values say', () => {
    const res = iccScreen({ names, raters }, { threshold: 0.75 });
    const expected = names.filter((_, j) => ref.pipeline.icc_values[j] >= 0.75);
    expect(res.kept).toEqual(expected);
    expect(res.kept.length).toBeGreaterThan(5);
    expect(res.kept.length).toBeLessThan(25);
    res.table.forEach((row, j) => {
      close(row.icc!.value, ref.pipeline.icc_values[j]);
      expect(row.reason).toBe(row.kept ? undefined : 'icc-below-threshold');
    });
  });

  it("on: 'lower' compares the lower confidence bound", () => {
    const res = iccScreen({ names, raters }, { threshold: 0.75, on: 'lower' });
    const lb = ref.icc.filter((r) => r.model === 'twoway' && r.type === 'agreement' && r.unit === 'single' && r.r0 === 0);
    expect(res.kept).toEqual(lb.filter((r) => r.lbound >= 0.75).map((r) => r.feature));
  });

  it('constant → constant; identical ratings → kept with ICC 1; no subject variation → icc-undefined; NaN → error', () => {
    // 'flat': every subject has the same mean (MSr = 0), so irr's agreement df2 is 0/0.
    const rt = [0, 1, 2].map((k) => [[5, 1, 3 + k, 1 + 0.1 * k], [5, 2, 4, 2.2 - 0.1 * k], [5, 3, 5 - k, 3 + 0.15 * k]]);
    const nm = ['c', 'same', 'flat', 'ok'];
    const res = iccScreen({ names: nm, raters: rt });
    expect(res.table[0]).toMatchObject({ kept: false, reason: 'constant' });
    expect(res.table[1]).toMatchObject({ kept: true, identical: true, icc: { value: 1 } });
    expect(res.table[2]).toMatchObject({ kept: false, reason: 'icc-undefined' });
    expect(res.table[3]).toMatchObject({ kept: true });
    expect(res.kept).toEqual(['same', 'ok']);
    const bad = rt.map((m) => m.map((r) => [...r]));
    bad[2][1][2] = Infinity;
    expectTaceError(() => iccScreen({ names: nm, raters: bad }), 'MODEL_NON_FINITE_INPUT', { feature: 'flat', row: 1, rater: 2 });
  });
});

describe('univariate tests = wilcox.test / t.test', () => {
  for (const [label, rows, r] of [['all 120 rows', X, ref.univariate_all], ['first 40 rows', X.slice(0, 40), ref.univariate_first40]] as const) {
    it(`${label}: W, AUC, p (default, exact = FALSE, correct = FALSE), Welch and Student t`, () => {
      const yy = y.slice(0, rows.length);
      for (let j = 0; j < names.length; j++) {
        const col = column(j, rows);
        const x1 = col.filter((_, i) => yy[i] === 1);
        const x0 = col.filter((_, i) => yy[i] === 0);
        const def = wilcoxonRankSum(x1, x0);
        expect(def.statistic).toBe(r.W[j]);
        close(def.auc, r.auc[j]);
        expect(def.exact).toBe(r.wilcox_exact_used[j]);
        close(def.pValue, r.wilcox_p_default[j]);
        close(wilcoxonRankSum(x1, x0, { exact: false }).pValue, r.wilcox_p_noexact[j]);
        close(wilcoxonRankSum(x1, x0, { exact: false, correct: false }).pValue, r.wilcox_p_nocorrect[j]);
        const w = tTest(x1, x0);
        close(w.statistic, r.welch_t[j]);
        close(w.df, r.welch_df[j]);
        close(w.pValue, r.welch_p[j]);
        const s = tTest(x1, x0, { varEqual: true });
        close(s.statistic, r.student_t[j]);
        expect(s.df).toBe(r.student_df[j]);
        close(s.pValue, r.student_p[j]);
      }
    });
  }

  it('the first-40 set uses the exact distribution for the untied features and the normal approximation for the tied ones', () => {
    expect(ref.univariate_first40.wilcox_exact_used.filter(Boolean).length).toBe(22);
    expect(ref.univariate_all.wilcox_exact_used.some(Boolean)).toBe(false);
  });

  it('exact p on small samples, including a far tail', () => {
    for (const c of ref.wilcox_exact) {
      const res = wilcoxonRankSum(c.x, c.y);
      expect(c.method).toBe('Wilcoxon rank sum exact test');
      expect(res.exact).toBe(true);
      expect(res.statistic).toBe(c.W);
      close(res.pValue, c.p_value);
    }
  });

  it('properties: W(x, y) + W(y, x) = nx·ny and the two-sided p is symmetric', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        (a, b, exact) => {
          const all = [...a, ...b];
          fc.pre(all.some((v) => v !== all[0]));
          const ab = wilcoxonRankSum(a, b, { exact });
          const ba = wilcoxonRankSum(b, a, { exact });
          expect(ab.statistic + ba.statistic).toBe(a.length * b.length);
          expect(Math.abs(ab.pValue - ba.pValue)).toBeLessThan(1e-12);
          expect(ab.pValue).toBeGreaterThan(0);
          expect(ab.pValue).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('bad input', () => {
    expectTaceError(() => wilcoxonRankSum([1, NaN], [2]), 'MODEL_NON_FINITE_INPUT');
    expectTaceError(() => wilcoxonRankSum([], [2]), 'MODEL_TOO_FEW_ROWS');
    expectTaceError(() => wilcoxonRankSum([2, 2], [2, 2], { exact: false }), 'MODEL_CONSTANT_INPUT');
    expectTaceError(() => tTest([1], [2, 3]), 'MODEL_TOO_FEW_ROWS');
    expectTaceError(() => tTest([1, 1], [1, 1]), 'MODEL_CONSTANT_INPUT');
  });
});

describe('correlation = cor(method = "pearson" | "spearman")', () => {
  it('matrices at 1e-9 and average ranks as rank()', () => {
    const cols = names.map((_, j) => column(j));
    for (const method of ['pearson', 'spearman'] as const) {
      const got = correlationMatrix(cols, method);
      for (let i = 0; i < names.length; i++) for (let j = 0; j < names.length; j++) close(got[i][j], ref.cor[method][i][j], 1e-9, 1e-15);
    }
    expect(Array.from(rankAverage(column(names.indexOf('f23'))))).toEqual(ref.cor.ranks_f23);
  });

  it('a constant column has no correlation', () => {
    expectTaceError(() => correlationMatrix([[1, 2, 3], [4, 4, 4]]), 'MODEL_CONSTANT_INPUT');
  });
});

describe('pruneCorrelated (our greedy rule, reproduced independently in base R)', () => {
  it('priority = rank of (Wilcoxon p, −|AUC − ½|, column) as R order()', () => {
    expect(Array.from(univariatePriority(ref.univariate_all.wilcox_p_default, ref.univariate_all.auc))).toEqual(ref.priority);
  });

  for (const r of ref.prune) {
    it(`${r.method} |r| > ${r.threshold}: kept, dropped, partner, r`, () => {
      const res = pruneCorrelated(X, names, { threshold: r.threshold, method: r.method, priority: ref.priority });
      expect(res.kept).toEqual(r.kept);
      expect(res.dropped.map((d) => [d.name, d.partner])).toEqual(r.dropped.map((d) => [d.name, d.partner]));
      res.dropped.forEach((d, k) => close(d.r, r.dropped[k].r));
    });
  }

  it('property: no kept pair exceeds the threshold, and every dropped feature exceeded it with its partner', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0.3, max: 0.95, noNaN: true }), (seed, thr) => {
        let s = seed;
        const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
        const p = 6;
        const base = Array.from({ length: 30 }, () => rnd());
        const rows = base.map((b) => Array.from({ length: p }, (_, j) => (j % 2 === 0 ? b : 0) + rnd() * (j + 1) * 0.3));
        const nm = Array.from({ length: p }, (_, j) => `v${j}`);
        const prio = Array.from({ length: p }, () => rnd());
        const res = pruneCorrelated(rows, nm, { threshold: thr, priority: prio });
        const r = correlationMatrix(nm.map((_, j) => rows.map((row) => row[j])));
        const keptIdx = res.kept.map((k) => nm.indexOf(k));
        for (const a of keptIdx) for (const b of keptIdx) if (a !== b) expect(Math.abs(r[a][b])).toBeLessThanOrEqual(thr);
        for (const d of res.dropped) {
          const a = nm.indexOf(d.name);
          const b = nm.indexOf(d.partner);
          expect(Math.abs(r[a][b])).toBeGreaterThan(thr);
          expect(prio[b] <= prio[a]).toBe(true);
        }
        expect(res.kept.length + res.dropped.length).toBe(p);
      }),
      { numRuns: 100 },
    );
  });
});

describe('mrmr = mRMRe classic (re-expressed in base R)', () => {
  for (const method of ['pearson', 'spearman'] as const) {
    it(`${method}: full ordering, MID scores, relevance`, () => {
      const r = ref.mrmr[method];
      const res = mrmr(X, names, y, { method });
      expect(res.selected.map((s) => s.name)).toEqual(r.order);
      expect(res.unranked).toEqual([]);
      res.selected.forEach((s, k) => {
        close(s.relevance, r.relevance[s.index]);
        // A score is a difference relevance − mean redundancy: compare on the scale of its terms.
        close(s.score, r.scores[k], 0, 1e-9 * (Math.abs(s.relevance) + Math.abs(s.relevance - s.score)));
      });
    });
  }

  it('k limits the selection to the first k of the ordering', () => {
    const res = mrmr(X, names, y, { k: 4 });
    expect(res.selected.map((s) => s.name)).toEqual(ref.mrmr.pearson.order.slice(0, 4));
  });
});

describe('screen pipeline = the same chain in base R', () => {
  const replicates = { names, raters };
  const c = ref.pipeline.config;
  const config: ScreenConfig = {
    icc: { replicates, threshold: c.icc.threshold, model: 'twoway', type: 'agreement', unit: 'single' },
    univariate: { test: 'wilcoxon', pThreshold: c.univariate.p_threshold },
    correlation: { method: 'spearman', threshold: c.correlation.threshold },
    mrmr: { method: 'pearson', k: c.mrmr.k },
  };

  it('kept features (mRMR order) and every dropped feature with its step, reason and statistic', () => {
    const res = screen(X, names, y, config);
    expect(res.kept).toEqual(ref.pipeline.kept);
    const dropped = res.table.filter((r) => !r.kept);
    expect(dropped.length + res.kept.length).toBe(names.length);
    const byName = new Map(dropped.map((r) => [r.name, r]));
    expect([...byName.keys()].sort()).toEqual(ref.pipeline.dropped.map((d) => d.name).sort());
    for (const d of ref.pipeline.dropped) {
      const row = byName.get(d.name)!;
      expect([row.step, row.reason]).toEqual([d.step, d.reason]);
      close(row.statistic!, d.statistic);
    }
    expect(new Set(ref.pipeline.dropped.map((d) => d.step))).toEqual(new Set(['icc', 'univariate', 'correlation', 'mrmr']));
  });

  it('constant features are reported, not silently dropped; non-finite values are errors with feature and row', () => {
    const nm = [...names, 'flat'];
    const rows = X.map((r) => [...r, 7]);
    const rt = raters.map((m) => m.map((r) => [...r, 7]));
    const res = screen(rows, nm, y, { ...config, icc: { ...config.icc!, replicates: { names: nm, raters: rt } } });
    expect(res.table.at(-1)).toMatchObject({ name: 'flat', kept: false, step: 'input', reason: 'constant' });
    expect(res.kept).toEqual(ref.pipeline.kept);
    const bad = X.map((r) => [...r]);
    bad[17][3] = NaN;
    expectTaceError(() => screen(bad, names, y, config), 'MODEL_NON_FINITE_INPUT', { feature: 'f04', row: 17 });
  });

  it('steps in another order; without mRMR the kept features are in column order', () => {
    const res = screen(X, names, y, { order: ['correlation', 'univariate'], correlation: config.correlation, univariate: config.univariate });
    const kept = res.table.filter((r) => r.kept).map((r) => r.name);
    expect(res.kept).toEqual(kept);
    expect(res.table.find((r) => r.reason === 'correlated')).toBeDefined();
    for (const r of res.table) if (r.reason === 'p-above-threshold') expect(r.statistic).toBeGreaterThanOrEqual(0.2);
  });

  it('bad input and configuration', () => {
    expectTaceError(() => screen(X, names, y.slice(1), config), 'MODEL_DIMENSION_MISMATCH');
    expectTaceError(() => screen(X, names, y.map(() => 1), config), 'MODEL_ONE_CLASS');
    expectTaceError(() => screen(X, names, y.map((v, i) => (i === 0 ? 2 : v)), config), 'MODEL_BAD_LABEL');
    expectTaceError(() => screen(X, names, y.map((_, i) => (i === 0 ? 1 : 0)), config), 'MODEL_TOO_FEW_ROWS');
    expectTaceError(() => screen(X, names.slice(1), y, config), 'MODEL_DIMENSION_MISMATCH');
    expectTaceError(() => screen(X, names.map((n, j) => (j === 1 ? names[0] : n)), y, config), 'MODEL_DUPLICATE_NAME');
    expectTaceError(() => screen(X, names, y, { ...config, order: ['icc', 'univariate'] }), 'MODEL_INVALID_OPTION');
    expectTaceError(() => screen(X, names, y, { order: ['mrmr'] }), 'MODEL_INVALID_OPTION');
    expectTaceError(
      () => screen(X, names, y, { icc: { replicates: { names: names.slice(1), raters: raters.map((m) => m.map((r) => r.slice(1))) } } }),
      'MODEL_ICC_MISSING_FEATURE', { feature: 'f01' },
    );
  });
});
