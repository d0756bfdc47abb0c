import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linearFeatureModel } from './onnx-writer.test-helper.ts';

export const PARAMS_YAML = `imageType:
  Original: {}
featureClass:
  firstorder: []
  shape: [VoxelVolume, MeshVolume]
setting:
  binWidth: 25
`;

/**
 * W (8×2): dl_0 = mean of the 8 input voxels (weights 1/8), dl_1 = voxel[0] − voxel[7].
 * Input voxel order is x fastest, so voxel 0 is (x,y,z)=(0,0,0) and voxel 7 is (1,1,1).
 */
export const DL_WEIGHTS = Array.from({ length: 8 }, (_, i) => [1 / 8, i === 0 ? 1 : i === 7 ? -1 : 0]);

const sha = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

/** A complete manifest (as plain JSON) for the tiny test bundle; numbers chosen for hand computation. */
export function testManifest(onnx: Uint8Array, params = PARAMS_YAML): Record<string, unknown> {
  return {
    schemaVersion: 1,
    id: 'tace-dm-test',
    version: '0.0.1',
    name: 'Test bundle',
    intendedUse: 'unit tests only',
    syntheticDemo: true,
    disclaimer: 'synthetic demonstration model — not for clinical use',
    createdAt: '2026-01-01T00:00:00Z',
    files: [
      { path: 'params.yaml', sha256: sha(params), role: 'radiomicsParams' },
      { path: 'dl/model.onnx', sha256: sha(onnx), role: 'dlModel' },
    ],
    radiomics: { paramsFile: 'params.yaml', features: ['original_firstorder_Mean', 'original_shape_VoxelVolume'] },
    dl: {
      onnxFile: 'dl/model.onnx',
      inputName: 'image',
      outputName: 'features',
      preprocessing: { windowHu: [0, 400], cropMarginMm: 0, spacingMm: [1, 1, 1], size: [2, 2, 2], normalisation: 'window-unit' },
      featureNames: ['dl_0', 'dl_1'],
    },
    fusion: {
      featureNames: ['original_firstorder_Mean', 'original_shape_VoxelVolume', 'dl_0', 'dl_1'],
      means: [100, 10, 0.4, -0.3],
      sds: [50, 2, 0.1, 0.05],
      intercept: 0.2,
      coefficients: [1, 0.5, 2, -1],
    },
    nomogram: {
      factors: [
        { name: 'dlrScore', coefficient: 1.5, min: -3, max: 3 },
        { name: 'tumourSizeMm', coefficient: 0.02, min: 10, max: 150 },
        { name: 'noduleCount', coefficient: 0.3, min: 1, max: 5 },
        { name: 'log10AfpNgPerMl', coefficient: 0.4, min: 0, max: 5, transform: { kind: 'log10', floorInput: 1 } },
      ],
      intercept: -2,
      pointsScale: 100,
    },
    riskThresholds: { moderate: 0.3, high: 0.6 },
    modelCard: { summary: 'tiny', trainingData: 'none', limitations: 'everything', ethics: 'n/a' },
    validation: { cohort: 'none', auc: { train: 0.5, test: 0.5 }, n: 0 },
  };
}

export interface Fixture {
  dir: string;
  onnx: Uint8Array;
  manifest: Record<string, unknown>;
}

/**
 * Write the bundle to a fresh temp folder. `edit` may change the manifest (after checksums are
 * computed) and `onnxOpts` the ONNX graph's names/feature count.
 */
export function writeFixture(
  edit: (m: Record<string, unknown>) => void = () => {},
  onnxOpts: { inputName?: string; outputName?: string; weights?: number[][] } = {},
): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'tace-bundle-'));
  const onnx = linearFeatureModel({
    inputName: onnxOpts.inputName ?? 'image',
    outputName: onnxOpts.outputName ?? 'features',
    inputDims: [1, 1, 2, 2, 2],
    weights: onnxOpts.weights ?? DL_WEIGHTS,
  });
  const manifest = testManifest(onnx);
  edit(manifest);
  writeFileSync(join(dir, 'params.yaml'), PARAMS_YAML);
  mkdirSync(join(dir, 'dl'));
  writeFileSync(join(dir, 'dl/model.onnx'), onnx);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return { dir, onnx, manifest };
}
