/** Worker thread of bootstrap-pool.ts: runs its block of resamples and posts each result. */
import { parentPort, workerData } from 'node:worker_threads';
import { runResamples, type BootstrapJob } from './bootstrap-work.ts';

runResamples(workerData as BootstrapJob, (k, r) => parentPort?.postMessage({ k, r }));
