import { CLINICAL_PARAMS } from './clinical-params.ts';
import type { Rng } from './random.ts';

export interface SyntheticClinical {
  /** Serum AFP, ng/mL: log-normal fitted to HCC-TACE-Seg `AFP`, rounded to 0.1. */
  afpNgPerMl: number;
  /** Largest tumour dimension, mm: log-normal fitted to HCC-TACE-Seg `Tr_Size`, rounded to 1 mm. */
  tumourSizeMm: number;
  /**
   * Number of nodules. The table only says uni-/multinodular (share fitted); the count of a
   * multinodular liver is NOT in the table: we assume 2 + Poisson(1), capped at 6.
   */
  noduleCount: number;
  ageYears: number;
  sex: 'male' | 'female';
}

/** Tumour sizes are clipped to this range, mm (the table's own range is 8–200 mm). */
export const TUMOUR_SIZE_RANGE_MM: [number, number] = [8, 200];
/** AFP is clipped to this range, ng/mL (the table's own range is 1.4–566 530). */
export const AFP_RANGE_NG_PER_ML: [number, number] = [1, 600_000];

export function drawClinical(rng: Rng): SyntheticClinical {
  const p = CLINICAL_PARAMS;
  const sizeMm = Math.exp(p.tumourSizeLogMm.mu + p.tumourSizeLogMm.sigma * rng.normal());
  const afp = Math.exp(p.afpLogNgPerMl.mu + p.afpLogNgPerMl.sigma * rng.normal());
  const multinodular = rng.uniform() < p.multinodularFraction;
  const noduleCount = multinodular ? Math.min(6, 2 + rng.poisson(1)) : 1;
  const age = p.ageYears.mean + p.ageYears.sd * rng.normal();
  const sex = rng.uniform() < p.maleFraction ? 'male' : 'female';
  return {
    afpNgPerMl: Math.round(clamp(afp, AFP_RANGE_NG_PER_ML) * 10) / 10,
    tumourSizeMm: Math.round(clamp(sizeMm, TUMOUR_SIZE_RANGE_MM)),
    noduleCount,
    ageYears: Math.round(clamp(age, [25, 95])),
    sex,
  };
}

function clamp(x: number, [lo, hi]: [number, number]): number {
  return Math.max(lo, Math.min(hi, x));
}
