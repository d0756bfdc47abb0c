import type { FastifyInstance, FastifyReply, FastifySchema } from 'fastify';
import type { MedplumClient } from '@medplum/core';
import type { ImagingStudy, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { errorInfo, isTaceError, type Logger } from '@tace/common';
import { isTaceTrigger, patientIdOf, studyInstanceUidOf, procedureDate } from '@tace/fhir';
import {
  assessmentStatusRoute,
  CLIENT_ERROR_CODES,
  createServiceApp,
  healthRoutes,
  routeSchema,
  verifyWebhook,
  type ReadinessCheck,
  type TokenVerifier,
} from '@tace/http';
import type { AssessmentRequest, RunRecord, RunRegistry, WebhookReceipts } from '@tace/jobs';
import type { Actor } from '@tace/pipeline';
import { subscriptionRoutes, type SubscriptionRouteDeps } from './subscription-routes.ts';
import type { ReadAuditSink, StableOutcome, StudyFailure } from '@tace/pipeline';

export interface IngestionAppDeps {
  /** Records reads of published results (BALP PatientRead audit in the EHR). */
  readAudit?: Pick<ReadAuditSink, 'resultRead'>;
  log: Logger;
  registry: RunRegistry;
  fhir: MedplumClient;
  submit(req: AssessmentRequest): Promise<{ runId: string; created: boolean; record: RunRecord }>;
  replay(runId: string): Promise<RunRecord>;
  cancel(runId: string, by: Actor, reason?: string): Promise<RunRecord>;
  retract(runId: string, by: Actor, reason: string): Promise<RunRecord>;
  /** Bearer-token verifier, or 'off' (embedded demo only). */
  auth: TokenVerifier | 'off';
  /** Issuer of the bearer tokens, named in Provenance with the caller's subject. */
  authIssuer?: string;
  rateLimitPerMinute?: number;
  /** Rest-hook signing secrets: the current one first, the previous one during a rotation. */
  webhookSecrets: readonly string[];
  webhookToleranceS: number;
  receipts: WebhookReceipts;
  /** Base URL of the service that answers status requests; default: this one. */
  publicResultsUrl?: string;
  readiness: Record<string, ReadinessCheck>;
  isShuttingDown?: () => boolean;
  /** Topic-based Subscriptions (R4 Backport IG): the notification endpoint and its status route. */
  subscriptions?: SubscriptionRouteDeps;
  /** Received studies (DIMSE / Orthanc StableStudy): the failures kept for an operator, and their replay. */
  receivedStudies?: {
    failures(): Promise<StudyFailure[]>;
    replay(studyInstanceUid: string): Promise<StableOutcome>;
  };
}

export function outcome(severity: 'information' | 'error', code: NonNullable<OperationOutcome['issue']>[number]['code'], diagnostics: string, detailCode?: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity, code, diagnostics, ...(detailCode ? { details: { coding: [{ system: 'https://tace-risk.example.org/error-code', code: detailCode }], text: detailCode } } : {}) }],
  };
}

/**
 * A FHIR-facing scope (the rest-hook, the subscription-notification endpoint): the body is kept as
 * raw bytes (a signature covers them; a malformed one must be OUR OperationOutcome, not fastify's
 * problem+json), and every error answers an OperationOutcome with the stable code in details.
 */
export function fhirOutcomeScope(scope: FastifyInstance, what: string, o: { serverIssue: 'exception' | 'transient'; retryAfterOn503?: boolean }): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  scope.setErrorHandler((err, req, reply) => {
    const info = errorInfo(err);
    const fastifyStatus = (err as { statusCode?: number }).statusCode;
    const status = isTaceError(err) ? err.httpStatus : fastifyStatus && fastifyStatus >= 400 && fastifyStatus < 500 ? fastifyStatus : 500;
    const code = isTaceError(err) ? info.code : status < 500 ? (CLIENT_ERROR_CODES[status] ?? 'REQUEST_MALFORMED') : 'INTERNAL_ERROR';
    if (status >= 500) req.log.error({ code, reason: info.message }, `${what} failed`);
    if (status === 503 && o.retryAfterOn503) void reply.header('retry-after', '10');
    const issue = status === 404 ? 'not-found' : status === 413 ? 'too-costly' : status === 429 ? 'throttled' : status >= 500 ? o.serverIssue : status === 401 ? 'security' : 'processing';
    return sendOutcome(reply, status, outcome('error', issue, status >= 500 && !isTaceError(err) ? 'internal error; see the service log' : info.message, code));
  });
}

export function sendOutcome(reply: FastifyReply, status: number, oo: OperationOutcome): FastifyReply {
  return reply.code(status).type('application/fhir+json').send(oo);
}

const header = (v: string | string[] | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The ingestion service's HTTP surface: REST submission, replay, cancel, retract, status, and
 * the signed FHIR rest-hook the EHR's Subscription calls. Schemas and scopes come from openapi/.
 */
export async function buildIngestionApp(deps: IngestionAppDeps): Promise<FastifyInstance> {
  const app = await createServiceApp({ log: deps.log, auth: deps.auth, ...(deps.rateLimitPerMinute ? { rateLimitPerMinute: deps.rateLimitPerMinute } : {}) });
  healthRoutes(app, 'ingestion', deps.readiness, deps.isShuttingDown);
  assessmentStatusRoute(app, deps.registry, deps.readAudit ? { onResultRead: (rec, who) => deps.readAudit!.resultRead(rec, who) } : {});

  const statusUrl = (host: string, protocol: string, runId: string) => `${deps.publicResultsUrl ?? `${protocol}://${host}`}/v1/assessments/${runId}`;
  const actor = (caller: { sub: string } | undefined): Actor => ({ sub: caller?.sub ?? 'anonymous', ...(deps.authIssuer ? { issuer: deps.authIssuer } : {}) });
  const accepted = (reply: FastifyReply, host: string, protocol: string, runId: string, status: string, created: boolean) =>
    reply.code(202).header('location', statusUrl(host, protocol, runId)).send({ runId, status, statusUrl: statusUrl(host, protocol, runId), created });

  app.post<{ Body: Omit<AssessmentRequest, 'trigger'> }>('/v1/assessments', { schema: routeSchema('createAssessment') }, async (req, reply) => {
    const { runId, created, record } = await deps.submit({ ...req.body, trigger: 'rest', ...(req.caller ? { requestedBy: req.caller.sub } : {}) });
    return accepted(reply, req.host, req.protocol, runId, record.status, created);
  });

  app.post<{ Params: { runId: string } }>('/v1/assessments/:runId/replay', { schema: routeSchema('replayAssessment') }, async (req, reply) => {
    const after = await deps.replay(req.params.runId);
    return accepted(reply, req.host, req.protocol, after.runId, after.status, false);
  });

  app.post<{ Params: { runId: string }; Body: { reason?: string } | undefined }>('/v1/assessments/:runId/cancel', { schema: routeSchema('cancelAssessment') }, async (req, reply) => {
    const after = await deps.cancel(req.params.runId, actor(req.caller), req.body?.reason);
    return reply.code(200).send({ runId: after.runId, status: after.status });
  });

  app.post<{ Params: { runId: string }; Body: { reason: string } }>('/v1/assessments/:runId/retract', { schema: routeSchema('retractAssessment') }, async (req, reply) => {
    const after = await deps.retract(req.params.runId, actor(req.caller), req.body.reason);
    return reply.code(200).send({ runId: after.runId, status: after.status, ...(after.retraction ? { provenance: after.retraction.provenance } : {}) });
  });

  // FHIR rest-hook: the signature covers the raw bytes, so this scope keeps them unparsed.
  if (deps.receivedStudies) {
    const rs = deps.receivedStudies;
    app.get('/v1/received-studies/failures', { schema: routeSchema('listReceivedStudyFailures') }, async (_req, reply) => reply.code(200).send({ failures: await rs.failures() }));
    app.post<{ Params: { studyInstanceUid: string } }>('/v1/received-studies/:studyInstanceUid/replay', { schema: routeSchema('replayReceivedStudy') }, async (req, reply) => {
      const o = await rs.replay(req.params.studyInstanceUid);
      return reply.code(202).send({ studyInstanceUid: req.params.studyInstanceUid, outcome: o.kind, ...('runId' in o && o.runId ? { runId: o.runId } : {}), ...(o.kind === 'failed' ? { code: o.code } : {}) });
    });
  }

  await app.register(async (scope) => {
    fhirOutcomeScope(scope, 'rest-hook', { serverIssue: 'exception' });
    const { operationId, summary } = routeSchema('fhirRestHook');
    scope.post('/fhir/rest-hook', { schema: { operationId, summary } as FastifySchema }, async (req, reply) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const verdict = verifyWebhook(
        deps.webhookSecrets,
        { id: header(req.headers['webhook-id']), timestamp: header(req.headers['webhook-timestamp']), signature: header(req.headers['webhook-signature']) },
        raw,
        Math.floor(Date.now() / 1000),
        deps.webhookToleranceS,
      );
      if (!verdict.ok) {
        req.log.warn({ code: verdict.code }, 'rest-hook: delivery refused');
        return sendOutcome(reply, 401, outcome('error', 'security', verdict.message, verdict.code));
      }
      const seen = await deps.receipts.claim(verdict.id);
      if (seen === 'done') return sendOutcome(reply, 200, outcome('information', 'duplicate', 'this webhook-id was already processed; nothing was done again'));
      // Another delivery of this id is being processed (or one died processing it and its lease
      // has not lapsed): a transient state, so 503 + Retry-After, which senders retry.
      if (seen === 'in-progress') {
        void reply.header('retry-after', '30');
        return sendOutcome(reply, 503, outcome('error', 'transient', 'this webhook-id is being processed; send it again later', 'WEBHOOK_IN_PROGRESS'));
      }
      try {
        const [status, oo] = await handleNotification(deps, raw);
        await deps.receipts.complete(verdict.id);
        return sendOutcome(reply, status, oo);
      } catch (e) {
        // Processed nothing: the sender may deliver the same id again.
        await deps.receipts.release(verdict.id).catch(() => undefined);
        throw e;
      }
    });
  });
  if (deps.subscriptions) await subscriptionRoutes(app, deps.subscriptions);
  return app;
}

/** What a verified notification asks for: a run started, or nothing (acknowledged). */
async function handleNotification(deps: IngestionAppDeps, raw: Buffer): Promise<[number, OperationOutcome]> {
  let resource: Resource;
  try {
    resource = JSON.parse(raw.toString('utf8')) as Resource;
    if (typeof resource !== 'object' || resource === null || typeof resource.resourceType !== 'string') throw new Error('no resourceType');
  } catch {
    return [400, outcome('error', 'structure', 'body is not a FHIR resource', 'WEBHOOK_BODY_INVALID')];
  }
  const t = await triggerFromResource(deps, resource);
  if (t.kind === 'invalid') return [400, outcome('error', 'required', t.message, t.code)];
  if (t.kind === 'started' || t.kind === 'joined') return [202, outcome('information', 'informational', t.message)];
  return [200, outcome('information', 'informational', t.message)];
}

export type TriggerResult =
  | { kind: 'ignored' | 'waiting'; message: string }
  | { kind: 'started' | 'joined'; runId: string; message: string }
  | { kind: 'invalid'; code: string; message: string };

/**
 * The one path from an EHR resource to a run, shared by the rest-hook and the topic-based
 * Subscription notifications: a completed TACE Procedure (scored with the post-TACE CT study,
 * once there is one) or an available CT ImagingStudy → submit (deterministic run id: a second
 * trigger for the same study joins the run); anything else is ignored.
 */
export async function triggerFromResource(deps: Pick<IngestionAppDeps, 'fhir' | 'submit'>, resource: Resource): Promise<TriggerResult> {
  const trigger = isTaceTrigger(resource);
  if (!trigger) return { kind: 'ignored', message: `${resource.resourceType} is not a scoring trigger; ignored` };
  patientIdOf(trigger.patientRef); // `Patient/..` and other non-ids: 400 before any FHIR call

  let studyUid = trigger.studyInstanceUid;
  if (trigger.kind === 'procedure' && resource.resourceType === 'Procedure') {
    // A finished TACE: score the post-TACE CT if the EHR already knows it; otherwise the
    // ImagingStudy notification will start the run when the study arrives.
    studyUid = await findPostTaceStudyUid(deps.fhir, trigger.patientRef, procedureDate(resource) ?? '');
    if (!studyUid) return { kind: 'waiting', message: 'TACE recorded; no post-TACE CT study yet — the ImagingStudy notification will start scoring' };
  }
  if (!studyUid) return { kind: 'invalid', code: 'WEBHOOK_STUDY_UID_MISSING', message: 'ImagingStudy has no DICOM StudyInstanceUID identifier' };
  const { runId, created } = await deps.submit({ patientReference: trigger.patientRef, studyInstanceUid: studyUid, trigger: 'fhir-subscription' });
  return { kind: created ? 'started' : 'joined', runId, message: `run ${runId} ${created ? 'started' : 'already exists'}` };
}

/** The earliest available CT ImagingStudy of the patient started on or after the TACE. */
async function findPostTaceStudyUid(fhir: MedplumClient, patientRef: string, taceDate: string): Promise<string | undefined> {
  if (!taceDate) return undefined;
  const studies = (await fhir.searchResources('ImagingStudy', { patient: patientRef, started: `ge${taceDate.slice(0, 10)}`, _sort: 'started', _count: '20' })) as ImagingStudy[];
  for (const s of studies) {
    if (s.status === 'available' && isTaceTrigger(s)) return studyInstanceUidOf(s);
  }
  return undefined;
}
