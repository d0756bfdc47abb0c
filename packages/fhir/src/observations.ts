/**
 * Pure functions from one FHIR Observation to one clinical value in canonical units. No I/O:
 * clinical.ts fetches, these decide. Each throws a TaceError with a stable code when the value
 * cannot be used as it stands (unknown unit, missing component), never guesses.
 */
import type { Observation, Quantity } from '@medplum/fhirtypes';
import { TaceError, type ClinicalValue } from '@tace/common';
import { LOINC, LOINC_AFP_UNITS, LOINC_TUMOUR_LARGEST_DIMENSION, UCUM } from './codes.ts';

const DAY_MS = 86_400_000;

/** Effective time of an Observation: effectiveDateTime, else effectivePeriod.start, else effectiveInstant. */
export function observationEffective(obs: Observation): string | undefined {
  return obs.effectiveDateTime ?? obs.effectivePeriod?.start ?? obs.effectiveInstant;
}

/** Parses a FHIR date/dateTime to epoch ms; a date without time counts as 00:00 UTC that day. */
export function fhirDateMs(value: string): number {
  const ms = Date.parse(value.length === 4 ? `${value}-01-01` : value.length === 7 ? `${value}-01` : value);
  if (Number.isNaN(ms)) throw new TaceError('FHIR_INVALID_DATE', `Unparseable FHIR date "${value}"`, { detail: { value } });
  return ms;
}

export interface Window {
  /** Days before the TACE date that still count (default 30). */
  daysBefore: number;
  /** Days after the TACE date that still count (default 7). */
  daysAfter: number;
}

/** True for a FHIR date without a time part (YYYY, YYYY-MM, YYYY-MM-DD). */
export function isDateOnly(value: string): boolean {
  return value.length <= 10;
}

/**
 * Epoch ms of the END of a date-only value's day (its last millisecond), or of the instant of a
 * dateTime: "on or before 2024-04-07" must include anything on that calendar day.
 */
export function fhirDateEndMs(value: string): number {
  return isDateOnly(value) && value.length === 10 ? fhirDateMs(value) + DAY_MS - 1 : fhirDateMs(value);
}

/**
 * Inclusive window [TACE − daysBefore, TACE + daysAfter] in epoch ms. With a date-only TACE date
 * the window runs by calendar day (00:00 UTC of the first day to the end of the last day).
 */
export function windowBounds(taceDate: string, w: Window): { fromMs: number; toMs: number } {
  return { fromMs: fhirDateMs(taceDate) - w.daysBefore * DAY_MS, toMs: fhirDateEndMs(taceDate) + w.daysAfter * DAY_MS };
}

/** Statuses whose value may be used (registered/preliminary/cancelled/entered-in-error are not). */
const USABLE_STATUS = new Set<Observation['status']>(['final', 'amended', 'corrected']);

/**
 * The latest usable Observation whose effective time lies in the window, or undefined.
 * Ties on time are broken by id so the choice does not depend on server order.
 */
export function latestInWindow(observations: readonly Observation[], bounds: { fromMs: number; toMs: number }): Observation | undefined {
  let best: { obs: Observation; ms: number } | undefined;
  for (const obs of observations) {
    if (!USABLE_STATUS.has(obs.status)) continue;
    const eff = observationEffective(obs);
    if (!eff) continue;
    const ms = fhirDateMs(eff);
    if (ms < bounds.fromMs || ms > bounds.toMs) continue;
    if (!best || ms > best.ms || (ms === best.ms && (obs.id ?? '') > (best.obs.id ?? ''))) best = { obs, ms };
  }
  return best?.obs;
}

export function hasCoding(codes: { coding?: { system?: string; code?: string }[] } | undefined, system: string, code: string): boolean {
  return codes?.coding?.some((c) => c.system === system && c.code === code) ?? false;
}

/** The UCUM code of a Quantity: `code` when the system is UCUM (or absent), else the display `unit`. */
function quantityUnit(q: Quantity): string | undefined {
  if (q.code && (q.system === undefined || q.system === UCUM)) return q.code;
  return q.unit;
}

function ref(obs: Observation): string {
  return `Observation/${obs.id ?? ''}`;
}

function clinicalValue(obs: Observation, value: number, q: { value: number; unit: string }): ClinicalValue {
  const eff = observationEffective(obs);
  return { value, original: q, reference: ref(obs), ...(eff ? { effectiveDateTime: eff } : {}) };
}

/** AFP mass concentration units accepted 1:1 as ng/mL (1 ng/mL = 1 µg/L). */
const AFP_MASS_UNITS = new Set(['ng/mL', 'ug/L', 'µg/L', 'ng/ml']);
/** AFP arbitrary-unit concentrations (LOINC 19176-7). */
const AFP_IU_UNITS = new Set(['[IU]/mL', 'IU/mL', '[iU]/mL']);

/**
 * AFP in ng/mL from LOINC 1834-1 (ng/mL or ug/L, 1:1) or LOINC 19176-7 ([IU]/mL × the configured
 * factor; WHO 72/225 standard: 1 IU ≈ 1.21 ng, but the factor is assay-specific, hence not built in).
 */
export function afpNgPerMl(obs: Observation, iuPerMlToNgPerMl: number | undefined): ClinicalValue {
  const q = obs.valueQuantity;
  const unit = q ? quantityUnit(q) : undefined;
  if (!q || q.value === undefined || !unit) {
    throw new TaceError('FHIR_AFP_UNIT_UNKNOWN', `AFP ${ref(obs)} has no valueQuantity with a value and unit`, {
      detail: { observation: ref(obs) },
    });
  }
  const original = { value: q.value, unit };
  if (AFP_MASS_UNITS.has(unit)) return clinicalValue(obs, q.value, original);
  if (AFP_IU_UNITS.has(unit)) {
    if (iuPerMlToNgPerMl === undefined) {
      throw new TaceError(
        'FHIR_AFP_UNIT_UNKNOWN',
        `AFP ${ref(obs)} is in ${unit} (LOINC ${LOINC_AFP_UNITS}); converting it to ng/mL needs the assay's factor: set afpIuPerMlToNgPerMl (env TACE_AFP_IU_PER_ML_TO_NG_PER_ML)`,
        { detail: { observation: ref(obs), unit, setting: 'afpIuPerMlToNgPerMl' } },
      );
    }
    return clinicalValue(obs, q.value * iuPerMlToNgPerMl, original);
  }
  throw new TaceError('FHIR_AFP_UNIT_UNKNOWN', `AFP ${ref(obs)} has unit "${unit}"; accepted: ng/mL, ug/L, or [IU]/mL with a conversion factor`, {
    detail: { observation: ref(obs), unit },
  });
}

/** Largest tumour dimension in mm from the 33728-7 component of a 21889-1 Observation (mm or cm). */
export function tumourSizeMm(obs: Observation): ClinicalValue {
  const comp = obs.component?.find((c) => hasCoding(c.code, LOINC, LOINC_TUMOUR_LARGEST_DIMENSION));
  const q = comp?.valueQuantity;
  if (!q || q.value === undefined) {
    throw new TaceError('FHIR_TUMOUR_SIZE_MISSING', `Tumour size ${ref(obs)} has no component ${LOINC_TUMOUR_LARGEST_DIMENSION} (largest dimension) with a value`, {
      detail: { observation: ref(obs) },
    });
  }
  const unit = quantityUnit(q) ?? '';
  const original = { value: q.value, unit };
  if (unit === 'mm') return clinicalValue(obs, q.value, original);
  if (unit === 'cm') return clinicalValue(obs, q.value * 10, original);
  throw new TaceError('FHIR_TUMOUR_SIZE_UNIT_UNKNOWN', `Tumour size ${ref(obs)} has unit "${unit}"; accepted UCUM units: mm, cm`, {
    detail: { observation: ref(obs), unit },
  });
}

/** Number of nodules from valueInteger or an integral valueQuantity (unit ignored: it is a count). */
export function noduleCount(obs: Observation): ClinicalValue {
  if (obs.valueInteger !== undefined) return clinicalValue(obs, obs.valueInteger, { value: obs.valueInteger, unit: '1' });
  const q = obs.valueQuantity;
  if (q?.value !== undefined && Number.isInteger(q.value) && q.value >= 0) {
    return clinicalValue(obs, q.value, { value: q.value, unit: quantityUnit(q) ?? '1' });
  }
  throw new TaceError('FHIR_NODULES_INVALID', `Nodule count ${ref(obs)} has neither valueInteger nor a non-negative integral valueQuantity`, {
    detail: { observation: ref(obs) },
  });
}
