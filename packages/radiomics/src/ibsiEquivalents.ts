/**
 * PyRadiomics features whose definition is the IBSI one (IBSI tag stem → `<class>_<Feature>`), and
 * the close relatives that differ (with why). "Same definition" means: on the same grey levels
 * (PyRadiomics bins vs IBSI discretisation — PyRadiomics' fixed bin width counts bins from a multiple
 * of binWidth, the IBSI from the re-segmentation lower bound) the values agree, at the aggregation
 * PyRadiomics uses: GLCM and GLRLM features averaged over the 13 directions = IBSI `3D-averaged`;
 * GLSZM, GLDM (= IBSI NGLDM, α = 0, distance 1) and NGTDM = IBSI `3D`. With `force2D` PyRadiomics
 * computes per in-plane direction over all slices, i.e. IBSI `2.5D-averaged` / `2.5D`.
 *
 * Each "same" entry is checked in ibsiEquivalents.test.ts: the PyRadiomics-mode value on the IBSI
 * digital phantom (binWidth 1 gives its grey levels 1–6 unchanged) meets the IBSI reference value of
 * that tag. The phantom is small (74 voxels); agreement there is necessary, the entries' formulas
 * were also compared with the PyRadiomics documentation.
 */

export const IBSI_PYRADIOMICS_SAME: Readonly<Record<string, string>> = {
  morph_volume: 'shape_MeshVolume',
  morph_vol_approx: 'shape_VoxelVolume',
  morph_area_mesh: 'shape_SurfaceArea',
  morph_av: 'shape_SurfaceVolumeRatio',
  morph_sphericity: 'shape_Sphericity',
  morph_diam: 'shape_Maximum3DDiameter',
  morph_pca_elongation: 'shape_Elongation',
  morph_pca_flatness: 'shape_Flatness',
  stat_mean: 'firstorder_Mean',
  stat_var: 'firstorder_Variance',
  stat_skew: 'firstorder_Skewness',
  stat_median: 'firstorder_Median',
  stat_min: 'firstorder_Minimum',
  stat_p10: 'firstorder_10Percentile',
  stat_p90: 'firstorder_90Percentile',
  stat_max: 'firstorder_Maximum',
  stat_iqr: 'firstorder_InterquartileRange',
  stat_range: 'firstorder_Range',
  stat_mad: 'firstorder_MeanAbsoluteDeviation',
  stat_rmad: 'firstorder_RobustMeanAbsoluteDeviation',
  stat_energy: 'firstorder_Energy',
  stat_rms: 'firstorder_RootMeanSquared',
  ih_entropy: 'firstorder_Entropy',
  ih_uniformity: 'firstorder_Uniformity',
  cm_joint_max: 'glcm_MaximumProbability',
  cm_joint_avg: 'glcm_JointAverage',
  cm_joint_entr: 'glcm_JointEntropy',
  cm_diff_avg: 'glcm_DifferenceAverage',
  cm_diff_var: 'glcm_DifferenceVariance',
  cm_diff_entr: 'glcm_DifferenceEntropy',
  cm_sum_avg: 'glcm_SumAverage',
  cm_sum_entr: 'glcm_SumEntropy',
  cm_energy: 'glcm_JointEnergy',
  cm_contrast: 'glcm_Contrast',
  cm_inv_diff: 'glcm_Id',
  cm_inv_diff_norm: 'glcm_Idn',
  cm_inv_diff_mom: 'glcm_Idm',
  cm_inv_diff_mom_norm: 'glcm_Idmn',
  cm_inv_var: 'glcm_InverseVariance',
  cm_corr: 'glcm_Correlation',
  cm_auto_corr: 'glcm_Autocorrelation',
  cm_clust_tend: 'glcm_ClusterTendency',
  cm_clust_shade: 'glcm_ClusterShade',
  cm_clust_prom: 'glcm_ClusterProminence',
  cm_info_corr1: 'glcm_Imc1',
  cm_info_corr2: 'glcm_Imc2',
  cm_joint_var: 'glcm_SumSquares',
  rlm_sre: 'glrlm_ShortRunEmphasis',
  rlm_lre: 'glrlm_LongRunEmphasis',
  rlm_lgre: 'glrlm_LowGrayLevelRunEmphasis',
  rlm_hgre: 'glrlm_HighGrayLevelRunEmphasis',
  rlm_srlge: 'glrlm_ShortRunLowGrayLevelEmphasis',
  rlm_srhge: 'glrlm_ShortRunHighGrayLevelEmphasis',
  rlm_lrlge: 'glrlm_LongRunLowGrayLevelEmphasis',
  rlm_lrhge: 'glrlm_LongRunHighGrayLevelEmphasis',
  rlm_glnu: 'glrlm_GrayLevelNonUniformity',
  rlm_glnu_norm: 'glrlm_GrayLevelNonUniformityNormalized',
  rlm_rlnu: 'glrlm_RunLengthNonUniformity',
  rlm_rlnu_norm: 'glrlm_RunLengthNonUniformityNormalized',
  rlm_r_perc: 'glrlm_RunPercentage',
  rlm_gl_var: 'glrlm_GrayLevelVariance',
  rlm_rl_var: 'glrlm_RunVariance',
  rlm_rl_entr: 'glrlm_RunEntropy',
  szm_sze: 'glszm_SmallAreaEmphasis',
  szm_lze: 'glszm_LargeAreaEmphasis',
  szm_lgze: 'glszm_LowGrayLevelZoneEmphasis',
  szm_hgze: 'glszm_HighGrayLevelZoneEmphasis',
  szm_szlge: 'glszm_SmallAreaLowGrayLevelEmphasis',
  szm_szhge: 'glszm_SmallAreaHighGrayLevelEmphasis',
  szm_lzlge: 'glszm_LargeAreaLowGrayLevelEmphasis',
  szm_lzhge: 'glszm_LargeAreaHighGrayLevelEmphasis',
  szm_glnu: 'glszm_GrayLevelNonUniformity',
  szm_glnu_norm: 'glszm_GrayLevelNonUniformityNormalized',
  szm_zsnu: 'glszm_SizeZoneNonUniformity',
  szm_zsnu_norm: 'glszm_SizeZoneNonUniformityNormalized',
  szm_z_perc: 'glszm_ZonePercentage',
  szm_gl_var: 'glszm_GrayLevelVariance',
  szm_zs_var: 'glszm_ZoneVariance',
  szm_zs_entr: 'glszm_ZoneEntropy',
  ngt_coarseness: 'ngtdm_Coarseness',
  ngt_contrast: 'ngtdm_Contrast',
  ngt_busyness: 'ngtdm_Busyness',
  ngt_complexity: 'ngtdm_Complexity',
  ngt_strength: 'ngtdm_Strength',
  ngl_lde: 'gldm_SmallDependenceEmphasis',
  ngl_hde: 'gldm_LargeDependenceEmphasis',
  ngl_lgce: 'gldm_LowGrayLevelEmphasis',
  ngl_hgce: 'gldm_HighGrayLevelEmphasis',
  ngl_ldlge: 'gldm_SmallDependenceLowGrayLevelEmphasis',
  ngl_ldhge: 'gldm_SmallDependenceHighGrayLevelEmphasis',
  ngl_hdlge: 'gldm_LargeDependenceLowGrayLevelEmphasis',
  ngl_hdhge: 'gldm_LargeDependenceHighGrayLevelEmphasis',
  ngl_glnu: 'gldm_GrayLevelNonUniformity',
  ngl_dcnu: 'gldm_DependenceNonUniformity',
  ngl_dcnu_norm: 'gldm_DependenceNonUniformityNormalized',
  ngl_gl_var: 'gldm_GrayLevelVariance',
  ngl_dc_var: 'gldm_DependenceVariance',
  ngl_dc_entr: 'gldm_DependenceEntropy',
};

/** Related PyRadiomics features whose definition differs from the IBSI one, and how. */
export const IBSI_PYRADIOMICS_DIFFERENT: Readonly<Record<string, { pyradiomics: string; difference: string }>> = {
  stat_kurt: { pyradiomics: 'firstorder_Kurtosis', difference: 'PyRadiomics reports kurtosis, the IBSI excess kurtosis (IBSI = PyRadiomics − 3)' },
  morph_pca_maj_axis: {
    pyradiomics: 'shape_MajorAxisLength',
    difference: 'PyRadiomics divides the voxel-coordinate covariance by N, the IBSI reference values by N − 1 (IBSI = PyRadiomics · √(N / (N − 1)))',
  },
  morph_pca_min_axis: { pyradiomics: 'shape_MinorAxisLength', difference: 'covariance over N vs N − 1, as morph_pca_maj_axis' },
  morph_pca_least_axis: { pyradiomics: 'shape_LeastAxisLength', difference: 'covariance over N vs N − 1, as morph_pca_maj_axis' },
};

const TEXTURE_3D: Readonly<Record<string, string>> = {
  cm: '3D, averaged',
  rlm: '3D, averaged',
  szm: '3D',
  ngt: '3D',
  ngl: '3D',
};

/**
 * The PyRadiomics `<class>_<Feature>` with the same definition as the IBSI feature `stem` at the
 * internal aggregation label `aggregation` ('n/a' for families without one), if there is one.
 */
export function pyradiomicsEquivalent(stem: string, aggregation: string): string | undefined {
  const py = IBSI_PYRADIOMICS_SAME[stem];
  if (!py) return undefined;
  const want = TEXTURE_3D[stem.split('_')[0] ?? ''] ?? 'n/a';
  return aggregation === want ? py : undefined;
}
