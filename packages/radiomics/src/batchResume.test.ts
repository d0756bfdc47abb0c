/**
 * `radiomics batch --out` keeps a journal of finished cases (batchJournal.ts): a batch killed mid-way
 * (SIGKILL, as the OOM killer does) is continued with --resume, running only what was not finished, and
 * its CSV is byte for byte the one an uninterrupted run writes. Real processes (bin/radiomics.mjs).
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';

const ref = referencePath('pyradiomics/data');
const BIN = fileURLToPath(new URL('../bin/radiomics.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'radiomics-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N_CASES = 8;
function setup(): { params: string; cases: string } {
  const params = join(dir, 'p.yaml');
  // Wavelet + LoG: each breast1 case takes a few hundred ms, long enough to kill the batch mid-way.
  writeFileSync(params, 'imageType:\n  Original: {}\n  LoG:\n    sigma: [1.0, 2.0]\n  Wavelet: {}\nsetting:\n  binWidth: 25\n');
  const cases = join(dir, 'cases.csv');
  const rows = ['ID,Image,Mask'];
  for (let i = 0; i < N_CASES; i++) rows.push(`c${i},${ref}/breast1_image.nrrd,${ref}/breast1_label.nrrd`);
  writeFileSync(cases, `${rows.join('\n')}\n`);
  return { params, cases };
}

function batch(args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'batch', ...args, '--jobs', '1'], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

/** Whole case lines in the journal (a line cut by the kill does not parse and is not counted). */
function journalCases(path: string): number {
  if (!existsSync(path)) return 0;
  return readFileSync(path, 'utf8').split('\n').filter((l) => {
    try {
      return (JSON.parse(l) as { result?: unknown }).result !== undefined;
    } catch {
      return false;
    }
  }).length;
}

describe.skipIf(!ref)('radiomics batch journal and --resume', () => {
  it('a killed batch resumes where it stopped and writes the CSV an uninterrupted run writes', async () => {
    const { params, cases } = setup();
    const full = join(dir, 'full.csv');
    expect(batch(['--params', params, '--cases', cases, '--out', full]).status).toBe(0);
    expect(existsSync(`${full}.partial.jsonl`)).toBe(false); // removed once the CSV is written

    const out = join(dir, 'out.csv');
    const journal = `${out}.partial.jsonl`;
    const child = spawn(process.execPath, [BIN, 'batch', '--params', params, '--cases', cases, '--out', out, '--jobs', '1'], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const t0 = Date.now();
    while (journalCases(journal) < 2 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    const kept = journalCases(journal);
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(kept).toBeLessThan(N_CASES); // killed mid-way
    expect(existsSync(out)).toBe(false);
    // the process died in the middle of a line: that line is skipped, its case runs again
    appendFileSync(journal, '{"result":{"index":');
    const journalText = readFileSync(journal, 'utf8');

    // without --resume the journal is not overwritten
    const refused = batch(['--params', params, '--cases', cases, '--out', out]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/RADIOMICS_BATCH_JOURNAL_EXISTS/);
    expect(readFileSync(journal, 'utf8')).toBe(journalText);
    // another parameter file cannot resume it
    const other = join(dir, 'other.yaml');
    writeFileSync(other, 'setting:\n  binWidth: 10\n');
    const mismatch = batch(['--params', other, '--cases', cases, '--out', out, '--resume']);
    expect(mismatch.status).toBe(1);
    expect(mismatch.stderr).toMatch(/RADIOMICS_BATCH_RESUME_MISMATCH/);

    const resumed = batch(['--params', params, '--cases', cases, '--out', out, '--resume']);
    expect(resumed.status).toBe(0);
    expect(resumed.stderr).toContain(`resuming: ${kept} of ${N_CASES} cases`);
    expect(readFileSync(out).equals(readFileSync(full))).toBe(true);
    expect(existsSync(journal)).toBe(false);
  }, 240_000);

  it('--resume without --out is a usage error', () => {
    const { params, cases } = setup();
    const r = batch(['--params', params, '--cases', cases, '--resume']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--resume needs --out/);
  });
});
