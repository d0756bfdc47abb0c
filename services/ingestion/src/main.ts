/**
 * Ingestion service: REST submissions and the FHIR rest-hook, plus the `ingest` stage worker
 * (I/O bound: FHIR reads, DICOM assembly, case store write), which queues `infer`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DirCaseStore, RedisRunRegistry, RedisWebhookReceipts, redisConnection } from '@tace/jobs';
import { validateManifest } from '@tace/models';
import {
  bullProcessor,
  cancelRun,
  closeQueues,
  createQueues,
  createStageWorker,
  DEFAULT_PORTS,
  doIngest,
  enqueueStage,
  fhirAuthFrom, fhirClientFrom,
  fhirReadiness,
  replayRun,
  retractRun,
  runService,
  studySourceFrom,
  submitAssessment,
  tokenVerifierFrom,
  watchFailedJobs,
} from '@tace/pipeline';
import { buildIngestionApp } from './app.ts';

await runService('ingestion', async (cfg, log) => {
  const manifest = validateManifest(JSON.parse(await readFile(join(cfg.modelBundleDir!, 'manifest.json'), 'utf8')));
  const model = { id: manifest.id, version: manifest.version };
  const fhirAuth = await fhirAuthFrom(cfg);
  const fhir = await fhirClientFrom(cfg, fhirAuth);
  const studies = studySourceFrom(cfg);
  const cases = new DirCaseStore(cfg.caseStoreDir!);
  // Stages wait out a Redis blip (offline queue); HTTP requests answer 503 at once instead.
  const redis = redisConnection(cfg.redisUrl!, log, 'plain');
  const httpRedis = redisConnection(cfg.redisUrl!, log, 'fail-fast');
  const registry = new RedisRunRegistry(redis);
  const httpRegistry = new RedisRunRegistry(httpRedis);
  const queues = createQueues(cfg.redisUrl!, log);
  const clinical = {
    windowDaysBefore: cfg.windowBeforeDays,
    windowDaysAfter: cfg.windowAfterDays,
    noduleCoding: { system: cfg.noduleSystem!, code: cfg.noduleCode! },
    ...(cfg.afpIuPerMlToNgPerMl ? { afpIuPerMlToNgPerMl: cfg.afpIuPerMlToNgPerMl } : {}),
  };
  const identity = { patientIdSystems: cfg.patientIdSystems!, ...(cfg.patientIdIssuers ? { issuers: cfg.patientIdIssuers } : {}) };
  const stageCtx = { registry, log, fhir, studies, cases, clinical, identity, cropMarginMm: cfg.cropMarginMm ?? 20 };
  const next = (stage: 'ingest' | 'infer' | 'publish', runId: string, payload: Record<string, unknown>) => enqueueStage(queues, stage, runId, payload);
  const worker = createStageWorker('ingest', cfg.redisUrl!, log, bullProcessor((job, last) => doIngest(stageCtx, next, job.data.runId, last)), 4);
  const failures = watchFailedJobs('ingest', cfg.redisUrl!, registry, log);
  void studies.warm?.().catch((e: unknown) => log.warn({ err: { message: (e as Error).message } }, 'study index not built at start-up; built at the first request'));

  let shuttingDown = false;
  const lifecycle = { registry: httpRegistry, log, queues, fhir };
  const app = await buildIngestionApp({
    log,
    registry: httpRegistry,
    fhir,
    auth: tokenVerifierFrom(cfg),
    ...(cfg.authIssuer ? { authIssuer: cfg.authIssuer } : {}),
    ...(cfg.rateLimitPerMinute ? { rateLimitPerMinute: cfg.rateLimitPerMinute } : {}),
    webhookSecrets: [cfg.webhookSecret!, ...(cfg.webhookSecretPrevious ? [cfg.webhookSecretPrevious] : [])],
    webhookToleranceS: cfg.webhookToleranceS ?? 300,
    receipts: new RedisWebhookReceipts(httpRedis, 2 * (cfg.webhookToleranceS ?? 300) + 60),
    ...(cfg.publicBaseUrl ? { publicResultsUrl: cfg.publicBaseUrl } : {}),
    submit: (req) => submitAssessment({ fhir, studies, registry: httpRegistry, model, log }, { start: (runId) => enqueueStage(queues, 'ingest', runId, {}) }, req),
    replay: (runId) => replayRun(lifecycle, runId),
    cancel: (runId, by, reason) => cancelRun(lifecycle, runId, by, reason),
    retract: (runId, by, reason) => retractRun(lifecycle, runId, by, reason),
    readiness: {
      redis: async () => ((await httpRedis.ping()) === 'PONG' ? undefined : 'redis did not answer'),
      fhir: fhirReadiness(fhir),
    },
    isShuttingDown: () => shuttingDown,
  });
  await app.listen({ host: cfg.host!, port: cfg.port ?? DEFAULT_PORTS.ingestion });
  log.info({ model, auth: cfg.auth ? 'on' : 'off' }, 'ingestion ready');
  return {
    close: async () => {
      shuttingDown = true;
      await app.close();
      await worker.close();
      await failures.close();
      await closeQueues(queues);
      redis.disconnect();
      httpRedis.disconnect();
    },
  };
});
