import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generatePatient, generatePatientRecord } from './patient.ts';
import { PHANTOM_SIZE } from './phantom.ts';

function hashPatient(seed: number, i: number): string {
  const p = generatePatient(seed, i);
  const h = createHash('sha256');
  h.update(Buffer.from(p.ct.data.buffer, p.ct.data.byteOffset, p.ct.data.byteLength));
  h.update(Buffer.from(p.mask.data));
  h.update(JSON.stringify({ ...p, ct: undefined, mask: undefined }));
  return h.digest('hex');
}

describe('generatePatient', () => {
  it('is a pure function of (seed, index): same inputs give the same bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 999 }), (seed, i) => hashPatient(seed, i) === hashPatient(seed, i)),
      { numRuns: 4 },
    );
  });

  it('different indices give different patients', () => {
    expect(hashPatient(1, 0)).not.toBe(hashPatient(1, 1));
  });

  it('draws the lesion inside the grid with lipiodol (≥ 200 HU) inside the mask and liver-like background', () => {
    const p = generatePatient(42, 3);
    expect(p.ct.size).toEqual(PHANTOM_SIZE);
    let inMask = 0;
    let dense = 0;
    let bgSum = 0;
    let bgN = 0;
    let maxHu = -Infinity;
    for (let v = 0; v < p.ct.data.length; v++) {
      maxHu = Math.max(maxHu, p.ct.data[v]);
      if (p.mask.data[v]) {
        inMask++;
        if (p.ct.data[v] >= 200) dense++;
      } else {
        bgSum += p.ct.data[v];
        bgN++;
      }
    }
    // Coverage is drawn in [0.2, 1] of the main lesion volume (satellites are dense too).
    expect(dense / inMask).toBeGreaterThan(0.15);
    // Background: liver at 60 HU ± a ±6 HU smooth field; the mean over ~360k voxels is within a few HU.
    expect(Math.abs(bgSum / bgN - 60)).toBeLessThan(8);
    // Nothing denser than lipiodol's 1500 HU clamp (satellites ≤ 900 + noise).
    expect(maxHu).toBeLessThanOrEqual(1500);
  });

  it('the record is consistent with the full patient', () => {
    const r = generatePatientRecord(5, 9);
    const p = generatePatient(5, 9);
    expect(p.clinical).toEqual(r.clinical);
    expect(p.outcome).toEqual(r.outcome);
    expect(p.uids.studyInstanceUid).toMatch(/^2\.25\.\d+$/);
    expect(p.uids.studyInstanceUid.length).toBeLessThanOrEqual(64);
  });
});
