import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TaceError } from '@tace/common';
import {
  aggregateValidate, apparentIndexes, bootstrapAucCi, bootstrapCalibrate, bootstrapIndices, bootstrapValidate,
  defaultPredy, validateResample, VALIDATE_INDEXES, type FitPipeline,
} from './bootstrap.ts';
import { mulberry32 } from './prng.ts';
import { auc } from './roc.ts';
import { lrmFit, plogis } from './validation.ts';

function ref<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../reference/${name}`, import.meta.url), 'utf8')) as T;
}

function close(actual: number, expected: number, rel: number, abs = 0, what = ''): void {
  const tol = rel * Math.abs(expected) + abs;
  if (!(Math.abs(actual - expected) <= tol)) {
    throw new Error(`${what}: got ${actual}, R ${expected} (|diff| ${Math.abs(actual - expected)} > ${tol})`);
  }
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

const oneBased = (idx: number[]): number[] => idx.map((i) => i - 1);

// ---------------------------------------------------------------------------------------------
// pROC::ci.auc(method = "bootstrap") — reference/bootstrap_auc.R
// ---------------------------------------------------------------------------------------------

interface AucRef {
  y: number[]; score: number[]; auc: number;
  stratified: { conf: number; boot_n: number; ci: number[]; resamples: Array<{ controls: number[]; cases: number[] }> };
  nonstratified: { conf: number; boot_n: number; ci: number[]; resamples: number[][] };
  big: { conf: number; boot_n: number; ci: number[]; mc_se: number[] };
}
const A = ref<AucRef>('bootstrap_auc.json');

describe('bootstrapAucCi equals pROC ci.auc(method = "bootstrap")', () => {
  it('stratified, with the 200 resamples pROC drew (set.seed(101)): exactly', () => {
    const r = bootstrapAucCi(A.score, A.y, {
      conf: A.stratified.conf,
      resamples: A.stratified.resamples.map((s) => ({ controls: oneBased(s.controls), cases: oneBased(s.cases) })),
    });
    expect(r.bootN).toBe(200);
    close(r.lower, A.stratified.ci[0], 1e-12, 0, 'lower');
    close(r.median, A.stratified.ci[1], 1e-12, 0, 'median');
    close(r.upper, A.stratified.ci[2], 1e-12, 0, 'upper');
    close(r.auc, A.auc, 1e-14, 0, 'auc');
  });
  it('not stratified, conf 0.9, with the resamples pROC drew (set.seed(102)): exactly', () => {
    const r = bootstrapAucCi(A.score, A.y, {
      stratified: false, conf: A.nonstratified.conf, resamples: A.nonstratified.resamples.map(oneBased),
    });
    expect(r.skipped).toBe(0);
    close(r.lower, A.nonstratified.ci[0], 1e-12, 0, 'lower');
    close(r.median, A.nonstratified.ci[1], 1e-12, 0, 'median');
    close(r.upper, A.nonstratified.ci[2], 1e-12, 0, 'upper');
  });
  it('with our own generator, boot.n = 2000: within Monte-Carlo error of pROC with boot.n = 2000', () => {
    // Two independent bootstrap runs differ by Monte-Carlo noise only. The reference script gives
    // the Monte-Carlo standard error of each of pROC's ends (≈ 0.003, from the spread of its 2000
    // AUCs); the difference of two runs has s.e. √2·se, and we allow 4 of those (≈ 0.016).
    const r = bootstrapAucCi(A.score, A.y, { bootN: 2000, seed: 2024 });
    const got = [r.lower, r.median, r.upper];
    for (let k = 0; k < 3; k++) {
      const tol = 4 * Math.SQRT2 * A.big.mc_se[k];
      expect(tol).toBeLessThan(0.02);
      close(got[k], A.big.ci[k], 0, tol, ['lower', 'median', 'upper'][k]);
    }
  });
  it('property: deterministic for a seed; lower ≤ median ≤ upper; one resample of everything = the AUC', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 3, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 3, maxLength: 12 }),
        fc.integer(),
        (ctrl, cas, seed) => {
          const s = [...ctrl, ...cas];
          const y = [...ctrl.map(() => 0), ...cas.map(() => 1)];
          const a = bootstrapAucCi(s, y, { bootN: 50, seed });
          const b = bootstrapAucCi(s, y, { bootN: 50, seed });
          expect(a).toEqual(b);
          expect(a.lower).toBeLessThanOrEqual(a.median);
          expect(a.median).toBeLessThanOrEqual(a.upper);
          // the identity resample reproduces the AUC of roc.ts (pROC-equal) exactly
          const id = bootstrapAucCi(s, y, {
            resamples: [{ controls: ctrl.map((_, i) => i), cases: cas.map((_, i) => i) }],
          });
          expect(id.median).toBeCloseTo(auc(s, y), 14);
          expect(id.lower).toBe(id.median);
        },
      ),
      { numRuns: 50 },
    );
  });
  it('refuses bad input with stable codes', () => {
    expect(codeOf(() => bootstrapAucCi([1, 2, 3], [0, 1]))).toBe('MODEL_LENGTH_MISMATCH');
    expect(codeOf(() => bootstrapAucCi([1, 2, 3], [1, 1, 1]))).toBe('MODEL_ONE_CLASS');
    expect(codeOf(() => bootstrapAucCi([1, NaN, 3], [0, 1, 1]))).toBe('MODEL_NON_FINITE_INPUT');
    expect(codeOf(() => bootstrapAucCi([1, 2, 3], [0, 1, 1], { conf: 1 }))).toBe('MODEL_BAD_OPTION');
    expect(codeOf(() => bootstrapAucCi([1, 2, 3], [0, 1, 1], { resamples: [{ controls: [0], cases: [5] }] }))).toBe('MODEL_BAD_OPTION');
  });
});

// ---------------------------------------------------------------------------------------------
// rms::validate / rms::calibrate — reference/bootstrap_validate.R
// ---------------------------------------------------------------------------------------------

interface ValRef {
  x: number[][]; y: number[];
  fit: { coefficients: number[]; deviance: number[]; linear_predictors: number[] };
  validate: {
    B: number; indices: number[][]; rows: string[]; columns: string[]; table: number[][];
    resamples: Array<{ coefficients: number[]; training: number[]; test: number[] }>;
  };
  calibrate: { B: number; indices: number[][]; columns: string[]; table: number[][] };
}
const V = ref<ValRef>('bootstrap_validate.json');

/** lrm(y ~ x1 + x2 + x3) as rms fits it (lrmFit = lrm.fit's Newton with its stop), as a pipeline. */
function lrmPipeline(X: number[][], y: number[]): FitPipeline {
  return (rows) => {
    const f = lrmFit(Array.from(rows, (i) => X[i]), Array.from(rows, (i) => y[i]));
    if (f.fail) throw new TaceError('MODEL_NOT_CONVERGED', 'lrm.fit did not converge');
    const b = f.coefficients;
    // R: b[1] + X %*% b[-1], the matrix product accumulated column by column (BLAS dgemv)
    return (idx) => Float64Array.from(idx, (i) => {
      let s = 0;
      for (let j = 0; j < X[i].length; j++) s += b[j + 1] * X[i][j];
      return b[0] + s;
    });
  };
}

describe('bootstrapValidate equals rms::validate(lrm, B = 40) with the same resamples', () => {
  const pipeline = lrmPipeline(V.x, V.y);
  const indices = V.validate.indices.map(oneBased);

  it('the pipeline reproduces lrm()', () => {
    const lp = pipeline(Int32Array.from(V.y.keys()))(Int32Array.from(V.y.keys()));
    for (let i = 0; i < lp.length; i++) close(lp[i], V.fit.linear_predictors[i], 1e-12, 1e-13, `lp ${i}`);
  });

  it('each resample: training and test indexes as validate.lrm computes them', () => {
    // checked at 1e-9: every quantity is a closed form of lrm.fit's iterates, reproduced step by step
    for (let b = 0; b < 5; b++) {
      const r = validateResample(V.y, pipeline, Int32Array.from(indices[b]), { scale: 'logit' });
      if (!r.ok) throw new Error(r.code);
      const names = ['Dxy', 'R2', 'Intercept', 'Slope', 'D', 'U', 'Q', 'B', 'g', 'gp'] as const;
      names.forEach((k, j) => {
        close(r.training[k], V.validate.resamples[b].training[j], 1e-9, 1e-12, `resample ${b} training ${k}`);
        close(r.test[k], V.validate.resamples[b].test[j], 1e-9, 1e-12, `resample ${b} test ${k}`);
      });
    }
  });

  for (const scale of ['logit', 'probability'] as const) {
    it(`the whole table (predictions on the ${scale} scale)`, () => {
      const pipe: FitPipeline = scale === 'logit' ? pipeline : (rows) => {
        const pr = pipeline(rows);
        return (idx) => Float64Array.from(pr(idx), plogis);
      };
      const res = bootstrapValidate(V.y, pipe, { indices, scale });
      expect(res.rows.map((r) => r.index)).toEqual(V.validate.rows);
      expect(res.rows.map((r) => r.index)).toEqual([...VALIDATE_INDEXES]);
      expect(res.failures).toEqual([]);
      // logit scale: our lp equal R's to rounding, table at 1e-9. Probability scale: the lp are
      // recovered as qlogis(plogis(lp)), which loses up to ~1e-13 — the table still agrees at 1e-9.
      res.rows.forEach((row, i) => {
        const t = V.validate.table[i];
        const got = [row.indexOrig, row.training, row.test, row.optimism, row.indexCorrected];
        for (let c = 0; c < 5; c++) close(got[c], t[c], 1e-9, 1e-12, `${row.index} ${V.validate.columns[c]}`);
        expect(row.n).toBe(t[5]);
      });
    });
  }

  it('calibrate: the whole table, default grid, with the resamples rms drew (set.seed(8))', () => {
    const res = bootstrapCalibrate(V.y, pipeline, { indices: V.calibrate.indices.map(oneBased), scale: 'logit' });
    const cols = V.calibrate.columns;
    expect(cols).toEqual(['predy', 'calibrated.orig', 'calibrated.corrected', 'index.orig', 'training', 'test', 'optimism', 'index.corrected', 'n']);
    expect(res.points.length).toBe(V.calibrate.table.length);
    res.points.forEach((pt, i) => {
      const t = V.calibrate.table[i];
      close(pt.predy, t[0], 1e-14, 0, `predy ${i}`);
      const got = [pt.calibratedOrig, pt.calibratedCorrected, pt.indexOrig, pt.training, pt.test, pt.optimism, pt.indexCorrected];
      for (let c = 0; c < 7; c++) close(got[c], t[c + 1], 1e-9, 1e-12, `point ${i} ${cols[c + 1]}`);
      expect(pt.n).toBe(t[8]);
    });
    // some grid points are not reached by every resample (R's NA): n < B there
    expect(Math.min(...res.points.map((p) => p.n))).toBeLessThan(40);
  });

  it('defaultPredy is seq(p[5], p[n-4], length = 50) of R', () => {
    const lp = V.fit.linear_predictors;
    const g = defaultPredy(lp.map(plogis));
    g.forEach((v, i) => close(v, V.calibrate.table[i][0], 1e-14, 0, `predy ${i}`));
  });
});

describe('bootstrap plumbing', () => {
  const pipeline = lrmPipeline(V.x, V.y);
  it('bootstrapIndices: deterministic, in range, n per sample', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 5 }), fc.integer(), (n, B, seed) => {
        const a = bootstrapIndices(n, B, mulberry32(seed));
        expect(a).toEqual(bootstrapIndices(n, B, mulberry32(seed)));
        expect(a.length).toBe(B);
        for (const s of a) {
          expect(s.length).toBe(n);
          for (const i of s) expect(i >= 0 && i < n).toBe(true);
        }
      }),
      { numRuns: 50 },
    );
  });
  it('resamples computed separately (as worker threads would) aggregate to the same table', () => {
    const idx = bootstrapIndices(V.y.length, 6, mulberry32(9));
    const serial = bootstrapValidate(V.y, pipeline, { indices: idx, scale: 'logit' });
    const parts = idx.map((rows) => validateResample(V.y, pipeline, rows, { scale: 'logit' }));
    const all = Int32Array.from(V.y.keys());
    const orig = apparentIndexes(pipeline(all)(all), V.y);
    expect(aggregateValidate(orig, parts)).toEqual(serial);
  });
  it('a pipeline failure (TaceError) leaves the resample out and is reported; other errors propagate', () => {
    let calls = 0;
    const flaky: FitPipeline = (rows) => {
      calls++;
      if (calls === 3) throw new TaceError('MODEL_SEPARATION', 'separated');
      return pipeline(rows);
    };
    const idx = bootstrapIndices(V.y.length, 4, mulberry32(3));
    const res = bootstrapValidate(V.y, flaky, { indices: idx, scale: 'logit' });
    expect(res.failures).toEqual([{ resample: 1, code: 'MODEL_SEPARATION', message: 'separated' }]);
    expect(res.rows[0].n).toBe(3);
    const broken: FitPipeline = () => {
      throw new Error('bug');
    };
    expect(() => bootstrapValidate(V.y, broken, { B: 2 })).toThrow('bug');
    const always: FitPipeline = (rows) => {
      if (rows.length === V.y.length && rows[1] === 1 && rows[2] === 2) return pipeline(rows);
      throw new TaceError('MODEL_SEPARATION', 'x');
    };
    expect(codeOf(() => bootstrapValidate(V.y, always, { B: 2, scale: 'logit' }))).toBe('MODEL_BOOTSTRAP_ALL_FAILED');
  });
  it('refuses bad input with stable codes', () => {
    expect(codeOf(() => bootstrapValidate([0, 1, 2], pipeline))).toBe('MODEL_BAD_LABEL');
    expect(codeOf(() => bootstrapValidate([1, 1, 1], pipeline))).toBe('MODEL_ONE_CLASS');
    expect(codeOf(() => bootstrapValidate(V.y, pipeline, { indices: [[0, 1, 1000]] }))).toBe('MODEL_BAD_OPTION');
    // probabilities expected by default: linear predictors outside (0, 1) are refused
    expect(codeOf(() => bootstrapValidate(V.y, pipeline, { B: 2 }))).toBe('MODEL_PROBABILITY_OUT_OF_RANGE');
    expect(codeOf(() => defaultPredy([0.1, 0.2]))).toBe('MODEL_TOO_FEW_ROWS');
  });
});
