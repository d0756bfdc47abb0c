import { TaceError } from '@tace/common';

/** Stable error codes of this package. */
export const MODEL_ERRORS = {
  /** The bundle folder or its manifest.json is absent or unreadable. */
  BUNDLE_NOT_FOUND: 'BUNDLE_NOT_FOUND',
  /** manifest.json is not JSON or fails the schema; the message names the JSON path. */
  BUNDLE_MANIFEST_INVALID: 'BUNDLE_MANIFEST_INVALID',
  /** A listed file is absent. */
  BUNDLE_FILE_MISSING: 'BUNDLE_FILE_MISSING',
  /** A listed file's sha256 differs from the manifest. */
  BUNDLE_CHECKSUM_MISMATCH: 'BUNDLE_CHECKSUM_MISMATCH',
  /** The parts of the bundle disagree (names, lengths, ONNX inputs/outputs, radiomics params). */
  BUNDLE_INCONSISTENT: 'BUNDLE_INCONSISTENT',
  /** The ONNX file cannot be loaded by onnxruntime. */
  BUNDLE_ONNX_LOAD_FAILED: 'BUNDLE_ONNX_LOAD_FAILED',
  /** The tumour mask has no foreground voxel. */
  MODEL_MASK_EMPTY: 'MODEL_MASK_EMPTY',
  /** Image or mask arrays do not match their declared size. */
  MODEL_INPUT_INVALID: 'MODEL_INPUT_INVALID',
  /** The radiomics engine did not return a selected feature as a finite number. */
  MODEL_RADIOMICS_FEATURE_MISSING: 'MODEL_RADIOMICS_FEATURE_MISSING',
  /** The ONNX output does not have the declared number of finite DL features. */
  MODEL_DL_OUTPUT_INVALID: 'MODEL_DL_OUTPUT_INVALID',
  /** A clinical input needed by the nomogram is absent or not a finite number. */
  MODEL_CLINICAL_INPUT_INVALID: 'MODEL_CLINICAL_INPUT_INVALID',
} as const;

export type ModelErrorCode = (typeof MODEL_ERRORS)[keyof typeof MODEL_ERRORS];

/** Bundle problems are configuration faults (500, not retryable); case problems are bad input (422). */
export function modelError(code: ModelErrorCode, message: string, detail?: Record<string, unknown>, cause?: unknown): TaceError {
  const bundleFault = code.startsWith('BUNDLE_');
  return new TaceError(code, message, { httpStatus: bundleFault ? 500 : 422, detail, retryable: false, cause });
}
