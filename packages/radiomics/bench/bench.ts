/**
 * Radiomics engine benchmark (`npm run bench` calls runRadiomicsBench()).
 *
 * 1. Per class and all 7 classes together, PyRadiomics default settings, warm, in this process:
 *    brain1 (4,137 voxels) and breast1 (143 voxels); median and best of repeats, with the ratio to the
 *    PyRadiomics anchors measured on this kind of machine (issue #3): brain1 86.8 ms (shape 54 ms,
 *    glcm 15 ms), breast1 9.8 ms; fresh process brain1 456 ms.
 * 2. A fresh process doing one whole brain1 extraction (Node start and imports included).
 * 3. IBSI CT phantom ROI (≈125 k voxels): time per class.
 * 4. Linear scaling: synthetic ellipsoid ROIs of 1e4, 1e5, 1e6 voxels; time per class and µs/voxel.
 * Timings only print; nothing here asserts on time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabelMap, Vec3, Volume } from '@tace/common';
import { referenceDir } from '@tace/common';
import { extractFeatures, extractFeaturesParallel, paramsFromObject, readImageFile, readLabelMapFile, type RadiomicsParams } from '../src/index.ts';

const CLASSES = ['firstorder', 'shape', 'glcm', 'glrlm', 'glszm', 'gldm', 'ngtdm'] as const;
const ANCHOR_MS: Record<string, Record<string, number>> = {
  brain1: { all: 86.8, shape: 54, glcm: 15 },
  breast1: { all: 9.8 },
};
const ANCHOR_FRESH_BRAIN1_MS = 456;

function params(classes: readonly string[], extra: Record<string, unknown> = {}): RadiomicsParams {
  return paramsFromObject({
    setting: { additionalInfo: false, ...extra },
    featureClass: Object.fromEntries(classes.map((c) => [c, []])),
  });
}

function time(fn: () => void, repeats: number): { median: number; best: number } {
  fn(); // warm-up (JIT)
  const ts: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return { median: ts[ts.length >> 1]!, best: ts[0]! };
}

const fmt = (ms: number) => ms.toFixed(ms < 10 ? 2 : 1).padStart(8);

function row(label: string, t: { median: number; best: number }, anchor?: number): string {
  const ratio = anchor ? `   ${(anchor / t.median).toFixed(1)}× faster than PyRadiomics (${anchor} ms), best ${(anchor / t.best).toFixed(1)}×` : '';
  return `  ${label.padEnd(12)} median ${fmt(t.median)} ms  best ${fmt(t.best)} ms${ratio}`;
}

async function caseBench(name: string, dataDir: string, repeats: number): Promise<void> {
  const image = await readImageFile(`${dataDir}/${name}_image.nrrd`);
  const mask = await readLabelMapFile(`${dataDir}/${name}_label.nrrd`);
  console.log(`\n${name} (warm, ${repeats} repeats, PyRadiomics default settings)`);
  for (const cls of CLASSES) {
    const p = params([cls]);
    console.log(row(cls, time(() => extractFeatures(image, mask, p), repeats), ANCHOR_MS[name]?.[cls]));
  }
  const all = params(CLASSES);
  console.log(row('all 7', time(() => extractFeatures(image, mask, all), repeats), ANCHOR_MS[name]?.all));
  const withDiag = paramsFromObject({ featureClass: Object.fromEntries(CLASSES.map((c) => [c, []])) });
  console.log(row('all + diag', time(() => extractFeatures(image, mask, withDiag), repeats), ANCHOR_MS[name]?.all));
}

function freshProcess(dataDir: string, runs: number, compileCacheDir?: string): void {
  const src = fileURLToPath(new URL('../src/index.ts', import.meta.url));
  const script = `import { extractFeatures, readImageFile, readLabelMapFile } from ${JSON.stringify(src)};
const i = await readImageFile(${JSON.stringify(`${dataDir}/brain1_image.nrrd`)});
const m = await readLabelMapFile(${JSON.stringify(`${dataDir}/brain1_label.nrrd`)});
const f = extractFeatures(i, m, '');
if (!('original_glcm_Idmn' in f)) process.exit(3);`;
  const ts: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const env = compileCacheDir ? { ...process.env, NODE_COMPILE_CACHE: compileCacheDir } : process.env;
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit', env });
    ts.push(performance.now() - t0);
    if (res.status !== 0) { console.log('  fresh process failed'); return; }
  }
  ts.sort((a, b) => a - b);
  const how = compileCacheDir ? 'with NODE_COMPILE_CACHE (warm: TypeScript stripping cached)' : 'cold (Node strips TypeScript on every start)';
  console.log(`\nfresh process, one brain1 extraction (all classes, diagnostics on), ${runs} runs, ${how}`);
  console.log(row('fresh', { median: ts[ts.length >> 1]!, best: ts[0]! }, ANCHOR_FRESH_BRAIN1_MS));
}

/** Deterministic ellipsoid ROI of ≈ n voxels in a padded box, intensities from a fixed LCG. */
function syntheticRoi(n: number): { image: Volume; mask: LabelMap } {
  const r = Math.cbrt((3 * n) / (4 * Math.PI * 1.5 * 0.8)); // semi-axes r, 1.5r, 0.8r
  const size: Vec3 = [Math.ceil(2 * r) + 8, Math.ceil(3 * r) + 8, Math.ceil(1.6 * r) + 8];
  const total = size[0] * size[1] * size[2];
  const img = new Int16Array(total);
  const msk = new Uint8Array(total);
  let seed = 12345;
  const c = size.map((s) => (s - 1) / 2);
  let i = 0;
  for (let z = 0; z < size[2]; z++) for (let y = 0; y < size[1]; y++) for (let x = 0; x < size[0]; x++, i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const dx = (x - c[0]!) / r, dy = (y - c[1]!) / (1.5 * r), dz = (z - c[2]!) / (0.8 * r);
    const inside = dx * dx + dy * dy + dz * dz <= 1;
    img[i] = Math.round(40 + 60 * Math.sin(x / 5) * Math.cos(y / 7) + (seed % 200) - (inside ? 0 : 100));
    msk[i] = inside ? 1 : 0;
  }
  const geo = { size, spacingMm: [0.8, 0.8, 1.5] as Vec3, originMm: [0, 0, 0] as Vec3, direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as Volume['direction'] };
  return { image: { ...geo, data: img }, mask: { ...geo, data: msk } };
}

function scalingBench(): void {
  console.log('\nlinear scaling: synthetic ellipsoid ROIs (per class median of 3, µs per ROI voxel)');
  const sizes = [1e4, 1e5, 1e6];
  const perVoxel: Record<string, number[]> = {};
  for (const n of sizes) {
    const { image, mask } = syntheticRoi(n);
    const voxels = mask.data.reduce((a, v) => a + v, 0);
    const parts: string[] = [];
    for (const cls of CLASSES) {
      const p = params([cls], { binWidth: 25 });
      const t = time(() => extractFeatures(image, mask, p), n >= 1e6 ? 1 : 3);
      (perVoxel[cls] ??= []).push((t.median * 1000) / voxels);
      parts.push(`${cls} ${t.median.toFixed(0)} ms`);
    }
    console.log(`  ${voxels.toString().padStart(8)} voxels: ${parts.join(', ')}`);
  }
  for (const cls of CLASSES) {
    const v = perVoxel[cls]!;
    console.log(`  ${cls.padEnd(11)} µs/voxel ${v.map((x) => x.toFixed(3)).join(' → ')}  (growth 1e4→1e6: ×${(v[2]! / v[0]!).toFixed(2)} per voxel)`);
  }
}

async function phantomBench(): Promise<void> {
  const dir = `${referenceDir()}/ibsi1-ct-phantom/nifti`;
  if (!existsSync(`${dir}/image.nii.gz`)) { console.log('\nIBSI CT phantom: SKIPPED (reference data absent)'); return; }
  const image = await readImageFile(`${dir}/image.nii.gz`);
  const mask = await readLabelMapFile(`${dir}/mask.nii.gz`);
  const voxels = mask.data.reduce((a, v) => a + (v ? 1 : 0), 0);
  console.log(`\nIBSI CT phantom ROI (${voxels} voxels), PyRadiomics defaults (binWidth 25), median of 3`);
  for (const cls of CLASSES) console.log(row(cls, time(() => extractFeatures(image, mask, params([cls])), 3)));
  // Original + LoG (3 sigmas) + Wavelet (8 decompositions), all classes: serial vs image types on workers.
  const filters = paramsFromObject({ imageType: { Original: {}, LoG: { sigma: [1, 3, 5] }, Wavelet: {} } });
  const rss0 = process.memoryUsage().rss;
  let t0 = performance.now();
  const n = Object.keys(extractFeatures(image, mask, filters)).length;
  const serialMs = performance.now() - t0;
  const rss1 = process.memoryUsage().rss;
  t0 = performance.now();
  await extractFeaturesParallel(image, mask, filters);
  const parallelMs = performance.now() - t0;
  console.log(`  Original + LoG×3 + Wavelet×8, all classes (${n} values): serial ${serialMs.toFixed(0)} ms, ` +
    `extractFeaturesParallel ${parallelMs.toFixed(0)} ms on ${availableParallelism()} cores; RSS ${(rss0 / 1e6).toFixed(0)} → ${(rss1 / 1e6).toFixed(0)} MB`);
}

export async function runRadiomicsBench(): Promise<void> {
  const dataDir = `${referenceDir()}/pyradiomics/data`;
  if (!existsSync(`${dataDir}/brain1_image.nrrd`)) {
    console.log('radiomics bench: SKIPPED (PyRadiomics reference data absent; set TACE_REFDATA)');
    return;
  }
  console.log('radiomics engine benchmark (ratios = PyRadiomics anchor / ours; > 1 means faster)');
  await caseBench('brain1', dataDir, 21);
  await caseBench('breast1', dataDir, 51);
  freshProcess(dataDir, 5);
  const cacheDir = mkdtempSync(join(tmpdir(), 'radiomics-ncc-'));
  freshProcess(dataDir, 1, cacheDir); // fills the cache
  freshProcess(dataDir, 5, cacheDir);
  await phantomBench();
  scalingBench();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runRadiomicsBench();
