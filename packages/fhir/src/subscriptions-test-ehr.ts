/**
 * Test part: the subscription engine of an EHR that implements the R4 Backport IG, in front of
 * the real test FHIR server (Medplum FhirRouter + MemoryRepository, which has no Backport IG).
 * It is a stand-in, not an implementation of the IG: the tests and the bench drive it.
 *
 * - `GET metadata` answers a CapabilityStatement whose Subscription resource lists the
 *   backport-subscription profile, our two topic canonicals, `$status` and (unless `events:
 *   false`) `$events`;
 * - `POST/PUT/GET/DELETE Subscription[...]` store the Subscriptions it is sent (search by `url`
 *   and `criteria`); `refuse` makes it answer 422 to a new Subscription (a server that will not
 *   take it);
 * - `Subscription/{id}/$status` and `Subscription/{id}/$events` (from the events it recorded);
 *   without `$events` that operation answers 404 not-supported, as a server that lacks it does;
 * - everything else is proxied to the FHIR server;
 * - the test records events (`emit`) and delivers notifications (`deliver`, `heartbeat`,
 *   `handshake`) over real HTTP to the Subscription's endpoint with its channel headers, in
 *   whatever order, duplicated or with gaps the test asks for.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, CapabilityStatement, Resource, Subscription } from '@medplum/fhirtypes';
import { BACKPORT_SUBSCRIPTION_PROFILE, buildNotificationBundle, EXT, payloadContentOf, TOPICS, type NotificationType, type PayloadContent } from './subscriptions.ts';

export interface StoredEvent {
  eventNumber: number;
  timestamp: string;
  /** `Type/id` on the FHIR server. */
  focus: string;
}

export interface TestSubscriptionEhr {
  /** FHIR base through this EHR (…/fhir/R4/). */
  fhirBaseUrl: string;
  subscriptions(): Subscription[];
  events(subscriptionId: string): StoredEvent[];
  /** Record an event on every Subscription of the topic (the focus must exist upstream); its numbers by subscription id. */
  emit(topicUrl: string, focus: string): Record<string, number>;
  /** POST a notification with these events (numbers) to the Subscription's endpoint. */
  deliver(subscriptionId: string, eventNumbers: number[], opts?: { type?: NotificationType; eventsSinceStart?: number }): Promise<{ status: number; body: unknown }>;
  heartbeat(subscriptionId: string): Promise<{ status: number; body: unknown }>;
  handshake(subscriptionId: string): Promise<{ status: number; body: unknown }>;
  /** POST any body to the endpoint with the Subscription's headers (malformed input tests). */
  post(subscriptionId: string, body: string): Promise<{ status: number; body: unknown }>;
  stats: { eventsCalls: number; statusCalls: number; proxied: number; delivered: number };
  /** GET requests proxied to the FHIR server, by path without query (e.g. `Patient/123`). */
  reads: Map<string, number>;
  /** Switch `$events` off (a server without it) or on. */
  setEvents(on: boolean): void;
  close(): Promise<void>;
}

const FHIR_PATH = '/fhir/R4/';

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/fhir+json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const oo = (code: string, text: string) => ({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics: text }] });

export async function startTestSubscriptionEhr(o: { fhirUpstream: string; events?: boolean; refuse?: boolean }): Promise<TestSubscriptionEhr> {
  const upstream = o.fhirUpstream.endsWith('/') ? o.fhirUpstream : `${o.fhirUpstream}/`;
  let withEvents = o.events !== false;
  const reads = new Map<string, number>();
  const subs = new Map<string, Subscription>();
  const events = new Map<string, StoredEvent[]>();
  const stats = { eventsCalls: 0, statusCalls: 0, proxied: 0, delivered: 0 };
  let base = '';

  const capability = (): CapabilityStatement => ({
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-01',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        resource: [
          {
            type: 'Subscription',
            supportedProfile: [BACKPORT_SUBSCRIPTION_PROFILE],
            extension: TOPICS.map((t) => ({ url: EXT.topicCanonical, valueCanonical: t.url })),
            interaction: [{ code: 'create' }, { code: 'update' }, { code: 'read' }, { code: 'delete' }, { code: 'search-type' }],
            operation: [
              { name: 'status', definition: 'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-status' },
              ...(withEvents ? [{ name: 'events', definition: 'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-events' }] : []),
            ],
          },
        ],
      },
    ],
  } as CapabilityStatement);

  const contentOf = (s: Subscription): PayloadContent => (payloadContentOf(s) as PayloadContent | undefined) ?? 'id-only';

  const fetchUpstream = async (ref: string): Promise<Resource | undefined> => {
    const r = await fetch(upstream + ref);
    return r.ok ? ((await r.json()) as Resource) : undefined;
  };

  const notification = async (id: string, type: NotificationType, numbers: number[], eventsSinceStart?: number, content?: PayloadContent): Promise<Bundle> => {
    const s = subs.get(id)!;
    const all = events.get(id) ?? [];
    const chosen = numbers.map((n) => all.find((e) => e.eventNumber === n)).filter((e): e is StoredEvent => !!e);
    const full = (content ?? contentOf(s)) === 'full-resource';
    const evs = [];
    for (const e of chosen) {
      const resource = full ? await fetchUpstream(e.focus) : undefined;
      evs.push({ eventNumber: e.eventNumber, timestamp: e.timestamp, focusUrl: base + e.focus, ...(resource ? { resource } : {}) });
    }
    return buildNotificationBundle({ subscriptionUrl: `${base}Subscription/${id}`, topic: s.criteria, type, status: s.status, eventsSinceStart: eventsSinceStart ?? all.length, events: evs });
  };

  const post = async (id: string, text: string): Promise<{ status: number; body: unknown }> => {
    const s = subs.get(id);
    if (!s?.channel?.endpoint) throw new Error(`no subscription ${id}`);
    const headers: Record<string, string> = { 'content-type': 'application/fhir+json' };
    for (const h of s.channel.header ?? []) {
      const i = h.indexOf(':');
      if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
    }
    const r = await fetch(s.channel.endpoint, { method: 'POST', headers, body: text });
    stats.delivered++;
    const t = await r.text();
    let body: unknown = t;
    try {
      body = JSON.parse(t);
    } catch {
      // keep the text
    }
    return { status: r.status, body };
  };

  const proxy = async (req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer) => {
    stats.proxied++;
    const headers: Record<string, string> = {};
    for (const k of ['content-type', 'accept', 'if-none-exist', 'prefer']) {
      const v = req.headers[k];
      if (typeof v === 'string') headers[k] = v;
    }
    const method = req.method ?? 'GET';
    if (method === 'GET') {
      const p = path.split('?')[0]!;
      reads.set(p, (reads.get(p) ?? 0) + 1);
    }
    const r = await fetch(upstream + path, { method, headers, ...(raw.length && method !== 'GET' && method !== 'HEAD' ? { body: raw } : {}) });
    // links in answers (search paging) name this server, as an EHR's own answers do
    const text = Buffer.from((await r.text()).split(upstream).join(base));
    res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/fhir+json', 'content-length': text.length });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const raw = await readBody(req);
    if (!url.pathname.startsWith(FHIR_PATH)) return send(res, 404, oo('not-found', 'no route'));
    const path = url.pathname.slice(FHIR_PATH.length);
    const method = req.method ?? 'GET';
    if (path === 'metadata' && method === 'GET') return send(res, 200, capability());
    const m = /^Subscription(?:\/([A-Za-z0-9\-.]+))?(?:\/(\$status|\$events))?$/.exec(path);
    if (!m) return proxy(req, res, path + url.search, raw);
    const [, id, op] = m;
    if (op === '$status' && id && subs.has(id)) {
      stats.statusCalls++;
      const b = await notification(id, 'query-status', []);
      return send(res, 200, { resourceType: 'Bundle', type: 'searchset', total: 1, entry: [{ resource: b.entry![0]!.resource, search: { mode: 'match' } }] });
    }
    if (op === '$events' && id && subs.has(id)) {
      if (!withEvents) return send(res, 404, oo('not-supported', 'operation $events is not supported by this server'));
      stats.eventsCalls++;
      const all = events.get(id) ?? [];
      const since = Number(url.searchParams.get('eventsSinceNumber') ?? '1');
      const until = Number(url.searchParams.get('eventsUntilNumber') ?? String(all.length));
      const content = (url.searchParams.get('content') as PayloadContent | null) ?? undefined;
      const numbers = all.filter((e) => e.eventNumber >= since && e.eventNumber <= until).map((e) => e.eventNumber);
      return send(res, 200, await notification(id, 'query-event', numbers, all.length, content));
    }
    if (op) return send(res, 404, oo('not-found', 'unknown Subscription'));
    if (!id && method === 'POST') {
      if (o.refuse) return send(res, 422, oo('not-supported', 'this server does not accept this Subscription'));
      const s = JSON.parse(raw.toString('utf8')) as Subscription;
      const sid = randomUUID();
      const stored: Subscription = { ...s, id: sid, status: s.status === 'off' ? 'off' : 'requested', meta: { ...s.meta, versionId: '1', lastUpdated: new Date().toISOString() } };
      subs.set(sid, stored);
      events.set(sid, []);
      // as a real Backport server may: a requested rest-hook Subscription is handshaken before the create answers
      if (stored.status === 'requested') stored.status = (await activate(sid)) ? 'active' : 'error';
      return send(res, 201, stored);
    }
    if (!id && method === 'GET') {
      const wantUrl = url.searchParams.get('url');
      const wantCriteria = url.searchParams.get('criteria');
      const found = [...subs.values()].filter((s) => (!wantUrl || s.channel?.endpoint === wantUrl) && (!wantCriteria || s.criteria === wantCriteria));
      return send(res, 200, { resourceType: 'Bundle', type: 'searchset', total: found.length, entry: found.map((s) => ({ fullUrl: `${base}Subscription/${s.id}`, resource: s, search: { mode: 'match' } })) });
    }
    if (id && !subs.has(id)) return send(res, 404, oo('not-found', 'unknown Subscription'));
    if (id && method === 'GET') return send(res, 200, subs.get(id));
    if (id && method === 'PUT') {
      const s = JSON.parse(raw.toString('utf8')) as Subscription;
      const prev = subs.get(id)!;
      const stored: Subscription = { ...s, id, status: s.status === 'off' ? 'off' : 'requested', meta: { ...s.meta, versionId: String(Number(prev.meta?.versionId ?? '1') + 1), lastUpdated: new Date().toISOString() } };
      subs.set(id, stored);
      if (stored.status === 'requested') stored.status = prev.status === 'active' ? 'active' : (await activate(id)) ? 'active' : 'error';
      return send(res, 200, stored);
    }
    if (id && method === 'DELETE') {
      subs.delete(id);
      events.delete(id);
      return send(res, 200, oo('informational', 'deleted'));
    }
    return send(res, 405, oo('not-supported', 'method not supported'));
  };

  /** The handshake a server sends when a Subscription is requested: active if the endpoint answers 2xx. */
  async function activate(id: string): Promise<boolean> {
    try {
      const r = await post(id, JSON.stringify(await notification(id, 'handshake', [], 0)));
      return r.status >= 200 && r.status < 300;
    } catch {
      return false;
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => send(res, 500, oo('exception', e instanceof Error ? e.message : String(e))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${FHIR_PATH}`;

  return {
    fhirBaseUrl: base,
    stats,
    reads,
    setEvents: (on) => {
      withEvents = on;
    },
    subscriptions: () => [...subs.values()],
    events: (id) => events.get(id) ?? [],
    emit(topicUrl, focus) {
      const out: Record<string, number> = {};
      for (const s of subs.values()) {
        if (s.criteria !== topicUrl || !s.id) continue;
        const list = events.get(s.id)!;
        const n = list.length + 1;
        list.push({ eventNumber: n, timestamp: new Date().toISOString(), focus });
        out[s.id] = n;
      }
      return out;
    },
    deliver: async (id, numbers, opts = {}) => post(id, JSON.stringify(await notification(id, opts.type ?? 'event-notification', numbers, opts.eventsSinceStart))),
    heartbeat: async (id) => post(id, JSON.stringify(await notification(id, 'heartbeat', []))),
    handshake: async (id) => post(id, JSON.stringify(await notification(id, 'handshake', [], 0))),
    post,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
