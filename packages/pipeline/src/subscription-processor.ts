/**
 * Topic-based Subscription notifications (R4 Backport IG) → the rest-hook's submit path.
 *
 * Every event is processed once: an event number at or below the subscription's watermark, or
 * in its done set, is a duplicate and ignored; one being processed by another replica is left to
 * it (a lease). Out-of-order events are processed when they come; the numbers they skip are a
 * gap. A gap still open after `gapGraceMs` (a late delivery may fill it) is recovered with
 * `Subscription/{id}/$events?eventsSinceNumber=…&eventsUntilNumber=…`; where the server has no
 * `$events` (or no longer holds the events), by searching the topic's resources updated since
 * the watermark event's time (minus a margin) — every hit goes through the same submit path, so
 * a resource seen before joins its run (the run id is deterministic) and nothing is scored twice.
 *
 * Focus resources are always read from the EHR, also with full-resource content: the decision to
 * score is made on the EHR's current record (the same one the ingest stage reads; a recovered
 * event may be old, the resource since corrected), and a notification cannot make the service
 * act on a resource the EHR does not hold. Only references to the configured FHIR server are read.
 *
 * Heartbeats: no notification within `heartbeatMisses` × the heartbeat period marks the
 * subscription `error` (GET /v1/subscriptions shows it); a periodic check also asks the EHR's
 * `$status` then, so events sent while we were unreachable are recovered.
 */
import type { MedplumClient } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { isTaceError, TaceError, type Logger } from '@tace/common';
import {
  fetchSubscriptionEvents,
  fetchSubscriptionStatus,
  isNotFound,
  isOperationUnsupported,
  isTransientFhirError,
  searchTopicSince,
  TOPICS,
  withFhirRetry,
  type NotificationEvent,
  type ParsedNotification,
} from '@tace/fhir';
import { causeOf } from './submit.ts';
import type { RedisSubscriptionStore, SubscriptionState } from './subscription-store.ts';

export interface TriggerOutcome {
  outcome: 'started' | 'joined' | 'ignored' | 'waiting';
  runId?: string;
}

export interface SubscriptionProcessorDeps {
  store: RedisSubscriptionStore;
  fhir: MedplumClient;
  fhirBaseUrl: string;
  log: Logger;
  /** The rest-hook's path: a resource read from the EHR → a run started, joined, or nothing. */
  trigger(resource: Resource): Promise<TriggerOutcome>;
  gapGraceMs: number;
  heartbeatMisses: number;
  /** Events processed at once during a recovery (default 8). */
  concurrency?: number;
  /** Search recovery looks back this far before the watermark event's time (default 5 min). */
  searchMarginMs?: number;
}

export interface NotificationResult {
  subscriptionId: string;
  type: string;
  started: number;
  joined: number;
  ignored: number;
  duplicates: number;
  failed: number;
  /** Event numbers still missing after this notification (a recovery is scheduled). */
  missing: number;
}

export interface RecoveryResult {
  via: 'none' | 'events' | 'search' | 'busy';
  missingBefore: number;
  recovered: number;
  /** Resources the search found (search recovery). */
  searched?: number;
  ms: number;
}

type EventVerdict = 'started' | 'joined' | 'ignored' | 'duplicate' | 'failed' | 'busy';

async function mapLimit<T, R>(items: readonly T[], limit: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const i = next++;
      try {
        out[i] = await f(items[i]!);
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
  return out;
}

/** How far one notification may move the event count beyond what is known (the store's missing-list cap). */
export const MAX_COUNT_JUMP = 10_000;

export class SubscriptionProcessor {
  private readonly d: SubscriptionProcessorDeps;
  /** When the server last answered that it has no $events (asked again after 10 minutes). */
  private eventsUnsupportedAt = 0;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private interval: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private readonly running = new Set<Promise<unknown>>();

  constructor(deps: SubscriptionProcessorDeps) {
    this.d = deps;
  }

  /** One notification Bundle (already parsed) for a subscription this service registered. */
  async handle(n: ParsedNotification): Promise<NotificationResult> {
    const sub = await this.d.store.get(n.subscriptionId);
    if (!sub) throw new TaceError('SUBSCRIPTION_UNKNOWN', 'the notification names a Subscription this service did not create (run tace-risk fhir subscribe)', { httpStatus: 404 });
    if (n.topic && n.topic !== sub.topicUrl) throw new TaceError('SUBSCRIPTION_TOPIC_MISMATCH', 'the notification names another topic than its Subscription', { httpStatus: 400 });
    if ((n.type === 'query-event' || n.type === 'query-status')) {
      throw new TaceError('SUBSCRIPTION_NOTIFICATION_INVALID', `a '${n.type}' bundle answers $events/$status; it is not a notification`, { httpStatus: 400 });
    }
    // The EHR's event count moves the watermark (through recovery): a count that went backwards (a
    // reset or restored server) or jumps implausibly far is not trusted — else one bad number would
    // mark every later real event a "duplicate" and silence the Subscription while it looks active.
    const known = Math.max(sub.watermark, sub.eventsSince);
    if (n.eventsSinceStart !== undefined && n.eventsSinceStart < sub.watermark) {
      await this.d.store.setError(sub.id, 'SUBSCRIPTION_COUNTER_RESET');
      this.d.log.warn({ subscription: sub.id, code: 'SUBSCRIPTION_COUNTER_RESET', count: n.eventsSinceStart, watermark: sub.watermark }, 'the EHR counts fewer events than were processed; re-run tace-risk fhir subscribe');
      throw new TaceError('SUBSCRIPTION_COUNTER_RESET', "the notification counts fewer events than this Subscription already processed (the EHR's counter was reset); run tace-risk fhir subscribe again", { httpStatus: 409 });
    }
    if (n.eventsSinceStart !== undefined && n.eventsSinceStart - known > MAX_COUNT_JUMP) {
      await this.d.store.setError(sub.id, 'SUBSCRIPTION_COUNT_IMPLAUSIBLE');
      this.d.log.warn({ subscription: sub.id, code: 'SUBSCRIPTION_COUNT_IMPLAUSIBLE', count: n.eventsSinceStart, known }, 'the EHR counts implausibly many new events; not trusted');
      throw new TaceError('SUBSCRIPTION_COUNT_IMPLAUSIBLE', `the notification claims more than ${MAX_COUNT_JUMP} events beyond those known; not trusted (the Subscription is marked in error)`, { httpStatus: 422 });
    }
    await this.d.store.touch(sub.id, n.eventsSinceStart);
    const res: NotificationResult = { subscriptionId: sub.id, type: n.type, started: 0, joined: 0, ignored: 0, duplicates: 0, failed: 0, missing: 0 };
    const events = [...n.events].sort((a, b) => a.eventNumber - b.eventNumber);
    const verdicts = await mapLimit(events, 4, (ev) => this.processEvent(sub, ev, false));
    for (const v of verdicts) {
      if (v === 'duplicate' || v === 'busy') res.duplicates++;
      else res[v]++;
    }
    const upTo = Math.max(n.eventsSinceStart ?? 0, sub.eventsSince, ...events.map((e) => e.eventNumber));
    if (upTo > sub.eventsSince) await this.d.store.noteEventsSince(sub.id, upTo);
    const missing = await this.d.store.missing(sub.id, upTo);
    res.missing = missing.total;
    if (missing.total > 0) {
      const now = new Date().toISOString();
      await this.d.store.setGap(sub.id, now);
      const gapSince = (await this.d.store.get(sub.id))?.gapSince ?? now;
      const waitMs = Math.max(0, Date.parse(gapSince) + this.d.gapGraceMs - Date.now());
      this.d.log.info({ subscription: sub.id, missing: missing.total, recoverInMs: waitMs }, 'subscription: events missing');
      this.schedule(sub.id, waitMs);
    } else if (sub.gapSince) {
      await this.d.store.setGap(sub.id, undefined);
    }
    return res;
  }

  /** Recover in the background after `ms` (one timer per subscription in this process). */
  private schedule(id: string, ms: number): void {
    if (this.timers.has(id)) return;
    const t = setTimeout(() => {
      this.timers.delete(id);
      this.track(this.recover(id).catch((e: unknown) => this.d.log.warn({ subscription: id, cause: causeOf(e) }, 'subscription recovery failed; the periodic check retries')));
    }, ms);
    t.unref();
    this.timers.set(id, t);
  }

  private track(p: Promise<unknown>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private async processEvent(sub: SubscriptionState, ev: NotificationEvent, recovered: boolean): Promise<EventVerdict> {
    const store = this.d.store;
    if (await store.isDone(sub.id, ev.eventNumber)) return 'duplicate';
    if (!(await store.claimEvent(sub.id, ev.eventNumber))) return 'busy';
    // another replica may have completed it (and released its lease) between our check and our claim
    if (await store.isDone(sub.id, ev.eventNumber)) {
      await store.releaseEvent(sub.id, ev.eventNumber);
      return 'duplicate';
    }
    const fail = async (code: string, e?: unknown): Promise<EventVerdict> => {
      this.d.log.warn({ subscription: sub.id, event: ev.eventNumber, code, ...(e ? { cause: causeOf(e) } : {}) }, 'subscription event not scored');
      await store.completeEvent(sub.id, ev.eventNumber, ev.timestamp, { recovered, failed: true });
      return 'failed';
    };
    try {
      const topic = TOPICS.find((t) => t.key === sub.topic)!;
      const [type, id] = (ev.focus ?? '').split('/');
      if (!ev.focus || type !== topic.resourceType || !id) return await fail('SUBSCRIPTION_FOCUS_INVALID');
      let resource: Resource;
      try {
        resource = await withFhirRetry('reading a subscription focus', () => this.d.fhir.readResource(topic.resourceType, id), { retries: 2, backoffMs: 200 });
      } catch (e) {
        if (isNotFound(e)) return await fail('SUBSCRIPTION_FOCUS_GONE');
        throw e;
      }
      let out: TriggerOutcome;
      try {
        out = await this.d.trigger(resource);
      } catch (e) {
        if (isTaceError(e) && !e.retryable && e.httpStatus < 500) return await fail(e.code);
        throw e;
      }
      await store.completeEvent(sub.id, ev.eventNumber, ev.timestamp ?? resource.meta?.lastUpdated, { recovered });
      return out.outcome === 'started' ? 'started' : out.outcome === 'joined' ? 'joined' : 'ignored';
    } catch (e) {
      // transient (FHIR or Redis unavailable): not processed; a redelivery or the recovery does it
      await store.releaseEvent(sub.id, ev.eventNumber);
      if (isTaceError(e)) throw e;
      if (isTransientFhirError(e)) throw new TaceError('FHIR_UNAVAILABLE', 'the FHIR server could not be read; send the notification again', { httpStatus: 503, retryable: true, cause: e });
      throw e;
    }
  }

  /**
   * Fill the gap of one subscription: `$events` for the missing numbers, else (no `$events`, or
   * events the server no longer has) a search of the topic's resources since the watermark time.
   */
  async recover(id: string): Promise<RecoveryResult> {
    const t0 = performance.now();
    const store = this.d.store;
    if (!(await store.lockRecovery(id))) return { via: 'busy', missingBefore: 0, recovered: 0, ms: 0 };
    try {
      const sub = await store.get(id);
      if (!sub) return { via: 'none', missingBefore: 0, recovered: 0, ms: 0 };
      const upTo = sub.eventsSince;
      let missing: number[] = await store.missing(id, upTo);
      const missingBefore = (missing as Awaited<ReturnType<typeof store.missing>>).total;
      if (missing.length === 0) {
        await store.setGap(id, undefined);
        return { via: 'none', missingBefore: 0, recovered: 0, ms: performance.now() - t0 };
      }
      let via: RecoveryResult['via'] = 'events';
      let searched: number | undefined;
      // numbers the server did not return ($events absent, or events past its retention)
      let unreturned = missing;
      if (Date.now() - this.eventsUnsupportedAt > 10 * 60_000) {
        try {
          const page = 200;
          const notGot: number[] = [];
          for (let a = missing[0]!; a <= missing[missing.length - 1]!; a += page) {
            const b = Math.min(a + page - 1, upTo);
            const want = new Set(missing.filter((n) => n >= a && n <= b));
            if (want.size === 0) continue;
            const got = await withFhirRetry('reading Subscription $events', () => fetchSubscriptionEvents(this.d.fhir, this.d.fhirBaseUrl, id, a, b, 'id-only'), { retries: 2, backoffMs: 200 });
            const evs = got.events.filter((e) => want.has(e.eventNumber));
            for (const e of evs) want.delete(e.eventNumber);
            notGot.push(...want);
            await mapLimit(evs, this.d.concurrency ?? 8, (ev) => this.processEvent(sub, ev, true));
          }
          unreturned = notGot;
        } catch (e) {
          if (!isOperationUnsupported(e)) throw e;
          this.eventsUnsupportedAt = Date.now();
          this.d.log.info({ subscription: id }, 'the FHIR server has no Subscription $events; recovering by search');
        }
      }
      const left = await store.missing(id, upTo);
      missing = left;
      if (left.total > 0 && unreturned.length === 0) {
        // left: events another replica is processing right now, or beyond this round's cap — the next check goes on
        return { via, missingBefore, recovered: missingBefore - left.total, ms: performance.now() - t0 };
      }
      if (missing.length > 0) {
        via = 'search';
        const startedAt = new Date();
        const topic = TOPICS.find((t) => t.key === sub.topic)!;
        const fromMs = Date.parse(sub.watermarkTime ?? sub.registeredAt) - (this.d.searchMarginMs ?? 5 * 60_000);
        const found = await withFhirRetry('searching the topic since the last event', () => searchTopicSince(this.d.fhir, topic, new Date(fromMs).toISOString()), { retries: 2, backoffMs: 200 });
        searched = found.length;
        await mapLimit(found, this.d.concurrency ?? 8, async (r) => {
          try {
            await this.d.trigger(r);
          } catch (e) {
            if (isTaceError(e) && !e.retryable && e.httpStatus < 500) {
              this.d.log.warn({ subscription: id, code: e.code }, 'search recovery: resource not scored');
              return;
            }
            throw e;
          }
        });
        const doneAbove = await store.doneBetween(id, sub.watermark + 1, upTo);
        await store.skipTo(id, upTo, new Date(startedAt.getTime()).toISOString(), doneAbove);
        missing = [];
      }
      await store.setGap(id, undefined);
      await store.setLastRecovery(id, new Date().toISOString());
      const ms = performance.now() - t0;
      this.d.log.info({ subscription: id, via, missingBefore, ms: Math.round(ms) }, 'subscription gap recovered');
      return { via, missingBefore, recovered: missingBefore - missing.length, ...(searched !== undefined ? { searched } : {}), ms };
    } finally {
      await store.unlockRecovery(id);
    }
  }

  /** Heartbeats and open gaps of every registered subscription. */
  async check(now = Date.now()): Promise<void> {
    for (const sub of await this.d.store.list()) {
      try {
        if (sub.heartbeatS > 0) {
          const last = Date.parse(sub.lastNotificationAt ?? sub.registeredAt);
          const limitMs = this.d.heartbeatMisses * sub.heartbeatS * 1000;
          if (now - last > limitMs) {
            if (sub.status !== 'error') {
              await this.d.store.setError(sub.id, `no notification for ${Math.round((now - last) / 1000)} s (heartbeat ${sub.heartbeatS} s × ${this.d.heartbeatMisses})`);
              this.d.log.warn({ subscription: sub.id, heartbeatS: sub.heartbeatS }, 'subscription heartbeats stopped: marked error');
            }
            // the EHR may have kept counting events it could not deliver
            const st = await fetchSubscriptionStatus(this.d.fhir, this.d.fhirBaseUrl, sub.id).catch((e: unknown) => {
              this.d.log.warn({ subscription: sub.id, cause: causeOf(e) }, 'subscription $status failed');
              return {} as { eventsSinceStart?: number };
            });
            if (st.eventsSinceStart !== undefined && st.eventsSinceStart > sub.eventsSince) {
              await this.d.store.noteEventsSince(sub.id, st.eventsSinceStart);
              await this.d.store.setGap(sub.id, new Date(now - this.d.gapGraceMs).toISOString());
            }
          }
        }
        const fresh = await this.d.store.get(sub.id);
        if (fresh?.gapSince && now - Date.parse(fresh.gapSince) >= this.d.gapGraceMs) await this.recover(sub.id);
      } catch (e) {
        this.d.log.warn({ subscription: sub.id, cause: causeOf(e) }, 'subscription check failed');
      }
    }
  }

  /** Run `check` every `intervalMs` (never two at once). */
  start(intervalMs: number): void {
    this.interval = setInterval(() => {
      if (this.checking) return;
      this.checking = this.check().finally(() => {
        this.checking = undefined;
      });
    }, intervalMs);
    this.interval.unref();
  }

  async stop(): Promise<void> {
    if (this.interval) clearInterval(this.interval);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await this.checking;
    await Promise.allSettled([...this.running]);
  }
}
