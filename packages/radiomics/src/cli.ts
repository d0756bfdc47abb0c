/**
 * `radiomics` command line (dispatched by `tace-risk radiomics …`):
 *
 *   radiomics extract --params P.yaml --image IMG --mask MASK [--label N] [--series UID] [--segment N|NAME]
 *                     [--format csv|json] [--out FILE]
 *   radiomics batch   --params P.yaml --cases cases.csv [--out out.csv] [--jobs N] [--resume]
 *
 * IMG / MASK are NRRD or NIfTI files, or whatever a registered reader takes (io/registry.ts; `tace-risk`
 * registers DICOM: a folder holding a CT series as IMG, a SEG or RTSTRUCT file as MASK). `--series` picks
 * one series of a multi-series source, `--segment` one segment / ROI of a multi-segment mask; in batch
 * the optional Series and Segment columns do the same per case.
 *
 * batch reads a PyRadiomics batch CSV (columns Image, Mask[, Label], others passed through; relative
 * paths are relative to the CSV's folder), extracts cases in parallel on worker threads, shows progress
 * on stderr and writes one row per case: the input columns, ErrorCode, ErrorMessage (empty when the case
 * succeeded), then the features in PyRadiomics' column order. A failed case does not stop the others.
 * With --out, every finished case is also appended to a journal, `<out>.partial.jsonl`, removed once the
 * CSV is written: a batch that is killed (out of memory, a reboot) keeps its finished cases, and
 * `--resume` continues it, re-running only the cases that had not succeeded (the journal must belong to
 * the same parameter file and cases CSV: RADIOMICS_BATCH_RESUME_MISMATCH otherwise). A journal found
 * without --resume stops the batch (RADIOMICS_BATCH_JOURNAL_EXISTS) rather than overwrite it.
 * Exit codes: 0 all cases succeeded, 1 some case failed, 2 usage error.
 */
import { enableCompileCache } from 'node:module';
import { readFileText, writeFileText } from './io/fsAsync.ts';
import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { csvLine, parseCsvRecords } from './csv.ts';
import type { BatchWorkerData, CaseJob, CaseResult } from './caseRunner.ts';

// The engine (extractor, readers, filters, @tace/common) is imported on first use, not with this module:
// `@tace/radiomics` re-exports the CLI, and a process that never runs it should not load the batch code,
// and a process that runs it directly (see the end of this file) compiles those modules with the
// compile cache already enabled.
const runCase = async (job: CaseJob, parallelImageTypes = false): Promise<CaseResult> =>
  (await import('./caseRunner.ts')).runCase(job, parallelImageTypes);

const USAGE = `usage:
  radiomics extract --params P.yaml --image IMG --mask MASK [--label N] [--series UID] [--segment N|NAME]
                    [--format csv|json] [--out FILE]
  radiomics batch --params P.yaml --cases cases.csv [--out out.csv] [--jobs N] [--resume]
`;

class UsageError extends Error {}

/** Options taking no value (present: 'true'). */
const SWITCHES = new Set(['resume']);

function parseFlags(args: string[], allowed: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument '${a}'`);
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (!allowed.includes(key)) throw new UsageError(`unknown option --${key}`);
    if (SWITCHES.has(key)) {
      if (eq > 0) throw new UsageError(`option --${key} takes no value`);
      out[key] = 'true';
      continue;
    }
    const val = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (val === undefined) throw new UsageError(`option --${key} needs a value`);
    out[key] = val;
  }
  return out;
}

function need(flags: Record<string, string>, key: string): string {
  const v = flags[key];
  if (!v) throw new UsageError(`missing --${key}`);
  return v;
}

function parseLabel(s: string | undefined): number | undefined {
  if (s === undefined || s === '') return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > 255) throw new UsageError(`label must be an integer in 1..255 (got '${s}')`);
  return n;
}

/** An optional text option or CSV cell: empty means absent. */
function optional(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

async function output(text: string, out: string | undefined): Promise<void> {
  if (out) await writeFileText(out, text);
  else process.stdout.write(text);
}

async function extractCmd(args: string[]): Promise<number> {
  const f = parseFlags(args, ['params', 'image', 'mask', 'label', 'series', 'segment', 'format', 'out']);
  const format = f.format ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new UsageError(`--format must be csv or json (got '${format}')`);
  const paramsText = await readFileText(need(f, 'params'));
  const r = await runCase({
    index: 0, paramsText, image: need(f, 'image'), mask: need(f, 'mask'), label: parseLabel(f.label),
    series: optional(f.series), segment: optional(f.segment),
  }, true);
  if (!r.ok) {
    process.stderr.write(`error ${r.code}: ${r.message}\n`);
    return 1;
  }
  const text = format === 'json'
    ? `${JSON.stringify(r.features, null, 2)}\n`
    : `${csvLine(['Image', 'Mask', ...Object.keys(r.features)])}\n${csvLine([f.image, f.mask, ...Object.values(r.features)])}\n`;
  await output(text, f.out);
  return 0;
}

/** "1 h 05 m", "3 m 20 s", "45 s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} m`;
  if (s >= 60) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  return `${s} s`;
}

/**
 * The progress line on stderr: bar, counts, and once cases have finished in this run an estimate of the
 * time left (`eta`: elapsed ms and cases finished in this run, resumed ones not counted).
 */
function progress(done: number, total: number, failed: number, eta?: { elapsedMs: number; ranHere: number }): void {
  const width = 30;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  const left = eta && eta.ranHere > 0 && done < total ? `, ~${formatDuration((eta.elapsedMs / eta.ranHere) * (total - done))} left` : '';
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} cases${failed ? `, ${failed} failed` : ''}${left}`;
  process.stderr.write(process.stderr.isTTY ? `\r${bar}${done === total ? '\n' : ''}` : `${bar}\n`);
}

/** Run jobs on a pool of worker threads (jobs = 1 runs in-process). */
async function runPool(jobs: CaseJob[], nWorkers: number, onDone: (r: CaseResult) => void): Promise<void> {
  if (nWorkers <= 1) {
    // In-process: while a case is extracted (this thread), the next case's NRRD / .nii.gz files are read
    // and inflated on the thread pool (io/prefetch.ts; its readers take them while the files are unchanged).
    const { prefetchImageFiles } = await import('./io/prefetch.ts');
    for (let k = 0; k < jobs.length; k++) {
      const next = jobs[k + 1];
      if (next) void prefetchImageFiles([next.image, next.mask]);
      onDone(await runCase(jobs[k]!));
    }
    return;
  }
  const queue = [...jobs];
  // Workers start with an empty reader registry: they import the modules that registered readers here.
  const { readerModules } = await import('./io/registry.ts');
  const workerData: BatchWorkerData = { readerModules: [...readerModules()] };
  // worker_threads is loaded here, not with the module: a one-case `extract` never starts a worker.
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  const workers = Array.from({ length: Math.min(nWorkers, jobs.length) },
    () => new Worker(new URL('./batchWorker.ts', import.meta.url), { workerData }));
  await Promise.all(workers.map((w) => new Promise<void>((resolveWorker) => {
    let current: CaseJob | undefined;
    const next = () => {
      current = queue.shift();
      if (!current) { void w.terminate(); resolveWorker(); return; }
      w.postMessage(current);
    };
    w.on('message', (r: CaseResult) => { onDone(r); next(); });
    w.on('error', (e) => {
      if (current) onDone({ index: current.index, ok: false, code: 'INTERNAL_ERROR', message: e.message, ms: 0 });
      resolveWorker();
    });
    next();
  })));
}

async function batchCmd(args: string[]): Promise<number> {
  const f = parseFlags(args, ['params', 'cases', 'out', 'jobs', 'resume']);
  const paramsText = await readFileText(need(f, 'params'));
  const casesPath = need(f, 'cases');
  const casesText = await readFileText(casesPath);
  const records = parseCsvRecords(casesText);
  if (f.resume && !f.out) throw new UsageError('--resume needs --out (the journal lives beside the output file)');
  if (records.length === 0) throw new UsageError('the cases CSV has no rows');
  if (!('Image' in records[0]!) || !('Mask' in records[0]!)) throw new UsageError('the cases CSV needs Image and Mask columns');
  const base = dirname(resolve(casesPath));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const results: (CaseResult | undefined)[] = new Array(records.length);
  const jobs: CaseJob[] = [];
  records.forEach((r, index) => {
    try {
      jobs.push({
        index, paramsText, image: abs(r.Image!), mask: abs(r.Mask!), label: parseLabel(r.Label),
        series: optional(r.Series), segment: optional(r.Segment),
      });
    } catch (e) {
      results[index] = { index, ok: false, code: 'RADIOMICS_PARAM_INVALID', message: (e as Error).message, ms: 0 };
    }
  });
  const nJobs = f.jobs ? Number(f.jobs) : Math.max(1, availableParallelism() - 1);
  if (!Number.isInteger(nJobs) || nJobs < 1) throw new UsageError(`--jobs must be a positive integer (got '${f.jobs}')`);

  // The journal (batchJournal.ts): with --resume, the cases an interrupted run finished are taken from
  // it when they succeeded from the same inputs; the others run again.
  const { BatchJournal } = await import('./batchJournal.ts');
  const opened = f.out ? BatchJournal.open(f.out, BatchJournal.key(paramsText, casesText), f.resume === 'true') : undefined;
  const journal = opened?.journal;
  const byIndex = new Map(jobs.map((j) => [j.index, j]));
  let todo = jobs;
  if (opened && opened.previous.length > 0) {
    for (const e of opened.previous) {
      const j = byIndex.get(e.result.index);
      if (j && e.result.ok && e.image === j.image && e.mask === j.mask && e.label === j.label) results[j.index] = e.result;
    }
    todo = jobs.filter((j) => results[j.index] === undefined);
    process.stderr.write(`resuming: ${jobs.length - todo.length} of ${records.length} cases from ${journal!.path}\n`);
  }
  let done = records.length - todo.length;
  let failed = records.length - jobs.length;
  progress(done, records.length, failed);
  const started = Date.now();
  let ranHere = 0;
  try {
    await runPool(todo, nJobs, (r) => {
      results[r.index] = r;
      const j = byIndex.get(r.index)!;
      journal?.append({ result: r, image: j.image, mask: j.mask, ...(j.label === undefined ? {} : { label: j.label }) });
      done++;
      ranHere++;
      if (!r.ok) failed++;
      progress(done, records.length, failed, { elapsedMs: Date.now() - started, ranHere });
    });
  } catch (e) {
    journal?.close();
    throw e;
  }

  const inputCols = Object.keys(records[0]!);
  const featureCols: string[] = [];
  const seen = new Set<string>();
  for (const r of results) if (r?.ok) for (const k of Object.keys(r.features)) if (!seen.has(k)) { seen.add(k); featureCols.push(k); }
  const lines = [csvLine([...inputCols, 'ErrorCode', 'ErrorMessage', ...featureCols])];
  records.forEach((rec, i) => {
    const r = results[i]!;
    const inputs = inputCols.map((c) => rec[c]);
    lines.push(r.ok
      ? csvLine([...inputs, '', '', ...featureCols.map((c) => r.features[c] ?? '')])
      : csvLine([...inputs, r.code, r.message, ...featureCols.map(() => '')]));
  });
  try {
    await output(`${lines.join('\n')}\n`, f.out);
  } catch (e) {
    journal?.close(); // the cases stay in the journal
    throw e;
  }
  journal?.finish();
  return failed ? 1 : 0;
}

export async function runRadiomicsCli(argv: string[]): Promise<number> {
  const args = argv[0] === 'radiomics' ? argv.slice(1) : argv;
  const [cmd, ...rest] = args;
  try {
    // `radiomics extract --help` (or -h anywhere): the usage, exit 0
    if (cmd !== undefined && rest.some((a) => a === '--help' || a === '-h')) { process.stdout.write(USAGE); return 0; }
    if (cmd === 'extract') return await extractCmd(rest);
    if (cmd === 'batch') return await batchCmd(rest);
    if (cmd === undefined || cmd === '--help' || cmd === 'help') { process.stdout.write(USAGE); return cmd ? 0 : 2; }
    throw new UsageError(`unknown command '${cmd}'`);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`radiomics: ${e.message}\n${USAGE}`);
      return 2;
    }
    const { errorInfo } = await import('@tace/common');
    const { code, message } = errorInfo(e);
    process.stderr.write(`error ${code}: ${message}\n`);
    return 1;
  }
}

// Direct entry: `node packages/radiomics/src/cli.ts extract …`. The compile cache (Node's .pyc-like cache of
// type-stripped, compiled modules, kept in the OS temp dir; NODE_DISABLE_COMPILE_CACHE=1 turns it off)
// is enabled before the engine's modules are imported, so the second and later processes skip
// TypeScript stripping and compilation.
if (import.meta.main) {
  enableCompileCache();
  void runRadiomicsCli(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
