/**
 * Topic-based Subscriptions, FHIR R4 Backport IG (hl7.fhir.uv.subscriptions-backport, profile
 * `backport-subscription`): what the service asks the EHR to send, and how it reads what it gets.
 *
 * Topics (canonical URLs defined by this project; an EHR implements them in its subscription
 * engine — R4 has no SubscriptionTopic resource, so the URL is the agreement):
 * - https://tace-risk.example.org/SubscriptionTopic/tace-procedure-completed — a Procedure
 *   (SNOMED CT 441525007, TACE) is created or updated with status `completed`;
 * - https://tace-risk.example.org/SubscriptionTopic/ct-imagingstudy-available — an ImagingStudy
 *   with a CT series is created or updated with status `available`.
 * Each Subscription narrows its topic with `backport-filter-criteria` (a search expression on the
 * topic's resource) and asks for a rest-hook with `backport-payload-content` id-only (default) or
 * full-resource, `backport-heartbeat-period`, `backport-timeout`, `backport-max-count`.
 *
 * Notifications are `subscription-notification` Bundles (type history), first entry the
 * SubscriptionStatus Parameters (`backport-subscription-status-r4`): type handshake / heartbeat /
 * event-notification / query-event / query-status, `events-since-subscription-start` (a string
 * in R4), and per event a `notification-event` with `event-number`, `timestamp`, `focus`.
 */
import type { MedplumClient } from '@medplum/core';
import { OperationOutcomeError } from '@medplum/core';
import type { Bundle, CapabilityStatement, Extension, Parameters, ParametersParameter, Resource, Subscription } from '@medplum/fhirtypes';
import { isTaceError, TaceError } from '@tace/common';
import { SNOMED, TACE_PROCEDURE_CODE } from './codes.ts';
import { isFhirId } from './reference.ts';

export const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/';
export const BACKPORT_SUBSCRIPTION_PROFILE = `${BACKPORT}backport-subscription`;
export const BACKPORT_NOTIFICATION_PROFILE = `${BACKPORT}backport-subscription-notification-r4`;
export const BACKPORT_STATUS_PROFILE = `${BACKPORT}backport-subscription-status-r4`;
export const EXT = {
  filterCriteria: `${BACKPORT}backport-filter-criteria`,
  payloadContent: `${BACKPORT}backport-payload-content`,
  heartbeatPeriod: `${BACKPORT}backport-heartbeat-period`,
  timeout: `${BACKPORT}backport-timeout`,
  maxCount: `${BACKPORT}backport-max-count`,
  topicCanonical: `${BACKPORT}capabilitystatement-subscriptiontopic-canonical`,
} as const;
/** meta.tag on the Subscriptions this service creates: finds them again (R4 Subscription has no identifier). */
export const SUBSCRIPTION_TAG_SYSTEM = 'https://tace-risk.example.org/subscription';

export type PayloadContent = 'id-only' | 'full-resource';
export type TopicKey = 'tace-procedure-completed' | 'ct-imagingstudy-available';

export interface TopicDef {
  key: TopicKey;
  title: string;
  url: string;
  resourceType: 'Procedure' | 'ImagingStudy';
  /** backport-filter-criteria: a search on the topic's resource. */
  filter: string;
  /**
   * Search parameters for search recovery (when the server lacks $events): the filter without
   * what servers index differently (R4 `modality` searches series.modality only); the trigger
   * check (isTaceTrigger) applies the rest to every hit.
   */
  search: Record<string, string>;
}

export const TOPICS: readonly TopicDef[] = [
  {
    key: 'tace-procedure-completed',
    title: 'TACE Procedure completed',
    url: 'https://tace-risk.example.org/SubscriptionTopic/tace-procedure-completed',
    resourceType: 'Procedure',
    filter: `Procedure?code=${SNOMED}|${TACE_PROCEDURE_CODE}&status=completed`,
    search: { code: `${SNOMED}|${TACE_PROCEDURE_CODE}`, status: 'completed' },
  },
  {
    key: 'ct-imagingstudy-available',
    title: 'CT ImagingStudy available',
    url: 'https://tace-risk.example.org/SubscriptionTopic/ct-imagingstudy-available',
    resourceType: 'ImagingStudy',
    filter: 'ImagingStudy?status=available&modality=http://dicom.nema.org/resources/ontology/DCM|CT',
    search: { status: 'available' },
  },
];

export function topicByUrl(url: string | undefined): TopicDef | undefined {
  return TOPICS.find((t) => t.url === url);
}

export interface SubscriptionRequest {
  topic: TopicDef;
  /** The service's notification endpoint (POST /fhir/subscription-notification), as the EHR reaches it. */
  endpoint: string;
  content: PayloadContent;
  heartbeatS: number;
  maxCount: number;
  /** backport-timeout: how long the EHR waits for our answer, seconds. */
  timeoutS?: number;
  /** Channel headers the EHR sends with every notification (the bearer token). */
  headers: string[];
}

/** The R4 Subscription resource (backport-subscription profile) for one topic. */
export function buildSubscription(r: SubscriptionRequest): Subscription {
  return {
    resourceType: 'Subscription',
    meta: { profile: [BACKPORT_SUBSCRIPTION_PROFILE], tag: [{ system: SUBSCRIPTION_TAG_SYSTEM, code: r.topic.key }] },
    status: 'requested',
    reason: `tace-risk: ${r.topic.title} — starts the risk score of distant metastasis after TACE`,
    criteria: r.topic.url,
    _criteria: { extension: [{ url: EXT.filterCriteria, valueString: r.topic.filter }] },
    channel: {
      extension: [
        { url: EXT.heartbeatPeriod, valueUnsignedInt: r.heartbeatS },
        { url: EXT.timeout, valueUnsignedInt: r.timeoutS ?? 30 },
        { url: EXT.maxCount, valuePositiveInt: r.maxCount },
      ],
      type: 'rest-hook',
      endpoint: r.endpoint,
      payload: 'application/fhir+json',
      _payload: { extension: [{ url: EXT.payloadContent, valueCode: r.content }] },
      header: r.headers,
    },
  } as Subscription;
}

const ext = (list: Extension[] | undefined, url: string): Extension | undefined => list?.find((e) => e.url === url);

/** What the server says about Backport IG subscriptions in its CapabilityStatement. */
export interface BackportSupport {
  supported: boolean;
  reason?: string;
  /** Topic canonicals the server lists (empty: it lists none). */
  topics: string[];
  /** The server declares the $events operation on Subscription. */
  events: boolean;
}

export function backportSupport(cs: CapabilityStatement | undefined): BackportSupport {
  const sub = cs?.rest?.flatMap((r) => r.resource ?? []).find((r) => r.type === 'Subscription');
  if (!sub) return { supported: false, reason: 'the CapabilityStatement has no Subscription resource', topics: [], events: false };
  const profiles = [...(sub.supportedProfile ?? []), ...(sub.profile ? [sub.profile] : [])];
  const topics = (sub.extension ?? []).filter((e) => e.url === EXT.topicCanonical).map((e) => e.valueCanonical ?? '').filter(Boolean);
  const events = (sub.operation ?? []).some((o) => o.name === 'events' || /backport-subscription-events$/.test(o.definition ?? ''));
  if (!profiles.some((p) => p.split('|')[0] === BACKPORT_SUBSCRIPTION_PROFILE)) {
    return { supported: false, reason: 'the CapabilityStatement does not list the backport-subscription profile', topics, events };
  }
  return { supported: true, topics, events };
}

const unsupported = (message: string, cause?: unknown) => new TaceError('SUBSCRIPTION_UNSUPPORTED', message, { httpStatus: 422, ...(cause ? { cause } : {}) });

export interface EnsureResult {
  topic: TopicKey;
  id: string;
  /** created now, found as it was, or found and updated (channel settings or header changed). */
  action: 'created' | 'exists' | 'updated';
  status?: string;
}

/** R4 primitive extensions (`_criteria`, `channel._payload`), which @medplum/fhirtypes does not type. */
type WithPrimitiveExt = { _criteria?: { extension?: Extension[] }; channel?: { _payload?: { extension?: Extension[] } } };
export function payloadContentOf(s: Subscription): string | undefined {
  return ext((s as WithPrimitiveExt).channel?._payload?.extension, EXT.payloadContent)?.valueCode;
}

function sameChannel(a: Subscription, b: Subscription): boolean {
  const pick = (s: Subscription) =>
    JSON.stringify([s.channel?.endpoint, s.channel?.header ?? [], s.channel?.extension ?? [], payloadContentOf(s), (s as WithPrimitiveExt)._criteria ?? {}]);
  return pick(a) === pick(b);
}

/**
 * Creates (or finds) one Subscription per topic on the EHR. Checks the CapabilityStatement first:
 * without the backport-subscription profile (or without one of our topics, when the server lists
 * its topics) nothing is created (SUBSCRIPTION_UNSUPPORTED). Idempotent: a Subscription with our
 * tag, topic and endpoint is found by search and kept (or updated in place when the channel
 * settings or the header changed, e.g. a new token); if the server refuses one, those created by
 * this call are deleted again, so a refusal leaves nothing behind.
 */
export async function ensureSubscriptions(
  fhir: MedplumClient,
  reqs: SubscriptionRequest[],
  opts: {
    /**
     * Called once a Subscription exists on the EHR and BEFORE it is requested (status 'requested'):
     * the service must know it when the server's handshake arrives, which may be before the
     * create or update answers.
     */
    register?: (r: { topic: TopicKey; id: string }, req: SubscriptionRequest) => Promise<void>;
  } = {},
): Promise<{ results: EnsureResult[]; support: BackportSupport }> {
  let cs: CapabilityStatement;
  try {
    cs = (await fhir.get(fhir.fhirUrl('metadata'), { cache: 'no-cache' })) as CapabilityStatement;
  } catch (e) {
    if (isTaceError(e) && e.code === 'FHIR_UNAVAILABLE') throw e;
    throw unsupported('the FHIR server did not answer its CapabilityStatement (GET metadata)', e);
  }
  const support = backportSupport(cs);
  if (!support.supported) throw unsupported(`the FHIR server does not support topic-based Subscriptions (R4 Backport IG): ${support.reason}`);
  for (const r of reqs) {
    if (support.topics.length > 0 && !support.topics.includes(r.topic.url)) throw unsupported(`the FHIR server does not offer the topic ${r.topic.url}`);
  }
  const results: EnsureResult[] = [];
  const createdNow: string[] = [];
  try {
    for (const r of reqs) {
      const wanted = buildSubscription(r);
      const found = await findOurSubscription(fhir, r);
      if (found?.id) {
        await opts.register?.({ topic: r.topic.key, id: found.id }, r);
        if (sameChannel(found, wanted) && found.status !== 'off' && found.status !== 'error') {
          results.push({ topic: r.topic.key, id: found.id, action: 'exists', ...(found.status ? { status: found.status } : {}) });
          continue;
        }
        const updated = await fhir.updateResource({ ...wanted, id: found.id });
        results.push({ topic: r.topic.key, id: found.id, action: 'updated', ...(updated.status ? { status: updated.status } : {}) });
        continue;
      }
      // created 'off' (no handshake yet), registered, then requested: the handshake finds it known
      const created = await fhir.createResource({ ...wanted, status: 'off' });
      if (!created.id) throw unsupported('the FHIR server answered a Subscription without an id');
      createdNow.push(created.id);
      await opts.register?.({ topic: r.topic.key, id: created.id }, r);
      const requested = await fhir.updateResource({ ...wanted, id: created.id });
      if (requested.status === 'error' || requested.status === 'off') throw unsupported(`the FHIR server set the ${r.topic.key} Subscription to '${requested.status}'`);
      results.push({ topic: r.topic.key, id: created.id, action: 'created', ...(requested.status ? { status: requested.status } : {}) });
    }
  } catch (e) {
    for (const id of createdNow) await fhir.deleteResource('Subscription', id).catch(() => undefined);
    if (isTaceError(e)) throw e;
    if (e instanceof OperationOutcomeError) throw unsupported(`the FHIR server refused the Subscription (${e.outcome.issue?.[0]?.code ?? 'error'}); nothing was created`, e);
    throw e;
  }
  return { results, support };
}

async function findOurSubscription(fhir: MedplumClient, r: SubscriptionRequest): Promise<Subscription | undefined> {
  const found = (await fhir.searchResources('Subscription', { url: r.endpoint, criteria: r.topic.url, _count: '50' })) as Subscription[];
  // filtered here as well: a server may ignore a search parameter it does not know
  return found.find(
    (s) => s.criteria === r.topic.url && s.channel?.endpoint === r.endpoint && (s.meta?.tag ?? []).some((t) => t.system === SUBSCRIPTION_TAG_SYSTEM && t.code === r.topic.key),
  );
}

// ---------------------------------------------------------------------------------------------
// Notifications

export type NotificationType = 'handshake' | 'heartbeat' | 'event-notification' | 'query-status' | 'query-event';

export interface NotificationEvent {
  eventNumber: number;
  timestamp?: string;
  /** `Type/id` of the focus, relative to the EHR's base. */
  focus?: string;
  /** The focus resource when the bundle carries it (full-resource). */
  resource?: Resource;
}

export interface ParsedNotification {
  /** Subscription id (the logical id on the EHR). */
  subscriptionId: string;
  topic?: string;
  type: NotificationType;
  status?: string;
  eventsSinceStart?: number;
  events: NotificationEvent[];
}

const invalid = (message: string) => new TaceError('SUBSCRIPTION_NOTIFICATION_INVALID', message, { httpStatus: 400 });

/** `Type/id` from a reference that is relative or absolute under the EHR's base; else undefined (another server: never called). */
export function localReference(ref: string | undefined, fhirBaseUrl: string): string | undefined {
  if (!ref) return undefined;
  const base = fhirBaseUrl.endsWith('/') ? fhirBaseUrl : `${fhirBaseUrl}/`;
  let rel = ref;
  if (/^https?:\/\//i.test(ref)) {
    if (!ref.startsWith(base)) return undefined;
    rel = ref.slice(base.length);
  }
  const m = /^([A-Z][A-Za-z]{1,63})\/([^/]+)(?:\/_history\/[^/]+)?$/.exec(rel);
  return m && isFhirId(m[2]!) ? `${m[1]}/${m[2]}` : undefined;
}

function parts(p: ParametersParameter | undefined, name: string): ParametersParameter[] {
  return (p?.part ?? []).filter((x) => x.name === name);
}

function eventNumberOf(v: ParametersParameter | undefined): number | undefined {
  const raw = v?.valueString ?? (v as { valueInteger64?: string } | undefined)?.valueInteger64 ?? (v?.valueInteger !== undefined ? String(v.valueInteger) : v?.valueUnsignedInt !== undefined ? String(v.valueUnsignedInt) : undefined);
  if (raw === undefined || !/^\d{1,15}$/.test(String(raw))) return undefined;
  return Number(raw);
}

/**
 * Reads a subscription-notification Bundle (or a $events answer). Throws
 * SUBSCRIPTION_NOTIFICATION_INVALID (400) when it is not one. Events whose focus points to
 * another server keep `focus` undefined (the caller refuses them: nothing is fetched from there).
 */
export function parseSubscriptionNotification(body: unknown, fhirBaseUrl: string): ParsedNotification {
  if (typeof body !== 'object' || body === null || (body as Resource).resourceType !== 'Bundle') throw invalid('the body is not a FHIR Bundle');
  const bundle = body as Bundle;
  if (bundle.type !== 'history') throw invalid(`a subscription-notification Bundle has type 'history', not '${String(bundle.type)}'`);
  const status = bundle.entry?.[0]?.resource as Parameters | undefined;
  if (status?.resourceType !== 'Parameters') throw invalid('the first entry of a subscription-notification is the SubscriptionStatus Parameters');
  const param = (name: string) => status.parameter?.find((p) => p.name === name);
  const subRef = param('subscription')?.valueReference?.reference;
  const rel = localReference(subRef, fhirBaseUrl);
  if (!rel?.startsWith('Subscription/')) throw invalid('the SubscriptionStatus names no Subscription of the configured FHIR server');
  const type = param('type')?.valueCode as NotificationType | undefined;
  if (!type || !['handshake', 'heartbeat', 'event-notification', 'query-status', 'query-event'].includes(type)) throw invalid('the SubscriptionStatus has no valid notification type');
  const sinceRaw = param('events-since-subscription-start');
  const eventsSinceStart = sinceRaw ? eventNumberOf(sinceRaw) : undefined;
  if (sinceRaw && eventsSinceStart === undefined) throw invalid('events-since-subscription-start is not a whole number');
  // full-resource entries, by their Type/id, to attach to their events
  const byRef = new Map<string, Resource>();
  for (const e of (bundle.entry ?? []).slice(1)) {
    const r = e.resource;
    if (r?.resourceType && r.id) byRef.set(`${r.resourceType}/${r.id}`, r);
  }
  const events: NotificationEvent[] = [];
  for (const ev of status.parameter?.filter((p) => p.name === 'notification-event') ?? []) {
    const n = eventNumberOf(parts(ev, 'event-number')[0]);
    if (n === undefined) throw invalid('a notification-event has no valid event-number');
    const focusRaw = parts(ev, 'focus')[0]?.valueReference?.reference;
    const focus = localReference(focusRaw, fhirBaseUrl);
    const timestamp = parts(ev, 'timestamp')[0]?.valueInstant;
    const resource = focus ? byRef.get(focus) : undefined;
    events.push({ eventNumber: n, ...(timestamp ? { timestamp } : {}), ...(focus ? { focus } : {}), ...(resource ? { resource } : {}) });
  }
  if (type === 'event-notification' && events.length === 0) throw invalid('an event-notification carries no notification-event');
  const topic = param('topic')?.valueCanonical ?? param('topic')?.valueUri;
  const st = param('status')?.valueCode;
  return { subscriptionId: rel.slice('Subscription/'.length), ...(topic ? { topic } : {}), type, ...(st ? { status: st } : {}), ...(eventsSinceStart !== undefined ? { eventsSinceStart } : {}), events };
}

/** Is this error the server saying it has no such operation (so fall back), rather than a fault? */
export function isOperationUnsupported(e: unknown): boolean {
  if (isTaceError(e)) return e.detail?.status === 501;
  if (e instanceof OperationOutcomeError) return (e.outcome.issue ?? []).some((i) => ['not-supported', 'not-found', 'invalid'].includes(i.code));
  return false;
}

/** `Subscription/{id}/$events` for a range of event numbers (query-event bundle). */
export async function fetchSubscriptionEvents(fhir: MedplumClient, fhirBaseUrl: string, subscriptionId: string, since: number, until: number, content: PayloadContent): Promise<ParsedNotification> {
  const url = fhir.fhirUrl('Subscription', subscriptionId, '$events');
  url.searchParams.set('eventsSinceNumber', String(since));
  url.searchParams.set('eventsUntilNumber', String(until));
  url.searchParams.set('content', content);
  const body = await fhir.get(url, { cache: 'no-cache' });
  return parseSubscriptionNotification(body, fhirBaseUrl);
}

/** `Subscription/{id}/$status`: the server's events-since-subscription-start and status. */
export async function fetchSubscriptionStatus(fhir: MedplumClient, fhirBaseUrl: string, subscriptionId: string): Promise<{ eventsSinceStart?: number; status?: string }> {
  const body = (await fhir.get(fhir.fhirUrl('Subscription', subscriptionId, '$status'), { cache: 'no-cache' })) as Bundle;
  // R4 Backport: a searchset Bundle of SubscriptionStatus Parameters (or one notification-shaped Bundle)
  const params = (body.entry ?? []).map((e) => e.resource).find((r): r is Parameters => r?.resourceType === 'Parameters');
  if (!params) return {};
  const since = eventNumberOf(params.parameter?.find((p) => p.name === 'events-since-subscription-start'));
  const status = params.parameter?.find((p) => p.name === 'status')?.valueCode;
  return { ...(since !== undefined ? { eventsSinceStart: since } : {}), ...(status ? { status } : {}) };
}

/**
 * Search recovery for servers without $events: the topic's resources updated since `sinceIso`,
 * sorted by `_lastUpdated`, 200 a page. Pages follow the answer's `next` link when it names the
 * configured server (another server: SUBSCRIPTION_RECOVERY_INCOMPLETE, the token is not sent
 * there); a server that gives no `next` link is paged by `_lastUpdated=ge<last of the page>`
 * (ids already seen skipped). More than `limit` resources, or a page that cannot move forward,
 * is SUBSCRIPTION_RECOVERY_INCOMPLETE: never a silently partial recovery.
 */
export async function searchTopicSince(fhir: MedplumClient, topic: TopicDef, sinceIso: string, limit = 20_000): Promise<Resource[]> {
  const PAGE = 200;
  const incomplete = (why: string) => new TaceError('SUBSCRIPTION_RECOVERY_INCOMPLETE', why, { httpStatus: 502 });
  const base = fhir.fhirUrl('').toString();
  const query = (since: string) => {
    const u = fhir.fhirUrl(topic.resourceType);
    u.search = new URLSearchParams({ ...topic.search, _lastUpdated: `ge${since}`, _count: String(PAGE), _sort: '_lastUpdated' }).toString();
    return u;
  };
  const out: Resource[] = [];
  const seen = new Set<string>();
  let since = sinceIso;
  let url: URL | undefined = query(since);
  while (url) {
    const page = (await fhir.get(url, { cache: 'no-cache' })) as Bundle;
    const hits = (page.entry ?? []).map((e) => e.resource).filter((r): r is Resource => r?.resourceType === topic.resourceType);
    for (const r of hits) {
      const key = r.id ?? JSON.stringify(r);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(r);
    }
    if (out.length > limit) throw incomplete(`more than ${limit} resources changed since the last event; recovery stopped`);
    const next = page.link?.find((l) => l.relation === 'next')?.url;
    if (next) {
      if (!next.startsWith(base)) throw incomplete('the search answer links its next page on another server; not followed');
      url = new URL(next);
    } else if (hits.length >= PAGE) {
      const last = hits[hits.length - 1]!.meta?.lastUpdated;
      if (!last || last === since) throw incomplete(`more than ${PAGE} resources share one lastUpdated and the server gives no next link`);
      since = last;
      url = query(since);
    } else {
      url = undefined;
    }
  }
  return out;
}

/** A notification Bundle as the Backport IG shapes it (the test EHR, the bench). */
export function buildNotificationBundle(o: {
  subscriptionUrl: string;
  topic: string;
  type: NotificationType;
  status?: string;
  eventsSinceStart: number;
  events: Array<{ eventNumber: number; timestamp: string; focusUrl: string; resource?: Resource }>;
}): Bundle {
  const statusParams: Parameters = {
    resourceType: 'Parameters',
    meta: { profile: [BACKPORT_STATUS_PROFILE] },
    parameter: [
      { name: 'subscription', valueReference: { reference: o.subscriptionUrl } },
      { name: 'topic', valueCanonical: o.topic },
      { name: 'status', valueCode: o.status ?? 'active' },
      { name: 'type', valueCode: o.type },
      { name: 'events-since-subscription-start', valueString: String(o.eventsSinceStart) },
      ...o.events.map((e) => ({
        name: 'notification-event',
        part: [
          { name: 'event-number', valueString: String(e.eventNumber) },
          { name: 'timestamp', valueInstant: e.timestamp },
          { name: 'focus', valueReference: { reference: e.focusUrl } },
        ],
      })),
    ],
  };
  return {
    resourceType: 'Bundle',
    meta: { profile: [BACKPORT_NOTIFICATION_PROFILE] },
    type: 'history',
    timestamp: new Date().toISOString(),
    entry: [
      { fullUrl: `urn:uuid:${crypto.randomUUID()}`, resource: statusParams, request: { method: 'GET', url: `${o.subscriptionUrl}/$status` }, response: { status: '200' } },
      ...o.events.map((e) =>
        e.resource
          ? { fullUrl: e.focusUrl, resource: e.resource, request: { method: 'PUT' as const, url: e.focusUrl }, response: { status: '200' } }
          : { fullUrl: e.focusUrl, request: { method: 'PUT' as const, url: e.focusUrl }, response: { status: '200' } },
      ),
    ],
  } as Bundle;
}
