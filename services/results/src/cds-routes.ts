import type { FastifyInstance, FastifyRequest } from 'fastify';
import { installCdsAuth, problem, routeSchema, sendProblem, type CdsVerifier } from '@tace/http';
import { CDS_SERVICES, type CdsHandler, type CdsRequest } from './cds.ts';
import { toRecord, type FeedbackItem, type FeedbackStore } from './cds-feedback.ts';

export interface CdsRouteDeps {
  handler: CdsHandler;
  /** The CDS client JWT verifier, or 'off' (TACE_AUTH=off: the embedded demo only). */
  verifier: CdsVerifier | 'off';
  /** Public URL of the discovery endpoint (TACE_CDS_SERVICE_URL), e.g. https://results.hospital.org/cds-services. */
  serviceUrl: string;
  feedback: FeedbackStore;
}

/**
 * The CDS Hooks endpoints. Each request's JWT must name the endpoint invoked as `aud`: the
 * discovery URL, the service URL, or for feedback the feedback URL (or its service's URL).
 */
export function registerCdsRoutes(app: FastifyInstance, deps: CdsRouteDeps): void {
  const base = deps.serviceUrl.replace(/\/+$/, '');
  const audiences = (req: FastifyRequest): string[] => {
    const id = (req.params as { id?: string } | undefined)?.id;
    if (id === undefined) return [base];
    const service = `${base}/${encodeURIComponent(id)}`;
    return req.routeOptions.url?.endsWith('/feedback') ? [`${service}/feedback`, service] : [service];
  };
  installCdsAuth(app, deps.verifier, audiences);

  app.get('/cds-services', { schema: routeSchema('cdsDiscovery') }, async () => ({ services: CDS_SERVICES }));

  app.post<{ Params: { id: string }; Body: CdsRequest }>('/cds-services/:id', { schema: routeSchema('cdsInvoke') }, async (req, reply) => {
    const startedAt = performance.now() - reply.elapsedTime;
    return deps.handler.handle(req.params.id, req.body, startedAt, { ...(req.cdsCaller?.iss ? { issuer: req.cdsCaller.iss } : {}), address: req.ip });
  });

  app.post<{ Params: { id: string }; Body: { feedback: FeedbackItem[] } }>('/cds-services/:id/feedback', { schema: routeSchema('cdsFeedback') }, async (req, reply) => {
    if (!CDS_SERVICES.some((s) => s.id === req.params.id)) {
      return sendProblem(reply, problem(404, 'CDS_SERVICE_NOT_FOUND', 'no such CDS service'));
    }
    const client = req.cdsCaller?.iss ?? 'anonymous';
    await deps.feedback.record(req.body.feedback.map((f) => toRecord(req.params.id, client, f)));
    req.log.info({ service: req.params.id, items: req.body.feedback.length }, 'cds feedback recorded');
    return reply.code(200).send({ recorded: req.body.feedback.length });
  });

  app.get<{ Querystring: { limit?: number } }>('/v1/cds-feedback', { schema: routeSchema('getCdsFeedback') }, async (req) => deps.feedback.read(req.query.limit ?? 100));
}
