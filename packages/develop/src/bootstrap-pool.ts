/**
 * Bootstrap internal validation of the whole pipeline (rms::validate and rms::calibrate, method
 * "boot", Efron–Gong optimism) with the resamples spread over worker threads: each resample refits
 * screening + LASSO + fusion + combined model on its rows (once, for both tables) and scores the
 * train cohort. The resamples are drawn in the main thread from one seeded generator, so the result
 * does not depend on the number of workers.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  aggregateCalibrate, aggregateValidate, apparentIndexes, bootstrapIndices, calibrationErrors, defaultPredy, mulberry32,
  type CalibrateResampleResult, type CalibrateResult, type ValidateResampleResult, type ValidateResult,
} from '@tace/modeling';
import type { DevelopConfig } from './config.ts';
import type { DevelopData } from './pipeline.ts';
import { runResamples, type BootstrapJob } from './bootstrap-work.ts';

export interface BootstrapOutcome {
  validate: ValidateResult;
  calibrate: CalibrateResult;
  workers: number;
  wallMs: number;
}

export async function bootstrapPipeline(
  d: DevelopData,
  config: DevelopConfig,
  trainRows: readonly number[],
  lpOrig: Float64Array,
  opts: { B: number; seed: number; workers?: number; onProgress?: (done: number) => void },
): Promise<BootstrapOutcome> {
  const t0 = performance.now();
  const yTrain = Uint8Array.from(trainRows, (i) => d.y[i]);
  const resamples = bootstrapIndices(trainRows.length, opts.B, mulberry32(opts.seed));
  const predy = defaultPredy(Float64Array.from(lpOrig, (v) => 1 / (1 + Math.exp(-v))));
  const workers = Math.max(1, Math.min(opts.workers ?? availableParallelism(), opts.B));
  const job: Omit<BootstrapJob, 'resamples' | 'first'> = { data: d, config, trainRows: Int32Array.from(trainRows), predy };
  const results: Array<{ validate: ValidateResampleResult; calibrate: CalibrateResampleResult }> = new Array(opts.B);
  let done = 0;
  if (workers === 1) {
    runResamples({ ...job, resamples, first: 0 }, (k, r) => {
      results[k] = r;
      opts.onProgress?.(++done);
    });
  } else {
    // contiguous blocks, one per worker; the first failure stops every worker
    const per = Math.ceil(opts.B / workers);
    const pool: Worker[] = [];
    try {
      await Promise.all(
        Array.from({ length: workers }, (_, w) => {
          const first = w * per;
          const block = resamples.slice(first, first + per);
          if (block.length === 0) return Promise.resolve();
          return new Promise<void>((resolve, reject) => {
            const worker = new Worker(new URL('./bootstrap-worker.ts', import.meta.url), { workerData: { ...job, resamples: block, first } satisfies BootstrapJob });
            pool.push(worker);
            worker.on('message', (m: { k: number; r: (typeof results)[number] }) => {
              results[m.k] = m.r;
              opts.onProgress?.(++done);
            });
            worker.once('error', reject);
            worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bootstrap worker exited with code ${code}`))));
          });
        }),
      );
    } catch (e) {
      await Promise.all(pool.map((w) => w.terminate()));
      throw e;
    }
  }
  const validate = aggregateValidate(apparentIndexes(lpOrig, yTrain), results.map((r) => r.validate));
  const calibrate = aggregateCalibrate(predy, calibrationErrors(lpOrig, yTrain, predy), results.map((r) => r.calibrate));
  return { validate, calibrate, workers, wallMs: performance.now() - t0 };
}
