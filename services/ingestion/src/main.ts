/**
 * Ingestion service: REST submissions and the FHIR rest-hook, plus the `ingest` stage worker
 * (I/O bound: FHIR reads, DICOM assembly, case store write), which queues `infer`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createFhirClient } from '@tace/fhir';
import { DirCaseStore, RedisRunRegistry, redisConnection, type RunRecord } from '@tace/jobs';
import { validateManifest } from '@tace/models';
import {
  bullProcessor,
  closeQueues,
  createQueues,
  createStageWorker,
  DEFAULT_PORTS,
  doIngest,
  enqueueStage,
  requeueStage,
  runService,
  studySourceFrom,
  submitAssessment,
} from '@tace/pipeline';
import { buildIngestionApp } from './app.ts';

await runService('ingestion', async (cfg, log) => {
  const manifest = validateManifest(JSON.parse(await readFile(join(cfg.modelBundleDir!, 'manifest.json'), 'utf8')));
  const model = { id: manifest.id, version: manifest.version };
  const fhir = createFhirClient({ fhirBaseUrl: cfg.fhirBaseUrl!, ...(cfg.fhirToken ? { accessToken: cfg.fhirToken } : {}) });
  const studies = studySourceFrom(cfg);
  const cases = new DirCaseStore(cfg.caseStoreDir!);
  const redis = redisConnection(cfg.redisUrl!, log, 'plain');
  const registry = new RedisRunRegistry(redis);
  const queues = createQueues(cfg.redisUrl!, log);
  const clinical = {
    windowDaysBefore: cfg.windowBeforeDays,
    windowDaysAfter: cfg.windowAfterDays,
    noduleCoding: { system: cfg.noduleSystem!, code: cfg.noduleCode! },
    ...(cfg.afpIuPerMlToNgPerMl ? { afpIuPerMlToNgPerMl: cfg.afpIuPerMlToNgPerMl } : {}),
  };
  const stageCtx = { registry, log, fhir, studies, cases, clinical, cropMarginMm: cfg.cropMarginMm ?? 20 };
  const next = (stage: 'ingest' | 'infer' | 'publish', runId: string, payload: Record<string, unknown>) => enqueueStage(queues, stage, runId, payload);
  const worker = createStageWorker('ingest', cfg.redisUrl!, log, bullProcessor((job, last) => doIngest(stageCtx, next, job.data.runId, last)), 4);

  let shuttingDown = false;
  const app = buildIngestionApp({
    log,
    registry,
    fhir,
    webhookSecret: cfg.webhookSecret!,
    ...(cfg.publicBaseUrl ? { publicResultsUrl: cfg.publicBaseUrl } : {}),
    submit: (req) => submitAssessment({ fhir, studies, registry, model, log }, { start: (runId) => enqueueStage(queues, 'ingest', runId, {}) }, req),
    replay: async (rec: RunRecord) => {
      const stage = rec.error?.stage ?? rec.stage;
      await registry.update(rec.runId, { status: 'queued', stage, error: null });
      await requeueStage(queues, stage, rec.runId, stage === 'infer' ? { caseKey: rec.caseKey } : {});
    },
    readiness: {
      redis: async () => ((await redis.ping()) === 'PONG' ? undefined : 'redis did not answer'),
    },
    isShuttingDown: () => shuttingDown,
  });
  await app.listen({ host: cfg.host!, port: cfg.port ?? DEFAULT_PORTS.ingestion });
  log.info({ model }, 'ingestion ready');
  return {
    close: async () => {
      shuttingDown = true;
      await app.close();
      await worker.close();
      await closeQueues(queues);
      redis.disconnect();
    },
  };
});
