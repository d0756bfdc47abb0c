/**
 * Ingestion service: REST submissions and the FHIR rest-hook, plus the `ingest` stage worker
 * (I/O bound: FHIR reads, DICOM assembly, case store write), which queues `infer`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TaceError } from '@tace/common';
import { ReceivedStore, StorageScp } from '@tace/dicom';
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
  createReadAuditSink, fhirAuthFrom, fhirClientFrom,
  fhirReadiness,
  handleStableStudy,
  studyFailures,
  OrthancChangesPoller,
  replayRun,
  StudyTracker,
  retractRun,
  RedisSubscriptionStore,
  runService,
  SubscriptionProcessor,
  studySourceFrom,
  submitAssessment,
  tokenVerifierFrom,
  watchFailedJobs,
} from '@tace/pipeline';
import { buildIngestionApp, triggerFromResource } from './app.ts';

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
  const seriesRules = {
    ...(cfg.seriesDescriptionInclude ? { descriptionInclude: cfg.seriesDescriptionInclude } : {}),
    ...(cfg.seriesDescriptionExclude ? { descriptionExclude: cfg.seriesDescriptionExclude } : {}),
    ...(cfg.seriesPhasePreference ? { phasePreference: cfg.seriesPhasePreference } : {}),
    ...(cfg.seriesMinSlices ? { minSlices: cfg.seriesMinSlices } : {}),
    ...(cfg.seriesSliceThicknessMm ? { minSliceThicknessMm: cfg.seriesSliceThicknessMm.min, maxSliceThicknessMm: cfg.seriesSliceThicknessMm.max } : {}),
    afterTace: cfg.seriesAfterTace ?? true,
  };
  const stageCtx = { registry, log, fhir, studies, cases, clinical, identity, cropMarginMm: cfg.cropMarginMm ?? 20, seriesRules, gantryTilt: cfg.gantryTilt ?? 'resample' };
  const next = (stage: 'ingest' | 'infer' | 'publish', runId: string, payload: Record<string, unknown>) => enqueueStage(queues, stage, runId, payload);
  const worker = createStageWorker('ingest', cfg.redisUrl!, log, bullProcessor((job, last) => doIngest(stageCtx, next, job.data.runId, last)), 4);
  const failures = watchFailedJobs('ingest', cfg.redisUrl!, registry, log);
  void studies.warm?.().catch((e: unknown) => log.warn({ err: { message: (e as Error).message } }, 'study index not built at start-up; built at the first request'));

  let shuttingDown = false;
  const lifecycle = { registry: httpRegistry, log, queues, fhir };
  const submit = (req: Parameters<typeof submitAssessment>[2]) =>
    submitAssessment({ fhir, studies, registry: httpRegistry, model, log }, { start: (runId) => enqueueStage(queues, 'ingest', runId, {}) }, req);
  // Topic-based Subscriptions: state in Redis (the plain connection: a recovery waits out a blip)
  const subscriptionStore = new RedisSubscriptionStore(redis);
  const subscriptionProcessor = new SubscriptionProcessor({
    store: subscriptionStore,
    fhir,
    fhirBaseUrl: cfg.fhirBaseUrl!,
    log,
    gapGraceMs: (cfg.subscriptionGapGraceS ?? 10) * 1000,
    heartbeatMisses: cfg.subscriptionHeartbeatMisses ?? 3,
    trigger: async (resource) => {
      const t = await triggerFromResource({ fhir, submit }, resource);
      if (t.kind === 'invalid') throw new TaceError(t.code, t.message, { httpStatus: 422 });
      return t.kind === 'started' || t.kind === 'joined' ? { outcome: t.kind, runId: t.runId } : { outcome: t.kind };
    },
  });
  subscriptionProcessor.start((cfg.subscriptionCheckIntervalS ?? 30) * 1000);
  // Receiving studies (each optional): the DIMSE SCP stores instances as they arrive, the tracker
  // hands a study over once it has been quiet (or Orthanc says StableStudy), and the callback
  // starts a run only when the inputs changed. Background work: the plain registry waits out a
  // Redis blip, where HTTP requests answer 503 at once.
  const receiving = cfg.dimsePort !== undefined || cfg.orthancChangesUrl !== undefined;
  const stableDeps = {
    studies, fhir, identity, redis, log,
    submit: (req: Parameters<typeof submitAssessment>[2]) => submitAssessment({ fhir, studies, registry, model, log }, { start: (runId) => enqueueStage(queues, 'ingest', runId, {}) }, req),
    replay: (runId: string) => replayRun({ registry, log, queues, fhir }, runId),
  };
  const tracker = receiving
    ? new StudyTracker({
      redis,
      quietMs: (cfg.studyQuietS ?? 30) * 1000,
      log,
      onStable: async (studyInstanceUid, via) => { await handleStableStudy(stableDeps, studyInstanceUid, via); },
    })
    : undefined;
  let scp: StorageScp | undefined;
  if (tracker && cfg.dimsePort !== undefined) {
    scp = new StorageScp({
      aeTitle: cfg.dimseAeTitle!,
      allowedCallingAeTitles: cfg.dimseAllowedAes!,
      store: new ReceivedStore(cfg.dimseStoreDir!),
      log,
      host: cfg.host!,
      port: cfg.dimsePort,
      ...(cfg.dimseTransferSyntaxes ? { transferSyntaxes: cfg.dimseTransferSyntaxes } : {}),
      ...(cfg.dimseSopClasses ? { sopClasses: cfg.dimseSopClasses } : {}),
      maxAssociations: cfg.dimseMaxAssociations!,
      maxPduBytes: cfg.dimseMaxPduBytes!,
      idleTimeoutMs: cfg.dimseIdleTimeoutS! * 1000,
      onStored: (inst) => tracker.touch(inst.studyInstanceUid),
    });
    await scp.start();
  }
  const orthancChanges = tracker && cfg.orthancChangesUrl
    ? new OrthancChangesPoller({ restUrl: cfg.orthancChangesUrl, redis, log, onStableStudy: (uid) => tracker.stableNow(uid, 'orthanc-stable'), timeoutMs: cfg.dicomWebTimeoutMs ?? 60_000 })
    : undefined;
  tracker?.start();
  orthancChanges?.start((cfg.orthancChangesIntervalS ?? 5) * 1000);
  const readAudit = createReadAuditSink({ redis, fhir, log, service: 'ingestion', issuer: cfg.authIssuer ?? 'urn:tace-risk:auth-off' });
  const app = await buildIngestionApp({
    readAudit,
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
    submit,
    subscriptions: { processor: subscriptionProcessor, store: subscriptionStore, fhirBaseUrl: cfg.fhirBaseUrl! },
    ...(receiving ? { receivedStudies: { failures: () => studyFailures(redis), replay: (uid: string) => handleStableStudy(stableDeps, uid, 'replay') } } : {}),
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
  log.info({ model, auth: cfg.auth ? 'on' : 'off', ...(scp ? { dimsePort: scp.port, dimseAeTitle: cfg.dimseAeTitle } : {}), orthancChanges: orthancChanges ? 'on' : 'off' }, 'ingestion ready');
  return {
    close: async () => {
      shuttingDown = true;
      await app.close();
      await scp?.close();
      await orthancChanges?.stop();
      await tracker?.stop();
      await readAudit.close();
      await subscriptionProcessor.stop();
      await worker.close();
      await failures.close();
      await closeQueues(queues);
      redis.disconnect();
      httpRedis.disconnect();
    },
  };
});
