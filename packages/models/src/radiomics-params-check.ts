import { parse as parseYaml } from 'yaml';

/**
 * Checks that every selected PyRadiomics feature name can be produced by the bundle's params
 * file, so that a bundle whose features the extractor would never emit is refused at load
 * rather than failing on the first patient. Names are `<imageType>_<class>_<Feature>`.
 * PyRadiomics semantics: no `imageType` → Original only; no `featureClass` → every class except
 * shape2D; a class mapped to null/[] → its default features; a list → exactly those; shape
 * features exist only for the original image. Returns the list of problems (empty = consistent).
 */
export function checkFeaturesAgainstParams(yamlText: string, features: readonly string[]): string[] {
  let doc: unknown;
  try {
    doc = parseYaml(yamlText);
  } catch (e) {
    return [`radiomics params are not valid YAML: ${(e as Error).message}`];
  }
  const root = (doc ?? {}) as Record<string, unknown>;
  if (typeof root !== 'object' || Array.isArray(root)) return ['radiomics params must be a YAML mapping'];
  const imageTypes = (root.imageType as Record<string, unknown> | undefined) ?? { Original: {} };
  const featureClass = root.featureClass as Record<string, unknown> | null | undefined;
  const setting = (root.setting as Record<string, unknown> | undefined) ?? {};
  const problems: string[] = [];
  for (const name of features) {
    const parts = name.split('_');
    if (parts.length !== 3) {
      problems.push(`${name}: not of the form <imageType>_<class>_<Feature>`);
      continue;
    }
    const [prefix, cls, feature] = parts;
    const typeProblem = checkImageType(prefix, imageTypes, setting);
    if (typeProblem) problems.push(`${name}: ${typeProblem}`);
    if (cls === 'shape' && prefix !== 'original') problems.push(`${name}: shape features exist only for the original image`);
    if (featureClass) {
      if (!(cls in featureClass)) {
        problems.push(`${name}: feature class ${cls} is not enabled in featureClass`);
      } else {
        const list = featureClass[cls];
        if (Array.isArray(list) && list.length > 0 && !list.includes(feature)) {
          problems.push(`${name}: ${feature} is not in featureClass.${cls}`);
        }
      }
    } else if (cls === 'shape2D') {
      problems.push(`${name}: shape2D is not enabled by default`);
    }
  }
  return problems;
}

const SIMPLE_TYPES: Record<string, string> = {
  original: 'Original',
  square: 'Square',
  squareroot: 'SquareRoot',
  logarithm: 'Logarithm',
  exponential: 'Exponential',
  gradient: 'Gradient',
};

function checkImageType(prefix: string, imageTypes: Record<string, unknown>, setting: Record<string, unknown>): string | undefined {
  const enabled = (key: string): boolean => key in imageTypes;
  if (prefix in SIMPLE_TYPES) return enabled(SIMPLE_TYPES[prefix]) ? undefined : `image type ${SIMPLE_TYPES[prefix]} is not enabled`;
  if (/^wavelet-[LH]{3}$/.test(prefix) || prefix === 'wavelet-LL' || /^wavelet-[LH]{2}$/.test(prefix)) {
    return enabled('Wavelet') ? undefined : 'image type Wavelet is not enabled';
  }
  const log = /^log-sigma-(\d+)-(\d+)-mm-(2D|3D)$/.exec(prefix);
  if (log) {
    if (!enabled('LoG')) return 'image type LoG is not enabled';
    const custom = (imageTypes.LoG as Record<string, unknown> | null) ?? {};
    const sigmas = (custom.sigma ?? setting.sigma) as unknown;
    const sigma = Number(`${log[1]}.${log[2]}`);
    if (!Array.isArray(sigmas) || !sigmas.some((s) => Math.abs(Number(s) - sigma) < 1e-9)) {
      return `LoG sigma ${sigma} mm is not in the params' sigma list`;
    }
    return undefined;
  }
  if (prefix === 'lbp-2D') return enabled('LBP2D') ? undefined : 'image type LBP2D is not enabled';
  if (prefix.startsWith('lbp-3D-')) return enabled('LBP3D') ? undefined : 'image type LBP3D is not enabled';
  return `unknown image type prefix ${prefix}`;
}
