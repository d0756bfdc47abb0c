/**
 * Property tests (fast-check) the issue names for ROC and decision curves: AUC equals the
 * Mann–Whitney U statistic over n₁·n₀ (counted pair by pair here, O(n₁n₀), independently of the
 * sorted-placement code); AUC is unchanged by a strictly increasing transform of the scores; the
 * DeLong variance is too; treat-all net benefit matches its closed form prevalence − (1 − prevalence)·pt/(1 − pt).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { netBenefit } from './decision.ts';
import { auc, delongVariance } from './roc.ts';

const sample = fc
  .array(fc.record({ s: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ min: -1e3, max: 1e3, noNaN: true })), y: fc.constantFrom(0, 1) }), { minLength: 2, maxLength: 80 })
  .filter((xs) => xs.some((x) => x.y === 1) && xs.some((x) => x.y === 0));

describe('ROC properties', () => {
  it('AUC = Mann–Whitney U / (n₁·n₀), ties counted ½', () => {
    fc.assert(
      fc.property(sample, (xs) => {
        const cases = xs.filter((x) => x.y === 1).map((x) => x.s);
        const controls = xs.filter((x) => x.y === 0).map((x) => x.s);
        let u = 0;
        for (const c of cases) for (const k of controls) u += c > k ? 1 : c === k ? 0.5 : 0;
        expect(auc(xs.map((x) => x.s), xs.map((x) => x.y))).toBeCloseTo(u / (cases.length * controls.length), 12);
      }),
      { numRuns: 300 },
    );
  });
  it('AUC and its DeLong variance are unchanged by a strictly increasing transform', () => {
    const transforms = [(v: number) => Math.atan(v / 100), (v: number) => 3 * v - 7, (v: number) => Math.sign(v) * Math.cbrt(Math.abs(v)), (v: number) => 1 / (1 + Math.exp(-v / 50))];
    fc.assert(
      fc.property(sample, fc.integer({ min: 0, max: transforms.length - 1 }), (xs, k) => {
        const s = xs.map((x) => x.s);
        const t = s.map(transforms[k]);
        // a transform that merges distinct values (rounding) is not strictly increasing: skip those draws
        fc.pre(new Set(t).size === new Set(s).size);
        const y = xs.map((x) => x.y);
        expect(auc(t, y)).toBe(auc(s, y));
        const v = delongVariance(s, y);
        if (Number.isFinite(v)) expect(delongVariance(t, y)).toBeCloseTo(v, 12);
      }),
      { numRuns: 300 },
    );
  });
});

describe('decision curve properties', () => {
  it('treat-all net benefit = prevalence − (1 − prevalence)·pt/(1 − pt) at every threshold', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ p: fc.double({ min: 0, max: 1, noNaN: true }), y: fc.constantFrom(0, 1) }), { minLength: 1, maxLength: 60 }),
        fc.array(fc.double({ min: 0, max: 0.99, noNaN: true }), { minLength: 1, maxLength: 10 }),
        (xs, pts) => {
          const prev = xs.filter((x) => x.y === 1).length / xs.length;
          const nb = netBenefit(xs.map((x) => x.p), xs.map((x) => x.y), pts);
          nb.forEach((r, k) => expect(r.treatAll).toBeCloseTo(prev - ((1 - prev) * pts[k]) / (1 - pts[k]), 12));
        },
      ),
      { numRuns: 300 },
    );
  });
});
