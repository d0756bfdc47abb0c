/**
 * Worker-thread body for `computeImageTypesParallel`: runs one image type on the image and mask it
 * is sent and returns the derived images, transferring their buffers back (no copies).
 */
import { parentPort } from 'node:worker_threads';
import type { LabelMap, Volume } from '@tace/common';
import { IMAGE_TYPES } from './index.ts';

export interface ImageTypeJobMessage {
  id: number;
  type: string;
  opts: Record<string, unknown>;
  image: Volume<Float64Array>;
  mask: LabelMap;
}

parentPort?.on('message', (msg: ImageTypeJobMessage) => {
  try {
    const fn = IMAGE_TYPES[msg.type];
    if (!fn) throw new Error(`unknown image type ${msg.type}`);
    const out = fn(msg.image, msg.mask, msg.opts);
    parentPort!.postMessage({ id: msg.id, out }, out.map((d) => d.image.data.buffer as ArrayBuffer));
  } catch (e) {
    const err = e as { code?: string; message?: string; detail?: unknown };
    parentPort!.postMessage({ id: msg.id, error: { code: err.code ?? 'RADIOMICS_FILTER_FAILED', message: err.message ?? String(e), detail: err.detail } });
  }
});
