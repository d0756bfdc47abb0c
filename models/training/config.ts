/**
 * Fixed settings of the demo bundle's training run. Everything here is a choice (seed, sizes,
 * preprocessing); every NUMBER of the bundle's model is fitted from the cohort these generate.
 */
import type { DlPreprocessing } from '@tace/models';

/** Seed of the training cohort (the demo patient uses DEMO_SEED from @tace/synthetic: not in it). */
export const COHORT_SEED = 424242;
export const COHORT_SIZE = Number(process.env.TACE_COHORT_SIZE ?? 400);
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

export const BUNDLE_ID = 'tace-synthetic-demo';
export const BUNDLE_VERSION = '0.1.0';
