import { describe, expect, it } from 'vitest';
import { generatePatient } from './patient.ts';
import { EXTERNAL_SITE, generateSitePatient, generateSiteRecord, HOME_SITE } from './site.ts';

describe('acquisition sites', () => {
  it('the home site is generatePatient itself', () => {
    const a = generatePatient(5, 3);
    const b = generateSitePatient(5, 3, HOME_SITE);
    expect(b.clinical).toEqual(a.clinical);
    expect(b.outcome).toEqual(a.outcome);
    expect(Buffer.from(b.ct.data.buffer).equals(Buffer.from(a.ct.data.buffer))).toBe(true);
  });
  it('the external site shifts the scanner (mean HU outside the lesion +15, more noise) and the population', () => {
    const home = generateSitePatient(5, 4, { ...EXTERNAL_SITE, tumourSizeFactor: 1, afpFactor: 1 });
    const base = generatePatient(5, 4);
    let d = 0;
    let dd = 0;
    for (let i = 0; i < base.ct.data.length; i++) {
      const x = home.ct.data[i] - base.ct.data[i];
      d += x;
      dd += x * x;
    }
    const n = base.ct.data.length;
    const mean = d / n;
    const sd = Math.sqrt(dd / n - mean * mean);
    expect(mean).toBeGreaterThan(14);
    expect(mean).toBeLessThan(16);
    expect(sd).toBeGreaterThan(9);
    expect(sd).toBeLessThan(11);
    const rec = generateSiteRecord(5, 4, EXTERNAL_SITE);
    expect(rec.clinical.afpNgPerMl).toBeCloseTo(Math.min(600_000, base.clinical.afpNgPerMl * 2), 0);
    expect(rec.clinical.tumourSizeMm).toBe(Math.min(200, Math.round(base.clinical.tumourSizeMm * 1.15)));
  });
});
