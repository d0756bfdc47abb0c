/** @tace/models — model bundles at run time: manifest schema, loading/verification, DL preprocessing, scoring. */
export {
  ModelManifest, BundleFile, DlPreprocessing, NomogramFactorSpec, FILE_ROLES, NOMOGRAM_FACTOR_NAMES,
  type NomogramFactorName,
} from './manifest.ts';
export { validateManifest, manifestConsistencyProblems } from './validate-manifest.ts';
export { checkFeaturesAgainstParams } from './radiomics-params-check.ts';
export { loadModelBundle, sha256Hex, type ModelBundle, type LoadBundleOptions } from './bundle.ts';
export { preprocessForDl, preprocessForDlWithGeometry, type DlInput } from './dl-preprocess.ts';
export {
  scoreCase, fusionScore, factorValue, riskGroupOf,
  type ScoreInput, type ScoreResult, type FactorPointsResult, type RiskGroup, type ExtractFeatures,
} from './score.ts';
export { MODEL_ERRORS, modelError, type ModelErrorCode } from './errors.ts';
export { extractCaseFeatures, dlFeaturesOf, loadFeatureExtractor, type FeatureExtractor, type CaseFeatures } from './features.ts';
