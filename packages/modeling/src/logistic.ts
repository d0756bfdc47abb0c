import { cholesky, choleskySolve, inverseDiagonal } from './linalg.ts';

export type Matrix = ReadonlyArray<ArrayLike<number>>;
export type Labels = ArrayLike<number>;

export interface LogisticFitOptions {
  /**
   * Ridge penalty λ: maximises ℓ(β) − (λ/2)·Σⱼ βⱼ² over the coefficients (never the
   * intercept). 0 (default) is plain maximum likelihood, like R's glm(family = binomial).
   */
  l2?: number;
  /** Newton iterations at most (default 100). */
  maxIter?: number;
  /** Convergence when max |Δβ| < tol (default 1e-10). */
  tol?: number;
}

export interface LogisticModel {
  intercept: number;
  coefficients: number[];
  converged: boolean;
  iterations: number;
  /** Unpenalised log-likelihood ℓ = Σ yᵢ·log pᵢ + (1 − yᵢ)·log(1 − pᵢ) at the solution. */
  logLik: number;
  /**
   * √diag(H⁻¹), H the (penalised) observed information, in the order [intercept, ...coefficients].
   * With l2 = 0 these are the Wald standard errors R's summary.glm prints. Absent if H is singular.
   */
  standardErrors?: number[];
}

/** p = 1 / (1 + e^(−η)), computed without overflow for large |η|. */
export function sigmoid(eta: number): number {
  if (eta >= 0) return 1 / (1 + Math.exp(-eta));
  const e = Math.exp(eta);
  return e / (1 + e);
}

/** log(p / (1 − p)). */
export function logit(p: number): number {
  return Math.log(p / (1 - p));
}

/** log(1 + e^η) without overflow. */
function log1pExp(eta: number): number {
  return eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
}

function checkShapes(X: Matrix, y: Labels): number {
  if (X.length !== y.length) throw new RangeError(`X has ${X.length} rows but y has ${y.length} labels`);
  if (X.length === 0) throw new RangeError('no observations');
  const p = X[0].length;
  for (let i = 0; i < X.length; i++) {
    if (X[i].length !== p) throw new RangeError(`row ${i} has ${X[i].length} columns, expected ${p}`);
    if (y[i] !== 0 && y[i] !== 1) throw new RangeError(`label ${i} is ${y[i]}, expected 0 or 1`);
  }
  return p;
}

/** ℓ(β) and the linear predictors for β = [b0, b1..bp]. */
function logLikelihood(X: Matrix, y: Labels, beta: Float64Array): number {
  let ll = 0;
  for (let i = 0; i < X.length; i++) {
    const eta = linearPredictorRow(X[i], beta);
    // y·η − log(1 + e^η)
    ll += y[i] * eta - log1pExp(eta);
  }
  return ll;
}

function linearPredictorRow(x: ArrayLike<number>, beta: Float64Array): number {
  let eta = beta[0];
  for (let j = 0; j < x.length; j++) eta += beta[j + 1] * x[j];
  return eta;
}

/**
 * Logistic regression log(p/(1−p)) = b0 + Σ bⱼ·xⱼ by Newton–Raphson (= IRLS for the canonical
 * link), with step halving whenever the penalised log-likelihood would decrease.
 * Does not throw on separation: it stops at maxIter with `converged: false`.
 */
export function fitLogistic(X: Matrix, y: Labels, opts: LogisticFitOptions = {}): LogisticModel {
  const p = checkShapes(X, y);
  const l2 = opts.l2 ?? 0;
  const maxIter = opts.maxIter ?? 100;
  const tol = opts.tol ?? 1e-10;
  const k = p + 1;
  const n = X.length;
  let beta = new Float64Array(k);
  const penalised = (b: Float64Array): number => {
    let pen = 0;
    for (let j = 1; j < k; j++) pen += b[j] * b[j];
    return logLikelihood(X, y, b) - 0.5 * l2 * pen;
  };
  let obj = penalised(beta);
  let converged = false;
  let iterations = 0;
  let lastChol: Float64Array | undefined;
  const row = new Float64Array(k);
  for (let it = 0; it < maxIter; it++) {
    iterations = it + 1;
    const grad = new Float64Array(k);
    const hess = new Float64Array(k * k);
    for (let i = 0; i < n; i++) {
      row[0] = 1;
      for (let j = 0; j < p; j++) row[j + 1] = X[i][j];
      const mu = sigmoid(linearPredictorRow(X[i], beta));
      const w = mu * (1 - mu);
      const r = y[i] - mu;
      for (let a = 0; a < k; a++) {
        grad[a] += row[a] * r;
        const wa = w * row[a];
        for (let b = 0; b <= a; b++) hess[a * k + b] += wa * row[b];
      }
    }
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) hess[b * k + a] = hess[a * k + b];
    for (let j = 1; j < k; j++) {
      grad[j] -= l2 * beta[j];
      hess[j * k + j] += l2;
    }
    const chol = cholesky(hess, k);
    if (!chol) break;
    lastChol = chol;
    const step = choleskySolve(chol, k, grad);
    let scale = 1;
    let next = new Float64Array(k);
    let nextObj = -Infinity;
    for (let half = 0; half < 30; half++) {
      for (let a = 0; a < k; a++) next[a] = beta[a] + scale * step[a];
      nextObj = penalised(next);
      if (nextObj >= obj - 1e-12 * Math.abs(obj)) break;
      scale /= 2;
    }
    let maxDelta = 0;
    for (let a = 0; a < k; a++) maxDelta = Math.max(maxDelta, Math.abs(next[a] - beta[a]));
    beta = next;
    next = new Float64Array(k);
    obj = nextObj;
    if (maxDelta < tol) {
      converged = true;
      break;
    }
  }
  // Information at the final β for the standard errors.
  const info = informationMatrix(X, beta, l2);
  const cholFinal = cholesky(info, k) ?? lastChol;
  const standardErrors = cholFinal ? Array.from(inverseDiagonal(cholFinal, k), Math.sqrt) : undefined;
  return {
    intercept: beta[0],
    coefficients: Array.from(beta.subarray(1)),
    converged,
    iterations,
    logLik: logLikelihood(X, y, beta),
    ...(standardErrors ? { standardErrors } : {}),
  };
}

function informationMatrix(X: Matrix, beta: Float64Array, l2: number): Float64Array {
  const k = beta.length;
  const h = new Float64Array(k * k);
  const row = new Float64Array(k);
  for (let i = 0; i < X.length; i++) {
    row[0] = 1;
    for (let j = 0; j < k - 1; j++) row[j + 1] = X[i][j];
    const mu = sigmoid(linearPredictorRow(X[i], beta));
    const w = mu * (1 - mu);
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) h[a * k + b] += w * row[a] * row[b];
  }
  for (let j = 1; j < k; j++) h[j * k + j] += l2;
  return h;
}

/** Linear predictor η = b0 + Σ bⱼ·xⱼ for each row. */
export function linearPredictor(model: Pick<LogisticModel, 'intercept' | 'coefficients'>, X: Matrix): Float64Array {
  const out = new Float64Array(X.length);
  for (let i = 0; i < X.length; i++) {
    const x = X[i];
    if (x.length !== model.coefficients.length) {
      throw new RangeError(`row ${i} has ${x.length} values, the model has ${model.coefficients.length} coefficients`);
    }
    let eta = model.intercept;
    for (let j = 0; j < x.length; j++) eta += model.coefficients[j] * x[j];
    out[i] = eta;
  }
  return out;
}

/** Predicted probabilities σ(η) for each row. */
export function predictLogistic(model: Pick<LogisticModel, 'intercept' | 'coefficients'>, X: Matrix): Float64Array {
  return linearPredictor(model, X).map(sigmoid);
}
