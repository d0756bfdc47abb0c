import type { FastifyInstance } from 'fastify';
import type { Logger } from '@tace/common';
import { assessmentStatusRoute, createServiceApp, healthRoutes, problem, routeSchema, sendProblem, type ReadinessCheck, type TokenVerifier } from '@tace/http';
import type { RunRegistry } from '@tace/jobs';
import type { ReadAuditSink } from '@tace/pipeline';
import { registerCdsRoutes, type CdsRouteDeps } from './cds-routes.ts';

export interface ResultsAppDeps {
  /** Records reads of published results (BALP PatientRead audit in the EHR). */
  readAudit?: Pick<ReadAuditSink, 'resultRead'>;
  log: Logger;
  registry: RunRegistry;
  auth: TokenVerifier | 'off';
  rateLimitPerMinute?: number;
  readiness: Record<string, ReadinessCheck>;
  isShuttingDown?: () => boolean;
  /** The public keys of the SMART Backend Services client (served at /.well-known/jwks.json), when configured. */
  jwks?: { keys: object[] };
  /** CDS Hooks (TACE_CDS_SERVICE_URL set): the handler, the client JWT verifier, the feedback store. */
  cds?: CdsRouteDeps;
}

const RANK = { high: 0, moderate: 1, low: 2 } as const;

/** Results service HTTP surface: run status and the radiology worklist (no patient identifiers). */
export async function buildResultsApp(deps: ResultsAppDeps): Promise<FastifyInstance> {
  const app = await createServiceApp({ log: deps.log, auth: deps.auth, ...(deps.rateLimitPerMinute ? { rateLimitPerMinute: deps.rateLimitPerMinute } : {}) });
  healthRoutes(app, 'results', deps.readiness, deps.isShuttingDown);
  assessmentStatusRoute(app, deps.registry, deps.readAudit ? { onResultRead: (rec, who) => deps.readAudit!.resultRead(rec, who) } : {});

  // Public by design (security: [] in openapi/): the EHR fetches the keys that verify our client assertions.
  app.get('/.well-known/jwks.json', { schema: routeSchema('getJwks') }, async (_req, reply) => {
    if (!deps.jwks) return sendProblem(reply, problem(404, 'JWKS_NOT_CONFIGURED', 'This service does not authenticate to the EHR with SMART Backend Services (no TACE_FHIR_PRIVATE_KEY_FILE)'));
    reply.header('cache-control', 'public, max-age=300');
    return deps.jwks;
  });

  if (deps.cds) registerCdsRoutes(app, deps.cds);

  app.get<{ Querystring: { risk?: 'low' | 'moderate' | 'high'; limit?: number } }>('/v1/worklist', { schema: routeSchema('getWorklist') }, async (req) => {
    const limit = req.query.limit ?? 100;
    // Only published results: a cancelled or retracted run is not on the worklist.
    const done = await deps.registry.list({ status: 'done', limit: 1000 });
    const items = done
      .filter((r) => r.result && (!req.query.risk || r.result.riskGroup === req.query.risk))
      .map((r) => ({
        runId: r.runId,
        riskGroup: r.result!.riskGroup as 'low' | 'moderate' | 'high',
        probability: Number(r.result!.probability),
        modelId: r.model.id,
        modelVersion: r.model.version,
        ...(r.fhir?.riskAssessment ? { riskAssessment: r.fhir.riskAssessment } : {}),
        ...(r.fhir?.task ? { task: r.fhir.task } : {}),
        studyInstanceUid: r.request.studyInstanceUid,
        updatedAt: r.updatedAt,
      }))
      .sort((a, b) => RANK[a.riskGroup] - RANK[b.riskGroup] || b.probability - a.probability)
      .slice(0, limit);
    if (deps.readAudit) {
      // each result on the worklist is read by the caller: one BALP PatientRead per listed result
      const byRun = new Map(done.map((r) => [r.runId, r]));
      await Promise.all(
        items.map((it) => deps.readAudit!.resultRead(byRun.get(it.runId)!, { subject: req.caller?.sub ?? 'anonymous', address: req.ip })),
      ).catch((e: unknown) => req.log.warn({ code: 'AUDIT_RECORD_FAILED', err: (e as Error).message }, 'worklist reads could not be recorded for audit'));
    }
    return { items };
  });
  return app;
}
