import type { FastifyInstance } from 'fastify';
import type { RunRecord, RunRegistry } from '@tace/jobs';
import { routeSchema } from './openapi.ts';
import { problem, sendProblem } from './problem.ts';

const SCORE_FIELDS = ['probability', 'riskGroup', 'dlrScore', 'totalPoints', 'points', 'modelId', 'modelVersion', 'syntheticDemo', 'disclaimer'] as const;

/**
 * The public view of a run (OpenAPI `Assessment`): no patient reference, no pixel keys. The
 * score is the published subset; radiomics and DL feature vectors stay internal.
 */
export function toAssessmentView(r: RunRecord): Record<string, unknown> {
  const view: Record<string, unknown> = {
    runId: r.runId,
    status: r.status,
    stage: r.stage,
    model: r.model,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
  if (r.error) view.error = r.error;
  if (r.result) {
    const score: Record<string, unknown> = {};
    for (const k of SCORE_FIELDS) if (r.result[k] !== undefined) score[k] = r.result[k];
    view.result = score;
  }
  if (r.fhir) view.fhir = r.fhir;
  if (r.pacs) view.pacs = r.pacs;
  if (r.identity) view.identity = r.identity;
  view.trigger = r.request.trigger;
  if (r.request.requestedBy) view.requestedBy = r.request.requestedBy;
  if (r.quarantined) view.quarantined = true;
  if (r.cancellation) view.cancellation = r.cancellation;
  if (r.retraction) view.retraction = r.retraction;
  if (r.timingsMs) view.timingsMs = r.timingsMs;
  return view;
}

/**
 * GET /v1/assessments/{runId}: served by ingestion and results alike, from the run registry.
 * `onResultRead` records who read a result (the BALP read audit) whenever the view holds a score; it must not fail the read.
 */
export function assessmentStatusRoute(
  app: FastifyInstance,
  registry: RunRegistry,
  opts: { onResultRead?: (rec: RunRecord, who: { subject: string; address: string }) => Promise<void> } = {},
): void {
  app.get<{ Params: { runId: string } }>('/v1/assessments/:runId', { schema: routeSchema('getAssessment') }, async (req, reply) => {
    const rec = await registry.get(req.params.runId);
    if (!rec) return sendProblem(reply, problem(404, 'RUN_NOT_FOUND', `no run ${req.params.runId}`));
    if (opts.onResultRead && (rec.result || rec.fhir?.riskAssessment)) {
      await opts.onResultRead(rec, { subject: req.caller?.sub ?? 'anonymous', address: req.ip }).catch((e: unknown) => {
        req.log.warn({ code: 'AUDIT_RECORD_FAILED', err: (e as Error).message }, 'a result read could not be recorded for audit');
      });
    }
    return reply.type('application/json').send(toAssessmentView(rec));
  });
}
