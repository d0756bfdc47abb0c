/**
 * The bundled CLI engine (bin/engine.mjs, bin/build-bundle.mjs) against the unbundled modules, in spawned
 * processes as users run them: same bytes out, and a changed input rebuilds the bundle.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';
import { parseCsvRecords } from '../csv.ts';

const ref = referencePath('pyradiomics/data');
const BIN = fileURLToPath(new URL('../../bin/radiomics.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'radiomics-bundle-'));
const cache = join(dir, 'cache');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `radiomics extract` on brain1 (or `testCase`) into `out`; returns stderr. `bundle` false: the unbundled modules. */
function extract(out: string, bundle: boolean, testCase = 'brain1', params = join(dir, 'p.yaml')): string {
  const env: NodeJS.ProcessEnv = { ...process.env, TACE_RADIOMICS_BUNDLE_DEBUG: '1', TACE_RADIOMICS_BUNDLE_CACHE: cache };
  if (!bundle) env.TACE_RADIOMICS_BUNDLE = '0';
  const r = spawnSync(process.execPath, [BIN, 'extract', '--params', params,
    '--image', `${ref}/${testCase}_image.nrrd`, '--mask', `${ref}/${testCase}_label.nrrd`, '--out', out], { env, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toBe('');
  return r.stderr;
}

describe.skipIf(!ref)('bundled CLI engine', () => {
  it('writes the same CSV bytes as the unbundled modules (brain1, all classes), and rebuilds when an input changes', () => {
    writeFileSync(join(dir, 'p.yaml'), 'imageType:\n  Original: {}\nfeatureClass:\n  firstorder:\n  shape:\n  glcm:\n  glrlm:\n  glszm:\n  gldm:\n  ngtdm:\nsetting:\n  binWidth: 25\n  label: 1\n');
    const built = extract(join(dir, 'bundled.csv'), true);
    expect(built).toMatch(/radiomics bundle: built /);
    expect(built).not.toMatch(/not used/);
    expect(built).toMatch(/radiomics bundle: wrote .*\.cjs\.v8cache/); // V8 code cache after the first extract
    expect(readdirSync(cache).filter((f) => f.endsWith('.cjs'))).toHaveLength(1);
    expect(readdirSync(cache).filter((f) => f.endsWith('.cjs.v8cache'))).toHaveLength(1);
    expect(extract(join(dir, 'unbundled.csv'), false)).toBe('');
    const bundled = readFileSync(join(dir, 'bundled.csv'));
    expect(bundled.equals(readFileSync(join(dir, 'unbundled.csv')))).toBe(true);
    // and the output is the engine's, not empty: PyRadiomics baseline (shared/reference/pyradiomics/
    // baseline/baseline_firstorder.csv, column brain1) original_firstorder_Mean = 825.2354363065023
    const rows = parseCsvRecords(bundled.toString('utf8'));
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]!.original_firstorder_Mean)).toBeCloseTo(825.2354363065023, 9);

    // a warm start reuses the bundle and its code cache silently
    expect(extract(join(dir, 'again.csv'), true)).toBe('');
    expect(readFileSync(join(dir, 'again.csv')).equals(bundled)).toBe(true);
    // a code cache V8 refuses (here: garbage) is reported, the run is unaffected, and it is written anew
    const v8cache = readdirSync(cache).find((f) => f.endsWith('.v8cache'))!;
    writeFileSync(join(cache, v8cache), Buffer.alloc(4096, 7));
    const refused = extract(join(dir, 'refused.csv'), true);
    expect(refused).toMatch(/code cache .* refused by V8/);
    expect(refused).toMatch(/radiomics bundle: wrote /);
    expect(readFileSync(join(dir, 'refused.csv')).equals(bundled)).toBe(true);
    expect(readFileSync(join(cache, v8cache)).length).toBeGreaterThan(100_000); // the engine's bytecode
    // an input whose recorded stamp no longer matches (as after an edit) makes the next start rebuild
    const manifestFile = readdirSync(cache).find((f) => f.startsWith('manifest-'))!;
    const manifest = JSON.parse(readFileSync(join(cache, manifestFile), 'utf8')) as { inputs: [string, number, number, number][] };
    const cliInput = manifest.inputs.find((i) => i[0].endsWith(join('src', 'cli.ts')))!;
    cliInput[2] -= 1000;
    writeFileSync(join(cache, manifestFile), JSON.stringify(manifest));
    const rebuilt = extract(join(dir, 'rebuilt.csv'), true);
    expect(rebuilt).toMatch(/cli\.ts changed/);
    expect(rebuilt).toMatch(/radiomics bundle: built /);
    expect(readFileSync(join(dir, 'rebuilt.csv')).equals(bundled)).toBe(true);
    expect(existsSync(join(cache, manifestFile))).toBe(true);
  });

  // (the bundle runs on the main thread: resampling, Original, diagnostics, merging; the filtered image
  // types go to worker threads, which load the modules)
  it('with every image type and B-spline resampling the (minified) bundle writes the bytes the modules write (breast1)', () => {
    const params = join(dir, 'filters.yaml');
    writeFileSync(params, 'imageType:\n  Original: {}\n  LoG:\n    sigma: [1.0, 3.0]\n  Wavelet: {}\n  Square: {}\n  SquareRoot: {}\n' +
      '  Logarithm: {}\n  Exponential: {}\n  Gradient: {}\n  LBP2D: {}\nsetting:\n  binWidth: 25\n' +
      '  resampledPixelSpacing: [1, 1, 1]\n  interpolator: sitkBSpline\n');
    extract(join(dir, 'f-bundled.csv'), true, 'breast1', params);
    extract(join(dir, 'f-unbundled.csv'), false, 'breast1', params);
    const bundled = readFileSync(join(dir, 'f-bundled.csv'));
    expect(bundled.equals(readFileSync(join(dir, 'f-unbundled.csv')))).toBe(true);
    const row = parseCsvRecords(bundled.toString('utf8'))[0]!;
    expect(Object.keys(row).filter((k) => k.startsWith('wavelet-')).length).toBeGreaterThan(700);
    expect(Object.keys(row).some((k) => k.startsWith('log-sigma-3-0-mm-3D_glcm_'))).toBe(true);
  }, 120_000);
});
