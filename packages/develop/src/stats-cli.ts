/**
 * `tace-risk stats roc | calibration | dca` — the figures of packages/modeling (equal to pROC,
 * rms::val.prob, ResourceSelection::hoslem.test and dcurves) on a CSV, for statisticians' scripts.
 */
import { TaceError } from '@tace/common';
import { aucCi, bootstrapAucCi, delongPairedTest, netBenefit, youden, type RocDirection } from '@tace/modeling';
import { FORMAT_HELP, FORMAT_OPTIONS, numberOption, parseCommand, runSubcommand, thresholdGrid, type CommandOutput, type CommandSpec } from './cli-kit.ts';
import { columnList, numericColumn, outcomeColumn, readTable, requireBothClasses } from './table.ts';
import { calibrationReport } from './calibration-report.ts';

const DATA_HELP = {
  data: 'CSV file with a header row',
  outcome: 'outcome column (two levels)',
  positive: 'the outcome level that is the event (default: 1, TRUE or yes when the levels are such a pair)',
};

export const ROC_SPEC: CommandSpec = {
  usage: 'tace-risk stats roc --data F.csv --outcome COL [--positive VALUE] --predictor COL[,COL…] [--direction auto|<|>] [--level 0.95]',
  description:
    'ROC analysis as pROC: AUC with its DeLong confidence interval, the Youden-optimal threshold, and DeLong tests between every pair of predictors (paired, same subjects).',
  options: {
    data: { type: 'string' },
    outcome: { type: 'string' },
    positive: { type: 'string' },
    predictor: { type: 'string' },
    direction: { type: 'string', default: 'auto' },
    level: { type: 'string' },
    'ci-method': { type: 'string', default: 'delong' },
    'boot-n': { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    ...FORMAT_OPTIONS,
  },
  help: {
    ...DATA_HELP,
    predictor: 'one or more predictor columns, comma-separated',
    'ci-method': 'delong (default) or bootstrap (pROC ci.auc(method = "bootstrap"): stratified, percentile)',
    'boot-n': 'bootstrap resamples (default 2000, as pROC)',
    seed: 'seed of the bootstrap resampling (default 1)',
    direction: "auto (pROC's default: '<' when the controls' median ≤ the cases'), '<' (higher = event) or '>'",
    level: 'confidence level (default 0.95)',
    ...FORMAT_HELP,
  },
  required: ['data', 'outcome', 'predictor'],
};

/** R's median. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** pROC's direction = "auto": '<' if median(controls) ≤ median(cases), else '>'. */
export function autoDirection(scores: ArrayLike<number>, labels: ArrayLike<number>): RocDirection {
  const cases: number[] = [];
  const controls: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i] === 1 ? cases : controls).push(scores[i]);
  return median(controls) <= median(cases) ? '<' : '>';
}

function direction(raw: unknown, scores: Float64Array, labels: Uint8Array): RocDirection {
  if (raw === '<' || raw === '>') return raw;
  if (raw === undefined || raw === 'auto') return autoDirection(scores, labels);
  throw new TaceError('CLI_BAD_ARGUMENT', `--direction must be auto, < or >, not ${String(raw)}`);
}

export function statsRoc(argv: string[]): CommandOutput | undefined {
  const v = parseCommand(argv, ROC_SPEC);
  if (!v) return undefined;
  const t = readTable(v.data as string);
  const y = outcomeColumn(t, v.outcome as string, v.positive as string | undefined);
  requireBothClasses(y.labels, `${t.source}: ${v.outcome as string}`);
  const level = numberOption(v, 'level', 0.95, (x) => x > 0 && x < 1, 'in (0, 1)');
  const names = columnList(v.predictor as string, '--predictor');
  const scores = names.map((n) => numericColumn(t, n));
  // One direction per predictor (pROC decides per curve); the paired test needs both on the same.
  const dirs = scores.map((s) => direction(v.direction, s, y.labels));
  const ciMethod = v['ci-method'];
  if (ciMethod !== 'delong' && ciMethod !== 'bootstrap') throw new TaceError('CLI_BAD_ARGUMENT', `--ci-method must be delong or bootstrap, not ${String(ciMethod)}`);
  const bootN = numberOption(v, 'boot-n', 2000, (x) => Number.isInteger(x) && x >= 100, 'an integer ≥ 100');
  const seed = numberOption(v, 'seed', 1, Number.isInteger, 'an integer');
  const single = names.map((name, k) => {
    let [lower, aucV, upper] = aucCi(scores[k], y.labels, level, { direction: dirs[k] });
    if (ciMethod === 'bootstrap') {
      const b = bootstrapAucCi(scores[k], y.labels, { bootN, conf: level, direction: dirs[k], seed, stratified: true });
      [lower, upper] = [b.lower, b.upper];
      aucV = b.auc;
    }
    const yd = youden(scores[k], y.labels, { direction: dirs[k] });
    return {
      predictor: name,
      n: y.labels.length,
      cases: y.events,
      controls: y.labels.length - y.events,
      direction: dirs[k],
      auc: aucV,
      ciLower: lower,
      ciUpper: upper,
      ciMethod: ciMethod === 'bootstrap' ? `bootstrap (${bootN} stratified resamples, percentile)` : 'delong',
      youdenThreshold: yd.threshold,
      sensitivity: yd.sensitivity,
      specificity: yd.specificity,
      youdenTies: yd.ties,
    };
  });
  const paired = [];
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) {
      if (dirs[a] !== dirs[b]) {
        throw new TaceError('ROC_DIRECTION_MISMATCH', `"${names[a]}" and "${names[b]}" have opposite ROC directions; give --direction to compare them`, {
          detail: { a: names[a], b: names[b] },
        });
      }
      const r = delongPairedTest(scores[a], scores[b], y.labels, { direction: dirs[a], level });
      paired.push({ predictorA: names[a], predictorB: names[b], aucA: r.aucA, aucB: r.aucB, difference: r.aucA - r.aucB, z: r.z, pValue: r.pValue, diffCiLower: r.ciDiff[0], diffCiUpper: r.ciDiff[1] });
    }
  }
  return {
    json: { outcome: { column: v.outcome, positive: y.positive, events: y.events, n: y.labels.length }, level, predictors: single, pairedDelong: paired },
    tables: [
      { name: 'roc', rows: single },
      { name: 'delong', rows: paired },
    ],
    notes: [`outcome ${v.outcome as string}: event = ${y.positive}; ${y.events} events in ${y.labels.length}`],
  };
}

export const DCA_SPEC: CommandSpec = {
  usage: 'tace-risk stats dca --data F.csv --outcome COL [--positive VALUE] --predictor COL[,COL…] [--thresholds a:b:step]',
  description:
    "Decision curve analysis as dcurves::dca: net benefit of each predictor (predicted probabilities in [0, 1]) and of treat-all and treat-none at each threshold probability.",
  options: {
    data: { type: 'string' },
    outcome: { type: 'string' },
    positive: { type: 'string' },
    predictor: { type: 'string' },
    thresholds: { type: 'string', default: '0:0.99:0.01' },
    ...FORMAT_OPTIONS,
  },
  help: { ...DATA_HELP, predictor: 'predicted-probability columns, comma-separated', thresholds: 'from:to:step (default 0:0.99:0.01, as dcurves)', ...FORMAT_HELP },
  required: ['data', 'outcome', 'predictor'],
};

export function statsDca(argv: string[]): CommandOutput | undefined {
  const v = parseCommand(argv, DCA_SPEC);
  if (!v) return undefined;
  const t = readTable(v.data as string);
  const y = outcomeColumn(t, v.outcome as string, v.positive as string | undefined);
  const grid = thresholdGrid(v.thresholds as string);
  const names = columnList(v.predictor as string, '--predictor');
  const rows: Array<Record<string, number | string>> = [];
  const curves: Record<string, Array<{ threshold: number; netBenefit: number }>> = {};
  let treat: Array<{ threshold: number; treatAll: number }> = [];
  for (const name of names) {
    const p = numericColumn(t, name);
    p.forEach((x, i) => {
      if (!(x >= 0 && x <= 1)) {
        throw new TaceError('STATS_NOT_PROBABILITY', `${t.source}: column "${name}", data row ${i + 1} is not a probability in [0, 1]`, { detail: { column: name, row: i + 1 } });
      }
    });
    const nb = netBenefit(p, y.labels, grid);
    curves[name] = nb.map((x) => ({ threshold: x.threshold, netBenefit: x.netBenefit, truePositives: x.truePositives, falsePositives: x.falsePositives }));
    treat = nb.map((x) => ({ threshold: x.threshold, treatAll: x.treatAll }));
    for (const x of nb) rows.push({ label: name, threshold: x.threshold, netBenefit: x.netBenefit, truePositives: x.truePositives, falsePositives: x.falsePositives });
  }
  for (const x of treat) rows.push({ label: 'Treat All', threshold: x.threshold, netBenefit: x.treatAll });
  for (const x of treat) rows.push({ label: 'Treat None', threshold: x.threshold, netBenefit: 0 });
  return {
    json: { outcome: { column: v.outcome, positive: y.positive, events: y.events, n: y.labels.length }, thresholds: grid, predictors: curves, treatAll: treat },
    tables: [{ name: 'net_benefit', rows }],
    notes: [`outcome ${v.outcome as string}: event = ${y.positive}; prevalence ${(y.events / y.labels.length).toFixed(4)}`],
  };
}

export const CALIBRATION_SPEC: CommandSpec = {
  usage: 'tace-risk stats calibration --data F.csv --outcome COL [--positive VALUE] --predictor COL [--groups 10]',
  description:
    'Calibration of predicted probabilities (in COL) as rms::val.prob (Dxy, C, R², D, U, Q, Brier, intercept, slope, Emax, E90, Eavg, Spiegelhalter z and p), calibration-in-the-large, the Hosmer–Lemeshow test as ResourceSelection::hoslem.test, a lowess and a binned calibration curve.',
  options: {
    data: { type: 'string' },
    outcome: { type: 'string' },
    positive: { type: 'string' },
    predictor: { type: 'string' },
    groups: { type: 'string', default: '10' },
    ...FORMAT_OPTIONS,
  },
  help: { ...DATA_HELP, predictor: 'column of predicted probabilities', groups: 'Hosmer–Lemeshow groups g and bins of the binned curve (default 10)', ...FORMAT_HELP },
  required: ['data', 'outcome', 'predictor'],
};

export function statsCalibration(argv: string[]): CommandOutput | undefined {
  const v = parseCommand(argv, CALIBRATION_SPEC);
  if (!v) return undefined;
  const t = readTable(v.data as string);
  const y = outcomeColumn(t, v.outcome as string, v.positive as string | undefined);
  requireBothClasses(y.labels, `${t.source}: ${v.outcome as string}`);
  const name = v.predictor as string;
  if (name.includes(',')) throw new TaceError('CLI_BAD_ARGUMENT', '--predictor takes one column here');
  const p = numericColumn(t, name);
  p.forEach((x, i) => {
    // val.prob works on logit(p): a probability of exactly 0 or 1 has no logit (rms drops such rows with a warning; we refuse)
    if (!(x > 0 && x < 1)) throw new TaceError('STATS_NOT_PROBABILITY', `${t.source}: column "${name}", data row ${i + 1} is not a probability strictly between 0 and 1`, { detail: { column: name, row: i + 1 } });
  });
  const g = numberOption(v, 'groups', 10, (x) => Number.isInteger(x) && x >= 3, 'an integer ≥ 3');
  return calibrationReport(p, y.labels, g, { outcome: v.outcome as string, positive: y.positive, predictor: name });
}

export async function runStatsCli(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const commands: Record<string, [CommandSpec, (a: string[]) => CommandOutput | undefined]> = {
    roc: [ROC_SPEC, statsRoc],
    dca: [DCA_SPEC, statsDca],
    calibration: [CALIBRATION_SPEC, statsCalibration],
  };
  return runSubcommand('tace-risk stats roc|calibration|dca … (each has --help)', commands, sub, rest);
}

export { thresholdGrid };
