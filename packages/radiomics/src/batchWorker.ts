/** Worker thread of `radiomics batch`: extracts one case per message, never throws across the boundary. */
import { parentPort } from 'node:worker_threads';
import { errorInfo } from '@tace/common';
import { extractFeatures } from './extractor.ts';
import { readImageFile, readLabelMapFile } from './io/index.ts';
import { parseParams } from './params.ts';

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

export async function runCase(job: CaseJob): Promise<CaseResult> {
  const t0 = performance.now();
  try {
    const params = parseParams(job.paramsText);
    const [image, mask] = await Promise.all([readImageFile(job.image), readLabelMapFile(job.mask)]);
    const features = extractFeatures(image, mask, params, job.label === undefined ? {} : { label: job.label });
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
