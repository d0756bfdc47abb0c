/**
 * Fuzz test of the parsing layer: a few thousand mutated DICOM Part 10 files (bit flips,
 * truncation, length fields set huge, VR swaps, deleted elements, allocation-driving values) made
 * from shared/reference/dicom, and mutated multipart bodies. Each case is parsed and pushed through
 * the header accessors, frame decoding in every transfer syntax, CT volume assembly, and
 * segmentationToLabelMap for SEG / RTSTRUCT bases. It must succeed or throw a TaceError with a
 * code: any other exception, a hang (no case finished for a long while: the worker is stopped) or peak
 * memory growing past a limit is a failure, reported with the seed and case index to replay it (the
 * slowest case is printed, not asserted: speed is for benchmarks):
 *   TACE_FUZZ_SEED=<seed> TACE_FUZZ_CASE=<i> npx vitest run packages/dicom/src/fuzz.test.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';
import { loadCodecs } from './codecs.ts';
import { elementSites } from './fuzz/mutate.ts';
import type { FuzzFailure, FuzzMessage, FuzzWorkerData } from './fuzz/worker.ts';
import { parseDicom } from './instance.ts';

const D = referencePath('dicom');
const SEED = Number(process.env.TACE_FUZZ_SEED ?? 20_260_611);
const ONE = process.env.TACE_FUZZ_CASE !== undefined ? Number(process.env.TACE_FUZZ_CASE) : undefined;
const CASES = Number(process.env.TACE_FUZZ_CASES ?? 3000);
/** No progress for this long: the case hangs; the worker is stopped and the run goes on after it. */
const HANG_MS = 15_000;
/** Peak RSS may not grow more than this over the run (a huge length must not allocate gigabytes). */
const MEMORY_LIMIT_MB = 600;

interface RunResult { failures: FuzzFailure[]; outcomes: Record<string, number>; slowestMs: number; slowestCase: number; maxRssGrowthMb: number; baseOutcomes: Record<string, string> }

async function run(from: number, to: number): Promise<RunResult> {
  const res: RunResult = { failures: [], outcomes: {}, slowestMs: 0, slowestCase: -1, maxRssGrowthMb: 0, baseOutcomes: {} };
  let start = from;
  while (start < to) {
    const progress = new SharedArrayBuffer(4);
    const view = new Int32Array(progress);
    Atomics.store(view, 0, start);
    const data: FuzzWorkerData = { seed: SEED, from: start, to, progress, memoryLimitMb: MEMORY_LIMIT_MB };
    const w = new Worker(new URL('./fuzz/worker.ts', import.meta.url), { workerData: data, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
    // The next case to run after this worker stops (on a hang or a crash: the one after the culprit).
    start = await new Promise<number>((resolve) => {
      let last = -1, since = Date.now();
      const timer = setInterval(() => {
        const now = Atomics.load(view, 0);
        if (now !== last) { last = now; since = Date.now(); return; }
        if (Date.now() - since > HANG_MS && now > from) {
          clearInterval(timer);
          res.failures.push({ caseIndex: now, base: '?', mutations: [], problem: `no progress for ${HANG_MS} ms: hangs` });
          void w.terminate().then(() => resolve(now + 1));
        }
      }, 200);
      w.on('message', (m: FuzzMessage) => {
        if (m.type === 'failure') { res.failures.push(m.failure); return; }
        for (const [k, v] of Object.entries(m.outcomes)) res.outcomes[k] = (res.outcomes[k] ?? 0) + v;
        if (m.slowestMs > res.slowestMs) { res.slowestMs = m.slowestMs; res.slowestCase = m.slowestCase; }
        res.maxRssGrowthMb = Math.max(res.maxRssGrowthMb, m.maxRssGrowthMb);
        if (Object.keys(res.baseOutcomes).length === 0) res.baseOutcomes = m.baseOutcomes;
      });
      w.on('error', (e) => {
        const at = Atomics.load(view, 0);
        res.failures.push({ caseIndex: at, base: '?', mutations: [], problem: `worker died: ${e.message.slice(0, 200)}` });
        clearInterval(timer);
        resolve(at + 1);
      });
      w.on('exit', () => { clearInterval(timer); resolve(Math.max(Atomics.load(view, 0), to)); });
    });
  }
  return res;
}

describe.skipIf(!D)('fuzz: mutated DICOM files and multipart bodies', () => {
  it(`${ONE !== undefined ? `case ${ONE}` : `${CASES} cases`} (seed ${SEED}): each succeeds or fails with a coded TaceError, in time and bounded memory`, async () => {
    const t0 = Date.now();
    const r = ONE !== undefined ? await run(ONE, ONE + 1) : await run(0, CASES);
    const total = Object.values(r.outcomes).reduce((a, b) => a + b, 0);
    const codes = Object.entries(r.outcomes).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
    console.log(`[fuzz] seed ${SEED}: ${total} cases in ${((Date.now() - t0) / 1000).toFixed(1)} s; slowest case ${r.slowestCase} ${r.slowestMs.toFixed(0)} ms; peak RSS growth ${r.maxRssGrowthMb.toFixed(0)} MB\n[fuzz] outcomes: ${codes}`);
    for (const f of r.failures.slice(0, 20)) {
      console.warn(`[fuzz] FAIL case ${f.caseIndex} (${f.base}; ${f.mutations.map((m) => `${m.kind}@${m.at}${m.detail ? ` ${m.detail}` : ''}`).join(', ')}): ${f.problem}\n       replay: TACE_FUZZ_SEED=${SEED} TACE_FUZZ_CASE=${f.caseIndex}`);
    }
    // The unmutated bases reach the deep paths (labelmaps, every decoder); only lossy JPEG is refused by policy.
    if (ONE === undefined) {
      const notOk = Object.entries(r.baseOutcomes).filter(([name, o]) => o !== 'ok' && !(/baseline\.51|JPEGProcess1/.test(name) && o === 'DICOM_TRANSFER_SYNTAX_UNSUPPORTED'));
      expect(notOk).toEqual([]);
      expect(total).toBe(CASES - r.failures.filter((f) => f.problem.startsWith('no progress') || f.problem.startsWith('worker died')).length);
      expect(r.outcomes.ok ?? 0).toBeGreaterThan(CASES / 20); // mutations are not all fatal: the deep paths run
    }
    expect(r.failures.map((f) => `case ${f.caseIndex}: ${f.problem}`)).toEqual([]);
  }, 300_000);
});

/** What the fuzzer found, kept as plain tests (each failed before its fix in the parsing layer). */
describe.skipIf(!D)('fuzz findings, fixed', () => {
  const file = (name: string) => new Uint8Array(readFileSync(join(D!, 'transfer-syntaxes', name)));
  const codeOf = (f: () => unknown): string | undefined => { try { f(); } catch (e) { return (e as { code?: string }).code ?? `not coded: ${String(e)}`; } return undefined; };

  it('Pixel Data length set to 2^31-1 → DICOM_PARSE_ERROR naming the element (was a RangeError)', () => {
    const bytes = file('CT1_UNC.implicit_little_endian.dcm');
    const px = elementSites(bytes).find((s) => s.tag === 'x7fe00010')!;
    new DataView(bytes.buffer).setUint32(px.lengthAt, 0x7fffffff, true);
    expect(() => parseDicom(bytes)).toThrow(expect.objectContaining({ code: 'DICOM_PARSE_ERROR', message: expect.stringContaining('(7FE0,0010) claims 2147483647 bytes') }));
  });

  it('BitsAllocated 14649 in a JPEG Lossless image → DICOM_PIXEL_FORMAT_UNSUPPORTED before decoding (was a 480 MB allocation)', async () => {
    await loadCodecs();
    const bytes = file('CT0012.fragmented_no_bot_jpeg_lossless.57.dcm');
    const bits = elementSites(bytes).find((s) => s.tag === 'x00280100')!;
    new DataView(bytes.buffer).setUint16(bits.dataOffset, 0x3939, true);
    const peakKb = process.resourceUsage().maxRSS;
    expect(codeOf(() => parseDicom(bytes).storedFrame(0))).toBe('DICOM_PIXEL_FORMAT_UNSUPPORTED');
    // The old code gave the same code, but only after the decoder had allocated 480 MB.
    expect((process.resourceUsage().maxRSS - peakKb) / 1024).toBeLessThan(200);
  });

  it('Rows not matching the JPEG-LS codestream → DICOM_CODEC_ERROR before decoding', async () => {
    await loadCodecs();
    const bytes = file('CT1_UNC.not_fragmented_bot_jpeg_ls.80.dcm');
    const rows = elementSites(bytes).find((s) => s.tag === 'x00280010')!;
    new DataView(bytes.buffer).setUint16(rows.dataOffset, 60_000, true);
    expect(() => parseDicom(bytes).storedFrame(0)).toThrow(expect.objectContaining({ code: 'DICOM_CODEC_ERROR', message: expect.stringContaining('declares 512 × 512 pixels') }));
  });
});

describe.skipIf(!D)('the overrun check leaves sound files alone', () => {
  it('header-only parsing (untilTag Pixel Data) of an encapsulated file is not an overrun', () => {
    const bytes = new Uint8Array(readFileSync(join(D!, 'transfer-syntaxes', 'CT1_UNC.not_fragmented_bot_jpeg_ls.80.dcm')));
    expect(parseDicom(bytes, { untilTag: 'x7fe00010' }).rows).toBe(512);
  });
});
