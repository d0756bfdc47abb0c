/**
 * Feature names per class, exactly as PyRadiomics spells them (the `get<Name>FeatureValue` methods).
 * `defaults` are enabled when a class is listed without features; `optional` are the ones PyRadiomics
 * marks `@deprecated` (computed only when named explicitly). Used to validate parameter files and
 * to order the output (PyRadiomics enumerates features alphabetically via inspect.getmembers).
 */
export const FEATURE_CLASS_NAMES = ['firstorder', 'shape', 'shape2D', 'glcm', 'glrlm', 'glszm', 'gldm', 'ngtdm'] as const;
export type FeatureClassName = (typeof FEATURE_CLASS_NAMES)[number];
export type TextureClassName = 'glcm' | 'glrlm' | 'glszm' | 'gldm' | 'ngtdm';
export const TEXTURE_CLASS_NAMES: readonly TextureClassName[] = ['glcm', 'glrlm', 'glszm', 'gldm', 'ngtdm'];

interface ClassFeatures {
  defaults: readonly string[];
  optional: readonly string[];
}

const sorted = (names: string[]): readonly string[] => [...names].sort();

export const FEATURE_NAMES: Record<FeatureClassName, ClassFeatures> = {
  firstorder: {
    defaults: sorted([
      'Energy', 'TotalEnergy', 'Entropy', 'Minimum', '10Percentile', '90Percentile', 'Maximum', 'Mean', 'Median',
      'InterquartileRange', 'Range', 'MeanAbsoluteDeviation', 'RobustMeanAbsoluteDeviation', 'RootMeanSquared',
      'Skewness', 'Kurtosis', 'Variance', 'Uniformity',
    ]),
    optional: ['StandardDeviation'],
  },
  shape: {
    defaults: sorted([
      'MeshVolume', 'VoxelVolume', 'SurfaceArea', 'SurfaceVolumeRatio', 'Sphericity', 'Maximum3DDiameter',
      'Maximum2DDiameterSlice', 'Maximum2DDiameterColumn', 'Maximum2DDiameterRow', 'MajorAxisLength',
      'MinorAxisLength', 'LeastAxisLength', 'Elongation', 'Flatness',
    ]),
    optional: ['Compactness1', 'Compactness2', 'SphericalDisproportion'],
  },
  shape2D: {
    defaults: sorted([
      'MeshSurface', 'PixelSurface', 'Perimeter', 'PerimeterSurfaceRatio', 'Sphericity', 'MaximumDiameter',
      'MajorAxisLength', 'MinorAxisLength', 'Elongation',
    ]),
    optional: ['SphericalDisproportion'],
  },
  glcm: {
    defaults: sorted([
      'Autocorrelation', 'ClusterProminence', 'ClusterShade', 'ClusterTendency', 'Contrast', 'Correlation',
      'DifferenceAverage', 'DifferenceEntropy', 'DifferenceVariance', 'Id', 'Idm', 'Idmn', 'Idn', 'Imc1', 'Imc2',
      'InverseVariance', 'JointAverage', 'JointEnergy', 'JointEntropy', 'MCC', 'MaximumProbability', 'SumAverage',
      'SumEntropy', 'SumSquares',
    ]),
    optional: [],
  },
  glrlm: {
    defaults: sorted([
      'GrayLevelNonUniformity', 'GrayLevelNonUniformityNormalized', 'GrayLevelVariance', 'HighGrayLevelRunEmphasis',
      'LongRunEmphasis', 'LongRunHighGrayLevelEmphasis', 'LongRunLowGrayLevelEmphasis', 'LowGrayLevelRunEmphasis',
      'RunEntropy', 'RunLengthNonUniformity', 'RunLengthNonUniformityNormalized', 'RunPercentage', 'RunVariance',
      'ShortRunEmphasis', 'ShortRunHighGrayLevelEmphasis', 'ShortRunLowGrayLevelEmphasis',
    ]),
    optional: [],
  },
  glszm: {
    defaults: sorted([
      'GrayLevelNonUniformity', 'GrayLevelNonUniformityNormalized', 'GrayLevelVariance', 'HighGrayLevelZoneEmphasis',
      'LargeAreaEmphasis', 'LargeAreaHighGrayLevelEmphasis', 'LargeAreaLowGrayLevelEmphasis',
      'LowGrayLevelZoneEmphasis', 'SizeZoneNonUniformity', 'SizeZoneNonUniformityNormalized', 'SmallAreaEmphasis',
      'SmallAreaHighGrayLevelEmphasis', 'SmallAreaLowGrayLevelEmphasis', 'ZoneEntropy', 'ZonePercentage',
      'ZoneVariance',
    ]),
    optional: [],
  },
  gldm: {
    defaults: sorted([
      'DependenceEntropy', 'DependenceNonUniformity', 'DependenceNonUniformityNormalized', 'DependenceVariance',
      'GrayLevelNonUniformity', 'GrayLevelVariance', 'HighGrayLevelEmphasis', 'LargeDependenceEmphasis',
      'LargeDependenceHighGrayLevelEmphasis', 'LargeDependenceLowGrayLevelEmphasis', 'LowGrayLevelEmphasis',
      'SmallDependenceEmphasis', 'SmallDependenceHighGrayLevelEmphasis', 'SmallDependenceLowGrayLevelEmphasis',
    ]),
    optional: [],
  },
  ngtdm: {
    defaults: sorted(['Busyness', 'Coarseness', 'Complexity', 'Contrast', 'Strength']),
    optional: [],
  },
};

/** Image types of PyRadiomics' parameter files (`imageType` keys). */
export const IMAGE_TYPE_NAMES = [
  'Original', 'LoG', 'Wavelet', 'Square', 'SquareRoot', 'Logarithm', 'Exponential', 'Gradient', 'LBP2D', 'LBP3D',
] as const;
export type ImageTypeName = (typeof IMAGE_TYPE_NAMES)[number];

/** Features to compute for a class: the named ones (in the given order) or the defaults (alphabetical). */
export function resolveFeatureList(cls: FeatureClassName, requested: readonly string[] | null | undefined): readonly string[] {
  if (!requested || requested.length === 0) return FEATURE_NAMES[cls].defaults;
  return requested;
}
