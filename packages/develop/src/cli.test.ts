/**
 * The statisticians' commands (`tace-risk stats …`, `tace-risk model lasso|logistic`) end to end:
 * CSV in, JSON out, compared with R's outputs (pROC read in place from ../shared/reference; glm,
 * glmnet, val.prob from packages/modeling/reference, made by the R scripts committed there).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';
import { runModelCli } from './model-cli.ts';
import { runStatsCli } from './stats-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'tace-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ref = (name: string) => JSON.parse(readFileSync(new URL(`../../modeling/reference/${name}`, import.meta.url), 'utf8'));
const stats = referencePath('statistics');
const bin = new URL('../../cli/bin/tace-risk.mjs', import.meta.url).pathname;

/** Run a command in-process, capturing stdout as JSON. */
async function json(run: (argv: string[]) => Promise<number>, argv: string[]): Promise<any> {
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => (chunks.push(String(s)), true)) as typeof process.stdout.write;
  try {
    expect(await run([...argv, '--format', 'json'])).toBe(0);
  } finally {
    process.stdout.write = write;
  }
  return JSON.parse(chunks.join(''));
}
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-300, Math.abs(b));

describe.skipIf(!stats)('tace-risk stats roc on aSAH against pROC', () => {
  it('AUC, DeLong CI, Youden and the paired DeLong test', async () => {
    const pROC = JSON.parse(readFileSync(join(stats ?? '', 'pROC_aSAH_reference.json'), 'utf8'));
    const out = await json(runStatsCli, ['roc', '--data', join(stats ?? '', 'aSAH.csv'), '--outcome', 'outcome', '--positive', 'Poor', '--predictor', 'wfns,s100b,ndka']);
    for (const p of out.predictors) {
      const r = pROC.single[p.predictor];
      expect(p.direction).toBe(r.direction);
      expect(rel(p.auc, r.auc)).toBeLessThan(1e-9);
      expect(rel(p.ciLower, r.ci95_delong[0])).toBeLessThan(1e-9);
      expect(rel(p.ciUpper, r.ci95_delong[2])).toBeLessThan(1e-9);
      expect(rel(p.youdenThreshold, r.youden_best.threshold)).toBeLessThan(1e-9); // the reference JSON holds 15 digits
    }
    const t = pROC.paired_delong_tests.find((x: { roc1: string; roc2: string }) => x.roc1 === 'wfns' && x.roc2 === 's100b');
    const mine = out.pairedDelong.find((x: { predictorA: string; predictorB: string }) => x.predictorA === 'wfns' && x.predictorB === 's100b');
    expect(rel(mine.z, t.Z)).toBeLessThan(1e-9);
    expect(rel(mine.pValue, t.p_value)).toBeLessThan(1e-9);
  });
});

describe.skipIf(!stats)('tace-risk model logistic on aSAH against R glm', () => {
  it('coefficients, Wald SE, z, p and CIs (glm at epsilon 1e-14), with gender dummy-coded against Female', async () => {
    const r = ref('glm_aSAH.json').models.A.glm_tight;
    const out = await json(runModelCli, ['logistic', '--data', join(stats ?? '', 'aSAH.csv'), '--outcome', 'outcome', '--positive', 'Poor', '--features', 'gender,age,s100b,ndka']);
    expect(out.coefficients.map((c: { term: string }) => c.term)).toEqual(['(Intercept)', 'gender=Male', 'age', 's100b', 'ndka']);
    out.coefficients.forEach((c: Record<string, number>, j: number) => {
      expect(rel(c.estimate, r.estimate[j])).toBeLessThan(1e-9);
      expect(rel(c.se, r.se[j])).toBeLessThan(1e-7); // summary.glm's SE come from the previous iteration's weights
      expect(rel(c.ciLower, r.ci_lower[j])).toBeLessThan(1e-7);
    });
    expect(rel(out.aic, r.aic)).toBeLessThan(1e-9);
  });
  it('refuses a missing value, naming the row', async () => {
    writeFileSync(join(dir, 'miss.csv'), 'y,x\n0,1\n1,NA\n0,3\n1,4\n');
    await expect(runModelCli(['logistic', '--data', join(dir, 'miss.csv'), '--outcome', 'y', '--features', 'x'])).rejects.toMatchObject({ code: 'TABLE_MISSING_VALUE', detail: { row: 2 } });
  });
});

describe('tace-risk model lasso against R cv.glmnet', () => {
  it('with the same fold ids: the CV curve, λ.min, λ.1se and coefficients', async () => {
    const g = ref('glmnet.json');
    const cv = g.cv.A_a1_deviance;
    const lines = readFileSync(new URL('../../modeling/reference/glmnet_A.csv', import.meta.url), 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'a.csv'), [`${lines[0]},fold`, ...lines.slice(1).map((l, i) => `${l},${g.foldid.A[i]}`)].join('\n'));
    const out = await json(runModelCli, ['lasso', '--data', join(dir, 'a.csv'), '--outcome', 'y', '--folds-column', 'fold']);
    expect(rel(out.lambdaMin, cv.lambda_min)).toBeLessThan(1e-9);
    expect(rel(out.lambda1se, cv.lambda_1se)).toBeLessThan(1e-9);
    out.path.forEach((p: { cvm: number }, k: number) => expect(rel(p.cvm, cv.cvm[k])).toBeLessThan(1e-9));
    out.coefficients.forEach((c: { lambdaMin: number }, j: number) => expect(Math.abs(c.lambdaMin - cv.coef_min[j])).toBeLessThan(1e-9 * Math.max(1, Math.abs(cv.coef_min[j]))));
  });
});

describe('tace-risk stats calibration against rms::val.prob', () => {
  it('every val.prob figure and the Hosmer–Lemeshow test', async () => {
    const c = ref('valprob.json').cases[0];
    writeFileSync(join(dir, 'cal.csv'), `y,p\n${c.y.map((y: number, i: number) => `${y},${c.p[i]}`).join('\n')}\n`);
    const out = await json(runStatsCli, ['calibration', '--data', join(dir, 'cal.csv'), '--outcome', 'y', '--predictor', 'p']);
    const map: Record<string, string> = { Dxy: 'dxy', C: 'c', R2: 'r2', D: 'd', U: 'u', Q: 'q', Brier: 'brier', Intercept: 'intercept', Slope: 'slope', Emax: 'emax', E90: 'e90', Eavg: 'eavg', S_z: 'spiegelhalterZ', S_p: 'spiegelhalterP' };
    for (const [r, m] of Object.entries(map)) expect(rel(out.valProb[m], c.stats[r])).toBeLessThan(1e-9);
    expect(out.hosmerLemeshow.df).toBe(8);
  });
  it('refuses a column that is not probabilities', async () => {
    writeFileSync(join(dir, 'notp.csv'), 'y,p\n0,0.2\n1,1.7\n');
    await expect(runStatsCli(['calibration', '--data', join(dir, 'notp.csv'), '--outcome', 'y', '--predictor', 'p'])).rejects.toMatchObject({ code: 'STATS_NOT_PROBABILITY', detail: { row: 2 } });
  });
});

describe('the tace-risk binary', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  it('has --help for every statistics and modelling command', () => {
    for (const c of [['stats', 'roc'], ['stats', 'calibration'], ['stats', 'dca'], ['model', 'lasso'], ['model', 'logistic'], ['model', 'develop'], ['model', 'features']]) {
      const r = run(...c, '--help');
      expect(r.status, `${c.join(' ')} --help`).toBe(0);
      expect(r.stdout).toContain(`usage: tace-risk ${c.join(' ')}`);
    }
  });
  it('answers a bad call with a stable code and exit status 1, and CSV when asked', () => {
    const bad = run('stats', 'roc', '--data', join(dir, 'none.csv'), '--outcome', 'y', '--predictor', 'p');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^TABLE_UNREADABLE: /);
    writeFileSync(join(dir, 'roc.csv'), 'y,p\n0,0.1\n0,0.3\n1,0.2\n1,0.9\n');
    const ok = run('stats', 'roc', '--data', join(dir, 'roc.csv'), '--outcome', 'y', '--predictor', 'p', '--format', 'csv');
    expect(ok.status).toBe(0);
    expect(ok.stdout.split('\n')[1]).toMatch(/^p,4,2,2,<,0\.75,/);
  });
});
