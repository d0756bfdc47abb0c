/**
 * Firth's penalised-likelihood logistic regression as logistf (Heinze & Schemper 2002) defines
 * it: maximise ℓ*(β) = ℓ(β) + ½·log det I(β), I(β) = XᵀW(β)X, which has finite estimates under
 * (quasi-)complete separation. Its gradient is the modified score
 * U*(β) = Xᵀ(y − p + h·(½ − p)), h the hat values of W^½X(XᵀWX)⁻¹XᵀW^½. Steps: Newton with the
 * exact Hessian of ℓ* where it is negative definite, else logistf's step δ = I(β)⁻¹U*(β); capped
 * at logistf's maxstep = 5 and halved while ℓ* does not increase. (logistf's step alone converges
 * only linearly and, far out on a profile, very slowly; the solution U* = 0 is the same.)
 * Profile penalised-likelihood confidence limits and penalised likelihood-ratio tests (logistf's
 * defaults with pl = TRUE) re-fit the other coefficients with the tested ones held fixed, the
 * penalty always using the FULL information matrix (as logistf does).
 */
import { TaceError } from '@tace/common';
import { cholesky, choleskySolve } from './linalg.ts';
import { qchisq, pchisqUpper } from './distributions.ts';
import { sigmoid, type Labels, type Matrix } from './logistic.ts';

export interface FirthOptions {
  /** Iterations at most (default 500). */
  maxIter?: number;
  /** Convergence when the largest proposed step, relative to max(1, |βⱼ|), is below tol (default 1e-11). */
  tol?: number;
  /** Starting values [intercept, ...slopes] (default: all 0). */
  start?: ArrayLike<number>;
  /**
   * Coefficients held at given values (index into [intercept, ...slopes] → value); the others are
   * estimated. Used for profile limits and penalised likelihood-ratio tests.
   */
  fixed?: ReadonlyMap<number, number>;
}

export interface FirthModel {
  /** [intercept, ...slopes]. */
  coefficients: number[];
  /** I(β̂)⁻¹ (logistf's `var`), in the order of `coefficients`. */
  vcov: number[][];
  /** √diag(vcov): logistf's se(coef). */
  standardErrors: number[];
  /** ℓ*(β̂) = ℓ(β̂) + ½·log det I(β̂) (logistf's `loglik` of the full model). */
  penalizedLogLik: number;
  /** The unpenalised log-likelihood ℓ(β̂). */
  logLik: number;
  iterations: number;
  converged: boolean;
  /** Euclidean norm of the modified score U* over the estimated (non-fixed) coefficients at β̂. */
  scoreNorm: number;
}

function log1pExp(eta: number): number {
  return eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
}

interface Evaluation {
  pll: number;
  ll: number;
  p: Float64Array;
  w: Float64Array;
  info: Float64Array;
  chol: Float64Array;
}

/** The data with the intercept column prepended, and ℓ*, U*, −∇²ℓ* at a β (exported for tests). */
export class FirthProblem {
  readonly rows: Float64Array[];
  readonly y: Float64Array;
  readonly k: number;
  readonly n: number;

  constructor(X: Matrix, y: Labels) {
    this.n = X.length;
    if (y.length !== this.n) {
      throw new TaceError('MODEL_LENGTH_MISMATCH', `Firth: X has ${this.n} rows but y has ${y.length} labels`, {
        detail: { rows: this.n, labels: y.length },
      });
    }
    if (this.n === 0) throw new TaceError('MODEL_TOO_FEW_ROWS', 'Firth: no observations', { detail: { n: 0 } });
    const p = X[0].length;
    this.k = p + 1;
    this.rows = [];
    this.y = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) {
      if (X[i].length !== p) {
        throw new TaceError('MODEL_LENGTH_MISMATCH', `Firth: row ${i} has ${X[i].length} columns, expected ${p}`, { detail: { row: i } });
      }
      const r = new Float64Array(this.k);
      r[0] = 1;
      for (let j = 0; j < p; j++) {
        const v = X[i][j];
        if (!Number.isFinite(v)) {
          throw new TaceError('MODEL_NON_FINITE_INPUT', `Firth: X[${i}][${j}] is ${v}`, { detail: { row: i, column: j } });
        }
        r[j + 1] = v;
      }
      this.rows.push(r);
      if (y[i] !== 0 && y[i] !== 1) {
        throw new TaceError('MODEL_BAD_LABEL', `Firth: label ${i} is ${y[i]}, expected 0 or 1`, { detail: { row: i } });
      }
      this.y[i] = y[i];
    }
  }

  /** ℓ*, ℓ, p, w, I and its Cholesky factor at β; undefined when I is not positive definite. */
  evaluate(beta: Float64Array): Evaluation | undefined {
    const { k, n, rows, y } = this;
    const p = new Float64Array(n);
    const w = new Float64Array(n);
    const info = new Float64Array(k * k);
    let ll = 0;
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      let eta = 0;
      for (let a = 0; a < k; a++) eta += r[a] * beta[a];
      ll += y[i] * eta - log1pExp(eta);
      const pi = sigmoid(eta);
      const wi = pi * sigmoid(-eta);
      p[i] = pi;
      w[i] = wi;
      for (let a = 0; a < k; a++) {
        const wa = wi * r[a];
        for (let b = 0; b <= a; b++) info[a * k + b] += wa * r[b];
      }
    }
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) info[b * k + a] = info[a * k + b];
    const chol = cholesky(info, k);
    if (!chol || !Number.isFinite(ll)) return undefined;
    let halfLogDet = 0;
    for (let a = 0; a < k; a++) halfLogDet += Math.log(chol[a * k + a]);
    return { pll: ll + halfLogDet, ll, p, w, info, chol };
  }

  /** Modified score U* = Xᵀ(y − p + h(½ − p)), h_i = w_i·x_iᵀI⁻¹x_i. */
  modifiedScore(ev: Evaluation): Float64Array {
    const { k, n, rows, y } = this;
    const u = new Float64Array(k);
    const z = new Float64Array(k);
    const L = ev.chol;
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      // z = L⁻¹ x_i, h_i = w_i·|z|²
      let h = 0;
      for (let a = 0; a < k; a++) {
        let s = r[a];
        for (let b = 0; b < a; b++) s -= L[a * k + b] * z[b];
        z[a] = s / L[a * k + a];
        h += z[a] * z[a];
      }
      h *= ev.w[i];
      const resid = y[i] - ev.p[i] + h * (0.5 - ev.p[i]);
      for (let a = 0; a < k; a++) u[a] += r[a] * resid;
    }
    return u;
  }
  /**
   * The negative Hessian of ℓ*, −∂²ℓ* / ∂β∂βᵀ = I − ½·Σᵢ cᵢ qᵢ xᵢxᵢᵀ + ½·T, with qᵢ = xᵢᵀI⁻¹xᵢ, aᵢ = wᵢ(1 − 2pᵢ),
   * cᵢ = wᵢ(1 − 6pᵢ + 6pᵢ²), A_r = ∂I/∂β_r = Σᵢ aᵢ x_ir xᵢxᵢᵀ and T_rs = tr(I⁻¹A_r I⁻¹A_s)
   * (the exact Hessian of ½·log det I(β)); used for Newton steps where it is positive definite.
   */
  negativeHessian(ev: Evaluation): Float64Array {
    const { k, n, rows } = this;
    const L = ev.chol;
    const N = Float64Array.from(ev.info);
    const A = Array.from({ length: k }, () => new Float64Array(k * k));
    const z = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      let q = 0;
      for (let a = 0; a < k; a++) {
        let s = r[a];
        for (let b = 0; b < a; b++) s -= L[a * k + b] * z[b];
        z[a] = s / L[a * k + a];
        q += z[a] * z[a];
      }
      const p = ev.p[i];
      const w = ev.w[i];
      const ai = w * (1 - 2 * p);
      const ci = w * (1 - 6 * p + 6 * p * p);
      const half = 0.5 * ci * q;
      for (let a = 0; a < k; a++) {
        const ra = r[a];
        for (let b = 0; b <= a; b++) {
          const xab = ra * r[b];
          N[a * k + b] -= half * xab;
          const t = ai * xab;
          for (let c = 0; c < k; c++) A[c][a * k + b] += t * r[c];
        }
      }
    }
    // symmetrise the lower triangles, then B_r = I⁻¹A_r column by column
    const B: Float64Array[] = [];
    const col = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      const Ac = A[c];
      for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) Ac[b * k + a] = Ac[a * k + b];
      const Bc = new Float64Array(k * k);
      for (let b = 0; b < k; b++) {
        for (let a = 0; a < k; a++) col[a] = Ac[a * k + b];
        const sol = choleskySolve(L, k, col);
        for (let a = 0; a < k; a++) Bc[a * k + b] = sol[a];
      }
      B.push(Bc);
    }
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) N[b * k + a] = N[a * k + b];
    for (let r = 0; r < k; r++) {
      for (let s2 = 0; s2 <= r; s2++) {
        let t = 0;
        const Br = B[r];
        const Bs = B[s2];
        for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) t += Br[a * k + b] * Bs[b * k + a];
        N[r * k + s2] += 0.5 * t;
        if (s2 !== r) N[s2 * k + r] += 0.5 * t;
      }
    }
    return N;
  }
}

interface CoreResult {
  beta: Float64Array;
  ev: Evaluation;
  score: Float64Array;
  free: number[];
  iterations: number;
  converged: boolean;
}

const MAX_STEP = 5;

function fitCore(prob: FirthProblem, opts: FirthOptions): CoreResult {
  const { k } = prob;
  const maxIter = opts.maxIter ?? 500;
  const tol = opts.tol ?? 1e-11;
  const beta = new Float64Array(k);
  if (opts.start) {
    if (opts.start.length !== k) throw new TaceError('MODEL_BAD_OPTION', `Firth: start has ${opts.start.length} values, expected ${k}`);
    for (let a = 0; a < k; a++) beta[a] = opts.start[a];
  }
  const fixed = opts.fixed ?? new Map<number, number>();
  for (const [j, v] of fixed) {
    if (!(Number.isInteger(j) && j >= 0 && j < k) || !Number.isFinite(v)) {
      throw new TaceError('MODEL_BAD_OPTION', `Firth: fixed coefficient ${j} = ${v} is invalid`, { detail: { index: j } });
    }
    beta[j] = v;
  }
  const free: number[] = [];
  for (let a = 0; a < k; a++) if (!fixed.has(a)) free.push(a);
  const m = free.length;
  let ev = prob.evaluate(beta);
  if (!ev) {
    throw new TaceError('MODEL_COLLINEAR', 'Firth: the information matrix is singular at the start (collinear design columns?)');
  }
  let score = prob.modifiedScore(ev);
  let converged = m === 0;
  let iterations = 0;
  const sub = new Float64Array(m * m);
  const rhs = new Float64Array(m);
  const proposal = (M: Float64Array): Float64Array | undefined => {
    for (let a = 0; a < m; a++) {
      rhs[a] = score[free[a]];
      for (let b = 0; b < m; b++) sub[a * m + b] = M[free[a] * k + free[b]];
    }
    const c = cholesky(sub, m);
    return c ? choleskySolve(c, m, rhs) : undefined;
  };
  for (let it = 0; it < maxIter && !converged; it++) {
    iterations = it + 1;
    // exact Newton where −Hessian is positive definite, else logistf's step I⁻¹U*
    const candidates = [proposal(prob.negativeHessian(ev)), proposal(ev.info)].filter((d): d is Float64Array => d !== undefined);
    let moved = false;
    for (const d of candidates) {
      let size = 0;
      for (let a = 0; a < m; a++) size = Math.max(size, Math.abs(d[a]) / Math.max(1, Math.abs(beta[free[a]])));
      let mx = 0;
      for (let a = 0; a < m; a++) mx = Math.max(mx, Math.abs(d[a]));
      if (mx > MAX_STEP) for (let a = 0; a < m; a++) d[a] *= MAX_STEP / mx;
      let scale = 1;
      for (let half = 0; half < 60; half++) {
        const cand = Float64Array.from(beta);
        for (let a = 0; a < m; a++) cand[free[a]] += scale * d[a];
        const e = prob.evaluate(cand);
        if (e && e.pll >= ev.pll - 1e-12 * Math.max(1, Math.abs(ev.pll))) {
          beta.set(cand);
          ev = e;
          score = prob.modifiedScore(ev);
          moved = true;
          break;
        }
        scale /= 2;
      }
      if (moved) {
        // the proposed (not the damped) step measures the distance to the stationary point
        if (size < tol) converged = true;
        break;
      }
    }
    if (!moved) break;
  }
  return { beta, ev, score, free, iterations, converged };
}

function invert(chol: Float64Array, k: number): number[][] {
  const out: number[][] = [];
  const e = new Float64Array(k);
  const cols: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    e.fill(0);
    e[j] = 1;
    cols.push(choleskySolve(chol, k, e));
  }
  for (let i = 0; i < k; i++) out.push(Array.from({ length: k }, (_, j) => (cols[i][j] + cols[j][i]) / 2));
  return out;
}

function toModel(core: CoreResult, k: number): FirthModel {
  const vcov = invert(core.ev.chol, k);
  let s2 = 0;
  for (const a of core.free) s2 += core.score[a] * core.score[a];
  return {
    coefficients: Array.from(core.beta),
    vcov,
    standardErrors: vcov.map((r, i) => Math.sqrt(r[i])),
    penalizedLogLik: core.ev.pll,
    logLik: core.ev.ll,
    iterations: core.iterations,
    converged: core.converged,
    scoreNorm: Math.sqrt(s2),
  };
}

/**
 * Firth logistic regression log(p/(1 − p)) = b0 + Σ bⱼ·xⱼ (X without the intercept column):
 * logistf(y ~ x, firth = TRUE)'s estimates, iterated until the proposed step is < 1e-11 relative (logistf's default
 * stops at 1e-5). Wald standard errors from I(β̂)⁻¹ as logistf's `var`.
 *
 * Errors (TaceError): MODEL_LENGTH_MISMATCH, MODEL_TOO_FEW_ROWS, MODEL_NON_FINITE_INPUT,
 * MODEL_BAD_LABEL, MODEL_COLLINEAR (singular information), MODEL_NOT_CONVERGED.
 */
export function fitFirth(X: Matrix, y: Labels, opts: FirthOptions = {}): FirthModel {
  const prob = new FirthProblem(X, y);
  const core = fitCore(prob, opts);
  if (!core.converged) {
    throw new TaceError('MODEL_NOT_CONVERGED', `Firth: no convergence after ${core.iterations} iterations`, {
      detail: { iterations: core.iterations },
    });
  }
  return toModel(core, prob.k);
}

function restricted(prob: FirthProblem, fixed: Map<number, number>, start: ArrayLike<number>): CoreResult {
  const core = fitCore(prob, { fixed, start });
  if (!core.converged) {
    throw new TaceError('MODEL_NOT_CONVERGED', 'Firth: a restricted (profile) fit did not converge', {
      detail: { fixed: Object.fromEntries(fixed) },
    });
  }
  return core;
}

function penalizedLrTest(prob: FirthProblem, model: FirthModel, indices: number[], values?: number[]): PenalizedLrTest {
  const fixed = new Map(indices.map((j, i) => [j, values?.[i] ?? 0] as [number, number]));
  const core = restricted(prob, fixed, model.coefficients);
  const chisq = Math.max(0, 2 * (model.penalizedLogLik - core.ev.pll));
  return { chisq, df: indices.length, p: pchisqUpper(chisq, indices.length) };
}

/**
 * Penalised likelihood-ratio test of coefficients [intercept = 0, slopes 1..p] held at `values`
 * (default 0), the others re-fitted: logistftest(). χ² = 2·(ℓ*(β̂) − ℓ*(β̃)), df = indices.length.
 */
export function firthLrTest(X: Matrix, y: Labels, model: FirthModel, indices: number[], values?: number[]): PenalizedLrTest {
  if (indices.length === 0) throw new TaceError('MODEL_BAD_OPTION', 'Firth: no coefficient to test');
  return penalizedLrTest(new FirthProblem(X, y), model, indices, values);
}

/** Penalised likelihood-ratio test result. */
export interface PenalizedLrTest {
  chisq: number;
  df: number;
  p: number;
}

/** Brent's root finder on [a, b] with f(a)·f(b) ≤ 0 (the algorithm of R's uniroot / zeroin). */
function brentRoot(f: (x: number) => number, a: number, b: number, fa: number, fb: number, tol: number): number {
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let it = 0; it < 200; it++) {
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b; b = c; c = a;
      fa = fb; fb = fc; fc = fa;
    }
    const tolAct = 2 * Number.EPSILON * Math.abs(b) + tol / 2;
    const newStep = (c - b) / 2;
    if (Math.abs(newStep) <= tolAct || fb === 0) return b;
    let step = newStep;
    if (Math.abs(e) >= tolAct && Math.abs(fa) > Math.abs(fb)) {
      let p: number;
      let q: number;
      const cb = c - b;
      if (a === c) {
        const t1 = fb / fa;
        p = cb * t1;
        q = 1 - t1;
      } else {
        const qa = fa / fc;
        const t1 = fb / fc;
        const t2 = fb / fa;
        p = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1));
        q = (qa - 1) * (t1 - 1) * (t2 - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (p < 0.75 * cb * q - Math.abs(tolAct * q) / 2 && p < Math.abs((e * q) / 2)) step = p / q;
    }
    if (Math.abs(step) < tolAct) step = step > 0 ? tolAct : -tolAct;
    a = b;
    fa = fb;
    b += step;
    fb = f(b);
    e = d = step;
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
      e = d = b - a;
    }
  }
  return b;
}

/** Profile penalised-likelihood confidence limits and penalised LR tests for a Firth fit. */
export interface FirthInference {
  /** Per coefficient [intercept, ...slopes]: profile limits (±Infinity if the profile never drops far enough). */
  profileLower: number[];
  profileUpper: number[];
  /** Per coefficient: penalised LR test of bⱼ = 0 (logistf's Chisq and p with pl = TRUE). */
  tests: PenalizedLrTest[];
  /** All slopes = 0 (logistf's "Likelihood ratio test" line; logistftest of all slopes). */
  overall: PenalizedLrTest;
}

/**
 * logistf's likelihood-based inference for a Firth fit: profile penalised-likelihood limits
 * (the bⱼ where 2·(ℓ*(β̂) − max ℓ*(β | βⱼ = bⱼ)) = qchisq(level, 1), found by bracketing and
 * Brent's method to 1e-11 relative) and penalised likelihood-ratio tests (tested coefficients
 * held at 0, the others re-fitted; p from χ² with as many df as tested coefficients).
 */
export function firthInference(X: Matrix, y: Labels, model: FirthModel, level = 0.95): FirthInference {
  if (!(level > 0 && level < 1)) throw new TaceError('MODEL_BAD_OPTION', `Firth: level must be in (0, 1), got ${level}`);
  const prob = new FirthProblem(X, y);
  const k = prob.k;
  const hat = model.penalizedLogLik;
  const target = qchisq(level, 1);
  const profileLower: number[] = [];
  const profileUpper: number[] = [];
  for (let j = 0; j < k; j++) {
    for (const dir of [-1, 1]) {
      // every restricted fit starts from β̂ (with βⱼ = b), so the result does not depend on the search path
      const g = (b: number): number => 2 * (hat - restricted(prob, new Map([[j, b]]), model.coefficients).ev.pll) - target;
      const b0 = model.coefficients[j];
      let width = Number.isFinite(model.standardErrors[j]) && model.standardErrors[j] > 0 ? 2 * model.standardErrors[j] : 1;
      let bb = b0 + dir * width;
      let gb = g(bb);
      let tries = 0;
      while (gb < 0 && tries < 60) {
        width *= 2;
        bb = b0 + dir * width;
        gb = g(bb);
        tries++;
      }
      let limit: number;
      if (gb < 0) limit = dir * Infinity;
      else {
        limit = brentRoot(g, b0, bb, -target, gb, 1e-11 * Math.max(1, Math.abs(bb)));
      }
      (dir < 0 ? profileLower : profileUpper).push(limit);
    }
  }
  const tests = Array.from({ length: k }, (_, j) => penalizedLrTest(prob, model, [j]));
  const overall = k > 1 ? penalizedLrTest(prob, model, Array.from({ length: k - 1 }, (_, j) => j + 1)) : { chisq: 0, df: 0, p: 1 };
  return { profileLower, profileUpper, tests, overall };
}
