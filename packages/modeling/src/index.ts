/** @tace/modeling — statistics for fitting and validating model bundles. Pure functions, no I/O. */
export { mulberry32, randomNormal, shuffleInPlace, type Rng } from './prng.ts';
export { pnorm, qnorm, twoSidedP } from './normal.ts';
export {
  fitLogistic, predictLogistic, linearPredictor, sigmoid, logit,
  type LogisticFitOptions, type LogisticModel, type Matrix, type Labels,
} from './logistic.ts';
export { standardize, applyStandardization, type Standardization } from './standardize.ts';
export {
  auc, delongPlacements, delongVariance, aucCi, delongPairedTest, rocCurve, youden,
  type RocDirection, type RocOptions, type DelongPlacements, type DelongPairedResult, type RocPoint,
} from './roc.ts';
export { netBenefit, type NetBenefitPoint } from './decision.ts';
export { calibration, type CalibrationResult } from './calibration.ts';
export { stratifiedSplit, type SplitIndices } from './split.ts';
export {
  nomogramPoints, nomogramScale, totalPointsToProbability,
  datadistLimits, buildNomogram, scoreNomogram, printNomogram, formatNumbers, formatValue, formatPoints, roundR,
  type NomogramFactor, type NomogramModel, type NomogramResult, type FactorPoints, type NomogramScale,
  type DatadistLimits, type DatadistOptions, type TermTransform, type NomogramTerm, type LogisticNomogramModel, type BuildNomogramOptions,
  type NomogramAxis, type NomogramFunAxis, type Nomogram, type NomogramScore, type FormatOptions,
} from './nomogram.ts';
export { nomogramSvg, type NomogramSvgOptions } from './nomogram-svg.ts';
export { pretty, prettyTyped, type PrettyOptions } from './pretty.ts';
export { pchisqUpper, ptTwoSided, qt, qchisq } from './distributions.ts';
export {
  icc, iccScreen, wilcoxonRankSum, tTest, rankAverage, correlation, correlationMatrix, pruneCorrelated, univariatePriority, mrmr, screen,
  type IccModel, type IccType, type IccUnit, type IccOptions, type IccResult, type ReplicateFeatures, type IccScreenOptions, type IccScreenRow,
  type IccScreenResult, type WilcoxonOptions, type WilcoxonResult, type TTestResult, type CorrelationMethod, type PruneOptions, type PruneResult,
  type MrmrOptions, type MrmrSelected, type MrmrResult, type UnivariateTest, type ScreenStep, type ScreenConfig, type ScreenReason, type ScreenRow,
  type ScreenResult,
} from './screening.ts';
export {
  fitGlm, predictGlm, glmDesignMatrix, lrmIndexes,
  type Cell as GlmCell, type DataTable, type TermSpec, type GlmOptions, type EncodedTerm, type GlmDesign, type GlmCoefficient,
  type GlmWarning, type LrmIndexes, type GlmFit,
} from './glm.ts';
export { fitFirth, firthInference, firthLrTest, type FirthOptions, type FirthModel, type PenalizedLrTest, type FirthInference } from './firth.ts';
export { rcsKnots, rcsKnotsDetail, rcsBasis, rcsColumnNames, quantileType7, type RcsKnotsOptions, type RcsKnotsResult } from './rcs.ts';
export {
  glmnetPath, cvGlmnet, coefficientsAt, predictGlmnet,
  type ColumnMajorMatrix, type GlmnetX, type GlmnetOptions, type GlmnetPath, type CvMeasure, type CvGlmnetOptions, type CvGlmnetResult,
} from './glmnet.ts';
export { lowess, type LowessOptions, type LowessResult } from './lowess.ts';
export {
  valProb, hosmerLemeshow, binnedCalibration, calibrationCurveLowess, calibrationInTheLarge, wilsonInterval, lrmFit, somersDxy, qlogis, plogis,
  type ValProbResult, type HosmerLemeshowResult, type HosmerLemeshowGroup, type CalibrationBin, type LrmFitOptions, type LrmFitResult,
} from './validation.ts';
export {
  bootstrapIndices, bootstrapAucCi, bootstrapValidate, bootstrapCalibrate, validateResample, calibrateResample, aggregateValidate,
  aggregateCalibrate, apparentIndexes, testIndexes, defaultPredy, calibrationErrors, VALIDATE_INDEXES,
  type BootstrapAucOptions, type BootstrapAucResult, type Predictor, type FitPipeline, type ValidateIndex, type ValidationMeasures,
  type ValidateResampleResult, type ValidateRow, type ValidateResult, type BootstrapValidateOptions, type CalibrateResampleResult,
  type CalibratePoint, type CalibrateResult, type BootstrapCalibrateOptions,
} from './bootstrap.ts';
