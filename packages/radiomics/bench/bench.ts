/**
 * Radiomics engine benchmark (`npm run bench -- radiomics` calls runRadiomicsBench(); or run this file).
 *
 * Every figure prints as median and best (the machines are shared and noisy), with two ratios:
 *  - "vs PyRadiomics": the PyRadiomics anchor, measured on this kind of machine (2 cores), from issue #3
 *    (its C extension, default settings, warm process): brain1 all 7 classes 86.8 ms median (best 64.7),
 *    shape 54 ms, glcm 15 ms; breast1 9.8 ms; a fresh process doing one brain1 extraction 456 ms.
 *    Ratio = anchor / ours (> 1: we are faster; the issue's goal is ≥ 3).
 *  - "× base": ours / a baseline measured in this same run (a plain pass summing the ROI voxels in
 *    process; Node start-up, and a process that only reads the two files, for fresh processes).
 *
 * Sections: 1. brain1 and breast1, per class and all 7, warm. 2. Fresh processes (compile cache cold and
 * warm). 3. IBSI CT phantom ROI per class. 4. Original + LoG (3 sigmas) + Wavelet (8 decompositions) on the
 * CT phantom: time and peak memory (RSS of a dedicated child process). 5. Scaling over 10⁴, 10⁵, 10⁶-voxel
 * ROIs. Timings only print; nothing here asserts on time.
 *
 * Run: node packages/radiomics/bench/bench.ts [cases,fresh,phantom,filters,scaling]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabelMap, Vec3, Volume } from '@tace/common';
import { referenceDir } from '@tace/common';
import { extractFeatures, paramsFromObject, readImageFile, readLabelMapFile, type RadiomicsParams } from '../src/index.ts';

const CLASSES = ['firstorder', 'shape', 'glcm', 'glrlm', 'glszm', 'gldm', 'ngtdm'] as const;
/** PyRadiomics anchor, measured on this kind of machine, from issue #3 (ms; per class where the issue gives one). */
const ANCHOR_MS: Record<string, Record<string, { median: number; best?: number }>> = {
  brain1: { all: { median: 86.8, best: 64.7 }, shape: { median: 54 }, glcm: { median: 15 } },
  breast1: { all: { median: 9.8 } },
};
const ANCHOR_FRESH_BRAIN1_MS = 456;
const ANCHOR_NOTE = 'PyRadiomics anchor, measured on this kind of machine, from issue #3';

interface Stat { median: number; best: number }

function stat(ts: number[]): Stat {
  const s = [...ts].sort((a, b) => a - b);
  return { median: s[s.length >> 1]!, best: s[0]! };
}

function time(fn: () => void, repeats: number, warmup = Math.min(repeats, 10)): Stat {
  for (let r = 0; r < warmup; r++) fn(); // JIT warm-up
  const ts: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return stat(ts);
}

const fmt = (ms: number) => ms.toFixed(ms < 10 ? 2 : 1).padStart(7);

function row(label: string, t: Stat, anchor?: { median: number; best?: number }, base?: Stat): string {
  let s = `  ${label.padEnd(13)} median ${fmt(t.median)} ms  best ${fmt(t.best)} ms`;
  if (anchor) {
    const ab = anchor.best ?? anchor.median;
    s += `  | vs PyRadiomics ${anchor.median} ms: ${(anchor.median / t.median).toFixed(1)}× faster (median), ${(ab / t.best).toFixed(1)}× (best${anchor.best ? ` vs ${anchor.best}` : ''})`;
  }
  if (base) s += `  | ${(t.median / base.median).toFixed(1)}× base`;
  return s;
}

function params(classes: readonly string[], extra: Record<string, unknown> = {}): RadiomicsParams {
  return paramsFromObject({
    setting: { additionalInfo: false, ...extra },
    featureClass: Object.fromEntries(classes.map((c) => [c, []])),
  });
}

/** Baseline: one plain pass over image and mask summing the ROI voxels (what any extraction must at least read). */
function sumRoi(image: Volume, mask: LabelMap): number {
  const d = image.data, m = mask.data;
  let s = 0;
  for (let i = 0; i < m.length; i++) if (m[i] === 1) s += d[i]!;
  return s;
}

async function caseBench(name: string, dataDir: string, repeats: number): Promise<void> {
  const image = await readImageFile(`${dataDir}/${name}_image.nrrd`);
  const mask = await readLabelMapFile(`${dataDir}/${name}_label.nrrd`);
  const roi = mask.data.reduce((a, v) => a + (v === 1 ? 1 : 0), 0);
  let sink = 0;
  const base = time(() => { sink += sumRoi(image, mask); }, repeats);
  console.log(`\n${name} (${roi} ROI voxels in a ${image.size.join('×')} volume), warm, ${repeats} repeats, PyRadiomics default settings, diagnostics off unless said`);
  console.log(row('base: sum ROI', base));
  for (const cls of CLASSES) {
    const p = params([cls]);
    console.log(row(cls, time(() => extractFeatures(image, mask, p), repeats), ANCHOR_MS[name]?.[cls], base));
  }
  const all = params(CLASSES);
  console.log(row('all 7', time(() => extractFeatures(image, mask, all), repeats), ANCHOR_MS[name]?.all, base));
  const withDiag = paramsFromObject({ featureClass: Object.fromEntries(CLASSES.map((c) => [c, []])) });
  console.log(row('all 7 + diag', time(() => extractFeatures(image, mask, withDiag), repeats), ANCHOR_MS[name]?.all, base));
  if (sink === 0.5) console.log(''); // keep the baseline from being optimised away
}

/** Wall time of `runs` spawned processes (after `warm` untimed ones). */
function spawnTimes(args: string[], runs: number, env: NodeJS.ProcessEnv, warm = 1, eachRun?: () => NodeJS.ProcessEnv): Stat | null {
  const ts: number[] = [];
  for (let r = 0; r < warm + runs; r++) {
    const e = eachRun ? { ...env, ...eachRun() } : env;
    const t0 = performance.now();
    const res = spawnSync(process.execPath, args, { env: e, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = performance.now() - t0;
    if (res.status !== 0) {
      console.log(`  process failed (${res.status}): ${res.stderr.toString().slice(0, 300)}`);
      return null;
    }
    if (r >= warm) ts.push(ms);
  }
  return stat(ts);
}

/**
 * A CommonJS script for `node -e`: read two gzip NRRDs (image, mask), inflate both on the thread pool
 * (each into one buffer: zlib's chunkSize = the payload size from the header), sum the image over
 * mask == 1, exit 3 if the sum is not positive. Only the NRRD types of the PyRadiomics test cases.
 */
function floorScript(image: string, mask: string): string {
  return `const fs = process.getBuiltinModule('node:fs'), zlib = process.getBuiltinModule('node:zlib');
const BYTES = { short: 2, int16: 2, int: 4, int32: 4, float: 4, double: 8, uchar: 1, uint8: 1 };
function open(path, done) {
  const b = fs.readFileSync(path);
  const end = b.indexOf('\\n\\n');
  const h = b.subarray(0, end).toString('latin1');
  const type = /^type: *(.+)$/m.exec(h)[1].trim();
  const n = /^sizes: *(.+)$/m.exec(h)[1].trim().split(/ +/).reduce((a, x) => a * Number(x), 1);
  zlib.gunzip(b.subarray(end + 2), { chunkSize: n * BYTES[type] + 64 }, (e, raw) => {
    if (e) throw e;
    const C = { 2: Int16Array, 4: type.startsWith('f') ? Float32Array : Int32Array, 8: Float64Array, 1: Uint8Array }[BYTES[type]];
    done(new C(raw.buffer, raw.byteOffset, n));
  });
}
function sum(img, msk) { let s = 0; const n = msk.length; for (let k = 0; k < n; k++) if (msk[k] === 1) s += img[k]; return s; }
let img, msk;
const both = () => { if (img && msk && !(sum(img, msk) > 0)) process.exit(3); };
open(${JSON.stringify(image)}, (v) => { img = v; both(); });
open(${JSON.stringify(mask)}, (v) => { msk = v; both(); });`;
}

function freshBench(dataDir: string, runs: number): void {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  const bin = join(root, 'packages/radiomics/bin/radiomics.mjs');
  const mainCli = join(root, 'packages/cli/bin/tace-risk.mjs');
  const out = join(tmpdir(), `radiomics-bench-${process.pid}.csv`);
  const yaml = join(tmpdir(), `radiomics-bench-${process.pid}.yaml`);
  spawnSync(process.execPath, ['-e', `require('fs').writeFileSync(${JSON.stringify(yaml)}, '')`]); // empty file = PyRadiomics defaults
  const io = ['--params', yaml, '--image', `${dataDir}/brain1_image.nrrd`, '--mask', `${dataDir}/brain1_label.nrrd`, '--out', out];
  // The CLI entries call module.enableCompileCache(), whose cache lives in os.tmpdir(): TMPDIR selects it.
  // NODE_COMPILE_CACHE is left unset (it would also cache the entry file, which users do not get).
  const cacheDir = mkdtempSync(join(tmpdir(), 'radiomics-ncc-'));
  // The bin loads the engine as one bundled file (bin/engine.mjs), built at the first run after a source
  // change into a cache folder: here a folder of this run's, built before timing.
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: cacheDir, TACE_RADIOMICS_BUNDLE_CACHE: join(cacheDir, 'bundle') };
  delete env.NODE_COMPILE_CACHE;
  delete env.NODE_DISABLE_COMPILE_CACHE;
  delete env.TACE_RADIOMICS_BUNDLE;
  spawnSync(process.execPath, [bin, 'extract', ...io], { env, stdio: 'ignore' });
  const src = fileURLToPath(new URL('../src/io/index.ts', import.meta.url));
  const readOnly = `import { readImageFile, readLabelMapFile } from ${JSON.stringify(src)};
const i = await readImageFile(${JSON.stringify(`${dataDir}/brain1_image.nrrd`)});
const m = await readLabelMapFile(${JSON.stringify(`${dataDir}/brain1_label.nrrd`)});
let s = 0; for (let k = 0; k < m.data.length; k++) if (m.data[k] === 1) s += i.data[k];
if (!(s > 0)) process.exit(3);`;

  console.log(`\nfresh process: one whole brain1 extraction (all 7 classes + diagnostics, CSV out), ${runs} runs each`);
  console.log('  The compile cache is Node\'s equivalent of the .pyc files PyRadiomics\' anchor process reuses: the');
  console.log('  CLI entries call module.enableCompileCache(), so after the first process the TypeScript is neither');
  console.log('  stripped nor compiled again. "cold" = an empty cache directory for every run (no .pyc either),');
  console.log('  and no V8 code cache of the bundle (bin/engine.mjs writes it after the first extract);');
  console.log('  "warm" = the cache the previous run left (as for every process after the first).');
  const nodeStart = spawnTimes(['-e', '0'], runs, env);
  if (nodeStart) console.log(row('base: node -e 0', nodeStart));
  // What a fresh process pays per MB of memory it touches first (page faults): on most machines
  // ≈0.1–0.3 ms/MB; on some VMs ten times more, which then dominates a fresh process (node -e 0 alone
  // touches ≈10 MB, one brain1 extraction ≈40 MB). Printed so that runs on different days compare.
  const touch = spawnSync(process.execPath, ['-e',
    'const t=performance.now();new Float64Array(2097152).fill(1);process.stdout.write(String((performance.now()-t)/16))'], { env, encoding: 'utf8' });
  if (touch.status === 0) console.log(`  machine: first touch of fresh memory ${Number(touch.stdout).toFixed(2)} ms/MB (16 MB in a fresh process)`);
  // The read-only baseline gets the same compile cache as the warm CLI runs (through NODE_COMPILE_CACHE).
  const readEnv = { ...env, NODE_COMPILE_CACHE: join(cacheDir, 'read-only') };
  const readBase = spawnTimes(['--input-type=module', '-e', readOnly], runs, readEnv, 1);
  if (readBase) console.log(row('base: read', readBase));
  // The floor: a plain script (no engine, no TypeScript) that reads the two files, inflates each on the
  // thread pool into one buffer of the size its header declares, and makes one pass over the ROI. No
  // extraction can finish sooner on this machine; compare it with the anchor's goal (456 / 3 ms).
  const floor = spawnTimes(['-e', floorScript(`${dataDir}/brain1_image.nrrd`, `${dataDir}/brain1_label.nrrd`)], runs, env, 1);
  if (floor) {
    console.log(`${row('base: floor', floor)}  | read + inflate + one ROI pass only; the 3× goal is ${(ANCHOR_FRESH_BRAIN1_MS / 3).toFixed(0)} ms`);
  }
  const fresh = (label: string, args: string[], cold: boolean) => {
    const coldDirs: string[] = [];
    const t = cold
      ? spawnTimes(args, runs, env, 0, () => {
        coldDirs.push(mkdtempSync(join(tmpdir(), 'radiomics-ncc-cold-')));
        // and no V8 code cache of the bundle either (bin/engine.mjs writes one after each such run)
        const bundleCache = env.TACE_RADIOMICS_BUNDLE_CACHE!;
        for (const f of existsSync(bundleCache) ? readdirSync(bundleCache) : []) {
          if (f.endsWith('.v8cache')) rmSync(join(bundleCache, f), { force: true });
        }
        return { TMPDIR: coldDirs[coldDirs.length - 1] };
      })
      : spawnTimes(args, runs, env, 1);
    for (const d of coldDirs) rmSync(d, { recursive: true, force: true });
    if (t) console.log(row(label, t, { median: ANCHOR_FRESH_BRAIN1_MS }, readBase ?? undefined));
  };
  fresh('bin cold', [bin, 'extract', ...io], true);
  fresh('bin warm', [bin, 'extract', ...io], false);
  // breast1 (143 ROI voxels): the issue gives no fresh-process anchor for it, so no ratio
  const ioBreast = ['--params', yaml, '--image', `${dataDir}/breast1_image.nrrd`, '--mask', `${dataDir}/breast1_label.nrrd`, '--out', out];
  const breast = spawnTimes([bin, 'extract', ...ioBreast], runs, env, 1);
  if (breast) console.log(`${row('bin breast1', breast)}  | (no fresh-process anchor for breast1 in the issue)`);
  // the same without the bundle (what the bin falls back to), and the first run after a source change
  // (bundle rebuilt: a new bundle cache folder for every run; the compile cache of everything else warm)
  env.TACE_RADIOMICS_BUNDLE = '0';
  fresh('bin unbundled', [bin, 'extract', ...io], false);
  delete env.TACE_RADIOMICS_BUNDLE;
  let rebuilds = 0;
  const rebuilt = spawnTimes([bin, 'extract', ...io], runs, env, 1,
    () => ({ TACE_RADIOMICS_BUNDLE_CACHE: join(cacheDir, `bundle-rebuild-${rebuilds++}`) }));
  if (rebuilt) console.log(row('bin rebuild', rebuilt, { median: ANCHOR_FRESH_BRAIN1_MS }, readBase ?? undefined));
  fresh('tace-risk cold', [mainCli, 'radiomics', 'extract', ...io], true);
  fresh('tace-risk warm', [mainCli, 'radiomics', 'extract', ...io], false);
  console.log('  bin = node packages/radiomics/bin/radiomics.mjs extract … (engine bundled, bin/engine.mjs); tace-risk = node packages/cli/bin/tace-risk.mjs radiomics extract … (the installed `tace-risk` command)');
  console.log('  "bin unbundled" = warm, TACE_RADIOMICS_BUNDLE=0; "bin rebuild" = the first run after a source change (bundle built)');
  console.log(`  (× base: relative to the read-only process; ${ANCHOR_NOTE}: ${ANCHOR_FRESH_BRAIN1_MS} ms)`);
  for (const f of [out, yaml]) rmSync(f, { force: true });
  rmSync(cacheDir, { recursive: true, force: true });
}

async function phantomBench(): Promise<void> {
  const dir = `${referenceDir()}/ibsi1-ct-phantom/nifti`;
  if (!existsSync(`${dir}/image.nii.gz`)) { console.log('\nIBSI CT phantom: SKIPPED (reference data absent)'); return; }
  const image = await readImageFile(`${dir}/image.nii.gz`);
  const mask = await readLabelMapFile(`${dir}/mask.nii.gz`);
  const voxels = mask.data.reduce((a, v) => a + (v === 1 ? 1 : 0), 0);
  const base = time(() => sumRoi(image, mask), 5);
  console.log(`\nIBSI CT phantom ROI (${voxels} voxels), PyRadiomics defaults (binWidth 25), warm, median and best of 5 (no PyRadiomics anchor in the issue)`);
  console.log(row('base: sum ROI', base));
  for (const cls of CLASSES) console.log(row(cls, time(() => extractFeatures(image, mask, params([cls])), 5, 1), undefined, base));
  console.log(row('all 7', time(() => extractFeatures(image, mask, params(CLASSES)), 3, 1), undefined, base));
}

/** Original + LoG ×3 + Wavelet ×8 on the CT phantom, in a child process each so its peak RSS is its own. */
function filterBench(): void {
  const dir = `${referenceDir()}/ibsi1-ct-phantom/nifti`;
  if (!existsSync(`${dir}/image.nii.gz`)) return;
  const src = fileURLToPath(new URL('../src/index.ts', import.meta.url));
  const script = (parallel: boolean) => `import { extractFeatures, extractFeaturesParallel, paramsFromObject, readImageFile, readLabelMapFile } from ${JSON.stringify(src)};
const image = await readImageFile(${JSON.stringify(`${dir}/image.nii.gz`)});
const mask = await readLabelMapFile(${JSON.stringify(`${dir}/mask.nii.gz`)});
const p = paramsFromObject({ imageType: { Original: {}, LoG: { sigma: [1, 3, 5] }, Wavelet: {} } });
const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
const f = ${parallel ? `await extractFeaturesParallel(image, mask, p, { workers: ${availableParallelism()} })` : 'extractFeatures(image, mask, p)'};
const ms = performance.now() - t0;
console.log(JSON.stringify({ ms, n: Object.keys(f).length, rss0: rss0 / 1e6, peak: process.resourceUsage().maxRSS / 1e3 }));`;
  console.log(`\nOriginal + LoG (sigma 1, 3, 5 mm) + Wavelet (8 decompositions), all classes, IBSI CT phantom; one child process per run`);
  // Script files, not `-e`: worker threads inherit execArgv, and --input-type is refused for them.
  const tmp = mkdtempSync(join(tmpdir(), 'radiomics-bench-'));
  for (const parallel of [false, true]) {
    const ms: number[] = [];
    const peaks: number[] = [];
    let info = '';
    const file = join(tmp, `filters-${parallel ? 'parallel' : 'serial'}.mjs`);
    writeFileSync(file, script(parallel));
    for (let r = 0; r < 3; r++) {
      const res = spawnSync(process.execPath, [file], { encoding: 'utf8' });
      if (res.status !== 0) { console.log(`  failed: ${res.stderr.slice(0, 300)}`); rmSync(tmp, { recursive: true, force: true }); return; }
      const o = JSON.parse(res.stdout.trim().split('\n').pop()!) as { ms: number; n: number; rss0: number; peak: number };
      ms.push(o.ms);
      peaks.push(o.peak);
      info = `${o.n} values; RSS after reading the inputs ${o.rss0.toFixed(0)} MB`;
    }
    const t = stat(ms);
    const label = parallel ? `extractFeaturesParallel (${availableParallelism()} workers)` : 'extractFeatures (serial)';
    console.log(`  ${label.padEnd(36)} median ${fmt(t.median)} ms  best ${fmt(t.best)} ms  peak RSS ${Math.max(...peaks).toFixed(0)} MB (median ${stat(peaks).median.toFixed(0)}); ${info}`);
  }
  rmSync(tmp, { recursive: true, force: true });
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
  console.log('\nscaling: synthetic ellipsoid ROIs (binWidth 25), per class median (best) in ms, µs per ROI voxel, and × base (sum-ROI pass)');
  const sizes = [1e4, 1e5, 1e6];
  const perVoxel: Record<string, number[]> = {};
  for (const n of sizes) {
    const { image, mask } = syntheticRoi(n);
    const voxels = mask.data.reduce((a, v) => a + v, 0);
    const reps = n >= 1e6 ? 3 : n >= 1e5 ? 3 : 5;
    const base = time(() => sumRoi(image, mask), 5);
    console.log(`  ${voxels} voxels (box ${image.size.join('×')}), base ${base.median.toFixed(2)} ms:`);
    for (const cls of CLASSES) {
      const p = params([cls], { binWidth: 25 });
      const t = time(() => extractFeatures(image, mask, p), reps, 1);
      (perVoxel[cls] ??= []).push((t.median * 1000) / voxels);
      console.log(`    ${cls.padEnd(11)} ${fmt(t.median)} (${t.best.toFixed(1)}) ms  ${((t.median * 1000) / voxels).toFixed(3).padStart(7)} µs/voxel  ${(t.median / base.median).toFixed(0).padStart(6)}× base`);
    }
  }
  for (const cls of CLASSES) {
    const v = perVoxel[cls]!;
    console.log(`  ${cls.padEnd(11)} µs/voxel ${v.map((x) => x.toFixed(3)).join(' → ')}  (per-voxel cost 1e4→1e6: ×${(v[2]! / v[0]!).toFixed(2)}; linear = ×1)`);
  }
}

/** `only`: comma-separated section names (cases, fresh, phantom, filters, scaling); all when omitted. */
export async function runRadiomicsBench(only?: string): Promise<void> {
  const on = (section: string) => !only || only.split(',').includes(section);
  const dataDir = `${referenceDir()}/pyradiomics/data`;
  if (!existsSync(`${dataDir}/brain1_image.nrrd`)) {
    console.log('radiomics bench: SKIPPED (PyRadiomics reference data absent; set TACE_REFDATA)');
    return;
  }
  console.log(`radiomics engine benchmark — Node ${process.version}, ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`  vs PyRadiomics = ${ANCHOR_NOTE} (its C extension, default settings): anchor / ours, > 1 means faster; goal ≥ 3×`);
  if (on('cases')) {
    await caseBench('brain1', dataDir, 41);
    await caseBench('breast1', dataDir, 101);
  }
  if (on('fresh')) freshBench(dataDir, 9);
  if (on('phantom')) await phantomBench();
  if (on('filters')) filterBench();
  if (on('scaling')) scalingBench();
  console.log(`\nload average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runRadiomicsBench(process.argv[2]);
