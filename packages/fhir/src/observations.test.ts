import type { Observation } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { afpNgPerMl, latestInWindow, noduleCount, tumourSizeMm, windowBounds } from './observations.ts';

const UCUM = 'http://unitsofmeasure.org';

function afp(code: string, value: number, unit: string, id = 'a1'): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code }] },
    effectiveDateTime: '2024-03-01',
    valueQuantity: { value, unit, system: UCUM, code: unit },
  };
}

function size(value: number, unit: string): Observation {
  return {
    resourceType: 'Observation',
    id: 's1',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '21889-1' }] },
    component: [{ code: { coding: [{ system: 'http://loinc.org', code: '33728-7' }] }, valueQuantity: { value, unit, system: UCUM, code: unit } }],
  };
}

describe('AFP', () => {
  it('takes ng/mL and ug/L 1:1 (1 ug/L = 1000 ng / 1000 mL = 1 ng/mL) and keeps the original', () => {
    expect(afpNgPerMl(afp('1834-1', 250, 'ng/mL'), undefined)).toEqual({
      value: 250,
      original: { value: 250, unit: 'ng/mL' },
      reference: 'Observation/a1',
      effectiveDateTime: '2024-03-01',
    });
    expect(afpNgPerMl(afp('1834-1', 17.5, 'ug/L'), undefined).value).toBe(17.5);
  });
  it('converts [IU]/mL with the configured factor (100 IU/mL × 1.21 = 121 ng/mL)', () => {
    const v = afpNgPerMl(afp('19176-7', 100, '[IU]/mL'), 1.21);
    expect(v.value).toBeCloseTo(121, 10);
    expect(v.original).toEqual({ value: 100, unit: '[IU]/mL' });
  });
  it('refuses [IU]/mL without a factor, naming the setting', () => {
    expect(() => afpNgPerMl(afp('19176-7', 100, '[IU]/mL'), undefined)).toThrow(/afpIuPerMlToNgPerMl/);
    try {
      afpNgPerMl(afp('19176-7', 100, '[IU]/mL'), undefined);
    } catch (e) {
      expect((e as { code: string }).code).toBe('FHIR_AFP_UNIT_UNKNOWN');
    }
  });
  it('refuses an unknown unit', () => {
    expect(() => afpNgPerMl(afp('1834-1', 3, 'mg/dL'), undefined)).toThrow(expect.objectContaining({ code: 'FHIR_AFP_UNIT_UNKNOWN' }));
  });
});

describe('tumour size', () => {
  it('converts cm to mm (4.3 cm = 43 mm) and keeps mm', () => {
    expect(tumourSizeMm(size(4.3, 'cm')).value).toBeCloseTo(43, 10);
    expect(tumourSizeMm(size(61, 'mm')).value).toBe(61);
    expect(tumourSizeMm(size(4.3, 'cm')).original).toEqual({ value: 4.3, unit: 'cm' });
  });
  it('refuses other units and a missing component', () => {
    expect(() => tumourSizeMm(size(2, '[in_i]'))).toThrow(expect.objectContaining({ code: 'FHIR_TUMOUR_SIZE_UNIT_UNKNOWN' }));
    const noComp: Observation = { ...size(2, 'cm'), component: [] };
    expect(() => tumourSizeMm(noComp)).toThrow(expect.objectContaining({ code: 'FHIR_TUMOUR_SIZE_MISSING' }));
  });
});

describe('nodule count', () => {
  const base: Observation = { resourceType: 'Observation', id: 'n1', status: 'final', code: { text: 'nodules' } };
  it('reads valueInteger and an integral valueQuantity', () => {
    expect(noduleCount({ ...base, valueInteger: 3 }).value).toBe(3);
    expect(noduleCount({ ...base, valueQuantity: { value: 4, unit: '{#}' } }).value).toBe(4);
  });
  it('refuses a fractional count', () => {
    expect(() => noduleCount({ ...base, valueQuantity: { value: 2.5 } })).toThrow(expect.objectContaining({ code: 'FHIR_NODULES_INVALID' }));
  });
});

describe('window', () => {
  // TACE 2024-03-10 (date only), −30/+7 days → 2024-02-09T00:00Z .. end of 2024-03-17 (hand-computed:
  // March 10 − 30 days = Feb 9 in a leap year (29 days in Feb 2024: 10 + 29 − 30 = 9); March 10 + 7 = March 17).
  const bounds = windowBounds('2024-03-10', { daysBefore: 30, daysAfter: 7 });
  it('has the hand-computed bounds', () => {
    expect(new Date(bounds.fromMs).toISOString()).toBe('2024-02-09T00:00:00.000Z');
    expect(new Date(bounds.toMs).toISOString()).toBe('2024-03-17T23:59:59.999Z');
  });
  it('picks the latest usable observation inside, ignoring outside and non-final ones', () => {
    const at = (id: string, date: string, status: Observation['status'] = 'final'): Observation => ({
      resourceType: 'Observation',
      id,
      status,
      code: { text: 'x' },
      effectiveDateTime: date,
    });
    const obs = [at('old', '2024-02-01'), at('in1', '2024-02-20'), at('in2', '2024-03-12'), at('late', '2024-03-25'), at('prelim', '2024-03-14', 'preliminary'), at('err', '2024-03-15', 'entered-in-error')];
    expect(latestInWindow(obs, bounds)?.id).toBe('in2');
    expect(latestInWindow([at('old', '2024-02-01')], bounds)).toBeUndefined();
    // Boundary days are inside (inclusive window).
    expect(latestInWindow([at('edge', '2024-02-09')], bounds)?.id).toBe('edge');
    expect(latestInWindow([at('edge2', '2024-03-17T18:00:00Z')], bounds)?.id).toBe('edge2');
    expect(latestInWindow([at('after', '2024-03-18T00:00:00Z')], bounds)).toBeUndefined();
    expect(latestInWindow([at('before', '2024-02-08T23:59:00Z')], bounds)).toBeUndefined();
  });
});
