/**
 * Stable error codes of the radiomics engine. Each maps to one PyRadiomics failure mode
 * (a ValueError in imageoperations.checkMask / getMask / resegmentMask or the parameter schema),
 * so a batch row or an API response can say exactly what was wrong with the input.
 */
import { TaceError } from '@tace/common';

export const RADIOMICS_ERRORS = {
  /** The mask has no non-zero voxel at all. */
  EMPTY_MASK: 'RADIOMICS_EMPTY_MASK',
  /** The mask has labels, but not the requested one. */
  LABEL_ABSENT: 'RADIOMICS_LABEL_ABSENT',
  /** The ROI is a single voxel, spans fewer dimensions than minimumROIDimensions, or has ≤ minimumROISize voxels. */
  ROI_TOO_SMALL: 'RADIOMICS_ROI_TOO_SMALL',
  /** Image and mask differ in size/origin/spacing/direction beyond geometryTolerance (and correctMask is off or failed). */
  GEOMETRY_MISMATCH: 'RADIOMICS_GEOMETRY_MISMATCH',
  /** A voxel of the image used for features is NaN or infinite. */
  NAN_VOXELS: 'RADIOMICS_NAN_VOXELS',
  /** Unknown setting, feature class, feature or image type name in the parameter file. */
  PARAM_UNKNOWN: 'RADIOMICS_PARAM_UNKNOWN',
  /** A known parameter with a value of the wrong type or outside its range. */
  PARAM_INVALID: 'RADIOMICS_PARAM_INVALID',
  /** The parameter file is not valid YAML / not a mapping. */
  PARAM_SYNTAX: 'RADIOMICS_PARAM_SYNTAX',
  /** The image or mask file cannot be read (format, encoding, truncated data). */
  FILE_UNREADABLE: 'RADIOMICS_FILE_UNREADABLE',
  /** An image or mask file cannot be written (name not .nrrd / .nii / .nii.gz, I/O error). */
  FILE_WRITE_FAILED: 'RADIOMICS_FILE_WRITE_FAILED',
  /** A mask voxel value does not fit a label map (0..255 integers). */
  MASK_LABEL_RANGE: 'RADIOMICS_MASK_LABEL_RANGE',
  /**
   * The discretisation gives more gray levels than texture matrices are built for (MAX_TEXTURE_GRAY_LEVELS):
   * GLCM alone would be Ng² × 13 doubles and its MCC an Ng³ eigen-solve per angle.
   */
  TOO_MANY_GRAY_LEVELS: 'RADIOMICS_TOO_MANY_GRAY_LEVELS',
  /** A requested capability (image type, feature class, resampling) is not available in this build. */
  NOT_AVAILABLE: 'RADIOMICS_NOT_AVAILABLE',
  /** `batch`: an interrupted run's journal is beside --out; continue it with --resume or delete it. */
  BATCH_JOURNAL_EXISTS: 'RADIOMICS_BATCH_JOURNAL_EXISTS',
  /** `batch --resume`: the journal was written for another parameter file or cases CSV. */
  BATCH_RESUME_MISMATCH: 'RADIOMICS_BATCH_RESUME_MISMATCH',
} as const;

export type RadiomicsErrorCode = (typeof RADIOMICS_ERRORS)[keyof typeof RADIOMICS_ERRORS];

export function radiomicsError(code: RadiomicsErrorCode, message: string, detail?: Record<string, unknown>): TaceError {
  return new TaceError(code, message, { httpStatus: 422, detail, retryable: false });
}
