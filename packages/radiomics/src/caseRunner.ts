/**
 * One `radiomics extract` / `radiomics batch` case: read image and mask, extract, and return the features or
 * the stable error code (never throws). Used by the CLI on the main thread and by the batch workers
 * (batchWorker.ts); kept apart from the worker entry so that a one-case run never loads worker_threads.
 */
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
  /** Series to read when the image source holds several (a DICOM folder: SeriesInstanceUID). */
  series?: string;
  /** Segment / ROI of a multi-segment mask (DICOM SEG, RTSTRUCT): number or name. */
  segment?: string;
}

/** What `radiomics batch` passes to each worker thread. */
export interface BatchWorkerData {
  /** Modules registering extra image/mask readers (see io/registry.ts), imported before the first case. */
  readerModules: string[];
}

export type CaseResult =
  | { index: number; ok: true; features: Record<string, number | string>; ms: number }
  | { index: number; ok: false; code: string; message: string; ms: number };

/** Milliseconds from a monotonic clock (process.hrtime: the `performance` global loads perf_hooks, ~9 modules). */
function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** One case; `parallelImageTypes` spreads its image types over worker threads (single-case CLI runs). */
export async function runCase(job: CaseJob, parallelImageTypes = false): Promise<CaseResult> {
  const t0 = nowMs();
  try {
    const params = parseParams(job.paramsText);
    // A DICOM SEG / RTSTRUCT mask is rasterised onto the image's grid, so the mask read may wait for the image.
    const imageP = readImageFile(job.image, job.series === undefined ? {} : { series: job.series });
    const maskP = readLabelMapFile(job.mask, { reference: imageP, label: job.label, segment: job.segment });
    const [image, mask] = await Promise.all([imageP, maskP]);
    const opts = job.label === undefined ? {} : { label: job.label };
    const features = parallelImageTypes
      ? await extractFeaturesParallel(image, mask, params, opts)
      : extractFeatures(image, mask, params, opts);
    return { index: job.index, ok: true, features, ms: nowMs() - t0 };
  } catch (e) {
    const { code, message } = errorInfo(e);
    return { index: job.index, ok: false, code, message, ms: nowMs() - t0 };
  }
}
