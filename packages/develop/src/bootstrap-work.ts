/** One block of bootstrap resamples of the whole pipeline (runs in a worker thread or inline). */
import { calibrateResample, validateResample, type CalibrateResampleResult, type FitPipeline, type ValidateResampleResult } from '@tace/modeling';
import type { DevelopConfig } from './config.ts';
import { fitPipeline, predictPipeline, type DevelopData } from './pipeline.ts';

export interface BootstrapJob {
  data: DevelopData;
  config: DevelopConfig;
  /** Global row numbers of the train cohort; resample indices are positions in it. */
  trainRows: Int32Array;
  predy: number[];
  resamples: Int32Array[];
  /** Index of resamples[0] in the whole set. */
  first: number;
}

export function runResamples(job: BootstrapJob, emit: (k: number, r: { validate: ValidateResampleResult; calibrate: CalibrateResampleResult }) => void): void {
  const { data, config, trainRows } = job;
  const yTrain = Uint8Array.from(trainRows, (i) => data.y[i]);
  const toGlobal = (local: ArrayLike<number>) => Array.from(local, (k) => trainRows[k]);
  // One fit per resample serves both tables (validateResample and calibrateResample ask for the same rows).
  const cache = new WeakMap<Int32Array, (rows: Int32Array) => Float64Array>();
  const fit: FitPipeline = (rows) => {
    const hit = cache.get(rows);
    if (hit) return hit;
    const f = fitPipeline(data, config, toGlobal(rows));
    const predict = (r: Int32Array) => predictPipeline(f, data, toGlobal(r)).combinedLp;
    cache.set(rows, predict);
    return predict;
  };
  job.resamples.forEach((rows, k) => {
    const validate = validateResample(yTrain, fit, rows, { scale: 'logit' });
    const calibrate = calibrateResample(yTrain, fit, rows, job.predy, { scale: 'logit' });
    emit(job.first + k, { validate, calibrate });
  });
}
