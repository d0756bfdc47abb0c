/** Worker thread of `radiomics batch`: extracts one case per message, never throws across the boundary. */
import { parentPort, workerData } from 'node:worker_threads';
import { errorInfo } from '@tace/common';
import { loadReaderModule } from './io/registry.ts';
import { runCase, type BatchWorkerData, type CaseJob, type CaseResult } from './caseRunner.ts';

function failed(job: CaseJob, e: unknown): CaseResult {
  const { code, message } = errorInfo(e);
  return { index: job.index, ok: false, code, message, ms: 0 };
}

if (parentPort) {
  const port = parentPort;
  const modules = (workerData as BatchWorkerData | undefined)?.readerModules ?? [];
  // A module that fails to load fails every case with its error (recorded per row), not the pool.
  const ready = (async () => { for (const m of modules) await loadReaderModule(m); })();
  ready.catch(() => {});
  port.on('message', (job: CaseJob) => {
    void ready.then(() => runCase(job), (e: unknown) => failed(job, e)).then((r) => port.postMessage(r));
  });
}
