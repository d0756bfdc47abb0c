/**
 * Maximum-likelihood logistic regression with inference, as R's glm(family = binomial) with
 * summary.glm / confint.default, and the indexes print(rms::lrm) shows; a design built from named
 * columns (numeric, dummy-coded categorical, restricted cubic splines as rms::rcs); separation
 * detected and reported (or Firth's penalised likelihood when asked); events per variable.
 */
import { TaceError } from '@tace/common';
import { cholesky, choleskySolve } from './linalg.ts';
import { qnorm, twoSidedP } from './normal.ts';
import { pchisqUpper } from './distributions.ts';
import { sigmoid } from './logistic.ts';
import { rcsBasis, rcsColumnNames, rcsKnots } from './rcs.ts';
import { firthInference, firthLrTest, fitFirth } from './firth.ts';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export type Cell = number | string | boolean | null | undefined;
/** Column-oriented table (name → values) or an array of row records. */
export type DataTable = Readonly<Record<string, ReadonlyArray<Cell>>> | ReadonlyArray<Readonly<Record<string, Cell>>>;

export interface TermSpec {
  /** Column name. */
  name: string;
  /** Dummy-code a numeric column (string columns are always categorical). */
  categorical?: boolean;
  /** Level order for a categorical column (default: the sorted distinct values). */
  levels?: ReadonlyArray<string | number>;
  /** Reference level (default: the first level, R's default contr.treatment). */
  reference?: string | number;
  /** Restricted cubic spline as rms::rcs: `knots` = number of knots (default placement) or the knots. */
  spline?: { knots: number | ReadonlyArray<number> };
}

export interface GlmOptions {
  /** Outcome column: 0/1 numbers, booleans, or two levels (the event is `event`, else the second sorted level, as an R factor). */
  outcome: string;
  event?: string | number | boolean;
  /** Terms: a column name or a TermSpec. */
  terms: ReadonlyArray<string | TermSpec>;
  /** Fit Firth's penalised likelihood (logistf) instead of maximum likelihood. */
  firth?: boolean;
  /** Firth: compute profile penalised-likelihood CIs and penalised LR tests (default true). */
  profile?: boolean;
  /** Confidence level (default 0.95). */
  level?: number;
  /** Newton iterations at most (default 100). */
  maxIter?: number;
  /** Convergence when the largest Newton step of the standardised coefficients is below tol (default 1e-10). */
  tol?: number;
}

export type EncodedTerm =
  | { kind: 'numeric'; name: string; columns: string[] }
  | { kind: 'categorical'; name: string; levels: Array<string | number>; reference: string | number; columns: string[] }
  | { kind: 'spline'; name: string; knots: number[]; columns: string[] };

/** Everything needed to build the same design columns for new data (predictGlm). */
export interface GlmDesign {
  terms: EncodedTerm[];
  /** Design column names without the intercept, in coefficient order. */
  columns: string[];
}

export interface GlmCoefficient {
  /** "(Intercept)", a numeric column, "name=level" for a dummy, name / name' / name'' for a spline. */
  name: string;
  /** The term the column belongs to ("(Intercept)" for the intercept). */
  term: string;
  estimate: number;
  /** Wald SE √diag(I(β̂)⁻¹). */
  se: number;
  z: number;
  /** Two-sided 2·Φ(−|z|) (summary.glm's Pr(>|z|)). */
  p: number;
  /** Wald interval est ± qnorm((1 + level)/2)·SE (confint.default). */
  ciLower: number;
  ciUpper: number;
  oddsRatio: number;
  orLower: number;
  orUpper: number;
  /** Firth fits with profile = true: logistf's profile penalised-likelihood CI and penalised LR test. */
  profile?: { lower: number; upper: number; orLower: number; orUpper: number; chisq: number; p: number };
}

export interface GlmWarning {
  code: 'MODEL_LOW_EPV';
  epv: number;
  message: string;
}

export interface LrmIndexes {
  /** rms::lrm's C: concordance of the predicted probabilities binned in 1/5000 (lrm's Fortran), ties ½. */
  C: number;
  /** Somers' Dxy = 2·(C − ½) on the same bins (lrm). */
  Dxy: number;
  /** Goodman–Kruskal gamma (lrm). */
  gamma: number;
  /** Kendall's tau-a (lrm). */
  tauA: number;
  /** Nagelkerke R²: (1 − exp(−LR/n)) / (1 − exp(−L0/n)), L0 the null deviance (lrm's R2). */
  R2: number;
  /** Brier score mean (p − y)² (lrm). */
  brier: number;
  /** Concordance of the unbinned probabilities (Hmisc::somers2 C = pROC AUC). */
  auc: number;
}

export interface GlmFit {
  method: 'ml' | 'firth';
  outcome: string;
  /** Value of the outcome column counted as the event (y = 1). */
  event: string | number | boolean;
  design: GlmDesign;
  level: number;
  /** Intercept first, then the design columns. */
  coefficients: GlmCoefficient[];
  /** Covariance matrix I(β̂)⁻¹ of the coefficients (glm's vcov; logistf's var). */
  vcov: number[][];
  n: number;
  events: number;
  nonEvents: number;
  /** −2ℓ(β̂) (the unpenalised likelihood, also for Firth). */
  deviance: number;
  nullDeviance: number;
  /** deviance + 2·(number of coefficients). */
  aic: number;
  logLik: number;
  /** Firth only: ℓ(β̂) + ½·log det I(β̂). */
  penalizedLogLik?: number;
  iterations: number;
  converged: boolean;
  /**
   * Euclidean norm of the score at the solution: ‖Xᵀ(y − p)‖₂ (ML), the modified score
   * ‖Xᵀ(y − p + h(½ − p))‖₂ (Firth).
   */
  scoreNorm: number;
  /** Model likelihood-ratio χ² (lrm's Model L.R.; Firth: the penalised LR test of all slopes = 0). */
  lr: { chisq: number; df: number; p: number };
  indexes: LrmIndexes;
  /** Events per variable: min(events, non-events) / number of coefficients without the intercept. */
  epv: number;
  warnings: GlmWarning[];
  /** Firth fits: the design columns along which the ML fit would diverge (empty if the MLE exists). */
  separation?: { columns: string[]; terms: string[] };
  /** Linear predictors and fitted probabilities of the rows fitted. */
  linearPredictors: number[];
  fitted: number[];
}

// ---------------------------------------------------------------------------------------------
// Table access and design
// ---------------------------------------------------------------------------------------------

function fail(code: string, message: string, detail?: Record<string, unknown>): never {
  throw new TaceError(code, message, detail ? { detail } : {});
}

function column(table: DataTable, name: string): ReadonlyArray<Cell> {
  if (Array.isArray(table)) {
    const rows = table as ReadonlyArray<Readonly<Record<string, Cell>>>;
    if (rows.length > 0 && !rows.some((r) => Object.prototype.hasOwnProperty.call(r, name))) {
      fail('MODEL_UNKNOWN_COLUMN', `column "${name}" is not in the table`, { column: name });
    }
    return rows.map((r) => r[name]);
  }
  const cols = table as Readonly<Record<string, ReadonlyArray<Cell>>>;
  const c = Object.prototype.hasOwnProperty.call(cols, name) ? cols[name] : undefined;
  if (!c) fail('MODEL_UNKNOWN_COLUMN', `column "${name}" is not in the table`, { column: name });
  return c;
}

function checkPresent(values: ReadonlyArray<Cell>, name: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || (typeof v === 'string' && v.trim() === '')) {
      fail('MODEL_MISSING_VALUE', `column "${name}" row ${i} is missing; rows are never dropped silently`, { column: name, row: i });
    }
    if (typeof v === 'number' && !Number.isFinite(v)) {
      fail('MODEL_NON_FINITE_INPUT', `column "${name}" row ${i} is ${v}`, { column: name, row: i });
    }
  }
}

function numericValues(values: ReadonlyArray<Cell>, name: string): Float64Array {
  checkPresent(values, name);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number') out[i] = v;
    else if (typeof v === 'boolean') out[i] = v ? 1 : 0;
    else fail('MODEL_BAD_COLUMN_TYPE', `column "${name}" row ${i} is "${String(v)}", expected a number`, { column: name, row: i });
  }
  return out;
}

function isStringColumn(values: ReadonlyArray<Cell>, name: string): boolean {
  let strings = 0;
  let numbers = 0;
  for (const v of values) {
    if (typeof v === 'string') strings++;
    else if (typeof v === 'number' || typeof v === 'boolean') numbers++;
  }
  if (strings > 0 && numbers > 0) {
    fail('MODEL_BAD_COLUMN_TYPE', `column "${name}" mixes strings and numbers; convert it or declare its levels`, { column: name });
  }
  return strings > 0;
}

/** Sorted distinct values: numbers ascending, strings by UTF-16 code units (R's order in the C locale). */
function sortedLevels(values: ReadonlyArray<Cell>): Array<string | number> {
  const set = new Set<string | number>();
  for (const v of values) set.add(typeof v === 'boolean' ? Number(v) : (v as string | number));
  return Array.from(set).sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0,
  );
}

function levelKey(v: Cell): string {
  return typeof v === 'boolean' ? `number:${Number(v)}` : `${typeof v}:${String(v)}`;
}

function normaliseTerm(t: string | TermSpec): TermSpec {
  return typeof t === 'string' ? { name: t } : t;
}

/** Decide how each term is coded (levels, knots) from the data it is fitted on. */
function encodeTerms(table: DataTable, terms: ReadonlyArray<string | TermSpec>, outcome: string): GlmDesign {
  const seen = new Set<string>();
  const encoded: EncodedTerm[] = [];
  for (const raw of terms) {
    const t = normaliseTerm(raw);
    if (!t || typeof t.name !== 'string' || t.name === '') fail('MODEL_BAD_OPTION', 'a term has no column name');
    if (t.name === outcome) fail('MODEL_BAD_OPTION', `the outcome "${outcome}" cannot be a term`, { term: t.name });
    if (seen.has(t.name)) fail('MODEL_BAD_OPTION', `term "${t.name}" is given twice`, { term: t.name });
    seen.add(t.name);
    const values = column(table, t.name);
    if (t.spline) {
      if (t.categorical || t.levels) fail('MODEL_BAD_OPTION', `term "${t.name}": a spline cannot be categorical`, { term: t.name });
      const x = numericValues(values, t.name);
      const spec = t.spline.knots;
      let knots: number[];
      if (typeof spec === 'number') knots = rcsKnots(x, spec);
      else {
        knots = Array.from(new Set(spec)).sort((a, b) => a - b);
        if (knots.length < 3 || knots.some((k) => !Number.isFinite(k))) {
          fail('MODEL_SPLINE_KNOTS', `term "${t.name}": at least 3 distinct finite knots are needed`, { term: t.name });
        }
      }
      encoded.push({ kind: 'spline', name: t.name, knots, columns: rcsColumnNames(t.name, knots.length) });
      continue;
    }
    checkPresent(values, t.name);
    const categorical = t.categorical === true || t.levels !== undefined || t.reference !== undefined || isStringColumn(values, t.name);
    if (!categorical) {
      numericValues(values, t.name);
      encoded.push({ kind: 'numeric', name: t.name, columns: [t.name] });
      continue;
    }
    const levels = t.levels ? Array.from(t.levels) : sortedLevels(values);
    const keys = levels.map(levelKey);
    if (new Set(keys).size !== keys.length) fail('MODEL_BAD_OPTION', `term "${t.name}": duplicate levels`, { term: t.name });
    if (levels.length < 2) {
      fail('MODEL_COLLINEAR', `term "${t.name}" has a single level; it is confounded with the intercept`, { terms: [t.name] });
    }
    const reference = t.reference ?? levels[0];
    if (!keys.includes(levelKey(reference))) {
      fail('MODEL_UNKNOWN_LEVEL', `term "${t.name}": reference level "${String(reference)}" is not a level`, { term: t.name });
    }
    const columns = levels.filter((l) => levelKey(l) !== levelKey(reference)).map((l) => `${t.name}=${String(l)}`);
    encoded.push({ kind: 'categorical', name: t.name, levels, reference, columns });
  }
  return { terms: encoded, columns: encoded.flatMap((e) => e.columns) };
}

/** Design rows [1, columns...] of a table under a fitted design. */
function designRows(table: DataTable, design: GlmDesign, n: number): Float64Array[] {
  const k = design.columns.length + 1;
  const rows = Array.from({ length: n }, () => {
    const r = new Float64Array(k);
    r[0] = 1;
    return r;
  });
  let col = 1;
  for (const t of design.terms) {
    const values = column(table, t.name);
    if (values.length !== n) {
      fail('MODEL_LENGTH_MISMATCH', `column "${t.name}" has ${values.length} values, expected ${n}`, { column: t.name });
    }
    if (t.kind === 'numeric') {
      const x = numericValues(values, t.name);
      for (let i = 0; i < n; i++) rows[i][col] = x[i];
      col++;
    } else if (t.kind === 'spline') {
      const basis = rcsBasis(numericValues(values, t.name), t.knots);
      for (let j = 0; j < basis.length; j++) for (let i = 0; i < n; i++) rows[i][col + j] = basis[j][i];
      col += basis.length;
    } else {
      checkPresent(values, t.name);
      const index = new Map<string, number>();
      let c = col;
      for (const l of t.levels) if (levelKey(l) !== levelKey(t.reference)) index.set(levelKey(l), c++);
      const all = new Set(t.levels.map(levelKey));
      for (let i = 0; i < n; i++) {
        const key = levelKey(values[i]);
        if (!all.has(key)) {
          fail('MODEL_UNKNOWN_LEVEL', `column "${t.name}" row ${i} has level "${String(values[i])}" which is not among its levels`, {
            column: t.name,
            row: i,
          });
        }
        const j = index.get(key);
        if (j !== undefined) rows[i][j] = 1;
      }
      col = c;
    }
  }
  return rows;
}

function outcomeValues(table: DataTable, opts: GlmOptions): { y: Uint8Array; event: string | number | boolean } {
  const values = column(table, opts.outcome);
  checkPresent(values, opts.outcome);
  const n = values.length;
  const distinct = sortedLevels(values);
  if (distinct.length > 2) {
    fail('MODEL_BAD_LABEL', `outcome "${opts.outcome}" has ${distinct.length} distinct values, expected 2`, { column: opts.outcome });
  }
  const numeric = values.every((v) => typeof v !== 'string');
  let event: string | number | boolean;
  if (opts.event !== undefined) event = opts.event;
  else if (numeric) {
    if (!distinct.every((v) => v === 0 || v === 1)) {
      fail('MODEL_BAD_LABEL', `outcome "${opts.outcome}" must be 0/1 (or give \`event\`)`, { column: opts.outcome, values: distinct });
    }
    event = 1;
  } else event = distinct[distinct.length - 1]; // R: the second level of the factor is the event
  const eventKey = levelKey(event);
  const y = new Uint8Array(n);
  let events = 0;
  for (let i = 0; i < n; i++) {
    y[i] = levelKey(values[i]) === eventKey ? 1 : 0;
    events += y[i];
  }
  if (distinct.length < 2 || events === 0 || events === n) {
    if (distinct.length === 2) {
      fail('MODEL_BAD_LABEL', `outcome "${opts.outcome}" never takes the event value "${String(event)}"`, { column: opts.outcome });
    }
    fail('MODEL_ONE_CLASS', `outcome "${opts.outcome}" has only one class (${events} events of ${n})`, { events, n });
  }
  return { y, event };
}

// ---------------------------------------------------------------------------------------------
// Maximum likelihood by Newton–Raphson on standardised columns
// ---------------------------------------------------------------------------------------------

function log1pExp(eta: number): number {
  return eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
}

interface Standardised {
  Z: Float64Array[];
  mean: Float64Array;
  sd: Float64Array;
}

/** Centre and scale the non-intercept columns; a constant column is collinear with the intercept. */
function standardise(X: Float64Array[], names: string[], termOf: string[]): Standardised {
  const n = X.length;
  const k = X[0].length;
  const mean = new Float64Array(k);
  const sd = new Float64Array(k);
  sd[0] = 1;
  for (let j = 1; j < k; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += X[i][j];
    m /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (X[i][j] - m) ** 2;
    const s = Math.sqrt(ss / n);
    if (!(s > 1e-12 * Math.max(1, Math.abs(m)))) {
      fail('MODEL_COLLINEAR', `design column "${names[j]}" is constant; it is confounded with the intercept`, {
        terms: [termOf[j]],
        columns: [names[j]],
      });
    }
    mean[j] = m;
    sd[j] = s;
  }
  const Z = X.map((r) => {
    const z = new Float64Array(k);
    z[0] = 1;
    for (let j = 1; j < k; j++) z[j] = (r[j] - mean[j]) / sd[j];
    return z;
  });
  return { Z, mean, sd };
}

/** Cholesky of ZᵀZ/n with a relative pivot threshold: a column (nearly) in the span of the earlier ones is collinear. */
function checkRank(Z: Float64Array[], names: string[], termOf: string[]): void {
  const n = Z.length;
  const k = Z[0].length;
  const g = new Float64Array(k * k);
  for (const z of Z) for (let a = 0; a < k; a++) for (let b = 0; b <= a; b++) g[a * k + b] += (z[a] * z[b]) / n;
  const l = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    let s = g[j * k + j];
    for (let m = 0; m < j; m++) s -= l[j * k + m] ** 2;
    if (!(s > 1e-10 * g[j * k + j])) {
      fail('MODEL_COLLINEAR', `design column "${names[j]}" is a linear combination of earlier columns`, {
        terms: [termOf[j]],
        columns: [names[j]],
      });
    }
    l[j * k + j] = Math.sqrt(s);
    for (let i = j + 1; i < k; i++) {
      let t = g[i * k + j];
      for (let m = 0; m < j; m++) t -= l[i * k + m] * l[j * k + m];
      l[i * k + j] = t / l[j * k + j];
    }
  }
}

interface NewtonResult {
  beta: Float64Array;
  converged: boolean;
  iterations: number;
  /** A direction d ≠ 0 with (2yᵢ − 1)·zᵢᵀd ≥ 0 for every row, if found. */
  separation?: Float64Array;
}

/** Separating-direction certificate from the iterate history (see fitGlm's doc comment). */
function certificate(Z: Float64Array[], y: Uint8Array, history: Float64Array[]): Float64Array | undefined {
  const T = history.length - 1;
  const spans = Array.from(new Set([1, 2, 5, 10, Math.floor(T / 2), T])).filter((s) => s >= 1 && s <= T);
  const k = history[0].length;
  for (const span of spans) {
    const d = new Float64Array(k);
    for (let a = 0; a < k; a++) d[a] = history[T][a] - history[T - span][a];
    let M = 0;
    let minS = Infinity;
    for (let i = 0; i < Z.length; i++) {
      let e = 0;
      for (let a = 0; a < k; a++) e += Z[i][a] * d[a];
      M = Math.max(M, Math.abs(e));
      minS = Math.min(minS, y[i] === 1 ? e : -e);
    }
    if (M >= 1 && minS >= -1e-6 * M) return d;
  }
  return undefined;
}

const ETA_EXTREME = 30;

function newtonMl(Z: Float64Array[], y: Uint8Array, maxIter: number, tol: number): NewtonResult {
  const n = Z.length;
  const k = Z[0].length;
  let events = 0;
  for (let i = 0; i < n; i++) events += y[i];
  const beta = new Float64Array(k);
  beta[0] = Math.log(events / (n - events));
  const history: Float64Array[] = [Float64Array.from(beta)];
  const etaOf = (b: Float64Array, i: number): number => {
    let e = 0;
    for (let a = 0; a < k; a++) e += Z[i][a] * b[a];
    return e;
  };
  const logLik = (b: Float64Array): number => {
    let ll = 0;
    for (let i = 0; i < n; i++) {
      const e = etaOf(b, i);
      ll += y[i] * e - log1pExp(e);
    }
    return ll;
  };
  let ll = logLik(beta);
  let converged = false;
  let iterations = 0;
  for (let it = 0; it < maxIter; it++) {
    iterations = it + 1;
    const grad = new Float64Array(k);
    const hess = new Float64Array(k * k);
    for (let i = 0; i < n; i++) {
      const z = Z[i];
      const e = etaOf(beta, i);
      const p = sigmoid(e);
      const w = p * sigmoid(-e);
      const r = y[i] - p;
      for (let a = 0; a < k; a++) {
        grad[a] += z[a] * r;
        const wa = w * z[a];
        for (let b = 0; b <= a; b++) hess[a * k + b] += wa * z[b];
      }
    }
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) hess[b * k + a] = hess[a * k + b];
    const chol = cholesky(hess, k);
    if (!chol) break;
    const step = choleskySolve(chol, k, grad);
    let scale = 1;
    const next = new Float64Array(k);
    let nextLl = -Infinity;
    for (let half = 0; half < 60; half++) {
      for (let a = 0; a < k; a++) next[a] = beta[a] + scale * step[a];
      nextLl = logLik(next);
      if (nextLl >= ll - 1e-12 * Math.max(1, Math.abs(ll))) break;
      scale /= 2;
    }
    if (!(nextLl >= ll - 1e-12 * Math.max(1, Math.abs(ll)))) break;
    // the proposed (undamped) Newton step measures the distance to the optimum
    let proposed = 0;
    for (let a = 0; a < k; a++) proposed = Math.max(proposed, Math.abs(step[a]));
    beta.set(next);
    ll = nextLl;
    history.push(Float64Array.from(beta));
    if (proposed < tol) {
      converged = true;
      break;
    }
    let maxEta = 0;
    for (let i = 0; i < n; i++) maxEta = Math.max(maxEta, Math.abs(etaOf(beta, i)));
    if (maxEta > ETA_EXTREME && history.length > 3) {
      const d = certificate(Z, y, history);
      if (d) return { beta, converged: false, iterations, separation: d };
    }
  }
  let maxEta = 0;
  for (let i = 0; i < n; i++) maxEta = Math.max(maxEta, Math.abs(etaOf(beta, i)));
  if (!converged || maxEta > ETA_EXTREME) {
    const d = history.length > 1 ? certificate(Z, y, history) : undefined;
    if (d) return { beta, converged: false, iterations, separation: d };
  }
  return { beta, converged, iterations };
}

// ---------------------------------------------------------------------------------------------
// lrm's indexes
// ---------------------------------------------------------------------------------------------

/**
 * rms::lrm's rank indexes and R², Brier: C, Dxy, gamma, tau-a are computed (as lrm's Fortran
 * `gcorr` does) on the predicted probabilities 1/(1 + e^(−η)), η clamped to [−30, 30], counted in
 * 5001 bins ⌊5000·p⌋ + 1, so they can differ slightly from the exact concordance (`auc`, equal
 * to Hmisc::somers2 / pROC). lr = model LR χ², nullDeviance = L0 for Nagelkerke's R².
 */
export function lrmIndexes(eta: ArrayLike<number>, y: ArrayLike<number>, lr: number, nullDeviance: number): LrmIndexes {
  const n = eta.length;
  const bins0 = new Float64Array(5001);
  const bins1 = new Float64Array(5001);
  let n1 = 0;
  let brier = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.min(Math.max(eta[i], -30), 30);
    const p = 1 / (1 + Math.exp(-e));
    const bin = Math.trunc(5000 * p + 1) - 1;
    if (y[i] === 1) {
      bins1[bin]++;
      n1++;
    } else bins0[bin]++;
    brier += (sigmoid(eta[i]) - y[i]) ** 2;
  }
  let con = 0;
  let dis = 0;
  let tie = 0;
  let above = n1; // events in bins > j
  for (let j = 0; j < 5001; j++) {
    above -= bins1[j];
    const k0 = bins0[j];
    if (k0 > 0) {
      con += k0 * above;
      dis += k0 * (n1 - above - bins1[j]);
      tie += k0 * bins1[j];
    }
  }
  const total = con + dis + tie;
  const r2 = (1 - Math.exp(-lr / n)) / (1 - Math.exp(-nullDeviance / n));
  return {
    C: (con + tie * 0.5) / total,
    Dxy: (con - dis) / total,
    gamma: con + dis > 0 ? (con - dis) / (con + dis) : 0,
    tauA: (con - dis) / ((n * (n - 1)) / 2),
    R2: r2,
    brier: brier / n,
    auc: exactConcordance(eta, y),
  };
}

/** P(η_event > η_non-event) + ½·P(tie), by mid-ranks (Mann–Whitney). */
function exactConcordance(eta: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = eta.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => eta[a] - eta[b]);
  let rankSum = 0;
  let n1 = 0;
  for (let s = 0; s < n; ) {
    let e = s;
    while (e + 1 < n && eta[order[e + 1]] === eta[order[s]]) e++;
    const mid = (s + e) / 2 + 1;
    for (let t = s; t <= e; t++) if (y[order[t]] === 1) {
      rankSum += mid;
      n1++;
    }
    s = e + 1;
  }
  const n0 = n - n1;
  return (rankSum - (n1 * (n1 + 1)) / 2) / (n1 * n0);
}

// ---------------------------------------------------------------------------------------------
// fitGlm
// ---------------------------------------------------------------------------------------------

function invertSpd(h: Float64Array, k: number): Float64Array | undefined {
  const chol = cholesky(h, k);
  if (!chol) return undefined;
  const inv = new Float64Array(k * k);
  const e = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    e.fill(0);
    e[j] = 1;
    const c = choleskySolve(chol, k, e);
    for (let i = 0; i < k; i++) inv[i * k + j] = c[i];
  }
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) inv[i * k + j] = inv[j * k + i] = (inv[i * k + j] + inv[j * k + i]) / 2;
  return inv;
}

function coefficientRows(
  names: string[],
  termOf: string[],
  beta: ArrayLike<number>,
  vcov: number[][],
  level: number,
): GlmCoefficient[] {
  const q = qnorm((1 + level) / 2);
  return names.map((name, j) => {
    const estimate = beta[j];
    const se = Math.sqrt(vcov[j][j]);
    const z = estimate / se;
    const ciLower = estimate - q * se;
    const ciUpper = estimate + q * se;
    return {
      name,
      term: termOf[j],
      estimate,
      se,
      z,
      p: twoSidedP(z),
      ciLower,
      ciUpper,
      oddsRatio: Math.exp(estimate),
      orLower: Math.exp(ciLower),
      orUpper: Math.exp(ciUpper),
    };
  });
}

function epvOf(events: number, n: number, slopes: number): { epv: number; warnings: GlmWarning[] } {
  const epv = slopes > 0 ? Math.min(events, n - events) / slopes : Infinity;
  const warnings: GlmWarning[] =
    epv < 10
      ? [{ code: 'MODEL_LOW_EPV', epv, message: `events per variable ${epv.toFixed(2)} < 10: coefficients may be unstable and over-fitted` }]
      : [];
  return { epv, warnings };
}

/**
 * Logistic regression of a binary outcome on named columns of a table.
 *
 * Design: numeric columns as is; categorical columns (strings, or `categorical`/`levels`/
 * `reference` given) dummy-coded against the reference level — R's default is the first level in
 * sorted order (numbers ascending; strings by code units, i.e. R's order in the C locale: give
 * `levels` when R's locale collation would differ, e.g. mixed case); `spline: { knots }` gives the
 * k − 1 columns of rms::rcs (name, name', name'', …). Rows are never dropped: a missing or
 * non-finite value is an error.
 *
 * Maximum likelihood (default) equals glm(y ~ ..., family = binomial): the estimates, Wald SEs
 * from the inverse information at the estimate, z, p = 2·Φ(−|z|), Wald CIs as confint.default,
 * odds ratios with the CI limits exponentiated, deviance, null deviance, AIC, logLik. The fit is
 * Newton–Raphson with step halving on centred and scaled columns, iterated until the largest
 * Newton step is < tol (1e-10 on the standardised scale), i.e. to the precision of
 * double arithmetic (glm's default epsilon = 1e-8 on the relative deviance change stops short, by
 * up to ~1e-6 relative in the coefficients: `scoreNorm` shows the difference). `iterations`
 * counts our Newton steps, not glm's IRLS iterations. The lrm extras (model LR χ², d.f., P, C, Dxy,
 * gamma, tau-a, Nagelkerke R², Brier) are those print(lrm) shows, with lrm's binned C.
 *
 * Separation (the MLE does not exist; Albert & Anderson 1984): it exists exactly when some
 * d ≠ 0 has (2yᵢ − 1)·xᵢᵀd ≥ 0 for every row. Under separation Newton's iterates diverge along
 * such a d (the linear predictors of the separated rows grow by about one unit per step) while
 * the rest converges. When the fit stops without converging, or when some |ηᵢ| exceeds 30
 * (fitted probability within 1e-13 of 0 or 1), the differences of recent iterates are tested as
 * certificates: d is accepted when the linear predictors moved by at least 1 and
 * (2yᵢ − 1)·xᵢᵀd ≥ −1e-6·maxᵢ|xᵢᵀd| for all i (the tolerance absorbs rounding and the still
 * converging finite part; a violation that small would put the MLE beyond |η| ≈ 10⁶). A
 * certificate is a proof, so no separation is reported without one; a fit that neither converges
 * nor yields one throws MODEL_NOT_CONVERGED. The columns reported are those whose standardised
 * component of d is at least 1e-3 of the largest. glm itself may report "converged" on such data
 * with huge coefficients and SEs (e.g. logistf's sex2): we throw
 * TaceError('MODEL_SEPARATION', …, { detail: { terms, columns } }) instead, unless `firth: true`.
 *
 * Firth (`firth: true`): logistf's penalised likelihood ℓ(β) + ½·log det I(β) (see firth.ts):
 * Wald SEs/CIs/p from I(β̂)⁻¹ in the main fields and, with `profile` (default true), logistf's
 * default profile penalised-likelihood CIs and penalised LR tests in `coefficient.profile`; `lr`
 * is the penalised LR test of all slopes (logistf's "Likelihood ratio test"); deviance/AIC/logLik
 * are of the unpenalised likelihood at the Firth estimate; `separation` lists the columns along
 * which the ML fit would have diverged.
 *
 * EPV = min(events, non-events) / (coefficients − 1); `warnings` holds { code: 'MODEL_LOW_EPV' }
 * when EPV < 10.
 *
 * Errors (TaceError): MODEL_UNKNOWN_COLUMN, MODEL_LENGTH_MISMATCH, MODEL_MISSING_VALUE,
 * MODEL_NON_FINITE_INPUT, MODEL_BAD_COLUMN_TYPE, MODEL_BAD_LABEL, MODEL_ONE_CLASS,
 * MODEL_UNKNOWN_LEVEL, MODEL_BAD_OPTION, MODEL_SPLINE_KNOTS, MODEL_TOO_FEW_ROWS (n ≤ number of
 * coefficients), MODEL_COLLINEAR, MODEL_SEPARATION, MODEL_NOT_CONVERGED.
 */
export function fitGlm(table: DataTable, opts: GlmOptions): GlmFit {
  if (!opts || typeof opts.outcome !== 'string') fail('MODEL_BAD_OPTION', 'fitGlm: `outcome` (a column name) is required');
  if (!Array.isArray(opts.terms)) fail('MODEL_BAD_OPTION', 'fitGlm: `terms` must be an array');
  const level = opts.level ?? 0.95;
  if (!(level > 0 && level < 1)) fail('MODEL_BAD_OPTION', `fitGlm: level must be in (0, 1), got ${level}`);
  const maxIter = opts.maxIter ?? 100;
  const tol = opts.tol ?? 1e-10;
  if (!(Number.isInteger(maxIter) && maxIter >= 1) || !(tol > 0)) fail('MODEL_BAD_OPTION', 'fitGlm: maxIter must be ≥ 1 and tol > 0');

  const { y, event } = outcomeValues(table, opts);
  const n = y.length;
  const design = encodeTerms(table, opts.terms, opts.outcome);
  const X = designRows(table, design, n);
  const names = ['(Intercept)', ...design.columns];
  const termOf = ['(Intercept)', ...design.terms.flatMap((t) => t.columns.map(() => t.name))];
  const k = names.length;
  if (n <= k) fail('MODEL_TOO_FEW_ROWS', `${n} rows for ${k} coefficients`, { n, coefficients: k });
  let events = 0;
  for (let i = 0; i < n; i++) events += y[i];

  const std = standardise(X, names, termOf);
  checkRank(std.Z, names, termOf);
  const ml = newtonMl(std.Z, y, maxIter, tol);
  let separation: { columns: string[]; terms: string[] } | undefined;
  if (ml.separation) {
    const d = ml.separation;
    let max = 0;
    for (let j = 1; j < k; j++) max = Math.max(max, Math.abs(d[j]));
    const columns = names.filter((_, j) => j > 0 && Math.abs(d[j]) >= 1e-3 * max);
    const terms = Array.from(new Set(columns.map((c) => termOf[names.indexOf(c)])));
    separation = { columns, terms };
    if (!opts.firth) {
      // direction on the original scale, normalised to max |component| = 1 (slopes only)
      const orig = names.map((_, j) => (j === 0 ? 0 : d[j] / std.sd[j]));
      const scale = Math.max(...orig.map(Math.abs)) || 1;
      throw new TaceError(
        'MODEL_SEPARATION',
        `the outcome is (quasi-)completely separated by ${terms.join(', ')}: maximum-likelihood estimates do not exist ` +
          '(coefficients diverge); use firth: true or remove/merge the offending terms',
        {
          detail: {
            terms,
            columns,
            direction: Object.fromEntries(names.slice(1).map((c, j) => [c, orig[j + 1] / scale])),
            iterations: ml.iterations,
          },
        },
      );
    }
  } else if (!ml.converged && !opts.firth) {
    fail('MODEL_NOT_CONVERGED', `no convergence after ${ml.iterations} Newton iterations (and no separation found)`, {
      iterations: ml.iterations,
    });
  }

  const nullDeviance = -2 * (events * Math.log(events / n) + (n - events) * Math.log((n - events) / n));
  const { epv, warnings } = epvOf(events, n, k - 1);
  const base = { outcome: opts.outcome, event, design, level, n, events, nonEvents: n - events, nullDeviance, epv, warnings };

  if (opts.firth) {
    const Xf = X.map((r) => r.subarray(1));
    const model = fitFirth(Xf, y);
    const inf = opts.profile === false ? undefined : firthInference(Xf, y, model, level);
    const overall = inf ? inf.overall : k > 1 ? firthLrTest(Xf, y, model, Array.from({ length: k - 1 }, (_, j) => j + 1)) : { chisq: 0, df: 0, p: 1 };
    const coefficients = coefficientRows(names, termOf, model.coefficients, model.vcov, level);
    if (inf) {
      coefficients.forEach((c, j) => {
        c.profile = {
          lower: inf.profileLower[j],
          upper: inf.profileUpper[j],
          orLower: Math.exp(inf.profileLower[j]),
          orUpper: Math.exp(inf.profileUpper[j]),
          chisq: inf.tests[j].chisq,
          p: inf.tests[j].p,
        };
      });
    }
    const eta = X.map((r) => r.reduce((s, v, j) => s + v * model.coefficients[j], 0));
    const deviance = -2 * model.logLik;
    return {
      method: 'firth',
      ...base,
      coefficients,
      vcov: model.vcov,
      deviance,
      aic: deviance + 2 * k,
      logLik: model.logLik,
      penalizedLogLik: model.penalizedLogLik,
      iterations: model.iterations,
      converged: model.converged,
      scoreNorm: model.scoreNorm,
      lr: overall,
      indexes: lrmIndexes(eta, y, overall.chisq, nullDeviance),
      separation: separation ?? { columns: [], terms: [] },
      linearPredictors: eta,
      fitted: eta.map(sigmoid),
    };
  }

  // back to the original scale: β_j = γ_j / s_j, β_0 = γ_0 − Σ γ_j m_j / s_j; V = A V_z Aᵀ
  const g = ml.beta;
  const beta = new Float64Array(k);
  beta[0] = g[0];
  for (let j = 1; j < k; j++) {
    beta[j] = g[j] / std.sd[j];
    beta[0] -= (g[j] * std.mean[j]) / std.sd[j];
  }
  const hz = new Float64Array(k * k);
  for (const z of std.Z) {
    let e = 0;
    for (let a = 0; a < k; a++) e += z[a] * g[a];
    const w = sigmoid(e) * sigmoid(-e);
    for (let a = 0; a < k; a++) for (let b = 0; b <= a; b++) hz[a * k + b] += w * z[a] * z[b];
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) hz[b * k + a] = hz[a * k + b];
  const vz = invertSpd(hz, k);
  if (!vz) fail('MODEL_COLLINEAR', 'the information matrix is singular at the estimate', { terms: design.terms.map((t) => t.name) });
  const A = new Float64Array(k * k); // β = A γ
  A[0] = 1;
  for (let j = 1; j < k; j++) {
    A[j * k + j] = 1 / std.sd[j];
    A[j] = -std.mean[j] / std.sd[j];
  }
  const vcov: number[][] = [];
  for (let a = 0; a < k; a++) {
    const row: number[] = [];
    for (let b = 0; b < k; b++) {
      let s = 0;
      for (let c = 0; c < k; c++) {
        if (A[a * k + c] === 0) continue;
        for (let d = 0; d < k; d++) s += A[a * k + c] * vz[c * k + d] * A[b * k + d];
      }
      row.push(s);
    }
    vcov.push(row);
  }
  const eta: number[] = [];
  let ll = 0;
  const score = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    let e = 0;
    for (let a = 0; a < k; a++) e += X[i][a] * beta[a];
    eta.push(e);
    ll += y[i] * e - log1pExp(e);
    const r = y[i] - sigmoid(e);
    for (let a = 0; a < k; a++) score[a] += X[i][a] * r;
  }
  const deviance = -2 * ll;
  const lrChisq = k > 1 ? nullDeviance - deviance : 0;
  const lr = { chisq: lrChisq, df: k - 1, p: k > 1 ? pchisqUpper(lrChisq, k - 1) : 1 };
  return {
    method: 'ml',
    ...base,
    coefficients: coefficientRows(names, termOf, beta, vcov, level),
    vcov,
    deviance,
    aic: deviance + 2 * k,
    logLik: ll,
    iterations: ml.iterations,
    converged: ml.converged,
    scoreNorm: Math.hypot(...score),
    lr,
    indexes: lrmIndexes(eta, y, lrChisq, nullDeviance),
    linearPredictors: eta,
    fitted: eta.map(sigmoid),
  };
}

/**
 * Design matrix (rows [1, columns…]) of new data under a fitted design: the same dummy coding
 * (a level not seen at fit time is MODEL_UNKNOWN_LEVEL) and the same spline knots (rcsBasis).
 */
export function glmDesignMatrix(design: GlmDesign, table: DataTable): Float64Array[] {
  const first = design.terms[0];
  if (!first) {
    const n = Array.isArray(table) ? table.length : 0;
    return Array.from({ length: n }, () => Float64Array.of(1));
  }
  return designRows(table, design, column(table, first.name).length);
}

/** Predicted probabilities for new data: σ(xᵀβ̂) with the fitted design (R: predict(fit, newdata, type = "response")). */
export function predictGlm(fit: Pick<GlmFit, 'design' | 'coefficients'>, table: DataTable): Float64Array {
  const rows = glmDesignMatrix(fit.design, table);
  return Float64Array.from(rows, (r) => sigmoid(r.reduce((s, v, j) => s + v * fit.coefficients[j].estimate, 0)));
}
