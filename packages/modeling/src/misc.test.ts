import { describe, expect, it } from 'vitest';
import { calibration } from './calibration.ts';
import { fitLogistic, predictLogistic } from './logistic.ts';
import { nomogramPoints, totalPointsToProbability } from './nomogram.ts';
import { pnorm, qnorm } from './normal.ts';
import { mulberry32, randomNormal } from './prng.ts';
import { stratifiedSplit } from './split.ts';

describe('normal distribution', () => {
  it('matches tabulated values', () => {
    // R: qnorm(0.975) = 1.959963984540054; pnorm(1.96) = 0.9750021048517795; pnorm(-10) = 7.619853024160527e-24
    expect(qnorm(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(pnorm(1.96)).toBeCloseTo(0.9750021048517795, 15);
    expect(pnorm(-10) / 7.619853024160527e-24).toBeCloseTo(1, 10);
    expect(pnorm(0)).toBe(0.5);
    for (const p of [1e-10, 0.01, 0.3, 0.5, 0.8, 0.999]) expect(pnorm(qnorm(p)) / p).toBeCloseTo(1, 12);
  });
});

describe('calibration', () => {
  it('is (0, 1) on the data a logistic model was fitted to, Brier by hand', () => {
    // A fitted logistic model's own predictions are calibrated in the large (score equation for
    // the intercept) and have slope 1 (logit p is the fitted linear predictor).
    const X = [[0], [0], [0], [0], [1], [1], [1], [2], [2], [2], [3], [3]];
    const y = [0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1];
    const p = predictLogistic(fitLogistic(X, y), X);
    const c = calibration(p, y);
    expect(c.calibrationInTheLarge).toBeCloseTo(0, 8);
    expect(c.slope).toBeCloseTo(1, 8);
    expect(c.n).toBe(12);
    expect(c.events).toBe(6);
  });
  it('Brier score and in-the-large shift (hand-computed)', () => {
    // p = .2 for everyone, 2 events of 4: Brier = (2·.64 + 2·.04)/4 = .34;
    // intercept a solves σ(logit .2 + a) = .5 → a = −logit .2 = log 4
    const c = calibration([0.2, 0.2, 0.2, 0.2], [1, 1, 0, 0]);
    expect(c.brier).toBeCloseTo(0.34, 14);
    expect(c.calibrationInTheLarge).toBeCloseTo(Math.log(4), 10);
  });
});

describe('stratifiedSplit', () => {
  it('keeps class proportions, is deterministic and a partition', () => {
    const labels = [...Array(30).fill(0), ...Array(10).fill(1)];
    const a = stratifiedSplit(labels, 0.3, 42);
    const b = stratifiedSplit(labels, 0.3, 42);
    expect(a).toEqual(b);
    expect(a.test.length).toBe(12); // round(30·.3) + round(10·.3) = 9 + 3
    expect(a.test.filter((i) => labels[i] === 1).length).toBe(3);
    expect(new Set([...a.train, ...a.test]).size).toBe(40);
    expect(stratifiedSplit(labels, 0.3, 43)).not.toEqual(a);
  });
});

describe('mulberry32', () => {
  it('is reproducible, in [0,1), roughly uniform; normals have mean≈0, sd≈1', () => {
    const r1 = mulberry32(7);
    const r2 = mulberry32(7);
    let sum = 0;
    for (let i = 0; i < 10000; i++) {
      const v = r1();
      expect(v).toBe(r2());
      expect(v >= 0 && v < 1).toBe(true);
      sum += v;
    }
    expect(sum / 10000).toBeGreaterThan(0.48);
    expect(sum / 10000).toBeLessThan(0.52);
    const rn = mulberry32(9);
    const xs = Array.from({ length: 20000 }, () => randomNormal(rn));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
  });
});

describe('nomogramPoints (rms::nomogram convention)', () => {
  // dlr β=2 on [−2,2] (effect range 8), size β=.02 on [10,110] (range 2), afp β=−.5 on [0,4] (range 2).
  // lpPerPoint = 8/100 = .08. dlr=1: (2 − (−4))/.08 = 75; size=60: (1.2 − .2)/.08 = 12.5;
  // afp=1 (β<0: zero points at max): (−.5 − (−2))/.08 = 18.75. Total 106.25.
  // η = −1 + 2·1 + .02·60 − .5·1 = 1.7.
  const model = {
    intercept: -1,
    pointsScale: 100,
    factors: [
      { name: 'dlr', coefficient: 2, min: -2, max: 2 },
      { name: 'size', coefficient: 0.02, min: 10, max: 110 },
      { name: 'afp', coefficient: -0.5, min: 0, max: 4 },
    ],
  };
  it('gives hand-computed points, total, η and p', () => {
    const r = nomogramPoints(model, { dlr: 1, size: 60, afp: 1 });
    expect(r.factors.map((f) => f.points)).toEqual([75, expect.closeTo(12.5, 12), expect.closeTo(18.75, 12)]);
    expect(r.totalPoints).toBeCloseTo(106.25, 12);
    expect(r.linearPredictor).toBeCloseTo(1.7, 12);
    expect(r.probability).toBeCloseTo(1 / (1 + Math.exp(-1.7)), 14);
    expect(totalPointsToProbability(model, 106.25)).toBeCloseTo(1 / (1 + Math.exp(-1.7)), 14);
    expect(r.factors.every((f) => !f.outOfRange)).toBe(true);
  });
  it('flags and extrapolates out-of-range values; missing factor throws', () => {
    const r = nomogramPoints(model, { dlr: 3, size: 60, afp: 1 });
    expect(r.factors[0].points).toBeCloseTo(125, 12); // (6 + 4)/.08
    expect(r.factors[0].outOfRange).toBe(true);
    expect(() => nomogramPoints(model, { dlr: 1, size: 60 })).toThrow(/afp/);
  });
});
