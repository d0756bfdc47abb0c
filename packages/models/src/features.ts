/**
 * The features of one case exactly as the worker computes them: the radiomics engine with the
 * bundle's parameter file, and the ONNX model's feature output on the production DL preprocessing.
 * `scoreCase` (the worker) and `tace-risk model features` (the training table) both call
 * `extractCaseFeatures`, so a model is trained on the numbers it will be given — no
 * training-serving skew.
 *
 * A feature extractor is either a whole bundle (manifest.json) or, for a first development, a
 * folder with `radiomics.yaml`, the ONNX file and `dl.json` ({onnxFile, inputName, outputName,
 * preprocessing, featureNames}: the manifest's `dl` object).
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import Type from 'typebox';
import { Ajv } from 'ajv';
import type { LabelMap, Volume } from '@tace/common';
import { extractFeatures, parseParams } from '@tace/radiomics';
import { loadModelBundle, sha256Hex } from './bundle.ts';
import { preprocessForDl } from './dl-preprocess.ts';
import { MODEL_ERRORS, modelError } from './errors.ts';
import { DlPreprocessing, type ModelManifest } from './manifest.ts';
import type { ExtractFeatures } from './score.ts';

export interface FeatureExtractor {
  radiomicsParamsYaml: string;
  dl: ModelManifest['dl'];
  session: ort.InferenceSession;
  /** sha256 of the parameter file and of the ONNX file: the provenance stamped on a feature table. */
  radiomicsParamsSha256: string;
  onnxSha256: string;
  /** Absolute path of the ONNX file (a developed bundle copies it). */
  onnxPath: string;
  close(): Promise<void>;
}

export interface CaseFeatures {
  /** Every finite numeric feature the parameter file produces (diagnostics excluded). */
  radiomics: Record<string, number>;
  dl: number[];
}

/** Run the ONNX model on the case's preprocessed ROI; its declared output, checked finite. */
export async function dlFeaturesOf(session: ort.InferenceSession, dl: ModelManifest['dl'], image: Volume, mask: LabelMap): Promise<number[]> {
  const [sx, sy, sz] = dl.preprocessing.size;
  const tensor = new ort.Tensor('float32', preprocessForDl(image, mask, dl.preprocessing), [1, 1, sz, sy, sx]);
  const out = await session.run({ [dl.inputName]: tensor }, [dl.outputName]);
  const raw = out[dl.outputName]?.data;
  if (!(raw instanceof Float32Array || raw instanceof Float64Array) || raw.length !== dl.featureNames.length) {
    throw modelError(MODEL_ERRORS.MODEL_DL_OUTPUT_INVALID, `ONNX output ${dl.outputName} is not ${dl.featureNames.length} float features`);
  }
  const features = Array.from(raw);
  if (features.some((v) => !Number.isFinite(v))) throw modelError(MODEL_ERRORS.MODEL_DL_OUTPUT_INVALID, 'ONNX output contains a non-finite value');
  return features;
}

/** Radiomics (all features of the params file) and DL features of one case. */
export async function extractCaseFeatures(
  fx: Pick<FeatureExtractor, 'radiomicsParamsYaml' | 'dl' | 'session'>,
  image: Volume,
  mask: LabelMap,
  opts: { extractFeatures?: ExtractFeatures } = {},
): Promise<CaseFeatures> {
  const all = await (opts.extractFeatures ?? extractFeatures)(image, mask, fx.radiomicsParamsYaml);
  const radiomics: Record<string, number> = {};
  for (const [k, v] of Object.entries(all)) if (typeof v === 'number' && Number.isFinite(v) && !k.startsWith('diagnostics_')) radiomics[k] = v;
  return { radiomics, dl: await dlFeaturesOf(fx.session, fx.dl, image, mask) };
}

const DlSpec = Type.Object(
  {
    onnxFile: Type.String({ minLength: 1 }),
    inputName: Type.String({ minLength: 1 }),
    outputName: Type.String({ minLength: 1 }),
    preprocessing: DlPreprocessing,
    featureNames: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  },
  { additionalProperties: false },
);

/** Load a feature extractor from a bundle folder, or from radiomics.yaml + dl.json + the ONNX file. */
export async function loadFeatureExtractor(dir: string): Promise<FeatureExtractor> {
  const root = resolve(dir);
  if (existsSync(resolve(root, 'manifest.json'))) {
    const b = await loadModelBundle(root);
    const paramsFile = b.manifest.files.find((f) => f.path === b.manifest.radiomics.paramsFile);
    return {
      radiomicsParamsYaml: b.radiomicsParamsYaml,
      dl: b.manifest.dl,
      session: b.session,
      radiomicsParamsSha256: paramsFile?.sha256 ?? sha256Hex(Buffer.from(b.radiomicsParamsYaml)),
      onnxSha256: b.weightsSha256,
      onnxPath: resolve(root, b.manifest.dl.onnxFile),
      close: b.close,
    };
  }
  const read = async (name: string) => {
    try {
      return await readFile(resolve(root, name));
    } catch (e) {
      throw modelError(MODEL_ERRORS.BUNDLE_NOT_FOUND, `feature extractor ${root}: no manifest.json, and no readable ${name}`, { dir: root, file: name }, e);
    }
  };
  let spec: unknown;
  try {
    spec = JSON.parse((await read('dl.json')).toString('utf8'));
  } catch (e) {
    if ((e as { code?: string }).code === MODEL_ERRORS.BUNDLE_NOT_FOUND) throw e;
    throw modelError(MODEL_ERRORS.BUNDLE_MANIFEST_INVALID, `dl.json is not JSON: ${(e as Error).message}`, { file: 'dl.json' });
  }
  const check = new Ajv({ allErrors: false, strict: false }).compile(DlSpec);
  if (!check(spec)) {
    const first = check.errors?.[0];
    throw modelError(MODEL_ERRORS.BUNDLE_MANIFEST_INVALID, `dl.json invalid at ${first?.instancePath || '/'}: ${first?.message ?? 'schema'}`, { file: 'dl.json' });
  }
  const dl = spec as ModelManifest['dl'];
  const yaml = (await read('radiomics.yaml')).toString('utf8');
  try {
    parseParams(yaml);
  } catch (e) {
    throw modelError(MODEL_ERRORS.BUNDLE_INCONSISTENT, `radiomics.yaml rejected by the radiomics engine: ${(e as Error).message}`, { file: 'radiomics.yaml' });
  }
  const onnx = await read(dl.onnxFile);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(onnx.buffer.slice(onnx.byteOffset, onnx.byteOffset + onnx.byteLength), { executionProviders: ['cpu'] });
  } catch (e) {
    throw modelError(MODEL_ERRORS.BUNDLE_ONNX_LOAD_FAILED, `onnxruntime cannot load ${dl.onnxFile}: ${(e as Error).message}`, { file: dl.onnxFile }, e);
  }
  if (!session.inputNames.includes(dl.inputName) || !session.outputNames.includes(dl.outputName)) {
    await session.release();
    throw modelError(MODEL_ERRORS.BUNDLE_INCONSISTENT, `ONNX model has inputs ${session.inputNames.join(', ')} and outputs ${session.outputNames.join(', ')}; dl.json names ${dl.inputName} → ${dl.outputName}`, {});
  }
  return { radiomicsParamsYaml: yaml, dl, session, radiomicsParamsSha256: sha256Hex(Buffer.from(yaml)), onnxSha256: sha256Hex(onnx), onnxPath: resolve(root, dl.onnxFile), close: () => session.release() };
}
