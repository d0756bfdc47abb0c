/**
 * `tace-risk model features --cases cases.csv --bundle DIR --out features.csv`
 *
 * Builds the training table from studies with exactly the worker's code (@tace/models
 * extractCaseFeatures: the radiomics engine with the bundle's parameter file, the ONNX model's
 * feature output on the production preprocessing). cases.csv has `id`, `image` (NRRD / NIfTI file
 * or a folder of DICOM CT slices) and `mask` (NRRD / NIfTI, or a DICOM SEG / RTSTRUCT file), paths
 * relative to the cases file; every other column (clinical values, outcome, cohort) is carried to
 * the output unchanged. The output gets one column per radiomics feature the parameter file
 * produces and one per DL feature, and a provenance file `<out>.provenance.json` with the
 * sha256 of the parameter file and of the ONNX model, which `model develop` checks.
 *
 * A case that fails is not dropped silently: its row, code and message go to `<out>.errors.csv`
 * and the command exits 1 after the other cases.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { errorInfo, TaceError } from '@tace/common';
import { extractCaseFeatures, loadFeatureExtractor } from '@tace/models';
import { readImageFile, readLabelMapFile } from '@tace/radiomics';
import { csvLine } from '@tace/radiomics/csv';
import { parseCommand, progress, type CommandSpec } from './cli-kit.ts';
import { readTable, textColumn } from './table.ts';

export const FEATURES_SPEC: CommandSpec = {
  usage: 'tace-risk model features --cases cases.csv --bundle DIR --out features.csv',
  description:
    "Feature table for model development, computed by the worker's own code: all radiomics features of the bundle's parameter file and the ONNX model's DL features, per case. cases.csv: id, image, mask (+ any columns carried through).",
  options: {
    cases: { type: 'string' },
    bundle: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  help: {
    cases: 'CSV with id, image, mask columns (paths relative to it)',
    bundle: 'a model bundle folder, or a folder with radiomics.yaml, dl.json and the ONNX file',
    out: 'output CSV',
    help: 'this help',
  },
  required: ['cases', 'bundle', 'out'],
};

export interface FeaturesProvenance {
  tool: 'tace-risk model features';
  radiomicsParamsSha256: string;
  onnxSha256: string;
  /** sha256 of the feature table as written: an edited table no longer matches its provenance. */
  tableSha256: string;
  dlFeatureNames: string[];
  cases: number;
  failed: number;
  createdAt: string;
}

export async function modelFeatures(argv: string[]): Promise<number> {
  const v = parseCommand(argv, FEATURES_SPEC);
  if (!v) return 0;
  const casesPath = resolve(v.cases as string);
  const base = dirname(casesPath);
  const t = readTable(casesPath);
  const ids = textColumn(t, 'id');
  const images = textColumn(t, 'image');
  const masks = textColumn(t, 'mask');
  if (new Set(ids).size !== ids.length) throw new TaceError('TABLE_DUPLICATE_ID', `${casesPath}: an id appears twice`);
  const carried = t.columns.filter((c) => c !== 'image' && c !== 'mask');
  const fx = await loadFeatureExtractor(v.bundle as string);
  const out = resolve(v.out as string);
  const rows: Array<{ i: number; radiomics: Record<string, number>; dl: number[] }> = [];
  const failures: string[] = [csvLine(['row', 'id', 'code', 'message'])];
  const t0 = performance.now();
  try {
    for (let i = 0; i < t.rows.length; i++) {
      try {
        const image = readImageFile(resolve(base, images[i]));
        const mask = readLabelMapFile(resolve(base, masks[i]), { reference: image });
        const [img, msk] = await Promise.all([image, mask]); // both settle: no unhandled rejection
        const f = await extractCaseFeatures(fx, img, msk);
        rows.push({ i, ...f });
      } catch (e) {
        const info = errorInfo(e);
        failures.push(csvLine([i + 1, ids[i], info.code, info.message]));
      }
      if ((i + 1) % 10 === 0 || i + 1 === t.rows.length) {
        progress(`features: ${i + 1}/${t.rows.length} cases (${((performance.now() - t0) / 1000).toFixed(1)} s, ${failures.length - 1} failed)`);
      }
    }
  } finally {
    await fx.close();
  }
  // Columns: the union of radiomics names in the engine's order of the first case (a feature one
  // case lacks is left empty for that case, and `model develop` refuses or imputes it as configured).
  const radNames: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.radiomics)) if (!seen.has(k)) { seen.add(k); radNames.push(k); }
  const clash = [...radNames, ...fx.dl.featureNames].find((n) => carried.includes(n));
  if (clash) throw new TaceError('TABLE_DUPLICATE_COLUMN', `${casesPath}: column "${clash}" would also be a feature column`);
  const lines = [csvLine([...carried, ...radNames, ...fx.dl.featureNames])];
  const carriedIdx = carried.map((c) => t.columns.indexOf(c));
  for (const r of rows) {
    lines.push(csvLine([...carriedIdx.map((j) => t.rows[r.i][j]), ...radNames.map((n) => r.radiomics[n] ?? ''), ...r.dl]));
  }
  const tableText = `${lines.join('\n')}\n`;
  writeFileSync(out, tableText);
  const provenance: FeaturesProvenance = {
    tool: 'tace-risk model features',
    radiomicsParamsSha256: fx.radiomicsParamsSha256,
    onnxSha256: fx.onnxSha256,
    tableSha256: createHash('sha256').update(tableText).digest('hex'),
    dlFeatureNames: fx.dl.featureNames,
    cases: rows.length,
    failed: failures.length - 1,
    createdAt: new Date().toISOString(),
  };
  writeFileSync(`${out}.provenance.json`, `${JSON.stringify(provenance, null, 2)}\n`);
  if (failures.length > 1) {
    writeFileSync(`${out}.errors.csv`, `${failures.join('\n')}\n`);
    progress(`features: ${failures.length - 1} case(s) failed, listed in ${out}.errors.csv; the table holds the other ${rows.length}`);
    return 1;
  }
  progress(`features: wrote ${rows.length} cases × ${radNames.length} radiomics + ${fx.dl.featureNames.length} DL features to ${out}`);
  return 0;
}
