/** Worker thread of `radiomics batch`: extracts one case per message, never throws across the boundary. */
import { parentPort } from 'node:worker_threads';
import { errorInfo } from '@tace/common';
import { extractFeatures } from './extractor.ts';
import { readImageFile, readLabelMapFile } from './io/index.ts';
import { parseParams } from './params.ts';
import { extractFeaturesParallel } from './parallel.ts';

export interface CaseJob {
  index: number;
  paramsText: string;
  image: string;
  mask: string;
  label?: number;
}

export type CaseResult =
  | { index: number; ok: true; features: Record<string, number | string>; ms: number }
  | { index: number; ok: false; code: string; message: string; ms: number };

/** One case; `parallelImageTypes` spreads its image types over worker threads (single-case CLI runs). */
export async function runCase(job: CaseJob, parallelImageTypes = false): Promise<CaseResult> {
  const t0 = performance.now();
  try {
    const params = parseParams(job.paramsText);
    const [image, mask] = await Promise.all([readImageFile(job.image), readLabelMapFile(job.mask)]);
    const opts = job.label === undefined ? {} : { label: job.label };
    const features = parallelImageTypes
      ? await extractFeaturesParallel(image, mask, params, opts)
      : extractFeatures(image, mask, params, opts);
    return { index: job.index, ok: true, features, ms: performance.now() - t0 };
  } catch (e) {
    const { code, message } = errorInfo(e);
    return { index: job.index, ok: false, code, message, ms: performance.now() - t0 };
  }
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (job: CaseJob) => {
    void runCase(job).then((r) => port.postMessage(r));
  });
}
