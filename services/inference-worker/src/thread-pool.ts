import { Worker } from 'node:worker_threads';
import { TaceError } from '@tace/common';

interface Slot {
  w: Worker;
  /** Id of the job the thread is running, 0 when idle. */
  current: number;
  ready: Promise<void>;
}

interface Pending {
  resolve(v: Record<string, unknown>): void;
  reject(e: unknown): void;
}

type Reply = { id: number; ok: true; result: Record<string, unknown> } | { id: number; ok: false; code: string; message: string; retryable: boolean };

/**
 * Scoring threads. `session.run()` of onnxruntime and the radiomics loops block whatever thread
 * they run on, so they run here, off the main thread that renews BullMQ job locks and answers
 * health probes. Each thread loads the model bundle once. A thread that dies is replaced and
 * its job fails as retryable.
 */
export class ScoringPool {
  private readonly script: URL;
  private readonly workerData: Record<string, unknown>;
  private threads: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly queue: Array<{ id: number; msg: Record<string, unknown> }> = [];
  private nextId = 1;

  constructor(script: URL, size: number, workerData: Record<string, unknown>) {
    this.script = script;
    this.workerData = workerData;
    for (let i = 0; i < size; i++) this.threads.push(this.spawn());
  }

  private spawn(): Slot {
    const w = new Worker(this.script, { workerData: this.workerData });
    const slot: Slot = { w, current: 0, ready: Promise.resolve() };
    slot.ready = new Promise<void>((resolve, reject) => {
      w.once('message', (m: { ready?: boolean; error?: { code: string; message: string } }) => {
        if (m.ready) resolve();
        else reject(new TaceError(m.error?.code ?? 'WORKER_START_FAILED', m.error?.message ?? 'scoring thread failed to start'));
      });
      w.once('error', reject);
    });
    w.on('message', (m: Reply | { ready?: boolean }) => {
      if (!('id' in m)) return;
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      slot.current = 0;
      if (p) {
        if (m.ok) p.resolve(m.result);
        else p.reject(new TaceError(m.code, m.message, { retryable: m.retryable }));
      }
      this.drain();
    });
    w.on('error', (e) => {
      const p = slot.current ? this.pending.get(slot.current) : undefined;
      if (p) {
        this.pending.delete(slot.current);
        p.reject(new TaceError('WORKER_CRASHED', `scoring thread crashed: ${e.message}`, { retryable: true }));
      }
      this.threads = this.threads.filter((t) => t !== slot);
      this.threads.push(this.spawn());
      this.drain();
    });
    return slot;
  }

  /** Resolves when every thread has loaded the bundle; rejects with the bundle's error code. */
  async ready(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.ready));
  }

  run(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.queue.push({ id, msg });
      this.drain();
    });
  }

  private drain(): void {
    for (const t of this.threads) {
      if (t.current || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      t.current = job.id;
      t.w.postMessage({ id: job.id, ...job.msg });
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.w.terminate()));
  }
}
