// A scoring-thread stand-in for thread-pool.test.ts: echoes, fails with a code, or crashes.
import { parentPort, workerData } from 'node:worker_threads';

if ((workerData as { failStart?: boolean }).failStart) {
  parentPort!.postMessage({ ready: false, error: { code: 'BUNDLE_CHECKSUM_MISMATCH', message: 'bad bundle' } });
} else {
  parentPort!.postMessage({ ready: true });
  parentPort!.on('message', (m: { id: number; caseKey: string }) => {
    if (m.caseKey === 'crash') throw new Error('boom');
    if (m.caseKey === 'bad') parentPort!.postMessage({ id: m.id, ok: false, code: 'MODEL_MASK_EMPTY', message: 'empty', retryable: false });
    else setTimeout(() => parentPort!.postMessage({ id: m.id, ok: true, result: { caseKey: m.caseKey } }), Number(m.caseKey.split(':')[1] ?? 0));
  });
}
