/**
 * Topic-based Subscriptions (FHIR R4 Backport IG) through real parts: the ingestion service as
 * its own process, a real redis-server, the HTTP FHIR test server (Medplum FhirRouter +
 * MemoryRepository) holding the clinical data, the OAuth issuer of the tests, and the
 * `tace-risk` binary. The test FHIR server has no Backport IG, so the EHR's subscription engine
 * is a test stand-in (packages/fhir/src/subscriptions-test-ehr.ts) in front of it: it stores
 * the Subscriptions the CLI sends, serves `$status`/`$events` from the events the test records,
 * proxies everything else to the FHIR server, and delivers notifications over real HTTP in the
 * order the test asks for (out of order, duplicated, with gaps). Only the inference worker and
 * the results service are not started: a run is asserted submitted (created once), not scored.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@tace/common';
import { buildNotificationBundle, createFhirClient, DEMO_ID_SYSTEM, seedPatient, startFhirServer, TOPICS, type FhirTestServer } from '@tace/fhir';
import { startTestSubscriptionEhr, type TestSubscriptionEhr } from '../packages/fhir/src/subscriptions-test-ehr.ts';
import { checkResponse } from '@tace/http';
import { startTestIssuer, type TestIssuer } from '@tace/http/testing';
import { freePort, startRedisServer, type RedisServerHandle } from '@tace/jobs/testing';
import { generatePatient, seedFor, writeSyntheticStudy } from '@tace/synthetic';
import type { MedplumClient } from '@medplum/core';

const WEBHOOK_SECRET = 'whsec_' + Buffer.from('test-webhook-secret-0123456789ab').toString('base64');
const CT_TOPIC = TOPICS.find((t) => t.key === 'ct-imagingstudy-available')!.url;
const PROC_TOPIC = TOPICS.find((t) => t.key === 'tace-procedure-completed')!.url;

let redis: RedisServerHandle;
let idp: TestIssuer;
let fhirServer: FhirTestServer;
let ehr: TestSubscriptionEhr;
let fhir: MedplumClient;
let ingestion: ChildProcess | undefined;
let base = '';
let readToken = '';
let notifyToken = '';
const logs: string[] = [];
const dirs: string[] = [];
const dicomDir = mkdtempSync(join(tmpdir(), 'tace-sub-dicom-'));
const caseDir = mkdtempSync(join(tmpdir(), 'tace-sub-cases-'));
dirs.push(dicomDir, caseDir);
const identifiers: string[] = [];
let nextIndex = 0;

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(REPO_ROOT, 'packages/cli/src/main.ts'), ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function newPatient() {
  const p = generatePatient(4242, nextIndex++);
  const study = writeSyntheticStudy(p, join(dicomDir, p.uids.studyInstanceUid));
  const refs = await seedPatient(fhir, seedFor(p));
  identifiers.push(p.id, p.name.family, p.name.given);
  return { p, study, refs };
}

async function subscriptionsState(): Promise<Array<Record<string, unknown>>> {
  const r = await fetch(`${base}/v1/subscriptions`, { headers: { authorization: `Bearer ${readToken}` } });
  const json = (await r.json()) as { subscriptions: Array<Record<string, unknown>> };
  expect(checkResponse('listSubscriptions', r.status, r.headers.get('content-type'), json)).toEqual([]);
  return json.subscriptions;
}

async function waitFor<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await f();
    if (v !== undefined) return v;
    await sleep(150);
  }
  throw new Error(`timed out waiting for ${what}\n${logs.slice(-15).join('\n')}`);
}

const created = () => logs.filter((l) => l.includes('"run created"')).map((l) => (JSON.parse(l) as { runId: string }).runId);

function expectNotification(r: { status: number; body: unknown }, status: number, code?: string) {
  expect(r.status).toBe(status);
  const oo = r.body as { issue: Array<{ details?: { text?: string } }> };
  if (code) expect(oo.issue[0]!.details?.text).toBe(code);
}

let ctSub = '';
let procSub = '';

beforeAll(async () => {
  redis = await startRedisServer();
  idp = await startTestIssuer('tace-risk');
  readToken = await idp.token({ sub: 'ops', scopes: ['subscriptions:read'], expiresIn: 3600 });
  notifyToken = await idp.token({ sub: 'ehr-subscriptions', scopes: ['subscriptions:notify'], expiresIn: 90 * 86_400 });
  fhirServer = await startFhirServer({ host: '127.0.0.1' });
  ehr = await startTestSubscriptionEhr({ fhirUpstream: fhirServer.baseUrl });
  fhir = createFhirClient({ fhirBaseUrl: ehr.fhirBaseUrl });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  ingestion = spawn(process.execPath, [join(REPO_ROOT, 'services/ingestion/src/main.ts')], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TACE_PORT: String(port),
      TACE_HOST: '127.0.0.1',
      TACE_REDIS_URL: redis.url,
      TACE_FHIR_BASE_URL: ehr.fhirBaseUrl,
      TACE_DICOM_FOLDER: dicomDir,
      TACE_CASE_STORE_DIR: caseDir,
      TACE_MODEL_BUNDLE_DIR: join(REPO_ROOT, 'models', 'demo-synthetic'),
      TACE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      TACE_PATIENT_ID_SYSTEMS: DEMO_ID_SYSTEM,
      TACE_AUTH_ISSUER: idp.issuer,
      TACE_AUTH_AUDIENCE: idp.audience,
      TACE_SUBSCRIPTION_GAP_GRACE_S: '1',
      TACE_SUBSCRIPTION_CHECK_INTERVAL_S: '1',
      TACE_SUBSCRIPTION_HEARTBEAT_MISSES: '2',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (b: Buffer) => logs.push(...b.toString().split('\n').filter(Boolean));
  ingestion.stdout!.on('data', keep);
  ingestion.stderr!.on('data', keep);
  await waitFor('ingestion ready', async () => ((await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined), 60_000);
}, 120_000);

afterAll(async () => {
  if (ingestion && ingestion.exitCode === null) {
    await new Promise<void>((resolve) => {
      ingestion!.once('exit', () => resolve());
      ingestion!.kill('SIGTERM');
    });
  }
  await ehr?.close();
  await fhirServer?.close();
  await redis?.stop();
  await idp?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  // no patient identifier, no token in the service log
  const all = logs.join('\n');
  for (const id of identifiers) expect(all).not.toContain(id);
  expect(all).not.toContain(notifyToken);
});

describe('tace-risk fhir subscribe', () => {
  const tokenFile = () => {
    const f = join(caseDir, 'notify-token');
    writeFileSync(f, `${notifyToken}\n`, { mode: 0o600 });
    return f;
  };
  const env = (fhirBaseUrl: string) => ({ TACE_FHIR_BASE_URL: fhirBaseUrl, TACE_REDIS_URL: redis.url });

  it('--help and bad arguments', async () => {
    const help = await cli(['fhir', '--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('tace-risk fhir subscribe');
    expect(help.stdout).toContain(CT_TOPIC);
    const sub = await cli(['fhir', 'subscribe', '--help'], {});
    expect(sub.code).toBe(0);
    const noEndpoint = await cli(['fhir', 'subscribe', '--token-file', tokenFile()], env(ehr.fhirBaseUrl));
    expect(noEndpoint.code).toBe(2);
    expect(noEndpoint.stderr).toContain('CLI_BAD_ARGUMENT');
    const plainHttp = await cli(['fhir', 'subscribe', '--endpoint', 'http://tace.example.org/fhir/subscription-notification', '--token-file', tokenFile()], env(ehr.fhirBaseUrl));
    expect(plainHttp.code).toBe(2);
  }, 60_000);

  it('refuses a server without the Backport IG (SUBSCRIPTION_UNSUPPORTED) and creates nothing', async () => {
    const r = await cli(['fhir', 'subscribe', '--endpoint', `${base}/fhir/subscription-notification`, '--token-file', tokenFile()], env(fhirServer.baseUrl));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^SUBSCRIPTION_UNSUPPORTED: /);
    expect(r.stderr).not.toContain(notifyToken);
    const plain = createFhirClient({ fhirBaseUrl: fhirServer.baseUrl });
    expect(await plain.searchResources('Subscription', {})).toHaveLength(0);
    // a server that lists the profile but refuses the Subscription: the same code, nothing left behind
    const refusing = await startTestSubscriptionEhr({ fhirUpstream: fhirServer.baseUrl, refuse: true });
    try {
      const r2 = await cli(['fhir', 'subscribe', '--endpoint', `${base}/fhir/subscription-notification`, '--token-file', tokenFile()], env(refusing.fhirBaseUrl));
      expect(r2.code).toBe(1);
      expect(r2.stderr).toMatch(/^SUBSCRIPTION_UNSUPPORTED: /);
      expect(refusing.subscriptions()).toHaveLength(0);
    } finally {
      await refusing.close();
    }
  }, 60_000);

  it('creates one Subscription per topic; a second run finds them instead of duplicating', async () => {
    const args = ['fhir', 'subscribe', '--endpoint', `${base}/fhir/subscription-notification`, '--token-file', tokenFile(), '--heartbeat-s', '2', '--max-count', '10'];
    const first = await cli(args, env(ehr.fhirBaseUrl));
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const out = JSON.parse(first.stdout) as { subscriptions: Array<{ topic: string; id: string; action: string }> };
    expect(out.subscriptions.map((s) => s.action)).toEqual(['created', 'created']);
    const subs = ehr.subscriptions();
    expect(subs).toHaveLength(2);
    const ct = subs.find((s) => s.criteria === CT_TOPIC)!;
    expect(ct.meta?.profile).toContain('http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription');
    expect(JSON.stringify(ct)).toContain('backport-filter-criteria');
    expect(ct.channel.type).toBe('rest-hook');
    expect(ct.channel.header).toEqual([`Authorization: Bearer ${notifyToken}`]);
    expect(JSON.stringify(ct.channel.extension)).toContain('"valuePositiveInt":10');
    ctSub = ct.id!;
    procSub = subs.find((s) => s.criteria === PROC_TOPIC)!.id!;
    expect(first.stdout).not.toContain(notifyToken);

    const second = await cli(args, env(ehr.fhirBaseUrl));
    expect(second.code).toBe(0);
    const again = (JSON.parse(second.stdout) as typeof out).subscriptions.map((s) => `${s.id} ${s.action}`).sort();
    expect(again).toEqual([`${ctSub} exists`, `${procSub} exists`].sort());
    expect(ehr.subscriptions()).toHaveLength(2);
    // a changed setting updates them in place (here: full-resource content; the focus is still read from the EHR)
    const third = await cli([...args, '--content', 'full-resource'], env(ehr.fhirBaseUrl));
    expect(third.code).toBe(0);
    expect((JSON.parse(third.stdout) as typeof out).subscriptions.map((s) => s.action)).toEqual(['updated', 'updated']);
    expect(ehr.subscriptions()).toHaveLength(2);
    expect(JSON.stringify(ehr.subscriptions())).toContain('"valueCode":"full-resource"');
    const state = await subscriptionsState();
    expect(state.map((s) => s.id).sort()).toEqual([ctSub, procSub].sort());
    expect(state.map((s) => s.content)).toEqual(['full-resource', 'full-resource']);
  }, 60_000);
});

describe('notifications', () => {
  const patients: Array<Awaited<ReturnType<typeof newPatient>>> = [];

  it('handshake and heartbeat are acknowledged', async () => {
    const h = await ehr.handshake(ctSub);
    expectNotification(h, 200);
    expect(checkResponse('fhirSubscriptionNotification', h.status, 'application/fhir+json', h.body)).toEqual([]);
    expectNotification(await ehr.heartbeat(procSub), 200);
  });

  it('out of order, duplicated and with a gap: $events fills the gap and every event is submitted exactly once', async () => {
    for (let i = 0; i < 5; i++) patients.push(await newPatient());
    expectNotification(await ehr.heartbeat(ctSub), 200); // alive (heartbeat 2 s) before the events
    const numbers = patients.map((p) => ehr.emit(CT_TOPIC, p.refs.imagingStudyRef)[ctSub]!);
    expect(numbers).toEqual([1, 2, 3, 4, 5]);
    // 2 before 1 (out of order), 1 twice at once, then 5 alone: 3 and 4 never delivered
    // (events-since-subscription-start as the EHR counted when it sent each one)
    expectNotification(await ehr.deliver(ctSub, [2], { eventsSinceStart: 2 }), 200);
    const [a, b] = await Promise.all([ehr.deliver(ctSub, [1], { eventsSinceStart: 2 }), ehr.deliver(ctSub, [1], { eventsSinceStart: 2 })]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expectNotification(await ehr.deliver(ctSub, [1, 2], { eventsSinceStart: 2 }), 200);
    const five = await ehr.deliver(ctSub, [5], { eventsSinceStart: 5 });
    expect(checkResponse('fhirSubscriptionNotification', five.status, 'application/fhir+json', five.body)).toEqual([]);
    await waitFor('watermark 5', async () => ((await subscriptionsState()).find((s) => s.id === ctSub)?.lastEventNumber === 5 ? true : undefined));
    expect(ehr.stats.eventsCalls).toBeGreaterThanOrEqual(1);
    // a late delivery of a recovered event is a duplicate
    expectNotification(await ehr.deliver(ctSub, [3, 4]), 200);
    const st = (await subscriptionsState()).find((s) => s.id === ctSub)!;
    expect(st).toMatchObject({ lastEventNumber: 5, recoveredEvents: 2, failedEvents: 0, processedAboveLastEvent: 0 });
    expect(st.gapSince).toBeUndefined();
    // exactly once: one read of each focus (duplicates are dropped before it), one run created per study
    for (const p of patients) expect(ehr.reads.get(p.refs.imagingStudyRef)).toBe(1);
    const runs = created();
    expect(runs).toHaveLength(5);
    expect(new Set(runs).size).toBe(5);
  }, 60_000);

  it('a TACE Procedure event for a study already scored joins its run (same run id)', async () => {
    const p = patients[0]!;
    expectNotification(await ehr.heartbeat(procSub), 200);
    const n = ehr.emit(PROC_TOPIC, p.refs.procedureRef)[procSub]!;
    const r = await ehr.deliver(procSub, [n]);
    expectNotification(r, 200);
    expect(JSON.stringify(r.body)).toContain('1 joined an existing run');
    expect(created()).toHaveLength(5);
  });

  it('without $events, a search by _lastUpdated fills the gap', async () => {
    ehr.setEvents(false);
    const more: typeof patients = [];
    for (let i = 0; i < 3; i++) more.push(await newPatient());
    expectNotification(await ehr.heartbeat(ctSub), 200);
    const numbers = more.map((p) => ehr.emit(CT_TOPIC, p.refs.imagingStudyRef)[ctSub]!);
    expect(numbers).toEqual([6, 7, 8]);
    const callsBefore = ehr.stats.eventsCalls;
    expectNotification(await ehr.deliver(ctSub, [8], { eventsSinceStart: 8 }), 200);
    await waitFor('watermark 8', async () => ((await subscriptionsState()).find((s) => s.id === ctSub)?.lastEventNumber === 8 ? true : undefined));
    expect(ehr.stats.eventsCalls).toBe(callsBefore); // 404 not-supported is not counted as served
    expectNotification(await ehr.deliver(ctSub, [6, 7]), 200); // late: duplicates
    // 6 and 7 recovered by search (no focus read), and their late duplicates read nothing either; 8 was notified
    expect(more.map((p) => ehr.reads.get(p.refs.imagingStudyRef))).toEqual([undefined, undefined, 1]);
    expect((await subscriptionsState()).find((s) => s.id === ctSub)).toMatchObject({ lastEventNumber: 8, recoveredEvents: 4, failedEvents: 0 });
    const runs = created();
    expect(runs).toHaveLength(8);
    expect(new Set(runs).size).toBe(8);
    ehr.setEvents(true);
  }, 60_000);

  it('refuses bad input with a stable code and queues nothing', async () => {
    const before = created().length;
    const post = async (body: string, token: string | undefined = notifyToken) => {
      const r = await fetch(`${base}/fhir/subscription-notification`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });
      const json = (await r.json()) as Record<string, unknown>;
      expect(checkResponse('fhirSubscriptionNotification', r.status, r.headers.get('content-type'), json)).toEqual([]);
      return { status: r.status, json };
    };
    const code = (r: { json: Record<string, unknown> }) => (r.json.issue as Array<{ details?: { text?: string } }> | undefined)?.[0]?.details?.text ?? r.json.code;
    const bundle = (sub: string) =>
      JSON.stringify(buildNotificationBundle({ subscriptionUrl: sub, topic: CT_TOPIC, type: 'event-notification', eventsSinceStart: 9, events: [{ eventNumber: 9, timestamp: new Date().toISOString(), focusUrl: `${ehr.fhirBaseUrl}${patients[0]!.refs.imagingStudyRef}` }] }));
    expect(code(await post('{not json'))).toBe('SUBSCRIPTION_NOTIFICATION_INVALID');
    expect(code(await post(JSON.stringify({ resourceType: 'Patient', id: 'x' })))).toBe('SUBSCRIPTION_NOTIFICATION_INVALID');
    expect(code(await post(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [] })))).toBe('SUBSCRIPTION_NOTIFICATION_INVALID');
    expect(code(await post(JSON.stringify({ resourceType: 'Bundle', type: 'history', entry: [{ resource: { resourceType: 'Patient' } }] })))).toBe('SUBSCRIPTION_NOTIFICATION_INVALID');
    const unknown = await post(bundle(`${ehr.fhirBaseUrl}Subscription/not-ours`));
    expect([unknown.status, code(unknown)]).toEqual([404, 'SUBSCRIPTION_UNKNOWN']);
    const foreign = await post(bundle(`https://elsewhere.example.org/fhir/Subscription/${ctSub}`));
    expect([foreign.status, code(foreign)]).toEqual([400, 'SUBSCRIPTION_NOTIFICATION_INVALID']);
    const wrongTopic = JSON.parse(bundle(`${ehr.fhirBaseUrl}Subscription/${procSub}`)) as Record<string, unknown>;
    const wt = await post(JSON.stringify(wrongTopic));
    expect([wt.status, code(wt)]).toEqual([400, 'SUBSCRIPTION_TOPIC_MISMATCH']);
    const noToken = await post(bundle(`${ehr.fhirBaseUrl}Subscription/${ctSub}`), '');
    expect([noToken.status, code(noToken)]).toEqual([401, 'AUTH_TOKEN_MISSING']);
    const wrongScope = await post(bundle(`${ehr.fhirBaseUrl}Subscription/${ctSub}`), readToken);
    expect([wrongScope.status, code(wrongScope)]).toEqual([403, 'AUTH_SCOPE_MISSING']);
    expect(created().length).toBe(before);
    const st = (await subscriptionsState()).find((s) => s.id === ctSub)!;
    expect(st.lastEventNumber).toBe(8);
  }, 30_000);

  it('heartbeats stopping mark the subscription in error, $status finds the events sent meanwhile; the next notification clears it', async () => {
    // an event the EHR records but cannot deliver (we were unreachable): only $status tells
    const statusCalls = ehr.stats.statusCalls;
    const n = ehr.emit(PROC_TOPIC, patients[1]!.refs.procedureRef)[procSub]!;
    expect(n).toBe(2);
    // heartbeat 2 s × 2 misses: the procedure subscription, silent since its last notification
    const err = await waitFor('error status', async () => {
      const s = (await subscriptionsState()).find((x) => x.id === procSub);
      return s?.status === 'error' ? s : undefined;
    }, 15_000);
    expect(String(err.error)).toMatch(/no notification for \d+ s/);
    const st = await waitFor('event 2 recovered', async () => {
      const s = (await subscriptionsState()).find((x) => x.id === procSub);
      return s?.lastEventNumber === 2 ? s : undefined;
    }, 15_000);
    expect(st).toMatchObject({ recoveredEvents: 1, failedEvents: 0 });
    expect(ehr.stats.statusCalls).toBeGreaterThan(statusCalls);
    expect(created()).toHaveLength(8); // the TACE of a study already submitted joins its run
    expectNotification(await ehr.heartbeat(procSub), 200);
    expect((await subscriptionsState()).find((x) => x.id === procSub)?.status).toBe('active');
  }, 30_000);
});
