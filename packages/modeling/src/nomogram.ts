import { sigmoid } from './logistic.ts';

export interface NomogramFactor {
  name: string;
  /** Logistic coefficient β of the factor on its model scale (after any transform). */
  coefficient: number;
  /** Range of the factor in the training data (model scale): the axis of the nomogram. */
  min: number;
  max: number;
}

export interface NomogramModel {
  intercept: number;
  factors: readonly NomogramFactor[];
  /** Points given to the factor with the widest effect range (rms: 100). */
  pointsScale?: number;
}

export interface FactorPoints {
  name: string;
  value: number;
  points: number;
  /** The value lies outside the training range [min, max]; its points are extrapolated. */
  outOfRange: boolean;
}

export interface NomogramResult {
  factors: FactorPoints[];
  totalPoints: number;
  linearPredictor: number;
  probability: number;
}

export interface NomogramScale {
  /** Change of the linear predictor per point: max_f |β_f|·(max_f − min_f) / pointsScale. */
  lpPerPoint: number;
  /** Linear predictor at 0 total points: intercept + Σ_f min(β_f·min_f, β_f·max_f). */
  lpAtZeroPoints: number;
}

/**
 * Scale of a logistic nomogram as R's rms::nomogram draws it: the factor with the widest effect
 * range |β|·(max − min) spans 0…pointsScale; every factor's 0 is at the end of its range with the
 * lower linear predictor (the max end when β < 0).
 */
export function nomogramScale(model: NomogramModel): NomogramScale {
  const scale = model.pointsScale ?? 100;
  let widest = 0;
  let lp0 = model.intercept;
  for (const f of model.factors) {
    if (!(f.max >= f.min)) throw new RangeError(`nomogram factor ${f.name}: max ${f.max} < min ${f.min}`);
    widest = Math.max(widest, Math.abs(f.coefficient) * (f.max - f.min));
    lp0 += Math.min(f.coefficient * f.min, f.coefficient * f.max);
  }
  if (!(widest > 0)) throw new RangeError('nomogram has no factor with a non-zero effect range');
  return { lpPerPoint: widest / scale, lpAtZeroPoints: lp0 };
}

/**
 * Per-factor points, total points, linear predictor and probability for one subject.
 * points_f = (β_f·x_f − min(β_f·min_f, β_f·max_f)) / lpPerPoint, which is
 * pointsScale·|β_f·(x_f − x_f⁰)| / max_g |β_g|·range_g with x_f⁰ the zero-point end of the axis.
 * Total points map back exactly: η = lpAtZeroPoints + totalPoints·lpPerPoint; p = 1/(1 + e^(−η)).
 * `values` is keyed by factor name; a missing factor throws.
 */
export function nomogramPoints(model: NomogramModel, values: Readonly<Record<string, number>>): NomogramResult {
  const { lpPerPoint, lpAtZeroPoints } = nomogramScale(model);
  const factors: FactorPoints[] = [];
  let total = 0;
  for (const f of model.factors) {
    const x = values[f.name];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new RangeError(`nomogram factor ${f.name} has no finite value`);
    const zeroLp = Math.min(f.coefficient * f.min, f.coefficient * f.max);
    const points = (f.coefficient * x - zeroLp) / lpPerPoint;
    factors.push({ name: f.name, value: x, points, outOfRange: x < f.min || x > f.max });
    total += points;
  }
  const linearPredictor = lpAtZeroPoints + total * lpPerPoint;
  return { factors, totalPoints: total, linearPredictor, probability: sigmoid(linearPredictor) };
}

/** Probability at a given number of total points (the bottom axes of the nomogram). */
export function totalPointsToProbability(model: NomogramModel, totalPoints: number): number {
  const { lpPerPoint, lpAtZeroPoints } = nomogramScale(model);
  return sigmoid(lpAtZeroPoints + totalPoints * lpPerPoint);
}
