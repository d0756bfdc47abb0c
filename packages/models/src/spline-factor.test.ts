/**
 * Spline nomogram factors (manifest `spline`): schema, consistency checks, and the worker's scoring —
 * factorValue + nomogramPoints against the direct formula f(x) = Σ c_j·B_j(x) over the rms::rcs basis.
 */
import { readFileSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IDENTITY_DIRECTION, type ClinicalInputs, type LabelMap, type Volume } from '@tace/common';
import { nomogramPoints, rcsBasis } from '@tace/modeling';
import { loadModelBundle } from './bundle.ts';
import { writeFixture } from './bundle-fixture.test-helper.ts';
import type { ModelManifest, NomogramFactorSpec } from './manifest.ts';
import { factorValue, scoreCase } from './score.ts';
import { manifestConsistencyProblems, splineRangeOver, validateManifest } from './validate-manifest.ts';

const demo = (): Record<string, unknown> & { nomogram: { factors: Array<Record<string, unknown>> } } =>
  JSON.parse(readFileSync(new URL('../../../models/demo-synthetic/manifest.json', import.meta.url), 'utf8'));

const KNOTS = [12, 25, 38, 70];
const COEFS = [0.09, -0.21, 0.35];
/** The direct formula: Σ c_j·B_j(x), B the rms::rcs columns. */
const f = (x: number, knots = KNOTS, coefs = COEFS) => rcsBasis([x], knots).reduce((s, col, j) => s + coefs[j] * col[0], 0);
/** f over pretty-like ticks 0, 10, …, 120 (the nomogram axis): rms's info$R for the axis. */
const TICKS = Array.from({ length: 13 }, (_, i) => 10 * i);
const range = (): [number, number] => [Math.min(...TICKS.map((x) => f(x))), Math.max(...TICKS.map((x) => f(x)))];

function sizeSpline(): NomogramFactorSpec {
  return { name: 'tumourSizeMm', coefficient: COEFS[0], min: 0, max: 120, spline: { knots: [...KNOTS], coefficients: [...COEFS], effectRange: range() } };
}

function withFactor(edit: (f: Record<string, unknown>) => void, name = 'tumourSizeMm'): ModelManifest {
  const m = demo();
  const i = m.nomogram.factors.findIndex((x) => x.name === name);
  const spec = { ...sizeSpline(), name } as unknown as Record<string, unknown>;
  if (name === 'log10AfpNgPerMl') spec.transform = { kind: 'log10', floorInput: 1 };
  edit(spec);
  m.nomogram.factors[i] = spec;
  return validateManifest(m);
}

const clinical = (size: number, afp = 20): ClinicalInputs => {
  const v = (x: number) => ({ value: x, original: { value: x, unit: '' }, reference: 'test' });
  return { afpNgPerMl: v(afp), tumourSizeMm: v(size), noduleCount: v(2) };
};

describe('manifest spline factors: schema and consistency', () => {
  it('the committed demo bundle has no spline and stays consistent; a spline factor is accepted', () => {
    const m = validateManifest(demo());
    expect(m.nomogram.factors.some((x) => x.spline)).toBe(false);
    expect(manifestConsistencyProblems(m)).toEqual([]);
    expect(manifestConsistencyProblems(withFactor(() => {}))).toEqual([]);
  });

  it('refuses unknown keys inside spline and a spline with fewer than 3 knots (schema)', () => {
    const m = demo();
    m.nomogram.factors[1] = { ...sizeSpline(), spline: { ...sizeSpline().spline, order: 3 } } as unknown as Record<string, unknown>;
    expect(() => validateManifest(m)).toThrow(/unknown property "order"/);
    m.nomogram.factors[1] = { ...sizeSpline(), spline: { knots: [1, 2], coefficients: [1, 2], effectRange: [0, 1] } } as unknown as Record<string, unknown>;
    expect(() => validateManifest(m)).toThrow(/knots/);
  });

  it('allows a spline only on tumourSizeMm and log10AfpNgPerMl', () => {
    const afp = withFactor((s) => {
      s.min = 0;
      s.max = 5;
      s.spline = { knots: [0.3, 1.2, 2.5], coefficients: [0.5, -0.4], effectRange: [0, 1] };
      s.coefficient = 0.5;
    }, 'log10AfpNgPerMl');
    const spl = afp.nomogram.factors.find((x) => x.name === 'log10AfpNgPerMl') as NomogramFactorSpec;
    const ticks = [0, 1, 2, 3, 4, 5].map((x) => f(x, [0.3, 1.2, 2.5], [0.5, -0.4]));
    (spl.spline as { effectRange: [number, number] }).effectRange = [Math.min(...ticks), Math.max(...ticks)];
    expect(manifestConsistencyProblems(afp)).toEqual([]);
    const nodules = withFactor((s) => {
      s.min = 1;
      s.max = 5;
    }, 'noduleCount');
    expect(manifestConsistencyProblems(nodules)).toContain('nomogram factor noduleCount: only tumourSizeMm and log10AfpNgPerMl may be splines');
  });

  it('checks knots, the number of coefficients, the linear coefficient and effectRange', () => {
    const problems = (edit: (s: { coefficient: number; spline: { knots: number[]; coefficients: number[]; effectRange: [number, number] } }) => void) =>
      manifestConsistencyProblems(withFactor((s) => edit(s as never))).join('\n');
    expect(problems((s) => (s.spline.knots = [12, 38, 25, 70]))).toMatch(/knots must be strictly increasing/);
    expect(problems((s) => (s.spline.knots = [12, 25, 25, 70]))).toMatch(/knots must be strictly increasing/);
    expect(problems((s) => (s.spline.coefficients = [0.09, -0.21]))).toMatch(/4 knots needs 3 coefficients/);
    expect(problems((s) => (s.coefficient = 0))).toMatch(/coefficient must equal spline.coefficients\[0\]/);
    expect(problems((s) => (s.spline.effectRange = [1, 1]))).toMatch(/hi > lo/);
    const [lo, hi] = range();
    // too narrow: misses f(min) = f(0) = 0
    expect(problems((s) => (s.spline.effectRange = [f(10), hi]))).toMatch(/must contain the effect at the axis ends/);
    // too wide: beyond anything f reaches on [min, max]
    expect(problems((s) => (s.spline.effectRange = [lo - 1, hi]))).toMatch(/outside the effect's range/);
    expect(problems((s) => (s.spline.effectRange = [lo, hi + 1e-3]))).toMatch(/outside the effect's range/);
  });

  it("finds the spline's exact extremes over an interval (piecewise cubic)", () => {
    const [rLo, rHi] = splineRangeOver(KNOTS, COEFS, 0, 120);
    // a fine grid never beats the exact extremes, and comes within the grid's resolution of them
    const grid = Array.from({ length: 120001 }, (_, i) => f(i / 1000));
    expect(Math.min(...grid)).toBeGreaterThanOrEqual(rLo - 1e-12);
    expect(Math.max(...grid)).toBeLessThanOrEqual(rHi + 1e-12);
    expect(Math.max(...grid)).toBeGreaterThan(rHi - 1e-6);
    expect(Math.min(...grid)).toBeLessThan(rLo + 1e-6);
    // the maximum is interior (the spline rises and falls), so it is not max(f(0), f(120))
    expect(rHi).toBeGreaterThan(Math.max(f(0), f(120)) + 0.1);
  });
});

describe('the worker scores a spline factor by the direct formula', () => {
  const dlr = { name: 'dlrScore' as const, coefficient: 0.8, min: -4, max: 4 };
  const afp = { name: 'log10AfpNgPerMl' as const, coefficient: 0.3, min: 0, max: 5, transform: { kind: 'log10' as const, floorInput: 1 } };
  const nomogram = { intercept: -2.5, pointsScale: 100, factors: [dlr, sizeSpline(), afp] };

  it('factorValue gives the model-scale value; nomogramPoints the effect f(x), its points, η and p', () => {
    const [lo, hi] = range();
    const lpPerPoint = Math.max(0.8 * 8, hi - lo, 0.3 * 5) / 100;
    for (const [size, dlrScore, afpNg] of [[0, 0, 1], [18, -1.2, 40], [33, 0.5, 1000], [47.5, 2, 0.2], [90, 3, 1e5], [150, -5, 12]]) {
      const c = clinical(size, afpNg);
      const values = Object.fromEntries(nomogram.factors.map((x) => [x.name, factorValue(x, dlrScore, c).value]));
      expect(values.tumourSizeMm).toBe(size);
      const r = nomogramPoints(nomogram, values);
      const eta = -2.5 + 0.8 * dlrScore + f(size) + 0.3 * Math.log10(Math.max(afpNg, 1));
      expect(Math.abs(r.linearPredictor - eta)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(eta)) * 4);
      expect(Math.abs(r.probability - 1 / (1 + Math.exp(-eta)))).toBeLessThan(1e-15);
      expect(r.factors[1].points).toBeCloseTo((f(size) - lo) / lpPerPoint, 10);
      expect(r.factors[1].outOfRange).toBe(size > 120);
    }
    // a value at a tick gets (f(tick) − lo)·sc: the points rms prints at that tick
    TICKS.forEach((x) => expect(nomogramPoints(nomogram, { dlrScore: 0, tumourSizeMm: x, log10AfpNgPerMl: 0 }).factors[1].points).toBeCloseTo((f(x) - lo) / lpPerPoint, 10));
  });

  it('scoreCase of a bundle with a spline factor', async () => {
    const fx = writeFixture((m) => {
      const n = m.nomogram as { factors: Array<Record<string, unknown>> };
      n.factors[1] = sizeSpline() as unknown as Record<string, unknown>;
    });
    const bundle = await loadModelBundle(fx.dir);
    try {
      // the geometry of bundle.test.ts's case: a 4³ image, a 2³ mask in the middle
      const geom = { size: [4, 4, 4] as [number, number, number], spacingMm: [1, 1, 1] as [number, number, number], originMm: [0, 0, 0] as [number, number, number], direction: IDENTITY_DIRECTION };
      const data = new Int16Array(64);
      const maskData = new Uint8Array(64);
      for (let i = 0; i < 64; i++) {
        const [x, y, z] = [i % 4, (i >> 2) % 4, i >> 4];
        data[i] = 100 * x + 10 * y + z;
        if (x >= 1 && x <= 2 && y >= 1 && y <= 2 && z >= 1 && z <= 2) maskData[i] = 1;
      }
      const image: Volume = { ...geom, data };
      const mask: LabelMap = { ...geom, data: maskData };
      const r = await scoreCase(bundle, { image, mask, clinical: clinical(33, 1000) }, { extractFeatures: () => ({ original_firstorder_Mean: 150, original_shape_VoxelVolume: 8 }) });
      const eta = -2 + 1.5 * r.dlrScore + f(33) + 0.3 * 2 + 0.4 * 3;
      expect(r.linearPredictor).toBeCloseTo(eta, 12);
      const size = r.points.find((p) => p.factor === 'tumourSizeMm');
      expect(size).toMatchObject({ value: 33, unit: 'mm', outOfRange: false });
    } finally {
      await bundle.close();
      rmSync(fx.dir, { recursive: true, force: true });
    }
  });
});
