import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { rcsBasis } from '@tace/modeling';
import { ModelManifest, type NomogramFactorSpec } from './manifest.ts';
import { MODEL_ERRORS, modelError } from './errors.ts';

// ajv-formats is CommonJS; under Node's ESM loader its default export is the plugin function.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

// strictTuples off: TypeBox's draft-07 tuples (items[] + minItems + additionalItems) are fine.
const ajv = addFormats(new Ajv({ allErrors: true, strict: true, strictTuples: false }));
const validateFn = ajv.compile<ModelManifest>(ModelManifest);

function describe(e: ErrorObject): string {
  const path = e.instancePath === '' ? '/' : e.instancePath;
  if (e.keyword === 'additionalProperties') return `${path}: unknown property "${String(e.params.additionalProperty)}"`;
  if (e.keyword === 'required') return `${path}: missing property "${String(e.params.missingProperty)}"`;
  return `${path}: ${e.message ?? e.keyword}`;
}

/**
 * Schema validation of a parsed manifest.json. Throws BUNDLE_MANIFEST_INVALID whose message names
 * the first failing JSON pointer (e.g. `/fusion/sds/2: must be > 0`); `detail.errors` lists all.
 */
export function validateManifest(json: unknown): ModelManifest {
  if (validateFn(json)) return json;
  // anyOf failures produce one error per branch; report the most specific (deepest path) first.
  const errors = [...(validateFn.errors ?? [])].sort((a, b) => b.instancePath.length - a.instancePath.length);
  const messages = [...new Set(errors.map(describe))];
  throw modelError(MODEL_ERRORS.BUNDLE_MANIFEST_INVALID, `model manifest invalid at ${messages[0]}`, {
    errors: messages,
    path: errors[0]?.instancePath ?? '/',
  });
}

/**
 * Cross-field rules the schema cannot say. Returns problems (empty = consistent); the loader turns
 * them into BUNDLE_INCONSISTENT.
 */
export function manifestConsistencyProblems(m: ModelManifest): string[] {
  const p: string[] = [];
  const roleOf = new Map(m.files.map((f) => [f.path, f.role]));
  if (roleOf.size !== m.files.length) p.push('files: a path is listed twice');
  if (roleOf.get(m.radiomics.paramsFile) !== 'radiomicsParams') {
    p.push(`radiomics.paramsFile ${m.radiomics.paramsFile} is not listed in files with role radiomicsParams`);
  }
  if (roleOf.get(m.dl.onnxFile) !== 'dlModel') p.push(`dl.onnxFile ${m.dl.onnxFile} is not listed in files with role dlModel`);
  const expected = [...m.radiomics.features, ...m.dl.featureNames];
  if (new Set(expected).size !== expected.length) p.push('radiomics.features + dl.featureNames contain a duplicate name');
  if (expected.length !== m.fusion.featureNames.length || expected.some((n, i) => n !== m.fusion.featureNames[i])) {
    p.push('fusion.featureNames must equal radiomics.features followed by dl.featureNames, in order');
  }
  const k = m.fusion.featureNames.length;
  for (const key of ['means', 'sds', 'coefficients'] as const) {
    if (m.fusion[key].length !== k) p.push(`fusion.${key} has ${m.fusion[key].length} values for ${k} features`);
  }
  const names = m.nomogram.factors.map((f) => f.name);
  if (new Set(names).size !== names.length) p.push('nomogram.factors: a factor is listed twice');
  if (!names.includes('dlrScore')) p.push('nomogram.factors must include dlrScore');
  if (names.includes('log10AfpNgPerMl') && names.includes('afpAtLeastCutoff')) p.push('nomogram.factors: AFP enters once, log-scaled or dichotomised');
  for (const f of m.nomogram.factors) {
    if (!(f.max > f.min)) p.push(`nomogram factor ${f.name}: max must exceed min`);
    if (f.name === 'log10AfpNgPerMl' && f.transform?.kind !== 'log10') p.push('nomogram factor log10AfpNgPerMl needs transform {kind: log10}');
    if (f.name === 'afpAtLeastCutoff' && f.transform?.kind !== 'atLeast') p.push('nomogram factor afpAtLeastCutoff needs transform {kind: atLeast, cutoff}');
    if (f.name !== 'log10AfpNgPerMl' && f.name !== 'afpAtLeastCutoff' && f.transform) p.push(`nomogram factor ${f.name} takes no transform`);
    if (f.spline) p.push(...splineProblems(f));
  }
  if (!(m.riskThresholds.moderate <= m.riskThresholds.high)) p.push('riskThresholds.moderate must not exceed riskThresholds.high');
  const [lo, hi] = m.dl.preprocessing.windowHu;
  if (!(hi > lo)) p.push('dl.preprocessing.windowHu must be [lower, upper] with upper > lower');
  if (m.syntheticDemo && !/not for clinical use/i.test(m.disclaimer)) {
    p.push('a syntheticDemo bundle must say "not for clinical use" in its disclaimer');
  }
  return p;
}

const SPLINE_FACTORS: ReadonlySet<string> = new Set(['tumourSizeMm', 'log10AfpNgPerMl']);

/** f(x) = Σ c_j·B_j(x) at each x (rcsBasis: the rms::rcs columns). */
function splineValues(knots: readonly number[], coefficients: readonly number[], xs: readonly number[]): number[] {
  const cols = rcsBasis(xs, knots);
  return xs.map((_, i) => cols.reduce((s, c, j) => s + coefficients[j] * c[i], 0));
}

/**
 * The lowest and highest value of the spline f over [a, b], exactly: f is a cubic between the
 * knots (linear beyond the outer ones), so its extremes are at a, b, the knots inside, or where the
 * piecewise-quadratic derivative f′ vanishes. f′(x) = c_1 + Σ_j c_{j+1}·3·[(x − t_j)₊² −
 * ((t_k − t_j)(x − t_{k−1})₊² − (t_{k−1} − t_j)(x − t_k)₊²)/(t_k − t_{k−1})] / (t_k − t_1)².
 */
export function splineRangeOver(knots: readonly number[], coefficients: readonly number[], a: number, b: number): [number, number] {
  const k = knots.length;
  const t1 = knots[0];
  const tk = knots[k - 1];
  const tk1 = knots[k - 2];
  const sq = (v: number) => (v > 0 ? v * v : 0);
  const deriv = (x: number): number => {
    let s = coefficients[0];
    for (let j = 0; j < k - 2; j++) {
      const tj = knots[j];
      s += (coefficients[j + 1] * 3 * (sq(x - tj) - ((tk - tj) * sq(x - tk1) - (tk1 - tj) * sq(x - tk)) / (tk - tk1))) / ((tk - t1) * (tk - t1));
    }
    return s;
  };
  const breaks = [a, ...knots.filter((t) => t > a && t < b), b];
  const candidates = [...breaks];
  for (let i = 1; i < breaks.length; i++) {
    const p = breaks[i - 1];
    const q = breaks[i];
    if (!(q > p)) continue;
    // f′ on [p, q] as A·u² + B·u + C, u = (x − p)/(q − p), through u = 0, ½, 1
    const d0 = deriv(p);
    const dm = deriv((p + q) / 2);
    const d1 = deriv(q);
    const A = 2 * (d1 + d0 - 2 * dm);
    const B = d1 - d0 - A;
    const C = d0;
    const roots: number[] = [];
    const scale = Math.max(Math.abs(A), Math.abs(B), Math.abs(C));
    if (scale === 0) continue;
    if (Math.abs(A) <= 1e-12 * scale) {
      if (B !== 0) roots.push(-C / B);
    } else {
      const disc = B * B - 4 * A * C;
      if (disc >= 0) {
        const sq2 = Math.sqrt(disc);
        roots.push((-B - sq2) / (2 * A), (-B + sq2) / (2 * A));
      }
    }
    for (const u of roots) if (u > 0 && u < 1) candidates.push(p + u * (q - p));
  }
  const f = splineValues(knots, coefficients, candidates);
  return [Math.min(...f), Math.max(...f)];
}

/** Consistency of a spline factor (see MANIFEST.md). */
function splineProblems(f: NomogramFactorSpec): string[] {
  const s = f.spline;
  if (!s) return [];
  const p: string[] = [];
  const where = `nomogram factor ${f.name}`;
  if (!SPLINE_FACTORS.has(f.name)) p.push(`${where}: only tumourSizeMm and log10AfpNgPerMl may be splines`);
  const increasing = s.knots.every((t, j) => j === 0 || t > s.knots[j - 1]);
  if (!increasing) p.push(`${where}: spline knots must be strictly increasing`);
  const countOk = s.coefficients.length === s.knots.length - 1;
  if (!countOk) p.push(`${where}: a spline with ${s.knots.length} knots needs ${s.knots.length - 1} coefficients (x, x', …), got ${s.coefficients.length}`);
  if (f.coefficient !== s.coefficients[0]) p.push(`${where}: coefficient must equal spline.coefficients[0] (the linear column's)`);
  const [lo, hi] = s.effectRange;
  if (!(hi > lo)) p.push(`${where}: spline effectRange must be [lo, hi] with hi > lo`);
  else if (increasing && countOk && f.max > f.min) {
    // effectRange is f's range over the axis ticks, which include min and max: it holds f(min) and
    // f(max) and lies within f's range over [min, max]
    const [fMin, fMax] = splineValues(s.knots, s.coefficients, [f.min, f.max]);
    const [rLo, rHi] = splineRangeOver(s.knots, s.coefficients, f.min, f.max);
    const tol = 1e-9 * Math.max(Math.abs(rLo), Math.abs(rHi), rHi - rLo);
    if (lo > Math.min(fMin, fMax) + tol || hi < Math.max(fMin, fMax) - tol) {
      p.push(`${where}: spline effectRange [${lo}, ${hi}] must contain the effect at the axis ends, f(min) = ${fMin} and f(max) = ${fMax}`);
    }
    if (lo < rLo - tol || hi > rHi + tol) {
      p.push(`${where}: spline effectRange [${lo}, ${hi}] lies outside the effect's range over [min, max], [${rLo}, ${rHi}]`);
    }
  }
  return p;
}
