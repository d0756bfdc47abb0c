/**
 * Acquisition sites for multi-cohort synthetic studies. The training and test cohorts come from
 * the home site; an external validation cohort comes from a site with a documented shift:
 *
 * - scanner shift: another vendor's calibration and reconstruction — every voxel offset by
 *   `huOffset` HU and extra white noise of SD `extraNoiseSdHu` HU added after rendering (a sharper
 *   kernel / lower dose), drawn from its own random stream;
 * - population shift: a referral centre's case mix — tumour size multiplied by `tumourSizeFactor`
 *   and AFP by `afpFactor` before the outcome is drawn (so the event rate follows the generative
 *   outcome model, not a chosen prevalence).
 *
 * The home site is the identity (all patients of a cohort seed as generatePatient makes them).
 */
import { TUMOUR_SIZE_RANGE_MM, AFP_RANGE_NG_PER_ML } from './clinical.ts';
import { drawOutcome } from './outcome.ts';
import { generatePatientRecord, type SyntheticPatient, type SyntheticPatientRecord } from './patient.ts';
import { renderPhantom } from './phantom.ts';
import { Rng } from './random.ts';

export interface SiteProfile {
  name: string;
  huOffset: number;
  extraNoiseSdHu: number;
  tumourSizeFactor: number;
  afpFactor: number;
}

export const HOME_SITE: SiteProfile = { name: 'home', huOffset: 0, extraNoiseSdHu: 0, tumourSizeFactor: 1, afpFactor: 1 };
/** The external site of the demonstration study: +15 HU calibration, +10 HU noise, 15 % larger tumours, 2× AFP. */
export const EXTERNAL_SITE: SiteProfile = { name: 'external', huOffset: 15, extraNoiseSdHu: 10, tumourSizeFactor: 1.15, afpFactor: 2 };

const SITE_STREAM = { outcome: 11, scanner: 12 } as const;
/** patient.ts's image stream, so a patient's lesion texture is the same at every site. */
const IMAGE_STREAM = 3;
const clamp = (v: number, [lo, hi]: [number, number]) => Math.min(hi, Math.max(lo, v));

/** The patient's record at `site`: the population shift applied to the clinical values, outcome drawn after it. */
export function generateSiteRecord(seed: number, index: number, site: SiteProfile = HOME_SITE): SyntheticPatientRecord {
  const record = generatePatientRecord(seed, index);
  if (site.tumourSizeFactor === 1 && site.afpFactor === 1) return record;
  const clinical = {
    ...record.clinical,
    tumourSizeMm: Math.round(clamp(record.clinical.tumourSizeMm * site.tumourSizeFactor, TUMOUR_SIZE_RANGE_MM)),
    afpNgPerMl: Math.round(clamp(record.clinical.afpNgPerMl * site.afpFactor, AFP_RANGE_NG_PER_ML) * 10) / 10,
  };
  const outcome = drawOutcome(new Rng(seed, index, SITE_STREAM.outcome), record.latent, clinical);
  return { ...record, clinical, outcome };
}

/** The patient rendered at `site` (scanner shift on the CT, population shift on the record). */
export function generateSitePatient(seed: number, index: number, site: SiteProfile = HOME_SITE): SyntheticPatient {
  const record = generateSiteRecord(seed, index, site);
  // Rendered from the (shifted) size and nodules with the home site's image stream: same texture.
  const phantom = renderPhantom(new Rng(seed, index, IMAGE_STREAM), record.latent, record.clinical.tumourSizeMm, record.clinical.noduleCount);
  const p: SyntheticPatient = { ...record, ct: phantom.ct, mask: phantom.mask, renderedDiameterMm: phantom.renderedDiameterMm };
  if (site.huOffset === 0 && site.extraNoiseSdHu === 0) return p;
  const rng = new Rng(seed, index, SITE_STREAM.scanner);
  const data = p.ct.data;
  const out = new Int16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.max(-1024, Math.min(3071, Math.round(data[i] + site.huOffset + site.extraNoiseSdHu * rng.normal())));
  return { ...p, ct: { ...p.ct, data: out } };
}
