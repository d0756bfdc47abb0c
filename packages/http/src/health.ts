import type { FastifyInstance } from 'fastify';
import { routeSchema } from './openapi.ts';

export type ReadinessCheck = () => Promise<string | undefined>;

/**
 * /healthz: the process answers. /readyz: each named check returns undefined when fine or a
 * short reason; any reason makes the service not ready (503), so the orchestrator stops routing.
 */
export function healthRoutes(app: FastifyInstance, service: string, checks: Record<string, ReadinessCheck>, isShuttingDown: () => boolean = () => false): void {
  app.get('/healthz', { schema: routeSchema('healthz') }, async () => ({ status: 'ok', service }));
  app.get('/readyz', { schema: routeSchema('readyz') }, async (_req, reply) => {
    const results: Record<string, string> = {};
    let ok = !isShuttingDown();
    if (!ok) results.shutdown = 'shutting down';
    await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        let reason: string | undefined;
        try {
          reason = await check();
        } catch (e) {
          reason = e instanceof Error ? e.message : String(e);
        }
        results[name] = reason ?? 'ok';
        if (reason) ok = false;
      }),
    );
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', service, checks: results });
  });
}
