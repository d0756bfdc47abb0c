import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseParams } from '@tace/radiomics';
import { MODEL_ERRORS, modelError } from './errors.ts';
import type { ModelManifest } from './manifest.ts';
import { checkFeaturesAgainstParams } from './radiomics-params-check.ts';
import { manifestConsistencyProblems, validateManifest } from './validate-manifest.ts';

export interface ModelBundle {
  /** Absolute folder of the bundle. */
  dir: string;
  manifest: ModelManifest;
  /** The PyRadiomics params file's text, passed unchanged to the radiomics engine. */
  radiomicsParamsYaml: string;
  /** sha256 of the ONNX file (the "weights" the Device resource names). */
  weightsSha256: string;
  /** CPU onnxruntime session. run() blocks the event loop: score in a worker thread/process. */
  session: ort.InferenceSession;
  /** Release the ONNX session. */
  close(): Promise<void>;
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Load and check a model bundle folder, refusing it loudly (a TaceError with a stable code) if:
 * manifest.json is absent (BUNDLE_NOT_FOUND) or fails the schema (BUNDLE_MANIFEST_INVALID, JSON
 * path in the message); a listed file is absent (BUNDLE_FILE_MISSING) or its sha256 differs
 * (BUNDLE_CHECKSUM_MISMATCH, file named); the parts disagree — fusion/radiomics/DL names and
 * lengths, ONNX input/output names and shapes, radiomics feature names vs the params file
 * (BUNDLE_INCONSISTENT); onnxruntime cannot load the model (BUNDLE_ONNX_LOAD_FAILED).
 */
export interface LoadBundleOptions {
  /** onnxruntime intra-op threads (default: onnxruntime's choice, all cores). */
  intraOpNumThreads?: number;
}

export async function loadModelBundle(dir: string, opts: LoadBundleOptions = {}): Promise<ModelBundle> {
  const root = resolve(dir);
  let text: string;
  try {
    text = await readFile(resolve(root, 'manifest.json'), 'utf8');
  } catch (e) {
    throw modelError(MODEL_ERRORS.BUNDLE_NOT_FOUND, `model bundle has no readable manifest.json in ${root}`, { dir: root }, e);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw modelError(MODEL_ERRORS.BUNDLE_MANIFEST_INVALID, `model manifest invalid at /: not JSON (${(e as Error).message})`, { path: '/' }, e);
  }
  const manifest = validateManifest(json);
  const problems = manifestConsistencyProblems(manifest);
  if (problems.length > 0) throw inconsistent(problems);

  const contents = new Map<string, Buffer>();
  for (const f of manifest.files) {
    const abs = resolve(root, f.path);
    if (!abs.startsWith(root + sep)) throw inconsistent([`file ${f.path} lies outside the bundle folder`]);
    let data: Buffer;
    try {
      data = await readFile(abs);
    } catch (e) {
      throw modelError(MODEL_ERRORS.BUNDLE_FILE_MISSING, `model bundle file ${f.path} is missing`, { file: f.path }, e);
    }
    const actual = sha256Hex(data);
    if (actual !== f.sha256) {
      throw modelError(MODEL_ERRORS.BUNDLE_CHECKSUM_MISMATCH, `model bundle file ${f.path}: sha256 ${actual} does not match the manifest's ${f.sha256}`, {
        file: f.path,
        expected: f.sha256,
        actual,
      });
    }
    contents.set(f.path, data);
  }

  const radiomicsParamsYaml = (contents.get(manifest.radiomics.paramsFile) as Buffer).toString('utf8');
  try {
    // The engine's own parser: unknown image types, classes, features or settings are errors there.
    parseParams(radiomicsParamsYaml);
  } catch (e) {
    throw inconsistent([`radiomics params ${manifest.radiomics.paramsFile} rejected by the radiomics engine: ${(e as Error).message}`]);
  }
  const paramProblems = checkFeaturesAgainstParams(radiomicsParamsYaml, manifest.radiomics.features);
  if (paramProblems.length > 0) throw inconsistent(paramProblems);

  const onnxBytes = contents.get(manifest.dl.onnxFile) as Buffer;
  let session: ort.InferenceSession;
  try {
    // Copy into a fresh ArrayBuffer: a Buffer may be a view into a shared pool.
    const ab = onnxBytes.buffer.slice(onnxBytes.byteOffset, onnxBytes.byteOffset + onnxBytes.byteLength);
    session = await ort.InferenceSession.create(ab, {
      executionProviders: ['cpu'],
      ...(opts.intraOpNumThreads ? { intraOpNumThreads: opts.intraOpNumThreads } : {}),
    });
  } catch (e) {
    throw modelError(MODEL_ERRORS.BUNDLE_ONNX_LOAD_FAILED, `onnxruntime cannot load ${manifest.dl.onnxFile}: ${(e as Error).message}`, { file: manifest.dl.onnxFile }, e);
  }
  const onnxProblems = onnxSignatureProblems(session, manifest);
  if (onnxProblems.length > 0) {
    await session.release();
    throw inconsistent(onnxProblems);
  }
  return {
    dir: root,
    manifest,
    radiomicsParamsYaml,
    weightsSha256: sha256Hex(onnxBytes),
    session,
    close: () => session.release(),
  };
}

function inconsistent(problems: string[]) {
  return modelError(MODEL_ERRORS.BUNDLE_INCONSISTENT, `model bundle inconsistent: ${problems.join('; ')}`, { problems });
}

/** Input/output names, and where the graph declares them, static shapes. */
function onnxSignatureProblems(session: ort.InferenceSession, m: ModelManifest): string[] {
  const p: string[] = [];
  const { inputName, outputName, preprocessing, featureNames } = m.dl;
  if (!session.inputNames.includes(inputName)) p.push(`ONNX model has no input ${inputName} (it has ${session.inputNames.join(', ')})`);
  if (!session.outputNames.includes(outputName)) p.push(`ONNX model has no output ${outputName} (it has ${session.outputNames.join(', ')})`);
  const [sx, sy, sz] = preprocessing.size;
  const want = [1, 1, sz, sy, sx];
  const inMeta = session.inputMetadata?.find((v) => v.name === inputName);
  if (inMeta && inMeta.isTensor) {
    const shape = inMeta.shape;
    if (shape.length !== 5 || shape.some((d, i) => typeof d === 'number' && d !== want[i])) {
      p.push(`ONNX input ${inputName} has shape [${shape.join(', ')}], preprocessing gives [${want.join(', ')}]`);
    }
  }
  const outMeta = session.outputMetadata?.find((v) => v.name === outputName);
  if (outMeta && outMeta.isTensor) {
    const dims = outMeta.shape.filter((d) => typeof d === 'number') as number[];
    const last = outMeta.shape[outMeta.shape.length - 1];
    if (typeof last === 'number' && last !== featureNames.length) {
      p.push(`ONNX output ${outputName} has ${last} features, dl.featureNames has ${featureNames.length}`);
    } else if (dims.length === outMeta.shape.length && dims.reduce((a, b) => a * b, 1) !== featureNames.length) {
      p.push(`ONNX output ${outputName} has shape [${dims.join(', ')}], expected ${featureNames.length} features`);
    }
  }
  return p;
}
