/** Worker of extractFeaturesParallel: image and mask arrive once in shared memory, then one image type per message. */
import { parentPort, workerData } from 'node:worker_threads';
import { errorInfo } from '@tace/common';
import type { LabelMap } from '@tace/common';
import { extractFeatures } from './extractor.ts';
import { fromShared, type ImageTypeResult, type ImageTypeTask, type SharedVolume } from './parallel.ts';

if (parentPort) {
  const port = parentPort;
  const shared = workerData as { image: SharedVolume; mask: SharedVolume };
  const image = fromShared(shared.image);
  const mask = fromShared(shared.mask) as LabelMap;
  port.on('message', (t: ImageTypeTask) => {
    let r: ImageTypeResult;
    try {
      const { id: _id, params, ...opts } = t; // (label, filterOnRoiBox: ExtractOptions)
      r = { id: t.id, features: extractFeatures(image, mask, params, opts) };
    } catch (e) {
      const { code, message } = errorInfo(e);
      r = { id: t.id, error: { code, message } };
    }
    port.postMessage(r);
  });
}
