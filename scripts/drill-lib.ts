/**
 * Pieces of the fault drill (scripts/drill.ts): a seeded random source, an HTTP client that
 * retries the way a real client does, the run-record monitor, and the fault scheduler.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { FhirProcess } from '../tests/support/fhir-process.ts';
import type { ServiceName, Stack } from '../tests/support/stack.ts';

/** The seeded generator the synthetic cohorts use (mulberry32): a drill is repeatable from its seed. */
export { mulberry32 as rngFrom } from '@tace/modeling';
export const between = (rng: () => number, lo: number, hi: number): number => lo + (hi - lo) * rng();

/** One HTTP answer; status 0 = no answer at all (refused, reset, timed out). */
export interface Answer {
  status: number;
  json: Record<string, unknown>;
  why?: string;
}

export async function call(method: string, url: string, headers: Record<string, string>, body?: string, timeoutMs = 30_000): Promise<Answer> {
  try {
    const r = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(timeoutMs) });
    const text = await r.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // a proxy's HTML error page, say: the status is what matters
    }
    return { status: r.status, json };
  } catch (e) {
    const c = (e as { cause?: { code?: string } }).cause;
    return { status: 0, json: {}, why: c?.code ?? (e as Error).name };
  }
}

/** The error code of a problem+json or OperationOutcome answer. */
export function codeOf(a: Answer): string {
  if (a.status === 0) return `no answer (${a.why})`;
  const oo = a.json.issue as Array<{ details?: { coding?: Array<{ code?: string }> } }> | undefined;
  return `${a.status} ${String(a.json.code ?? oo?.[0]?.details?.coding?.[0]?.code ?? '')}`.trim();
}

/**
 * Send until accepted (202), as a real client does: retry what may succeed later (no answer,
 * 409 in progress, 429, 5xx) with capped exponential backoff, up to `giveUpAt`. Every answer that
 * is not a 202 is tallied by code. Returns the 202, or the last refusal.
 */
export async function untilAccepted(send: () => Promise<Answer>, tally: Map<string, number>, giveUpAt: number, stop: () => boolean): Promise<Answer> {
  let delay = 250;
  for (;;) {
    const a = await send();
    if (a.status === 202) return a;
    tally.set(codeOf(a), (tally.get(codeOf(a)) ?? 0) + 1);
    const retryable = a.status === 0 || a.status === 429 || a.status >= 500 || (a.status === 409 && codeOf(a).endsWith('WEBHOOK_IN_PROGRESS'));
    if (!retryable || Date.now() + delay > giveUpAt || stop()) return a;
    await sleep(delay * (0.5 + Math.random()));
    delay = Math.min(delay * 2, 4000);
  }
}

export interface RunView {
  status: string;
  stage: string;
  updatedAt: string;
  error?: { code: string; stage: string };
  /** Attempts found dead (their process was killed holding the run): the kills hit real work. */
  crashes?: number;
}

/**
 * Reads run records straight from Redis (one MGET): watching hundreds of runs through the status
 * route would be the drill's own load test. The final verdict uses the status route.
 * Answers undefined while Redis is down.
 */
export class RunMonitor {
  private readonly redis: Redis;
  constructor(url: string) {
    this.redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 2000, retryStrategy: () => 300 });
    this.redis.on('error', () => undefined); // down during a fault: snapshot() says so
  }
  async snapshot(ids: string[]): Promise<Map<string, RunView | undefined> | undefined> {
    if (ids.length === 0) return new Map();
    try {
      const docs = await this.redis.mget(ids.map((id) => `tace:run:${id}`));
      return new Map(ids.map((id, i) => [id, docs[i] ? (JSON.parse(docs[i]!) as RunView) : undefined]));
    } catch {
      return undefined;
    }
  }
  /** A rest-hook receipt (value, seconds to live): why a redelivery is refused 409. */
  async receipt(webhookId: string): Promise<string> {
    try {
      const key = `tace:webhook:${webhookId}`;
      const [v, ttl] = await Promise.all([this.redis.get(key), this.redis.ttl(key)]);
      return `${key} = ${v ?? '(none)'}, expires in ${ttl} s`;
    } catch {
      return 'receipt unknown (Redis down)';
    }
  }
  /** The redis-server's pid, to kill -9 it (the handle's stopOnly() sends SIGTERM: a clean shutdown). */
  async redisPid(): Promise<number> {
    const info = await this.redis.info('server');
    return Number(/process_id:(\d+)/.exec(info)?.[1]);
  }
  close(): void {
    this.redis.disconnect();
  }
}

export type FaultKind = 'kill9 inference-worker' | 'kill9 ingestion' | 'kill9 results' | 'kill9 redis' | 'stall fhir';
const WEIGHTS: Array<[FaultKind, number]> = [
  ['kill9 inference-worker', 30],
  ['kill9 ingestion', 15],
  ['kill9 results', 15],
  ['kill9 redis', 15],
  ['stall fhir', 25],
];

export interface FaultDeps {
  stack: Stack;
  fhirProc: FhirProcess;
  monitor: RunMonitor;
  rng: () => number;
  log: (msg: string) => void;
  /** Set on Ctrl-C: finish the fault in hand quickly, restart nothing that is slow to start. */
  aborted: () => boolean;
}

export interface FaultScheduler {
  counts: Map<string, number>;
  /** Stop after the fault in hand (a killed process is always restarted first). */
  stop(): Promise<void>;
  /** Redis is killed and not started again yet (cleanup must start it: stop() of a killed handle hangs). */
  redisDown(): boolean;
}

/**
 * One fault at a time, at random intervals (2–8 s), each undone before the next: the drill
 * reproduces crashes and stalls, not a permanently degraded system. After each, every service
 * must answer /readyz again; one that does not (it died on its own) is noted and restarted.
 */
export function startFaults(d: FaultDeps): FaultScheduler {
  const counts = new Map<string, number>();
  let stopped = false;
  let redisDown = false;
  const total = WEIGHTS.reduce((s, [, w]) => s + w, 0);
  const pick = (): FaultKind => {
    let x = d.rng() * total;
    for (const [k, w] of WEIGHTS) if ((x -= w) < 0) return k;
    return WEIGHTS[0]![0];
  };
  const restart = async (name: ServiceName) => {
    if (d.aborted()) return;
    try {
      await d.stack.start(name);
    } catch (e) {
      d.log(`restart of ${name} failed (${(e as Error).message.split('\n')[0]}); once more`);
      await d.stack.kill(name, 'SIGKILL');
      await d.stack.start(name);
    }
  };
  const inject = async (kind: FaultKind) => {
    const t0 = Date.now();
    if (kind === 'stall fhir') {
      d.fhirProc.pause();
      await sleep(between(d.rng, 3000, 8000));
      d.fhirProc.resume();
    } else if (kind === 'kill9 redis') {
      const pid = await d.monitor.redisPid();
      redisDown = true;
      process.kill(pid, 'SIGKILL');
      await sleep(between(d.rng, 1000, 4000));
      await d.stack.redis.startAgain(); // same port, same dir: AOF (appendfsync always) replays
      redisDown = false;
    } else {
      const name = kind.slice('kill9 '.length) as ServiceName;
      await d.stack.kill(name, 'SIGKILL');
      await sleep(between(d.rng, 500, 3000));
      await restart(name);
    }
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    d.log(`fault: ${kind} (down ${((Date.now() - t0) / 1000).toFixed(1)} s, now back)`);
  };
  const loop = (async () => {
    while (!stopped && !d.aborted()) {
      const gapEnd = Date.now() + between(d.rng, 2000, 8000);
      while (Date.now() < gapEnd && !stopped && !d.aborted()) await sleep(200);
      if (stopped || d.aborted()) break;
      const kind = pick();
      try {
        await inject(kind);
      } catch (e) {
        d.log(`fault ${kind} could not be completed: ${(e as Error).message.split('\n')[0]}`);
      }
      await waitReady(d, counts);
    }
  })();
  return {
    counts,
    redisDown: () => redisDown,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** Every service answers /readyz 200 within 30 s of a fault, or is noted and restarted. */
export async function waitReady(d: Pick<FaultDeps, 'stack' | 'log' | 'aborted'>, counts: Map<string, number>): Promise<void> {
  for (const name of ['ingestion', 'inference-worker', 'results'] as const) {
    const deadline = Date.now() + 30_000;
    let last: Answer = { status: 0, json: {} };
    while (Date.now() < deadline && !d.aborted()) {
      last = await call('GET', `${d.stack.url[name]}/readyz`, {}, undefined, 3000);
      if (last.status === 200) break;
      await sleep(250);
    }
    if (last.status === 200 || d.aborted()) continue;
    const k = `not ready 30 s after a fault: ${name}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
    d.log(`${k} (${codeOf(last)} ${JSON.stringify(last.json.checks ?? {})}); restarting it`);
    await d.stack.kill(name, 'SIGKILL');
    await d.stack.start(name);
  }
}
