/**
 * A scoring thread: loads the model bundle once, then scores cases by key. Runs the radiomics
 * engine and onnxruntime off the worker's main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { errorInfo } from '@tace/common';
import { DirCaseStore } from '@tace/jobs';
import { loadModelBundle, type ModelBundle } from '@tace/models';
import { scoreStoredCase } from '@tace/pipeline';

const { bundleDir, caseStoreDir } = workerData as { bundleDir: string; caseStoreDir: string };
const cases = new DirCaseStore(caseStoreDir);
let bundle: ModelBundle;
try {
  bundle = await loadModelBundle(bundleDir);
  parentPort!.postMessage({ ready: true });
} catch (e) {
  const { code, message } = errorInfo(e);
  parentPort!.postMessage({ ready: false, error: { code, message } });
  process.exit(1);
}

parentPort!.on('message', (m: { id: number; caseKey: string }) => {
  scoreStoredCase(bundle, cases, m.caseKey).then(
    (result) => parentPort!.postMessage({ id: m.id, ok: true, result }),
    (e: unknown) => {
      const { code, message, retryable } = errorInfo(e);
      parentPort!.postMessage({ id: m.id, ok: false, code, message, retryable });
    },
  );
});
