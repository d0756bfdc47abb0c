/**
 * Results service: the `publish` stage worker (one FHIR transaction per run, conditional on
 * the run id) and the status/worklist REST routes.
 */
import { TaceError } from '@tace/common';
import { publicJwks } from '@tace/fhir';
import { createCdsVerifier, redisJtiStore } from '@tace/http';
import { DirCaseStore, RedisRunRegistry, redisConnection } from '@tace/jobs';
import { bullProcessor, createStageWorker, DEFAULT_PORTS, dicomWebAuthFrom, doPublish, pacsTargetFrom, createReadAuditSink, fhirAuthFrom, fhirClientFrom, fhirReadiness, runService, tokenVerifierFrom, watchFailedJobs } from '@tace/pipeline';
import { buildResultsApp } from './app.ts';
import { CdsHandler, cdsConfigProblems } from './cds.ts';
import { invalidateOnPublish, redisCdsCache } from './cds-cache.ts';
import { redisFeedbackStore } from './cds-feedback.ts';
import { ingestionRunRequester } from './cds-submit.ts';

await runService('results', async (cfg, log) => {
  const problems = cdsConfigProblems(cfg);
  if (problems.length) throw new TaceError('CONFIG_INVALID', `invalid configuration for results:\n  - ${problems.join('\n  - ')}`, { detail: { problems } });
  const fhirAuth = await fhirAuthFrom(cfg);
  const fhir = await fhirClientFrom(cfg, fhirAuth);
  const redis = redisConnection(cfg.redisUrl!, log, 'plain');
  const readAudit = createReadAuditSink({ redis, fhir, log, service: 'results', issuer: cfg.authIssuer ?? 'urn:tace-risk:auth-off' });
  const httpRedis = redisConnection(cfg.redisUrl!, log, 'fail-fast');
  const registry = new RedisRunRegistry(redis);
  const cdsCache = redisCdsCache(httpRedis);
  // One publish at a time per process; BullMQ's job id (= run id) keeps one job per run, so the
  // conditional creates of one run are never raced (they are not atomic on many servers).
  // DICOMweb authentication for the STOW-RS comes with the DICOMweb auth settings; none until then.
  // The STOW goes to the hospital's DICOMweb server with the same TACE_DICOMWEB_AUTH credentials as ingestion's reads.
  const stowAuth = cfg.pacsResults === 'stow' ? dicomWebAuthFrom(cfg, cfg.pacsTimeoutMs ?? 30_000) : undefined;
  const pacsTarget = pacsTargetFrom(cfg, stowAuth && stowAuth.mode !== 'none' ? () => stowAuth.headers() : undefined);
  const pacs = pacsTarget ? { target: pacsTarget, cases: new DirCaseStore(cfg.caseStoreDir!) } : undefined;
  const worker = createStageWorker('publish', cfg.redisUrl!, log, bullProcessor(async (job, last) => {
    const out = await doPublish({ registry, log, fhir, ...(pacs ? { pacs } : {}) }, job.data.runId, last);
    await invalidateOnPublish(registry, cdsCache, job.data.runId); // its patient's CDS answer is stale now
    return out;
  }), 2);
  const failures = watchFailedJobs('publish', cfg.redisUrl!, registry, log);
  let shuttingDown = false;
  let cds: Parameters<typeof buildResultsApp>[0]['cds'];
  let cdsHandler: CdsHandler | undefined;
  if (cfg.cdsServiceUrl) {
    cdsHandler = new CdsHandler({
      readAudit,
      log,
      registry: new RedisRunRegistry(httpRedis),
      cache: cdsCache,
      fhir,
      fhirBaseUrl: cfg.fhirBaseUrl!,
      fhirTimeoutMs: cfg.fhirTimeoutMs ?? 10_000,
      publicBaseUrl: cfg.cdsServiceUrl.replace(/\/cds-services\/?$/, ''),
      budgetMs: cfg.cdsBudgetMs ?? 400,
      cacheTtlS: cfg.cdsCacheTtlS ?? 300,
      ...(cfg.cdsSubmitUrl
        ? {
            requester: ingestionRunRequester({
              ingestionUrl: cfg.cdsSubmitUrl,
              clientId: cfg.cdsSubmitClientId!,
              clientSecret: cfg.cdsSubmitClientSecret!,
              ...(cfg.cdsSubmitTokenUrl ? { tokenUrl: cfg.cdsSubmitTokenUrl } : {}),
              ...(cfg.authIssuer ? { issuer: cfg.authIssuer } : {}),
            }),
          }
        : {}),
    });
    cds = {
      handler: cdsHandler,
      verifier: cfg.auth
        ? createCdsVerifier({ clients: cfg.cdsClients!, jkuAllowList: cfg.cdsJkuAllowList ?? [], serviceUrl: cfg.cdsServiceUrl, jti: redisJtiStore(httpRedis), clockSkewS: cfg.authClockSkewS ?? 30 })
        : 'off',
      serviceUrl: cfg.cdsServiceUrl,
      feedback: redisFeedbackStore(httpRedis),
    };
  }
  const app = await buildResultsApp({
    readAudit,
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
    ...(cds ? { cds } : {}),
  });
  await app.listen({ host: cfg.host!, port: cfg.port ?? DEFAULT_PORTS.results });
  log.info({ auth: cfg.auth ? 'on' : 'off', cdsHooks: cds ? 'on' : 'off', pacsResults: cfg.pacsResults ?? 'off' }, 'results ready');
  return {
    close: async () => {
      shuttingDown = true;
      await app.close();
      await readAudit.close();
      await cdsHandler?.settle();
      await worker.close();
      await failures.close();
      redis.disconnect();
      httpRedis.disconnect();
    },
  };
});
