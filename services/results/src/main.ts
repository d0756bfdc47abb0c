/**
 * Results service: the `publish` stage worker (one FHIR transaction per run, conditional on
 * the run id) and the status/worklist REST routes.
 */
import { createFhirClient } from '@tace/fhir';
import { RedisRunRegistry, redisConnection } from '@tace/jobs';
import { bullProcessor, createStageWorker, DEFAULT_PORTS, doPublish, runService } from '@tace/pipeline';
import { buildResultsApp } from './app.ts';

await runService('results', async (cfg, log) => {
  const fhir = createFhirClient({ fhirBaseUrl: cfg.fhirBaseUrl!, ...(cfg.fhirToken ? { accessToken: cfg.fhirToken } : {}) });
  const redis = redisConnection(cfg.redisUrl!, log, 'plain');
  const registry = new RedisRunRegistry(redis);
  // One publish at a time per process; BullMQ's job id (= run id) keeps one job per run, so the
  // conditional creates of one run are never raced (they are not atomic on many servers).
  const worker = createStageWorker('publish', cfg.redisUrl!, log, bullProcessor((job, last) => doPublish({ registry, log, fhir }, job.data.runId, last)), 2);
  let shuttingDown = false;
  const app = buildResultsApp({
    log,
    registry,
    readiness: { redis: async () => ((await redis.ping()) === 'PONG' ? undefined : 'redis did not answer') },
    isShuttingDown: () => shuttingDown,
  });
  await app.listen({ host: cfg.host!, port: cfg.port ?? DEFAULT_PORTS.results });
  log.info('results ready');
  return {
    close: async () => {
      shuttingDown = true;
      await app.close();
      await worker.close();
      redis.disconnect();
    },
  };
});
