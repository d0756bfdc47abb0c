/**
 * Journal of a `radiomics batch` run with --out: `<out>.partial.jsonl`, one JSON line per finished case
 * after a header naming the format and a key of the parameter file and cases CSV. A batch that dies
 * (out of memory, a reboot, Ctrl-C) keeps what it finished; `--resume` reads it back and runs only the
 * cases that had not succeeded. The journal is removed once the output CSV is written.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import type { CaseResult } from './caseRunner.ts';
import { RADIOMICS_ERRORS, radiomicsError } from './errors.ts';

const FORMAT = 'tace-radiomics-batch-journal/1';

/** One finished case as journaled: its result and the inputs it was computed from. */
export interface JournalEntry {
  result: CaseResult;
  image: string;
  mask: string;
  label?: number;
}

/** JSON has no NaN / ±Infinity, which features can be: written as {"$n": "NaN"} and read back. */
function replacer(_k: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? { $n: String(v) } : v;
}
function reviver(_k: string, v: unknown): unknown {
  return v !== null && typeof v === 'object' && typeof (v as { $n?: unknown }).$n === 'string' ? Number((v as { $n: string }).$n) : v;
}

export class BatchJournal {
  readonly path: string;
  private fd: number | undefined;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.fd = fd;
  }

  /** The key of a batch: its parameter file and cases CSV, as read. */
  static key(paramsText: string, casesText: string): string {
    return createHash('sha256').update(paramsText).update('\0').update(casesText).digest('hex');
  }

  /**
   * Open the journal of `out`. Without `resume` an existing journal is an error (it holds an interrupted
   * run's cases, which a new run must not overwrite); with it, its entries are returned. A last line cut
   * short by the interruption is skipped (that case runs again).
   */
  static open(out: string, key: string, resume: boolean): { journal: BatchJournal; previous: JournalEntry[] } {
    const path = `${out}.partial.jsonl`;
    const previous: JournalEntry[] = [];
    if (existsSync(path)) {
      if (!resume) {
        throw radiomicsError(RADIOMICS_ERRORS.BATCH_JOURNAL_EXISTS,
          `an interrupted batch left its finished cases in ${path}: run it again with --resume to go on, or delete that file`);
      }
      const [head = '', ...lines] = readFileSync(path, 'utf8').split('\n');
      let header: { format?: string; key?: string } = {};
      try {
        header = JSON.parse(head) as typeof header;
      } catch {
        // not a journal
      }
      if (header.format !== FORMAT || header.key !== key) {
        throw radiomicsError(RADIOMICS_ERRORS.BATCH_RESUME_MISMATCH,
          `${path} was written for another parameter file or cases CSV (or is not a batch journal): delete it to start afresh`);
      }
      for (const l of lines) {
        if (l.trim() === '') continue;
        try {
          previous.push(JSON.parse(l, reviver) as JournalEntry);
        } catch {
          // the line being written when the batch died
        }
      }
      return { journal: new BatchJournal(path, openSync(path, 'a')), previous };
    }
    const fd = openSync(path, 'w');
    writeSync(fd, `${JSON.stringify({ format: FORMAT, key })}\n`);
    return { journal: new BatchJournal(path, fd), previous };
  }

  /** Append one finished case (one write: a line is whole or, if the process dies in it, cut and skipped). */
  append(entry: JournalEntry): void {
    if (this.fd !== undefined) writeSync(this.fd, `${JSON.stringify(entry, replacer)}\n`);
  }

  /** The output is written: the journal goes. */
  finish(): void {
    this.close();
    unlinkSync(this.path);
  }

  /** Stop writing (the journal stays, e.g. when the output could not be written). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
