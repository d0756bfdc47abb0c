import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifySchema } from 'fastify';
import type { MedplumClient } from '@medplum/core';
import type { ImagingStudy, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { errorInfo, isTaceError, type Logger } from '@tace/common';
import { isTaceTrigger, studyInstanceUidOf, procedureDate } from '@tace/fhir';
import { assessmentStatusRoute, healthRoutes, installProblemHandler, problem, routeSchema, sendProblem, verifySignature, type ReadinessCheck } from '@tace/http';
import type { AssessmentRequest, RunRecord, RunRegistry } from '@tace/jobs';

export interface IngestionAppDeps {
  log: Logger;
  registry: RunRegistry;
  fhir: MedplumClient;
  submit(req: AssessmentRequest): Promise<{ runId: string; created: boolean; record: RunRecord }>;
  replay(rec: RunRecord): Promise<void>;
  webhookSecret: string;
  /** Base URL of the service that answers status requests; default: this one. */
  publicResultsUrl?: string;
  readiness: Record<string, ReadinessCheck>;
  isShuttingDown?: () => boolean;
}

function outcome(severity: 'information' | 'error', code: NonNullable<OperationOutcome['issue']>[number]['code'], diagnostics: string, detailCode?: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity, code, diagnostics, ...(detailCode ? { details: { coding: [{ system: 'https://tace-risk.example.org/error-code', code: detailCode }], text: detailCode } } : {}) }],
  };
}

function sendOutcome(reply: FastifyReply, status: number, oo: OperationOutcome): FastifyReply {
  return reply.code(status).type('application/fhir+json').send(oo);
}

/**
 * The ingestion service's HTTP surface: REST submission, replay, status, and the FHIR
 * rest-hook the EHR's Subscription calls. Schemas come from openapi/.
 */
export function buildIngestionApp(deps: IngestionAppDeps): FastifyInstance {
  const app = Fastify({ loggerInstance: deps.log as FastifyBaseLogger, disableRequestLogging: false, bodyLimit: 1_048_576 });
  installProblemHandler(app);
  healthRoutes(app, 'ingestion', deps.readiness, deps.isShuttingDown);
  assessmentStatusRoute(app, deps.registry);

  const statusUrl = (host: string, protocol: string, runId: string) => `${deps.publicResultsUrl ?? `${protocol}://${host}`}/v1/assessments/${runId}`;

  app.post<{ Body: Omit<AssessmentRequest, 'trigger'> }>('/v1/assessments', { schema: routeSchema('createAssessment') }, async (req, reply) => {
    const { runId, created, record } = await deps.submit({ ...req.body, trigger: 'rest' });
    return reply
      .code(202)
      .header('location', statusUrl(req.host, req.protocol, runId))
      .send({ runId, status: record.status, statusUrl: statusUrl(req.host, req.protocol, runId), created });
  });

  app.post<{ Params: { runId: string } }>('/v1/assessments/:runId/replay', { schema: routeSchema('replayAssessment') }, async (req, reply) => {
    const rec = await deps.registry.get(req.params.runId);
    if (!rec) return sendProblem(reply, problem(404, 'RUN_NOT_FOUND', `no run ${req.params.runId}`));
    if (rec.status !== 'failed') return sendProblem(reply, problem(409, 'RUN_NOT_FAILED', `run is ${rec.status}; only failed runs are replayed`));
    await deps.replay(rec);
    const after = (await deps.registry.get(rec.runId)) ?? rec;
    return reply.code(202).send({ runId: rec.runId, status: after.status, statusUrl: statusUrl(req.host, req.protocol, rec.runId), created: false });
  });

  // FHIR rest-hook: the signature covers the raw bytes, so this scope keeps them unparsed.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err, req, reply) => {
      const info = errorInfo(err);
      const status = isTaceError(err) ? err.httpStatus : 500;
      if (status >= 500) req.log.error({ code: info.code, reason: info.message }, 'rest-hook failed');
      return sendOutcome(reply, status, outcome('error', status === 404 ? 'not-found' : status >= 500 ? 'exception' : 'processing', info.message, info.code));
    });
    const { operationId, summary } = routeSchema('fhirRestHook');
    scope.post('/fhir/rest-hook', { schema: { operationId, summary } as FastifySchema }, async (req, reply) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const sig = req.headers['x-signature'];
      if (!verifySignature(deps.webhookSecret, raw, typeof sig === 'string' ? sig : undefined)) {
        req.log.warn('rest-hook: bad or missing signature');
        return sendOutcome(reply, 401, outcome('error', 'security', 'X-Signature does not match the body', 'WEBHOOK_SIGNATURE_INVALID'));
      }
      let resource: Resource;
      try {
        resource = JSON.parse(raw.toString('utf8')) as Resource;
        if (typeof resource !== 'object' || resource === null || typeof resource.resourceType !== 'string') throw new Error('no resourceType');
      } catch {
        return sendOutcome(reply, 400, outcome('error', 'structure', 'body is not a FHIR resource', 'WEBHOOK_BODY_INVALID'));
      }
      const trigger = isTaceTrigger(resource);
      if (!trigger) return sendOutcome(reply, 200, outcome('information', 'informational', `${resource.resourceType} is not a scoring trigger; ignored`));

      let studyUid = trigger.studyInstanceUid;
      if (trigger.kind === 'procedure' && resource.resourceType === 'Procedure') {
        // A finished TACE: score the post-TACE CT if the EHR already knows it; otherwise the
        // ImagingStudy notification will start the run when the study arrives.
        studyUid = await findPostTaceStudyUid(deps.fhir, trigger.patientRef, procedureDate(resource) ?? '');
        if (!studyUid) return sendOutcome(reply, 200, outcome('information', 'informational', 'TACE recorded; no post-TACE CT study yet — the ImagingStudy notification will start scoring'));
      }
      if (!studyUid) return sendOutcome(reply, 400, outcome('error', 'required', 'ImagingStudy has no DICOM StudyInstanceUID identifier', 'WEBHOOK_STUDY_UID_MISSING'));
      const { runId, created } = await deps.submit({ patientReference: trigger.patientRef, studyInstanceUid: studyUid, trigger: 'fhir-subscription' });
      return sendOutcome(reply, 202, outcome('information', 'informational', `run ${runId} ${created ? 'started' : 'already exists'}`));
    });
  });
  return app;
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
