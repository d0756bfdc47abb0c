import type { Redis } from 'ioredis';
import { isTaceError, type Logger } from '@tace/common';
import { studyLogRef } from './stable-study.ts';

/** How a study was found complete. */
export type StableVia = 'dimse-quiet' | 'orthanc-stable' | 'replay';

/** Called once per arming with a study that is complete; a retryable TaceError re-arms it. */
export type StableStudyHandler = (studyInstanceUid: string, via: StableVia) => Promise<void>;

export interface StudyTrackerOptions {
  redis: Redis;
  /** No new instance for this long → the study is stable. */
  quietMs: number;
  onStable: StableStudyHandler;
  log: Logger;
  /** How often due studies are looked for; default min(quietMs / 4, 1000) ms. */
  checkEveryMs?: number;
  /** Redis key prefix; default 'tace:studies'. */
  prefix?: string;
  now?: () => number;
}

// Hand a study over only if no instance arrived since it became due: the score is compared and
// the member removed in one step, so one replica (and one check) takes it, and an instance that
// arrived meanwhile keeps it waiting.
const CLAIM = `local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) <= tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) return 1 end
return 0`;

/**
 * Knows, per study, when its last instance arrived (a Redis sorted set: study → arrival time in
 * ms, so a restart or another replica continues where this one stopped). A study with no new
 * instance for the quiet period is handed to `onStable` once; a late instance arms it again, and
 * the handler decides whether the inputs changed. A handler failure that may heal (FHIR or the
 * queue down) re-arms the study, so it is tried again after another quiet period.
 */
export class StudyTracker {
  private readonly key: string;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<unknown> | undefined;
  private readonly now: () => number;
  private readonly opts: StudyTrackerOptions;

  constructor(opts: StudyTrackerOptions) {
    this.opts = opts;
    this.key = `${opts.prefix ?? 'tace:studies'}:pending`;
    this.now = opts.now ?? Date.now;
  }

  /** An instance of the study arrived now. */
  async touch(studyInstanceUid: string): Promise<void> {
    await this.opts.redis.zadd(this.key, this.now(), studyInstanceUid);
  }

  /** Studies waiting for their quiet period, with the time of their last instance. */
  async pending(): Promise<Array<{ studyInstanceUid: string; lastArrivalMs: number }>> {
    const flat = await this.opts.redis.zrange(this.key, 0, -1, 'WITHSCORES');
    const out: Array<{ studyInstanceUid: string; lastArrivalMs: number }> = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ studyInstanceUid: flat[i]!, lastArrivalMs: Number(flat[i + 1]) });
    return out;
  }

  /** The PACS says the study is complete (or an operator replays it): hand it over now, unless an instance is pending. */
  async stableNow(studyInstanceUid: string, via: StableVia): Promise<void> {
    await this.opts.redis.zrem(this.key, studyInstanceUid);
    await this.handOver(studyInstanceUid, via);
  }

  /** Hand over every study whose quiet period has passed; returns their UIDs. */
  async check(): Promise<string[]> {
    const due = this.now() - this.opts.quietMs;
    const uids = await this.opts.redis.zrangebyscore(this.key, '-inf', due);
    const taken: string[] = [];
    for (const uid of uids) {
      if ((await this.opts.redis.eval(CLAIM, 1, this.key, uid, due)) !== 1) continue;
      taken.push(uid);
      await this.handOver(uid, 'dimse-quiet');
    }
    return taken;
  }

  start(): void {
    const every = this.opts.checkEveryMs ?? Math.max(50, Math.min(this.opts.quietMs / 4, 1000));
    this.timer = setInterval(() => {
      if (this.checking) return;
      this.checking = this.check()
        .catch((e: unknown) => this.opts.log.warn({ code: 'STUDY_TRACKER_CHECK_FAILED', err: { message: (e as Error).message } }, 'stable-study check failed; next round retries'))
        .finally(() => { this.checking = undefined; });
    }, every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.checking;
  }

  private async handOver(uid: string, via: StableVia): Promise<void> {
    try {
      await this.opts.onStable(uid, via);
    } catch (e) {
      const code = isTaceError(e) ? e.code : 'STABLE_STUDY_FAILED';
      if (isTaceError(e) && e.retryable) {
        this.opts.log.warn({ code, study: studyLogRef(uid), via }, 'stable study not handled yet (transient); tried again after the quiet period');
        await this.touch(uid);
      } else {
        // The handler records what it can decide (unknown patient…); anything else is logged here.
        this.opts.log.error({ code, study: studyLogRef(uid), via, err: { message: (e as Error).message } }, 'stable study handler failed');
      }
    }
  }
}
