import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '@tace/common';
import { createFhirClient, DEMO_ID_SYSTEM, startFhirServer, type FhirTestServer } from '@tace/fhir';
import { webhookHeaders } from '@tace/http';
import { startTestIssuer, type TestIssuer } from '@tace/http/testing';
import { freePort, startRedisServer, type RedisServerHandle } from '@tace/jobs/testing';
import type { MedplumClient } from '@medplum/core';

export type ServiceName = 'ingestion' | 'inference-worker' | 'results';
export const WEBHOOK_SECRET = 'whsec_' + Buffer.from('test-webhook-secret-0123456789ab').toString('base64');

let deliveries = 0;
/** Standard Webhooks headers for one delivery of `body` (a fresh webhook-id each call). */
export function signedHeaders(body: string, secret = WEBHOOK_SECRET, opts: { id?: string; timestampS?: number } = {}): Record<string, string> {
  return { 'content-type': 'application/fhir+json', ...webhookHeaders(secret, opts.id ?? `msg_${process.pid}_${++deliveries}_${Date.now()}`, body, opts.timestampS) };
}

export interface Stack {
  redis: RedisServerHandle;
  idp: TestIssuer;
  /** A bearer token with every scope (subject 'e2e-tests'). */
  token: string;
  /** Authorization header with `token`. */
  auth: Record<string, string>;
  fhirServer: FhirTestServer;
  fhir: MedplumClient;
  dicomDir: string;
  caseDir: string;
  url: Record<ServiceName, string>;
  logs: Record<ServiceName, string[]>;
  /** Start a service; with waitReady false, return once the process is spawned. */
  start(name: ServiceName, opts?: { waitReady?: boolean; env?: Record<string, string> }): Promise<void>;
  stop(name: ServiceName): Promise<void>;
  /** Send a signal (e.g. SIGKILL) and wait for the process to exit. */
  kill(name: ServiceName, signal: NodeJS.Signals): Promise<void>;
  close(): Promise<void>;
}

/**
 * The three services as separate processes (the pinned Node runs their TypeScript directly),
 * against a redis-server started on a free port and the HTTP FHIR test server (Medplum
 * FhirRouter + MemoryRepository), with a DICOM folder the test fills.
 */
export async function startStack(
  opts: {
    dicomWebUrl?: string;
    env?: Record<string, string>;
    fhirBaseUrl?: string;
    /** Called with every service log line (logs[] keeps only the last ~2000; a drill keeps them all). */
    onLog?: (name: ServiceName, line: string) => void;
  } = {},
): Promise<Stack> {
  const onLog = opts.onLog;
  const redis = await startRedisServer();
  const idp = await startTestIssuer('tace-risk');
  const token = await idp.token({ sub: 'e2e-tests', expiresIn: 4 * 3600 });
  useToken(token);
  const fhirServer = await startFhirServer({ host: '127.0.0.1' });
  // A FHIR server in another process (to stall it) when given; else the in-process one.
  const fhirBaseUrl = opts.fhirBaseUrl ?? fhirServer.baseUrl;
  const fhir = createFhirClient({ fhirBaseUrl });
  const dicomDir = mkdtempSync(join(tmpdir(), 'tace-dicom-'));
  const caseDir = mkdtempSync(join(tmpdir(), 'tace-cases-'));
  const ports = { ingestion: await freePort(), 'inference-worker': await freePort(), results: await freePort() };
  const url = Object.fromEntries(Object.entries(ports).map(([k, p]) => [k, `http://127.0.0.1:${p}`])) as Record<ServiceName, string>;
  const procs: Partial<Record<ServiceName, ChildProcess>> = {};
  const logs: Record<ServiceName, string[]> = { ingestion: [], 'inference-worker': [], results: [] };

  const env = (name: ServiceName): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TACE_PORT: String(ports[name]),
    TACE_HOST: '127.0.0.1',
    TACE_REDIS_URL: redis.url,
    TACE_FHIR_BASE_URL: fhirBaseUrl,
    ...(opts.dicomWebUrl ? { TACE_DICOMWEB_URL: opts.dicomWebUrl } : { TACE_DICOM_FOLDER: dicomDir }),
    TACE_CASE_STORE_DIR: caseDir,
    TACE_MODEL_BUNDLE_DIR: join(REPO_ROOT, 'models', 'demo-synthetic'),
    TACE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    TACE_PUBLIC_RESULTS_URL: url.results,
    TACE_PATIENT_ID_SYSTEMS: DEMO_ID_SYSTEM,
    TACE_AUTH_ISSUER: idp.issuer,
    TACE_AUTH_AUDIENCE: idp.audience,
    LOG_LEVEL: 'info',
    ...opts.env,
  });

  const start = async (name: ServiceName, opts: { waitReady?: boolean; env?: Record<string, string> } = {}): Promise<void> => {
    const p = spawn(process.execPath, [join(REPO_ROOT, 'services', name, 'src', 'main.ts')], { env: { ...env(name), ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    procs[name] = p;
    const keep = (b: Buffer) => {
      const lines = b.toString().split('\n').filter(Boolean);
      logs[name].push(...lines);
      if (onLog) for (const line of lines) onLog(name, line);
      if (logs[name].length > 2000) logs[name].splice(0, 1000);
    };
    p.stdout!.on('data', keep);
    p.stderr!.on('data', keep);
    if (opts.waitReady === false) return;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (p.exitCode !== null) throw new Error(`${name} exited (${p.exitCode}):\n${logs[name].slice(-20).join('\n')}`);
      try {
        const r = await fetch(`${url[name]}/readyz`);
        if (r.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`${name} not ready in 60 s:\n${logs[name].slice(-20).join('\n')}`);
  };

  const kill = async (name: ServiceName, signal: NodeJS.Signals): Promise<void> => {
    const p = procs[name];
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill(signal);
    });
  };
  const stop = (name: ServiceName): Promise<void> => kill(name, 'SIGTERM');

  await Promise.all((['results', 'inference-worker', 'ingestion'] as const).map((n) => start(n)));
  return {
    redis,
    idp,
    token,
    auth: { authorization: `Bearer ${token}` },
    fhirServer,
    fhir,
    dicomDir,
    caseDir,
    url,
    logs,
    start,
    stop,
    kill,
    close: async () => {
      await Promise.all((Object.keys(procs) as ServiceName[]).map(stop));
      await fhirServer.close();
      await redis.stop();
      await idp.stop();
      rmSync(dicomDir, { recursive: true, force: true });
      rmSync(caseDir, { recursive: true, force: true });
    },
  };
}

let currentToken = '';
/** The token waitForRun uses (set by the suite from its stack). */
export function useToken(token: string): void {
  currentToken = token;
}

/** Poll a run until `until` holds (or time out with the last state). */
export async function waitForRun(base: string, runId: string, until: (r: Record<string, unknown>) => boolean, timeoutMs = 90_000, pollMs = 150): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    const r = await fetch(`${base}/v1/assessments/${runId}`, { headers: { authorization: `Bearer ${currentToken}` } }).catch(() => undefined);
    if (!r) {
      await sleep(pollMs);
      continue;
    }
    if (r.status === 200) {
      last = (await r.json()) as Record<string, unknown>;
      if (until(last)) return last;
    }
    await sleep(pollMs);
  }
  throw new Error(`run ${runId} did not reach the expected state; last: ${JSON.stringify(last)}`);
}
