import type { Redis } from 'ioredis';
import { TaceError, type Logger } from '@tace/common';

interface Change { ChangeType: string; ID: string; ResourceType: string; Seq: number }
interface ChangesPage { Changes: Change[]; Done: boolean; Last: number }

export interface OrthancChangesOptions {
  /** Orthanc REST root, e.g. http://pacs:8042 */
  restUrl: string;
  redis: Redis;
  log: Logger;
  /** Called with the StudyInstanceUID of each StableStudy change, in order. */
  onStableStudy: (studyInstanceUid: string) => Promise<void>;
  /** Changes read per request; default 100. */
  limit?: number;
  intervalMs?: number;
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** Redis key of the last change handled; default 'tace:orthanc:changes:last'. */
  positionKey?: string;
}

/**
 * Follows Orthanc's change log (`GET /changes?since=N&limit=M`) and hands each StableStudy to the
 * stable-study callback. The position is kept in Redis after each change is handled, so a restart
 * goes on where it stopped (a change handled but not yet recorded is handed over again: the
 * callback is idempotent). A first start begins at the current end of the log rather than
 * replaying the archive's history.
 */
export class OrthancChangesPoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly key: string;
  private readonly opts: OrthancChangesOptions;

  constructor(opts: OrthancChangesOptions) {
    this.opts = opts;
    this.key = opts.positionKey ?? 'tace:orthanc:changes:last';
  }

  private async get<T>(path: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.opts.restUrl}${path}`, { headers: this.opts.headers ?? {}, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000) });
    } catch (e) {
      throw new TaceError('ORTHANC_UNAVAILABLE', `Orthanc did not answer ${path.split('?')[0]}`, { retryable: true, cause: e });
    }
    if (!res.ok) {
      await res.arrayBuffer();
      throw new TaceError('ORTHANC_UNAVAILABLE', `Orthanc answered HTTP ${res.status} to ${path.split('?')[0]}`, { retryable: res.status >= 500 || res.status === 429 });
    }
    return (await res.json()) as T;
  }

  /** The last change handled (from Redis; on a first start, Orthanc's current last change). */
  async position(): Promise<number> {
    const kept = await this.opts.redis.get(this.key);
    if (kept !== null) return Number(kept);
    const { Last } = await this.get<ChangesPage>('/changes?last');
    await this.opts.redis.set(this.key, String(Last), 'NX');
    return Number(await this.opts.redis.get(this.key));
  }

  /** Read and hand over every change after the kept position; returns how many StableStudy were handed over. */
  async poll(): Promise<number> {
    let since = await this.position();
    let handed = 0;
    for (;;) {
      const page = await this.get<ChangesPage>(`/changes?since=${since}&limit=${this.opts.limit ?? 100}`);
      for (const c of page.Changes) {
        if (c.ChangeType === 'StableStudy' && c.ResourceType === 'Study') {
          const study = await this.get<{ MainDicomTags?: { StudyInstanceUID?: string } }>(`/studies/${encodeURIComponent(c.ID)}`).catch((e: unknown) => {
            // Deleted since: nothing to score. Anything else stops here and is read again next round.
            if (e instanceof TaceError && !e.retryable) return undefined;
            throw e;
          });
          const uid = study?.MainDicomTags?.StudyInstanceUID;
          if (uid) {
            await this.opts.onStableStudy(uid);
            handed++;
          }
        }
        since = c.Seq;
        await this.opts.redis.set(this.key, String(since));
      }
      if (page.Done || page.Changes.length === 0) {
        if (page.Last > since) { since = page.Last; await this.opts.redis.set(this.key, String(since)); }
        return handed;
      }
    }
  }

  start(intervalMs = this.opts.intervalMs ?? 2000): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.poll()
        .catch((e: unknown) => this.opts.log.warn({ code: e instanceof TaceError ? e.code : 'ORTHANC_CHANGES_FAILED', err: { message: (e as Error).message } }, 'Orthanc change log not read; next round retries'))
        .finally(() => { this.running = undefined; });
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
