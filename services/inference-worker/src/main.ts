/**
 * Inference worker: consumes `infer` jobs, scores each case in a scoring thread (radiomics,
 * ONNX, fusion, nomogram), stores the score in the run record and queues `publish`.
 * Scale horizontally on the depth of the infer queue.
 */
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { resolve } from 'node:path';
import { RedisRunRegistry, redisConnection } from '@tace/jobs';
import { healthRoutes, installProblemHandler, quietRequests } from '@tace/http';
import { bullProcessor, closeQueues, createQueues, createStageWorker, DEFAULT_PORTS, doInfer, enqueueStage, runService, watchFailedJobs } from '@tace/pipeline';
import { ScoringPool } from './thread-pool.ts';

await runService('inference-worker', async (cfg, log) => {
  const concurrency = cfg.inferConcurrency ?? 1;
  const pool = new ScoringPool(new URL('./score-thread.ts', import.meta.url), concurrency, {
    bundleDir: resolve(cfg.modelBundleDir!),
    caseStoreDir: resolve(cfg.caseStoreDir!),
  });
  await pool.ready(); // a bundle that fails its checks stops the worker here, loudly
  const redis = redisConnection(cfg.redisUrl!, log, 'plain');
  const registry = new RedisRunRegistry(redis);
  const queues = createQueues(cfg.redisUrl!, log);
  const ctx = { registry, log, score: (caseKey: string, runId: string) => pool.run({ caseKey, runId }) };
  const next = (stage: 'ingest' | 'infer' | 'publish', runId: string, payload: Record<string, unknown>) => enqueueStage(queues, stage, runId, payload);
  const worker = createStageWorker('infer', cfg.redisUrl!, log, bullProcessor((job, last) => doInfer(ctx, next, job.data.runId, String(job.data.caseKey), last)), concurrency);
  const failures = watchFailedJobs('infer', cfg.redisUrl!, registry, log);

  let shuttingDown = false;
  const app = Fastify({ loggerInstance: log as FastifyBaseLogger, logController: quietRequests() });
  installProblemHandler(app);
  healthRoutes(app, 'inference-worker', {
    redis: async () => ((await redis.ping()) === 'PONG' ? undefined : 'redis did not answer'),
    worker: async () => (worker.isRunning() ? undefined : 'queue consumer not running'),
  }, () => shuttingDown);
  await app.listen({ host: cfg.host!, port: cfg.port ?? DEFAULT_PORTS['inference-worker'] });
  log.info({ concurrency }, 'inference worker ready');
  return {
    close: async () => {
      shuttingDown = true;
      await worker.close(); // waits for the running job to finish
      await failures.close();
      await app.close();
      await pool.close();
      await closeQueues(queues);
      redis.disconnect();
    },
  };
});
