import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { referencePath } from '@tace/common';
import { formatDuration, runRadiomicsCli } from './cli.ts';
import { parseCsvRecords } from './csv.ts';

const ref = referencePath('pyradiomics/data');

describe('radiomics CLI', () => {
  it('usage errors exit 2', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await runRadiomicsCli(['extract', '--params'])).toBe(2);
    expect(await runRadiomicsCli(['frobnicate'])).toBe(2);
    err.mockRestore();
  });

  it('batch progress estimates read as hours, minutes or seconds', () => {
    expect(formatDuration(45_400)).toBe('45 s');
    expect(formatDuration(200_000)).toBe('3 m 20 s');
    expect(formatDuration(3_900_000)).toBe('1 h 05 m');
    expect(formatDuration(-5)).toBe('0 s');
  });

  it('--help / -h after a command prints the usage and exits 0', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out.push(String(s)); return true; });
    expect(await runRadiomicsCli(['extract', '--help'])).toBe(0);
    expect(await runRadiomicsCli(['batch', '-h'])).toBe(0);
    spy.mockRestore();
    expect(out.join('')).toMatch(/radiomics extract --params P\.yaml --image IMG --mask MASK/);
  });

  it.skipIf(!ref)('batch: parallel over cases, failed cases recorded with their code, the rest go on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'radiomics-cli-'));
    writeFileSync(join(dir, 'p.yaml'), 'setting:\n  binWidth: 25\n  voxelArrayShift: 2000\n  minimumROIDimensions: 1\nfeatureClass:\n  firstorder: [Mean, Energy]\n');
    writeFileSync(join(dir, 'cases.csv'), [
      'ID,Image,Mask,Label',
      `a,${ref}/breast1_image.nrrd,${ref}/breast1_label.nrrd,1`,
      `b,${ref}/breast1_image.nrrd,${ref}/breast1_label.nrrd,7`,
      `c,missing.nrrd,${ref}/breast1_label.nrrd,`,
      `d,${ref}/brain1_image.nrrd,${ref}/brain1_label.nrrd,`,
    ].join('\n'));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const rc = await runRadiomicsCli(['batch', '--params', join(dir, 'p.yaml'), '--cases', join(dir, 'cases.csv'), '--out', join(dir, 'out.csv'), '--jobs', '2']);
    err.mockRestore();
    expect(rc).toBe(1);
    const rows = parseCsvRecords(readFileSync(join(dir, 'out.csv'), 'utf8'));
    expect(rows.map((r) => r.ID)).toEqual(['a', 'b', 'c', 'd']);
    expect(rows.map((r) => r.ErrorCode)).toEqual(['', 'RADIOMICS_LABEL_ABSENT', 'RADIOMICS_FILE_UNREADABLE', '']);
    // Baseline values: shared/reference/pyradiomics/baseline/baseline_firstorder.csv, columns breast1 and brain1.
    expect(Number(rows[0]!.original_firstorder_Mean)).toBeCloseTo(131.12587412587413, 9);
    expect(Number(rows[0]!.original_firstorder_Energy)).toBeCloseTo(649499543.0, 3);
    expect(Number(rows[3]!.original_firstorder_Mean)).toBeCloseTo(825.2354363065023, 9);
  });
});
