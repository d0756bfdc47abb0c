/**
 * Image-type (filter) benchmark on the IBSI 1 CT phantom ROI (125 256 voxels, box 100×99×26):
 * the image is cropped to the ROI box + 5 voxels (PyRadiomics' padDistance) → 110×109×36, then
 * LoG with 3 sigmas (1, 3, 5 mm) + all 8 wavelet (coif1) decompositions are computed.
 *
 * Reports median and best of warm runs per step, and — in a fresh child process so that no other
 * benchmark inflates it — the cold wall time and peak memory (resourceUsage().maxRSS) of one whole
 * LoG + wavelet job, with the RSS before the job as the baseline.
 *
 * Run: node packages/radiomics/bench/filters.bench.ts   (or import runFilterBench()).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { referencePath } from '@tace/common';
import type { LabelMap, Volume } from '@tace/common';
import { IMAGE_TYPES, computeImageTypesParallel } from '../src/filters/index.ts';
import { readNiftiForTest } from '../src/filters/test-readers.ts';
import { labelBoundingBox } from '../src/filters/volume-util.ts';
import { cropToBoundingBox, resampleImageAndMask } from '../src/resample.ts';

const SIGMAS = [1.0, 3.0, 5.0];

function loadPhantom(): { image: Volume<Float64Array>; mask: LabelMap; roiVoxels: number } | undefined {
  const dir = referencePath('ibsi1-ct-phantom/nifti');
  if (!dir) return undefined;
  const im = readNiftiForTest(join(dir, 'image.nii.gz')).volume;
  const mk = readNiftiForTest(join(dir, 'mask.nii.gz')).volume;
  const mask: LabelMap = { ...mk, data: Uint8Array.from(mk.data) };
  const bb = labelBoundingBox(mask, 1)!;
  const c = cropToBoundingBox(im, mask, bb.lower, bb.size, 5);
  return { image: c.image, mask: c.mask, roiVoxels: bb.count };
}

function runJob(image: Volume<Float64Array>, mask: LabelMap): number {
  let n = 0;
  n += IMAGE_TYPES.LoG(image, mask, { sigma: SIGMAS }).length;
  n += IMAGE_TYPES.Wavelet(image, mask, {}).length;
  return n;
}

function stat(fn: () => void, runs: number): { median: number; best: number } {
  fn(); // warm-up (JIT)
  const t: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { median: t[Math.floor(t.length / 2)], best: t[0] };
}

const mb = (bytes: number) => (bytes / 1048576).toFixed(0);

/** Child mode: one cold LoG + wavelet job; prints JSON with time and memory. */
function child(): void {
  const ph = loadPhantom();
  if (!ph) return;
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const images = runJob(ph.image, ph.mask);
  const ms = performance.now() - t0;
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ ms, images, rssBeforeMb: Number(mb(rssBefore)), maxRssMb: Number(mb(maxRssBytes)) }));
}

export async function runFilterBench(): Promise<void> {
  const ph = loadPhantom();
  if (!ph) return;
  const { image, mask } = ph;
  const vox = image.data.length;
  console.log(`IBSI CT phantom: ROI ${ph.roiVoxels} voxels, filtered box ${image.size.join('×')} = ${vox} voxels (ROI box + padDistance 5)`);

  const self = fileURLToPath(import.meta.url);
  const res = spawnSync(process.execPath, [self], { env: { ...process.env, R3_FILTER_BENCH_CHILD: '1' }, encoding: 'utf8' });
  const line = res.stdout.trim().split('\n').at(-1) ?? '';
  try {
    const j = JSON.parse(line) as { ms: number; images: number; rssBeforeMb: number; maxRssMb: number };
    console.log(
      `fresh process, LoG σ=${SIGMAS.join('/')} mm + 8 wavelet decompositions (${j.images} images): ${j.ms.toFixed(0)} ms cold; ` +
        `peak RSS ${j.maxRssMb} MB (RSS before the job ${j.rssBeforeMb} MB, so ≈${j.maxRssMb - j.rssBeforeMb} MB for the job)`,
    );
  } catch {
    console.log(`child run failed: ${res.stderr.slice(0, 500)}`);
  }

  const runs = 5;
  const rows: Array<[string, { median: number; best: number }]> = [
    ['LoG, 3 sigmas', stat(() => IMAGE_TYPES.LoG(image, mask, { sigma: SIGMAS }), runs)],
    ['LoG, one sigma (3 mm)', stat(() => IMAGE_TYPES.LoG(image, mask, { sigma: [3.0] }), runs)],
    ['Wavelet coif1, 8 decompositions', stat(() => IMAGE_TYPES.Wavelet(image, mask, {}), runs)],
    ['LoG ×3 + Wavelet ×8 (the job)', stat(() => runJob(image, mask), runs)],
    ['Square+SquareRoot+Logarithm+Exponential', stat(() => ['Square', 'SquareRoot', 'Logarithm', 'Exponential'].forEach((k) => IMAGE_TYPES[k](image, mask, {})), runs)],
    ['Gradient', stat(() => IMAGE_TYPES.Gradient(image, mask, {}), runs)],
    ['LBP2D (uniform, P=8, R=1)', stat(() => IMAGE_TYPES.LBP2D(image, mask, {}), runs)],
    ['LBP3D (2 levels, 42 vertices, ROI voxels)', stat(() => IMAGE_TYPES.LBP3D(image, mask, {}), 1)],
    ['resample sitkBSpline → 2 mm iso (+NN mask)', stat(() => resampleImageAndMask(image, mask, { resampledPixelSpacing: [2, 2, 2], interpolator: 'sitkBSpline' }), runs)],
    ['resample sitkLinear → 1 mm iso (+NN mask)', stat(() => resampleImageAndMask(image, mask, { resampledPixelSpacing: [1, 1, 1], interpolator: 'sitkLinear' }), runs)],
  ];
  for (const [name, s] of rows) {
    const mvoxPerS = vox / (s.median / 1000) / 1e6;
    console.log(`${name.padEnd(45)} median ${s.median.toFixed(1).padStart(8)} ms  best ${s.best.toFixed(1).padStart(8)} ms  (${mvoxPerS.toFixed(1)} Mvox/s of box)`);
  }

  // The same job on 2 worker threads (LoG split per sigma), worker start-up included.
  const jobs = [...SIGMAS.map((s) => ({ type: 'LoG', opts: { sigma: [s] } })), { type: 'Wavelet', opts: {} }];
  const par: number[] = [];
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    await computeImageTypesParallel(image, mask, jobs, 2);
    par.push(performance.now() - t0);
  }
  par.sort((a, b) => a - b);
  const seq = rows[3][1];
  console.log(
    `${'the job on 2 worker threads (start-up incl.)'.padEnd(45)} median ${par[1].toFixed(1).padStart(8)} ms  best ${par[0].toFixed(1).padStart(8)} ms  ` +
      `(sequential/parallel median ratio ${(seq.median / par[1]).toFixed(2)})`,
  );
}

if (process.env.R3_FILTER_BENCH_CHILD === '1') child();
else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runFilterBench();
