/**
 * The data-generating truth of the SIMULATION: how the synthetic outcome (distant metastasis
 * within follow-up) depends on the synthetic patient. These coefficients are chosen by us to make
 * a learnable demo task; they are NOT clinical coefficients and say nothing about real patients.
 *
 *   logit = β0 + βh·z_h + βc·z_c + βs·z_s + βm·[nodules > 1] + βa·z_a
 *   z_h = (heterogeneity − 0.5) / 0.2887        heterogeneity ~ U(0,1)  → unit variance
 *   z_c = (0.6 − lipiodolCoverage) / 0.2309      coverage ~ U(0.2,1)     → incomplete coverage ↑ risk
 *   z_s = (ln sizeMm − μ_size) / σ_size          μ, σ: the fitted log-normal of tumour size
 *   z_a = (ln AFP − μ_afp) / σ_afp               μ, σ: the fitted log-normal of AFP (ln ng/mL)
 *   P(metastasis) = 1 / (1 + e^(−logit)); outcome ~ Bernoulli(P)
 */
import { CLINICAL_PARAMS } from './clinical-params.ts';
import type { SyntheticClinical } from './clinical.ts';
import type { LesionLatent } from './phantom.ts';
import type { Rng } from './random.ts';

export const OUTCOME_MODEL = {
  intercept: -1.6,
  heterogeneity: 1.5,
  incompleteLipiodol: 1.2,
  logTumourSize: 0.7,
  multinodular: 0.8,
  logAfp: 0.6,
} as const;

export interface SyntheticOutcome {
  logit: number;
  probability: number;
  distantMetastasis: boolean;
}

export function outcomeLogit(latent: LesionLatent, clinical: SyntheticClinical): number {
  const b = OUTCOME_MODEL;
  const p = CLINICAL_PARAMS;
  const zH = (latent.heterogeneity - 0.5) / 0.2887;
  const zC = (0.6 - latent.lipiodolCoverage) / 0.2309;
  const zS = (Math.log(clinical.tumourSizeMm) - p.tumourSizeLogMm.mu) / p.tumourSizeLogMm.sigma;
  const zA = (Math.log(clinical.afpNgPerMl) - p.afpLogNgPerMl.mu) / p.afpLogNgPerMl.sigma;
  const multi = clinical.noduleCount > 1 ? 1 : 0;
  return b.intercept + b.heterogeneity * zH + b.incompleteLipiodol * zC + b.logTumourSize * zS + b.multinodular * multi + b.logAfp * zA;
}

export function drawOutcome(rng: Rng, latent: LesionLatent, clinical: SyntheticClinical): SyntheticOutcome {
  const logit = outcomeLogit(latent, clinical);
  const probability = 1 / (1 + Math.exp(-logit));
  return { logit, probability, distantMetastasis: rng.uniform() < probability };
}
