/**
 * The feature extractor: PyRadiomics featureextractor.execute() as one synchronous, pure function.
 *
 * Order of operations (as PyRadiomics): label checks → diagnostics of the inputs → normalize →
 * resample (interpolator + resampledPixelSpacing) or preCrop → checkMask (geometry, correctMask,
 * bounding box, minimum ROI checks) → resegment (re-checked) → shape / shape2D on the (unless
 * resegmentShape) non-resegmented mask → per image type (Original, filters) per class.
 * Output keys: `diagnostics_…`, then `original_shape_…`, then `<imageType>_<class>_<Feature>`.
 */
import type { LabelMap, Vec3, Volume } from '@tace/common';
import { RADIOMICS_ERRORS, radiomicsError } from './errors.ts';
import { FEATURE_CLASS_NAMES, resolveFeatureList, TEXTURE_CLASS_NAMES, type FeatureClassName, type TextureClassName } from './featureNames.ts';
import { parseParams, settingsForImageType, type RadiomicsParams, type RadiomicsSettings } from './params.ts';
import {
  binaryCrop, checkFinite, checkLabelPresent, checkMask, cropToBox, labelBoundingBox, normalizeImage, resegmentMask,
  toFloat64, type BoundingBox,
} from './preprocess.ts';
import { ENGINE_VERSION, imageDiagnostics, maskDiagnostics, pyRepr, type Diagnostics } from './diagnostics.ts';
import { firstOrderFeatures } from './firstorder.ts';
import { shapeFeatures } from './shape.ts';
import { discretize } from './discretize.ts';
import { TEXTURE_CLASSES, type TextureSettings, type WeightingNorm } from './texture.ts';
import { MAX_TEXTURE_GRAY_LEVELS } from './textureCommon.ts';
import type { PixelType } from './resample.ts';
import type * as Resample from './resample.ts';
import type * as Filters from './filters/index.ts';
import type * as Shape2D from './shape2D.ts';
import type { ImageTypeName } from './featureNames.ts';
import { geometryDifference } from './geometry.ts';
import { createRequire } from 'node:module';
import type * as IbsiMode from './ibsiMode.ts';

// IBSI mode (and with it the ≈25-module IBSI package) loads on the first IBSI-mode extraction only:
// PyRadiomics-mode processes never pay for it. require() of an ES module is synchronous in Node ≥ 22.12.
const requireLazy = createRequire(import.meta.url);
let ibsiMode: typeof IbsiMode | undefined;
// Likewise the filters (≈15 modules), the resampler and shape2D load only when a parameter file asks for
// them: the common Original-only extraction (a fresh CLI process) does not pay for loading them.
let filters: typeof Filters | undefined;
let resample: typeof Resample | undefined;
let shape2D: typeof Shape2D | undefined;

export type FeatureVector = Record<string, number | string>;

export interface ExtractOptions {
  /** Overrides `setting.label`. */
  label?: number;
  /**
   * Filter image types with a bounded neighbourhood (filters/index.ts IMAGE_TYPE_MARGINS: Wavelet) on
   * the ROI's box plus that margin, not the whole image, and tell every filter that only the ROI's box
   * is read from its output (LoG then skips the lines that do not reach it). Default true; the same
   * values bit for bit, less time and memory. false: the whole image always (tests compare the two).
   */
  filterOnRoiBox?: boolean;
}

function pixelTypeOf(v: Volume): PixelType {
  const d = v.data;
  if (d instanceof Int16Array) return 'int16';
  if (d instanceof Uint16Array) return 'uint16';
  if (d instanceof Int32Array) return 'int32';
  if (d instanceof Uint8Array) return 'uint8';
  if (d instanceof Float32Array) return 'float32';
  return 'float64';
}

/** Pick the requested features (or defaults) of a computed class, prefixed. */
function emit(out: FeatureVector, prefix: string, cls: FeatureClassName, requested: string[] | undefined, values: Record<string, number>): void {
  for (const name of resolveFeatureList(cls, requested)) {
    const v = values[name];
    if (v === undefined) {
      throw radiomicsError(RADIOMICS_ERRORS.NOT_AVAILABLE, `feature ${cls}.${name} is not computed by this engine`, { featureClass: cls, feature: name });
    }
    out[`${prefix}_${cls}_${name}`] = v;
  }
}

function textureSettings(s: RadiomicsSettings): TextureSettings {
  return {
    distances: s.distances,
    symmetricalGLCM: s.symmetricalGLCM,
    weightingNorm: (s.weightingNorm ?? null) as WeightingNorm | null,
    gldm_a: s.gldm_a,
    force2D: s.force2D,
    force2Ddimension: s.force2Ddimension,
  };
}

/** numpy axis (0 = z, 1 = y, 2 = x) → our axis index (0 = x, 1 = y, 2 = z). */
const NUMPY_TO_XYZ = [2, 1, 0] as const;

function computeShape2D(out: FeatureVector, mask: LabelMap, bb: BoundingBox, s: RadiomicsSettings, requested: string[] | undefined): void {
  if (!s.force2D) {
    throw radiomicsError(RADIOMICS_ERRORS.PARAM_INVALID, 'shape2D needs force2D: true (and force2Ddimension set to the out-of-plane axis)');
  }
  const { data, size } = binaryCrop(mask, bb, s.label);
  const drop = NUMPY_TO_XYZ[s.force2Ddimension as 0 | 1 | 2];
  if (size[drop] !== 1) {
    throw radiomicsError(RADIOMICS_ERRORS.PARAM_INVALID, `shape2D needs a one-slice ROI along numpy axis ${s.force2Ddimension}, the ROI spans ${size[drop]} slices`);
  }
  // Remaining axes in numpy order (slowest first): axis0 = the higher of the two kept xyz axes.
  const kept = [2, 1, 0].filter((a) => a !== drop) as [number, number];
  const [a0, a1] = kept;
  const n0 = size[a0]!, n1 = size[a1]!;
  const plane = new Uint8Array(n0 * n1);
  const stride = [1, size[0], size[0] * size[1]];
  for (let i = 0; i < n0; i++) for (let j = 0; j < n1; j++) plane[j + n1 * i] = data[i * stride[a0]! + j * stride[a1]!]!;
  shape2D ??= requireLazy('./shape2D.ts') as typeof Shape2D;
  const values = shape2D.shape2DFeatures({ data: plane, size: [n0, n1], spacingMm: [mask.spacingMm[a0]!, mask.spacingMm[a1]!] });
  emit(out, 'original', 'shape2D', requested, values);
}

/**
 * `bb` widened by `margin` voxels per axis, or the whole axis where the widened range would leave the
 * image (a filter's boundary handling, e.g. the wavelet's wrap-around, must then see the same ends);
 * undefined when that is the whole image anyway.
 */
function marginBox(size: readonly number[], bb: BoundingBox, margin: readonly number[]): BoundingBox | undefined {
  const lower = [0, 0, 0] as Vec3, upper = [0, 0, 0] as Vec3;
  let whole = true;
  for (let a = 0; a < 3; a++) {
    const lo = bb.lower[a]! - margin[a]!, hi = bb.upper[a]! + margin[a]!;
    if (lo >= 0 && hi <= size[a]! - 1) {
      lower[a] = lo; upper[a] = hi;
      if (lo > 0 || hi < size[a]! - 1) whole = false;
    } else {
      lower[a] = 0; upper[a] = size[a]! - 1;
    }
  }
  return whole ? undefined : { lower, upper };
}

/**
 * Run one PyRadiomics extraction (or, with `setting: { standard: ibsi }`, an IBSI 1 extraction with
 * `ibsi_…` names). `params` is a parsed RadiomicsParams or the YAML text of a parameter file.
 */
export function extractFeatures(image: Volume, mask: LabelMap, params: RadiomicsParams | string, opts: ExtractOptions = {}): FeatureVector {
  const p = typeof params === 'string' ? parseParams(params) : params;
  // `setting: { standard: ibsi }`: the IBSI 1 chain and definitions, IBSI names (ibsiMode.ts).
  if (p.ibsi || p.setting.standard === 'ibsi') {
    ibsiMode ??= requireLazy('./ibsiMode.ts') as typeof IbsiMode;
    return ibsiMode.extractIbsiMode(image, mask, p, opts);
  }
  const settings: RadiomicsSettings = { ...p.setting };
  if (opts.label !== undefined) settings.label = opts.label;
  const label = settings.label;
  if (image.data.length !== image.size[0] * image.size[1] * image.size[2] || mask.data.length !== mask.size[0] * mask.size[1] * mask.size[2]) {
    throw radiomicsError(RADIOMICS_ERRORS.GEOMETRY_MISMATCH, 'voxel array length does not match the declared size');
  }
  const roiBox = labelBoundingBox(mask, label);
  if (!roiBox) checkLabelPresent(mask, label); // throws EMPTY_MASK or LABEL_ABSENT
  const sameGrid = image.data.length === mask.data.length;
  if (sameGrid) checkFinite(image, mask, settings.normalize);

  const diag: Diagnostics | null = settings.additionalInfo ? {} : null;
  if (diag) {
    diag.diagnostics_Versions_TaceRadiomics = ENGINE_VERSION;
    diag.diagnostics_Versions_Definitions = 'PyRadiomics 3.1 (firstorder, shape, shape2D, glcm, glrlm, glszm, gldm, ngtdm)';
    diag.diagnostics_Configuration_Settings = pyRepr(settings);
    diag.diagnostics_Configuration_EnabledImageTypes = pyRepr(p.imageType);
    imageDiagnostics(diag, image, 'original');
    maskDiagnostics(diag, null, mask, label, 'original', roiBox);
  }

  // Fast path: with the mask on the image grid and nothing that reads voxels far from the ROI
  // (normalisation, resampling, filters), crop to the bounding box + padDistance first, as
  // PyRadiomics' preCrop does; every later step then runs on the small box with identical results.
  let src: Volume = image;
  let msk = mask;
  const onlyOriginal = Object.keys(p.imageType).every((t) => t === 'Original');
  if (onlyOriginal && !settings.normalize && !settings.resampledPixelSpacing && sameGrid && !geometryDifference(image, mask, settings.geometryTolerance)) {
    if (roiBox) {
      src = cropToBox(image, roiBox.bb, settings.padDistance);
      msk = cropToBox(mask, roiBox.bb, settings.padDistance);
    }
  }
  let img = toFloat64(src);
  let pixelType = pixelTypeOf(image);
  if (settings.normalize) {
    img = normalizeImage(img, settings);
    pixelType = 'float64';
  }
  if (settings.interpolator && settings.resampledPixelSpacing) {
    resample ??= requireLazy('./resample.ts') as typeof Resample;
    const r = resample.resampleImageAndMask(img, msk, {
      resampledPixelSpacing: settings.resampledPixelSpacing,
      interpolator: settings.interpolator as 'sitkBSpline',
      padDistance: settings.padDistance,
      label,
      imagePixelType: pixelType,
    });
    img = r.image;
    msk = r.mask;
    if (diag) {
      imageDiagnostics(diag, img, 'interpolated');
      maskDiagnostics(diag, img, msk, label, 'interpolated');
    }
  } else if (settings.preCrop) {
    const pre = checkMask(img, msk, settings);
    if (pre.corrected) msk = pre.corrected;
    img = cropToBox(img, pre.bb, settings.padDistance);
    msk = cropToBox(msk, pre.bb, settings.padDistance);
  }

  const checked = checkMask(img, msk, settings);
  if (checked.corrected) {
    msk = checked.corrected;
    if (diag) maskDiagnostics(diag, img, msk, label, 'corrected');
  }
  if (!sameGrid) checkFinite(img, msk, false);
  let bb = checked.bb;
  let shapeMask = msk;
  let shapeBB = bb;
  if (settings.resegmentRange) {
    const reseg = resegmentMask(img, msk, settings);
    bb = checkMask(img, reseg, settings).bb;
    if (diag) maskDiagnostics(diag, img, reseg, label, 'resegmented');
    msk = reseg;
    if (settings.resegmentShape) { shapeMask = reseg; shapeBB = bb; }
  }

  const out: FeatureVector = diag ? { ...diag } : {};
  const classes = Object.keys(p.featureClass) as FeatureClassName[];
  for (const cls of classes) {
    if (!(FEATURE_CLASS_NAMES as readonly string[]).includes(cls)) continue;
    if (cls === 'shape') {
      const roi = binaryCrop(shapeMask, shapeBB, label);
      emit(out, 'original', 'shape', p.featureClass.shape, shapeFeatures({ data: roi.data, size: roi.size, spacingMm: shapeMask.spacingMm }));
    } else if (cls === 'shape2D') {
      computeShape2D(out, shapeMask, shapeBB, settings, p.featureClass.shape2D);
    }
  }

  const intensityClasses = classes.filter((c) => c !== 'shape' && c !== 'shape2D');
  if (intensityClasses.length === 0) return out;
  const roiMask = binaryCrop(msk, bb, label);
  for (const [typeName] of Object.entries(p.imageType) as [ImageTypeName, unknown][]) {
    const typeSettings = settingsForImageType(p, typeName);
    if (opts.label !== undefined) typeSettings.label = opts.label;
    if (typeName !== 'Original') filters ??= requireLazy('./filters/index.ts') as typeof Filters;
    const fn = typeName === 'Original' ? undefined : filters!.IMAGE_TYPES[typeName];
    if (typeName !== 'Original' && !fn) throw radiomicsError(RADIOMICS_ERRORS.NOT_AVAILABLE, `image type ${typeName} is not available`);
    // A filter with a bounded neighbourhood runs on the ROI's box plus its margin (fbb: the ROI box in
    // that sub-volume's indices); its ROI voxels come out the same as from the whole image.
    let fimg = img, fmsk = msk, fbb = bb;
    const margin = fn && opts.filterOnRoiBox !== false ? filters!.IMAGE_TYPE_MARGINS[typeName]?.(typeSettings as Record<string, unknown>) : undefined;
    if (margin && img.size.every((n, a) => n === msk.size[a])) {
      const box = marginBox(img.size, bb, margin);
      if (box) {
        fimg = cropToBox(img, box, 0);
        fmsk = cropToBox(msk, box, 0);
        fbb = { lower: [0, 1, 2].map((a) => bb.lower[a]! - box.lower[a]!) as Vec3, upper: [0, 1, 2].map((a) => bb.upper[a]! - box.lower[a]!) as Vec3 };
      }
    }
    const derived = fn ? fn(fimg, fmsk, typeSettings as Record<string, unknown>, opts.filterOnRoiBox === false ? undefined : fbb) : [{ name: 'original', image: img }];
    for (const d of derived) {
      const cropped = cropToBox(d.image, fbb, 0);
      // (plain indexed loops over locals: in a fresh process these run in the interpreter first)
      const rm = roiMask.data, cd = cropped.data, nBox = rm.length;
      let n = 0;
      for (let i = 0; i < nBox; i++) n += rm[i]!;
      const values = new Float64Array(n);
      let k = 0;
      for (let i = 0; i < nBox; i++) if (rm[i]) values[k++] = cd[i]!;
      for (let i = 0; i < n; i++) {
        if (!Number.isFinite(values[i]!)) throw radiomicsError(RADIOMICS_ERRORS.NAN_VOXELS, `the ${d.name} image has a non-finite voxel inside the ROI`);
      }
      // Discretised once per derived image and shared by the texture classes (same settings, same bins).
      let binned: ReturnType<typeof discretize>['binned'] | undefined;
      for (const cls of intensityClasses) {
        if (cls === 'firstorder') {
          const [sx, sy, sz] = cropped.spacingMm;
          emit(out, d.name, 'firstorder', p.featureClass.firstorder, firstOrderFeatures(values, sx * sy * sz, typeSettings));
        } else if ((TEXTURE_CLASS_NAMES as readonly string[]).includes(cls)) {
          if (!binned) {
            const disc = discretize(cropped.data, roiMask.data, { binWidth: typeSettings.binWidth, binCount: typeSettings.binCount ?? undefined });
            if (disc.nBins > MAX_TEXTURE_GRAY_LEVELS) {
              throw radiomicsError(RADIOMICS_ERRORS.TOO_MANY_GRAY_LEVELS,
                `the ${d.name} image discretises into ${disc.nBins} gray levels; texture classes are limited to ${MAX_TEXTURE_GRAY_LEVELS} (PyRadiomics advises 30–130: a larger binWidth, or binCount)`,
                { grayLevels: disc.nBins, limit: MAX_TEXTURE_GRAY_LEVELS });
            }
            binned = disc.binned;
          }
          const values2 = TEXTURE_CLASSES[cls as TextureClassName]({
            binned, size: roiMask.size as Vec3, spacingMm: cropped.spacingMm, settings: textureSettings(typeSettings),
          });
          emit(out, d.name, cls, p.featureClass[cls], values2);
        }
      }
    }
  }
  return out;
}
