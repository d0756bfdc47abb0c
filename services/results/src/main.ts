/**
 * Results service: the `publish` stage worker (one FHIR transaction per run, conditional on
 * the run id) and the status/worklist REST routes.
 */
import { publicJwks } from '@tace/fhir';
import { RedisRunRegistry, redisConnection } from '@tace/jobs';
import { bullProcessor, createStageWorker, DEFAULT_PORTS, doPublish, fhirAuthFrom, fhirClientFrom, fhirReadiness, runService, tokenVerifierFrom, watchFailedJobs } from '@tace/pipeline';
import { buildResultsApp } from './app.ts';

await runService('results', async (cfg, log) => {
  const fhirAuth = await fhirAuthFrom(cfg);
  const fhir = await fhirClientFrom(cfg, fhirAuth);
  const redis = redisConnection(cfg.redisUrl!, log, 'plain');
  const httpRedis = redisConnection(cfg.redisUrl!, log, 'fail-fast');
  const registry = new RedisRunRegistry(redis);
  // One publish at a time per process; BullMQ's job id (= run id) keeps one job per run, so the
  // conditional creates of one run are never raced (they are not atomic on many servers).
  const worker = createStageWorker('publish', cfg.redisUrl!, log, bullProcessor((job, last) => doPublish({ registry, log, fhir }, job.data.runId, last)), 2);
  const failures = watchFailedJobs('publish', cfg.redisUrl!, registry, log);
  let shuttingDown = false;
  const app = await buildResultsApp({
    log,
    registry: new RedisRunRegistry(httpRedis),
    auth: tokenVerifierFrom(cfg),
    ...(cfg.rateLimitPerMinute ? { rateLimitPerMinute: cfg.rateLimitPerMinute } : {}),
    readiness: {
      redis: async () => ((await httpRedis.ping()) === 'PONG' ? undefined : 'redis did not answer'),
      fhir: fhirReadiness(fhir),
    },
    isShuttingDown: () => shuttingDown,
    ...(fhirAuth.mode === 'private-key-jwt' ? { jwks: publicJwks(fhirAuth.keys) } : {}),
  });
  await app.listen({ host: cfg.host!, port: cfg.port ?? DEFAULT_PORTS.results });
  log.info({ auth: cfg.auth ? 'on' : 'off' }, 'results ready');
  return {
    close: async () => {
      shuttingDown = true;
      await app.close();
      await worker.close();
      await failures.close();
      redis.disconnect();
      httpRedis.disconnect();
    },
  };
});
