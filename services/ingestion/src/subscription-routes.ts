/**
 * Topic-based Subscriptions (FHIR R4 Backport IG) on the ingestion service:
 * - `POST /fhir/subscription-notification`: the rest-hook channel of the Subscriptions that
 *   `tace-risk fhir subscribe` created. The EHR authenticates with the bearer token the
 *   Subscription's `channel.header` carries (`Authorization: Bearer …`, scope
 *   `subscriptions:notify`, checked by installAuth like every other route): the Backport IG's
 *   channel sends static headers and has no per-delivery signature, so the Standard Webhooks
 *   HMAC of the plain rest-hook is not something such an EHR can produce.
 * - `GET /v1/subscriptions`: each subscription's state (watermark, gap, heartbeat, error).
 * Errors are FHIR OperationOutcome with the stable code in `details`, as on the rest-hook.
 */
import type { FastifyInstance, FastifySchema } from 'fastify';
import { parseSubscriptionNotification } from '@tace/fhir';
import { routeSchema } from '@tace/http';
import type { RedisSubscriptionStore, SubscriptionProcessor } from '@tace/pipeline';
import { fhirOutcomeScope, outcome, sendOutcome } from './app.ts';

export interface SubscriptionRouteDeps {
  processor: SubscriptionProcessor;
  store: RedisSubscriptionStore;
  /** The configured EHR base: notifications may name only its Subscriptions and resources. */
  fhirBaseUrl: string;
}

export async function subscriptionRoutes(app: FastifyInstance, deps: SubscriptionRouteDeps): Promise<void> {
  app.get('/v1/subscriptions', { schema: routeSchema('listSubscriptions') }, async (_req, reply) => {
    const subs = await deps.store.list();
    return reply.code(200).send({
      subscriptions: subs.map((s) => ({
        id: s.id,
        topic: s.topicUrl,
        content: s.content,
        status: s.status,
        ...(s.error ? { error: s.error } : {}),
        heartbeatSeconds: s.heartbeatS,
        ...(s.lastNotificationAt ? { lastNotificationAt: s.lastNotificationAt } : {}),
        lastEventNumber: s.watermark,
        eventsSinceSubscriptionStart: s.eventsSince,
        processedAboveLastEvent: s.doneAbove,
        ...(s.gapSince ? { gapSince: s.gapSince } : {}),
        recoveredEvents: s.recoveredEvents,
        failedEvents: s.failedEvents,
        ...(s.lastRecovery ? { lastRecovery: s.lastRecovery } : {}),
      })),
    });
  });

  await app.register(async (scope) => {
    // the body is parsed here, so a malformed one is an OperationOutcome with our code, not a problem+json
    fhirOutcomeScope(scope, 'subscription notification', { serverIssue: 'transient', retryAfterOn503: true });
    const { operationId, summary } = routeSchema('fhirSubscriptionNotification');
    scope.post('/fhir/subscription-notification', { schema: { operationId, summary } as FastifySchema }, async (req, reply) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return sendOutcome(reply, 400, outcome('error', 'structure', 'the body is not JSON', 'SUBSCRIPTION_NOTIFICATION_INVALID'));
      }
      const parsed = parseSubscriptionNotification(body, deps.fhirBaseUrl);
      const r = await deps.processor.handle(parsed);
      req.log.info({ subscription: r.subscriptionId, type: r.type, started: r.started, joined: r.joined, duplicates: r.duplicates, failed: r.failed, missing: r.missing }, 'subscription notification');
      const text =
        parsed.type === 'event-notification'
          ? `${parsed.events.length} event(s): ${r.started} run(s) started, ${r.joined} joined an existing run, ${r.ignored} not a trigger, ${r.duplicates} already processed, ${r.failed} not scored (see the service log)` +
            (r.missing ? `; ${r.missing} earlier event(s) missing, recovery scheduled` : '')
          : `${parsed.type} acknowledged` + (r.missing ? `; ${r.missing} event(s) missing, recovery scheduled` : '');
      return sendOutcome(reply, 200, outcome('information', 'informational', text));
    });
  });
}
