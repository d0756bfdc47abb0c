/**
 * IBSI 1 mode: configuration and output types.
 *
 * The IBSI processing chain (manual ch. 2): interpolation → re-segmentation → discretisation →
 * feature families. Every option here names the IBSI parameter it carries.
 */

export type IbsiAggregation =
  | 'n/a'
  | '2D, averaged'
  | '2D, slice-merged'
  | '2.5D, direction-merged'
  | '2.5D, merged'
  | '3D, averaged'
  | '3D, merged'
  | '2D'
  | '2.5D'
  | '3D';

export type IbsiFamily =
  | 'diagnostics'
  | 'morphology'
  | 'local_intensity'
  | 'intensity_statistics'
  | 'intensity_histogram'
  | 'ivh'
  | 'glcm'
  | 'glrlm'
  | 'glszm'
  | 'gldzm'
  | 'ngtdm'
  | 'ngldm';

/** Discretisation (IBSI 2.7): fixed bin number, or fixed bin size counted from the re-segmentation lower bound. */
export type IbsiDiscretisation =
  | { method: 'FBN'; binCount: number }
  | { method: 'FBS'; binWidth: number }
  /** No discretisation: intensities are used as grey levels as they are (digital phantom). */
  | { method: 'none' };

export interface IbsiResampling {
  /** Target voxel spacing in mm (x, y, z). In 2D mode the z entry is ignored (in-plane interpolation). */
  spacingMm: [number, number, number];
  /** Image interpolation ('cubic' = tricubic spline); the grid is centre-aligned (IBSI 2.4). */
  interpolation: 'nearest' | 'linear' | 'cubic';
  /** ROI mask interpolation, followed by the partial-volume threshold. */
  maskInterpolation: 'nearest' | 'linear';
  /** Partial-volume threshold for the interpolated mask (IBSI default 0.5). */
  maskThreshold?: number;
  /** Round interpolated intensities to the nearest integer (calibrated CT). */
  roundIntensities: boolean;
}

export interface IbsiConfig {
  /** '2D': texture per axial slice (2D and 2.5D aggregations); '3D': volumetric (3D aggregations); 'all': both. */
  mode: '2D' | '3D' | 'all';
  resampling?: IbsiResampling;
  /** Re-segmentation range [lower, upper] inclusive; either bound may be ±Infinity. */
  resegmentationRange?: [number, number];
  /** Outlier filtering: remove voxels outside mean ± nSigma·sd (IBSI 2.6), applied after the range. */
  outlierSigma?: number;
  /** Discretisation for texture and intensity histogram families. */
  discretisation: IbsiDiscretisation;
  /**
   * Discretisation for the intensity-volume histogram. Omit for the discrete (calibrated, integer)
   * case, where intensities are used directly.
   */
  ivhDiscretisation?: IbsiDiscretisation;
  /** Which label of the mask is the ROI (default: any non-zero voxel). */
  label?: number;
  /**
   * Texture aggregation methods to report (default: every method the mode allows). Rows of other
   * families (aggregation 'n/a') and diagnostics are not affected.
   */
  aggregations?: IbsiAggregation[];
  /**
   * Compute Moran's I and Geary's C (default true). They are exact but cost O(M log M) in the
   * zero-padded bounding box (≈ 7 s and 400 MB for a 10⁶-voxel sphere); false omits the two rows.
   */
  autocorrelation?: boolean;
  /** Families to compute (default: all). */
  families?: IbsiFamily[];
  /** Include the diagnostic rows (image/ROI descriptors after each step). Default true. */
  diagnostics?: boolean;
}

export interface IbsiFeature {
  /** IBSI tag as in the reference tables (e.g. `cm_joint_max_3D_avg`, `morph_volume`). */
  tag: string;
  /** IBSI feature identifier (four-character code), where the manual gives one. */
  ibsiCode?: string;
  family: IbsiFamily;
  aggregation: IbsiAggregation | string;
  value: number;
}
