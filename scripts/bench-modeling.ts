/**
 * Figures for issue #9 (`npm run bench -- modeling`), each beside a baseline measured in the same run:
 * 1. glmnet on 475 patients × 1,500 features (binomial): one path and 10-fold cv.glmnet, ours
 *    against R's glmnet (Fortran/C++) on the very same data when Rscript + glmnet are installed
 *    (scripts/bench-modeling-glmnet.R simulates and writes it), else against the anchor
 *    (1.35 s / 0.10 s measured on this kind of machine);
 * 2. bootstrap validation (B = 200, TACE_BENCH_B to change) of the whole pipeline (screening +
 *    LASSO CV + fusion + combined model) on that table, resamples over all cores, beside
 *    200 × one pipeline fit (the serial cost);
 * 3. DeLong (AUC + variance) on 10⁵ patients beside sorting 10⁵ numbers (the O(n log n) floor);
 * 4. the README's command: `tace-risk model develop` on the demo study (models/training/out),
 *    wall time of the whole process, when the study has been built (models/training/build.sh).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@tace/common';
import { parseDevelopConfig } from '@tace/develop/config';
import { bootstrapPipeline } from '@tace/develop/bootstrap';
import { fitPipeline, predictPipeline, type DevelopData } from '@tace/develop/pipeline';
import { cvGlmnet, delongVariance, glmnetPath, mulberry32, randomNormal } from '@tace/modeling';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
function time<T>(f: () => T): [number, T] {
  const t = performance.now();
  const r = f();
  return [performance.now() - t, r];
}

interface Data {
  n: number;
  p: number;
  foldid: number[];
  y: Uint8Array;
  cols: Float64Array[];
}

function readRData(path: string): Data {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const rows = lines.slice(1).map((l) => l.split(',').map(Number));
  const n = rows.length;
  const p = rows[0]!.length - 2;
  return {
    n,
    p,
    foldid: rows.map((r) => r[0]!),
    y: Uint8Array.from(rows, (r) => r[1]!),
    cols: Array.from({ length: p }, (_, j) => Float64Array.from(rows, (r) => r[j + 2]!)),
  };
}

/** The same design as the R script (AR(1) columns, 10 signals), drawn with our generator when R is absent. */
function simulate(n = 475, p = 1500): Data {
  const rng = mulberry32(475);
  const cols: Float64Array[] = [];
  for (let j = 0; j < p; j++) {
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) c[i] = j === 0 ? randomNormal(rng) : 0.6 * cols[j - 1]![i]! + 0.8 * randomNormal(rng);
    cols.push(c);
  }
  const signal = [0, 49, 99, 299, 300, 599, 899, 1199, 1399, 1498];
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let eta = -0.4;
    signal.forEach((j, k) => (eta += (k % 2 ? -0.5 : 0.5) * cols[j]![i]!));
    y[i] = rng() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  return { n, p, y, cols, foldid: Array.from({ length: n }, (_, i) => (i % 10) + 1) };
}

export async function runModelingBench(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'tace-bench-modeling-'));
  try {
    // ---- 1. glmnet
    const csv = join(tmp, 'glmnet.csv');
    const r = spawnSync('Rscript', [join(REPO_ROOT, 'scripts/bench-modeling-glmnet.R'), csv, '5'], { encoding: 'utf8' });
    const haveR = r.status === 0 && existsSync(csv);
    const d = haveR ? readRData(csv) : simulate();
    const X = { nrow: d.n, ncol: d.p, data: new Float64Array(d.n * d.p) };
    d.cols.forEach((c, j) => X.data.set(c, j * d.n));
    glmnetPath(X, d.y); // JIT warm-up
    const path: number[] = [];
    const cv: number[] = [];
    for (let k = 0; k < 5; k++) {
      path.push(time(() => glmnetPath(X, d.y))[0]);
      cv.push(time(() => cvGlmnet(X, d.y, { foldid: d.foldid }))[0]);
    }
    console.log(`glmnet, ${d.n} × ${d.p}, binomial (${haveR ? "R's simulated data" : 'our simulation of the same design'}):`);
    console.log(`  ours: one path median ${(median(path) / 1000).toFixed(3)} s; cv 10 folds median ${(median(cv) / 1000).toFixed(3)} s`);
    if (haveR) {
      const pathR = Number(/glmnet path .*median ([\d.]+) s/.exec(r.stdout)?.[1]);
      const cvR = Number(/cv\.glmnet 10 folds:.*median ([\d.]+) s/.exec(r.stdout)?.[1]);
      console.log(`  R glmnet (same run, same data): one path median ${pathR.toFixed(3)} s; cv median ${cvR.toFixed(3)} s`);
      console.log(`  ratio ours / R: path ${(median(path) / 1000 / pathR).toFixed(2)}, cv ${(median(cv) / 1000 / cvR).toFixed(2)}`);
    } else {
      console.log(`  R not installed here (Rscript failed: ${(r.error?.message ?? r.stderr).split('\n')[0]}); anchor from the issue: path 0.10 s, cv 1.35 s`);
      console.log(`  ratio ours / anchor: path ${(median(path) / 1000 / 0.1).toFixed(2)}, cv ${(median(cv) / 1000 / 1.35).toFixed(2)}`);
    }

    // ---- 2. bootstrap of the whole pipeline on that table
    const B = Number(process.env.TACE_BENCH_B ?? 200);
    const rng = mulberry32(9);
    const dd: DevelopData = {
      n: d.n,
      y: d.y,
      cohort: Array.from({ length: d.n }, () => 'train' as const),
      radNames: d.cols.map((_, j) => `original_firstorder_X${j}`),
      rad: d.cols,
      dlNames: ['dl_logit'],
      dl: [Float64Array.from(d.y, (y) => y + 1.2 * randomNormal(rng))],
      size: Float64Array.from(d.y, (y) => Math.round(40 + 10 * y + 15 * Math.abs(randomNormal(rng)))),
      nodules: Float64Array.from(d.y, () => 1 + Math.floor(3 * rng())),
      afp: Float64Array.from(d.y, (y) => 1 + y * 0.5 + Math.abs(randomNormal(rng))),
      afpTerm: 'log10AfpNgPerMl',
    };
    const config = parseDevelopConfig(`
outcome: { column: y, definition: bench }
radiomics: { prefix: original_ }
dl: { columns: [dl_logit] }
clinical: { tumourSizeMm: s, noduleCount: n, afpNgPerMl: a }
screening: { univariate: { pThreshold: 0.05 }, correlation: { threshold: 0.9 }, mrmr: { k: 50 } }
radScore: { folds: 10, seed: 1 }
bundle: { id: b, version: "1", name: b, extractor: x, syntheticDemo: true, disclaimer: d, intendedUse: i, trainingData: t, limitations: l }
`);
    const rows = Array.from({ length: d.n }, (_, i) => i);
    fitPipeline(dd, config, rows);
    const one: number[] = [];
    let fitted = fitPipeline(dd, config, rows);
    for (let k = 0; k < 3; k++) {
      const [ms, f] = time(() => fitPipeline(dd, config, rows));
      one.push(ms);
      fitted = f;
    }
    const lp = predictPipeline(fitted, dd, rows).combinedLp;
    const workers = availableParallelism();
    const boot = await bootstrapPipeline(dd, config, rows, lp, { B, seed: 1, workers });
    const serial = (B * median(one)) / 1000;
    console.log(`bootstrap validation of the whole pipeline (screening + LASSO 10-fold CV + fusion + combined), ${d.n} × ${d.p}, B = ${B}:`);
    console.log(`  one pipeline fit median ${(median(one) / 1000).toFixed(3)} s → ${B} × one fit = ${serial.toFixed(1)} s`);
    console.log(`  bootstrapPipeline over ${boot.workers} worker threads (${workers} cores): wall ${(boot.wallMs / 1000).toFixed(1)} s; ratio wall / (${B} × one fit) = ${(boot.wallMs / 1000 / serial).toFixed(2)}; resamples left out ${boot.validate.failures.length}`);

    // ---- 3. DeLong on 10^5 patients
    const n5 = 100_000;
    const r5 = mulberry32(5);
    const y5 = Uint8Array.from({ length: n5 }, () => (r5() < 0.3 ? 1 : 0));
    const s5 = Float64Array.from(y5, (y) => y + randomNormal(r5));
    delongVariance(s5, y5);
    const dl: number[] = [];
    const sorts: number[] = [];
    for (let k = 0; k < 7; k++) {
      dl.push(time(() => delongVariance(s5, y5))[0]);
      sorts.push(time(() => Float64Array.from(s5).sort())[0]);
    }
    console.log(`DeLong AUC + variance, n = ${n5}: median ${median(dl).toFixed(1)} ms; floor (sort ${n5} numbers) ${median(sorts).toFixed(1)} ms; ratio ${(median(dl) / median(sorts)).toFixed(1)}`);

    // ---- 4. the README's command on the demo study
    const features = join(REPO_ROOT, 'models/training/out/features.csv');
    if (existsSync(features)) {
      const t = performance.now();
      const run = spawnSync(process.execPath, [join(REPO_ROOT, 'packages/cli/bin/tace-risk.mjs'), 'model', 'develop', '--cohort', features, '--config', join(REPO_ROOT, 'models/training/develop.yaml'), '--out', join(tmp, 'develop')], { encoding: 'utf8' });
      const wall = (performance.now() - t) / 1000;
      const t2 = performance.now();
      spawnSync(process.execPath, [join(REPO_ROOT, 'packages/cli/bin/tace-risk.mjs'), 'model', 'develop', '--cohort', features, '--config', join(REPO_ROOT, 'models/training/develop.yaml'), '--out', join(tmp, 'develop0'), '--bootstrap', '0'], { encoding: 'utf8' });
      const wall0 = (performance.now() - t2) / 1000;
      console.log(`tace-risk model develop on the demo study (475 patients, B = 200): wall ${wall.toFixed(1)} s (exit ${run.status}); the same without bootstrap ${wall0.toFixed(1)} s`);
    } else {
      console.log('tace-risk model develop on the demo study: skipped — models/training/out/features.csv is absent (run models/training/build.sh)');
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
