import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ModelManifest } from './manifest.ts';
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
  }
  if (!(m.riskThresholds.moderate <= m.riskThresholds.high)) p.push('riskThresholds.moderate must not exceed riskThresholds.high');
  const [lo, hi] = m.dl.preprocessing.windowHu;
  if (!(hi > lo)) p.push('dl.preprocessing.windowHu must be [lower, upper] with upper > lower');
  if (m.syntheticDemo && !/not for clinical use/i.test(m.disclaimer)) {
    p.push('a syntheticDemo bundle must say "not for clinical use" in its disclaimer');
  }
  return p;
}
