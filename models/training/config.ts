/**
 * Fixed settings of the demo study. Everything here is a choice (seed, sizes, preprocessing, the
 * external site's shift); every NUMBER of the bundle's model is fitted by `tace-risk model develop`
 * from the cohort these generate.
 */
import type { DlPreprocessing } from '@tace/models';

/** Seed of the study's patients (the demo patient uses DEMO_SEED from @tace/synthetic: not in it). */
export const COHORT_SEED = 424242;
/** Home-site patients (train + test) and external-site patients: 475 in all, as the demonstration. */
export const HOME_SIZE = Number(process.env.TACE_COHORT_HOME ?? 375);
export const EXTERNAL_SIZE = Number(process.env.TACE_COHORT_EXTERNAL ?? 100);
export const TEST_FRACTION = 0.3;
export const SPLIT_SEED = 7;

/**
 * DL input: the ROI on a 32 × 32 × 16 grid at 2 × 2 × 3 mm (64 × 64 × 48 mm, zoomed out for
 * larger lesions), HU window [−100, 1500] (liver to dense lipiodol) scaled to [0, 1].
 */
export const DL_PREPROCESSING: DlPreprocessing = {
  windowHu: [-100, 1500],
  cropMarginMm: 4,
  spacingMm: [2, 2, 3],
  size: [32, 32, 16],
  normalisation: 'window-unit',
};
