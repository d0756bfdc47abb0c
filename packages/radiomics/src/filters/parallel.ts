/**
 * Image types computed on worker threads. The engine stays synchronous (IMAGE_TYPES); this is for
 * callers that can await and have cores to spare: each job (one image type with its options —
 * split LoG per sigma to balance) runs on a worker, results come back in job order, identical to
 * the sequential ones (same code, same arithmetic).
 */
import { availableParallelism } from 'node:os';
import { TaceError } from '@tace/common';
import type { LabelMap, Volume } from '@tace/common';
import type { DerivedImage } from './types.ts';

export interface ImageTypeJob {
  /** PyRadiomics image-type key, as in IMAGE_TYPES ('LoG', 'Wavelet', …). */
  type: string;
  opts: Record<string, unknown>;
}

interface Reply {
  id: number;
  out?: DerivedImage[];
  error?: { code: string; message: string; detail?: Record<string, unknown> };
}

/**
 * Run `jobs` on up to `maxWorkers` worker threads (default: available cores − 1, at least 1) and
 * return, per job, its derived images. The image and mask are copied once to each worker.
 */
export async function computeImageTypesParallel(
  image: Volume<Float64Array>,
  mask: LabelMap,
  jobs: ImageTypeJob[],
  maxWorkers = Math.max(1, availableParallelism() - 1),
): Promise<DerivedImage[][]> {
  const results: DerivedImage[][] = new Array(jobs.length);
  if (jobs.length === 0) return results;
  const nWorkers = Math.min(maxWorkers, jobs.length);
  const url = new URL('./image-type-worker.ts', import.meta.url);
  // inherit the parent's flags except those that only apply to a main script given on the command line
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type') && a !== '-e' && a !== '--eval');
  // worker_threads loaded on use: the CLI bundle holds this module, and most runs start no worker
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  const workers = Array.from({ length: nWorkers }, () => new Worker(url, { execArgv }));
  let next = 0;
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              if (next >= jobs.length) return resolve();
              const id = next++;
              w.postMessage({ id, type: jobs[id].type, opts: jobs[id].opts, image, mask });
            };
            w.on('message', (r: Reply) => {
              if (r.error) return reject(new TaceError(r.error.code, r.error.message, { detail: r.error.detail }));
              results[r.id] = r.out!;
              send();
            });
            w.on('error', (e) => reject(new TaceError('RADIOMICS_FILTER_WORKER_FAILED', `image-type worker failed: ${e.message}`, { cause: e })));
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
