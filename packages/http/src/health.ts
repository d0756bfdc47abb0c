import type { FastifyInstance } from 'fastify';
import { routeSchema } from './openapi.ts';

export type ReadinessCheck = () => Promise<string | undefined>;

/** A check that has not answered in this time counts as failed: a hung dependency is not ready. */
export const READINESS_TIMEOUT_MS = 3000;

function bounded(check: ReadinessCheck, ms: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`did not answer in ${ms} ms`), ms);
  });
  return Promise.race([check().catch((e: unknown) => (e instanceof Error ? e.message : String(e))), timeout]).finally(() => clearTimeout(timer));
}

/**
 * /healthz: the process answers. /readyz: each named check returns undefined when fine or a
 * short reason, within READINESS_TIMEOUT_MS; any reason makes the service not ready (503), so
 * the orchestrator stops routing to it. Results are kept for a second so frequent probes do not
 * hammer the dependencies.
 */
export function healthRoutes(app: FastifyInstance, service: string, checks: Record<string, ReadinessCheck>, isShuttingDown: () => boolean = () => false): void {
  let cached: { at: number; results: Record<string, string>; ok: boolean } | undefined;
  app.get('/healthz', { schema: routeSchema('healthz'), config: { rateLimit: false } }, async () => ({ status: 'ok', service }));
  app.get('/readyz', { schema: routeSchema('readyz'), config: { rateLimit: false } }, async (_req, reply) => {
    if (!cached || Date.now() - cached.at > 1000) {
      const results: Record<string, string> = {};
      let ok = true;
      await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          const reason = await bounded(check, READINESS_TIMEOUT_MS);
          results[name] = reason ?? 'ok';
          if (reason) ok = false;
        }),
      );
      cached = { at: Date.now(), results, ok };
    }
    const down = isShuttingDown();
    const ok = cached.ok && !down;
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', service, checks: { ...cached.results, ...(down ? { shutdown: 'shutting down' } : {}) } });
  });
}
