/**
 * Texture-class benchmark: per class (discretization + matrix + features, as a PyRadiomics class does in
 * its init + execute), median and best of N warm runs on the PyRadiomics reference cases brain1 and
 * breast1 (default settings: binWidth 25, distance 1), on the IBSI 1 CT phantom ROI (≈125 k voxels, PyRadiomics
 * defaults), the ratio to PyRadiomics' glcm anchor (15 ms on
 * brain1, C extension, same kind of machine — from issue #3), and the growth with ROI size on synthetic
 * ROIs of 10⁴, 10⁵, 10⁶ voxels (a random-walk texture in a ball, so zones and runs stay realistic).
 *
 * Run: node packages/radiomics/bench/texture.bench.ts   (or import runTextureBench()).
 */
import { join } from 'node:path';
import { referencePath } from '@tace/common';
import type { Vec3 } from '@tace/common';
import { discretize } from '../src/discretize.ts';
import { TEXTURE_CLASSES } from '../src/texture.ts';
import type { TextureClassName } from '../src/texture.ts';
import { readNrrdMinimal } from '../src/texture.refcase.ts';
import { readImageFile, readLabelMapFile } from '../src/io/index.ts';

const CLASSES: TextureClassName[] = ['glcm', 'glrlm', 'glszm', 'gldm', 'ngtdm'];
const PYRADIOMICS_GLCM_BRAIN1_MS = 15;

interface Stat {
  median: number;
  best: number;
}

function time(fn: () => void, runs: number): Stat {
  for (let k = 0; k < Math.min(runs, 20); k++) fn(); // warm-up (JIT)
  const t: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { median: t[Math.floor(t.length / 2)]!, best: t[0]! };
}

/** Crop image and mask to the mask's bounding box, as PyRadiomics hands the class a cropped image. */
function crop(values: Float64Array, mask: Uint8Array, size: Vec3): { values: Float64Array; mask: Uint8Array; size: Vec3 } {
  const [sx, sy, sz] = size;
  let x0 = sx, y0 = sy, z0 = sz, x1 = -1, y1 = -1, z1 = -1;
  for (let z = 0, i = 0; z < sz; z++) for (let y = 0; y < sy; y++) for (let x = 0; x < sx; x++, i++) {
    if (!mask[i]) continue;
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); z0 = Math.min(z0, z); z1 = Math.max(z1, z);
  }
  const out: Vec3 = [x1 - x0 + 1, y1 - y0 + 1, z1 - z0 + 1];
  const v = new Float64Array(out[0] * out[1] * out[2]);
  const m = new Uint8Array(v.length);
  for (let z = z0, k = 0; z <= z1; z++) for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++, k++) {
    const i = x + sx * (y + sy * z);
    v[k] = values[i]!;
    m[k] = mask[i]!;
  }
  return { values: v, mask: m, size: out };
}

function benchCase(values: Float64Array, mask: Uint8Array, size: Vec3, spacingMm: Vec3, runs: number): Record<string, Stat> {
  const out: Record<string, Stat> = {};
  for (const cls of CLASSES) {
    out[cls] = time(() => {
      const { binned } = discretize(values, mask, { binWidth: 25 });
      TEXTURE_CLASSES[cls]({ binned, size, spacingMm, settings: {} });
    }, runs);
  }
  return out;
}

/** Deterministic pseudo-random generator (mulberry32) for the synthetic ROIs. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A ball of about `n` voxels filled with smoothed noise spanning ~30 bins of width 25. */
function syntheticBall(n: number): { values: Float64Array; mask: Uint8Array; size: Vec3 } {
  const r = Math.cbrt((3 * n) / (4 * Math.PI));
  const s = Math.ceil(2 * r) + 2;
  const size: Vec3 = [s, s, s];
  const rand = rng(n);
  const noise = Float64Array.from({ length: s * s * s }, () => rand());
  const values = new Float64Array(noise.length);
  const mask = new Uint8Array(noise.length);
  const c = (s - 1) / 2;
  for (let z = 1, i = 0; z < s - 1; z++) for (let y = 1; y < s - 1; y++) for (let x = 1; x < s - 1; x++) {
    i = x + s * (y + s * z);
    // 3-tap box smoothing along x and y gives short runs and small zones, like tissue texture.
    const sm = (noise[i]! + noise[i - 1]! + noise[i + 1]! + noise[i - s]! + noise[i + s]!) / 5;
    values[i] = Math.round(sm * 750);
    mask[i] = (x - c) ** 2 + (y - c) ** 2 + (z - c) ** 2 <= r * r ? 1 : 0;
  }
  return { values, mask, size };
}

export async function runTextureBench(): Promise<void> {
  const root = referencePath('pyradiomics');
  if (root) {
    for (const name of ['brain1', 'breast1']) {
      const img = readNrrdMinimal(join(root, 'data', `${name}_image.nrrd`));
      const lab = readNrrdMinimal(join(root, 'data', `${name}_label.nrrd`));
      const mask = Uint8Array.from(lab.data, (v) => (v === 1 ? 1 : 0));
      const c = crop(img.data, mask, img.size);
      const roi = c.mask.reduce((s, v) => s + v, 0);
      const stats = benchCase(c.values, c.mask, c.size, img.spacingMm, 100);
      let total = 0;
      console.log(`texture ${name} (ROI ${roi} voxels, box ${c.size.join('x')}), 100 warm runs:`);
      for (const cls of CLASSES) {
        total += stats[cls]!.median;
        console.log(`  ${cls.padEnd(6)} median ${stats[cls]!.median.toFixed(3)} ms  best ${stats[cls]!.best.toFixed(3)} ms`);
      }
      console.log(`  all 5  median-sum ${total.toFixed(3)} ms`);
      if (name === 'brain1') {
        const g = stats.glcm!;
        console.log(`  glcm vs PyRadiomics anchor ${PYRADIOMICS_GLCM_BRAIN1_MS} ms: ${(PYRADIOMICS_GLCM_BRAIN1_MS / g.median).toFixed(1)}x faster (median), ${(PYRADIOMICS_GLCM_BRAIN1_MS / g.best).toFixed(1)}x (best)`);
      }
    }
  }
  const ct = referencePath('ibsi1-ct-phantom');
  if (ct) {
    const img = await readImageFile(join(ct, 'nifti', 'image.nii.gz'));
    const lab = await readLabelMapFile(join(ct, 'nifti', 'mask.nii.gz'));
    const values = Float64Array.from(img.data);
    const mask = Uint8Array.from(lab.data, (v) => (v > 0 ? 1 : 0));
    const c = crop(values, mask, img.size);
    const roi = c.mask.reduce((s, v) => s + v, 0);
    const stats = benchCase(c.values, c.mask, c.size, img.spacingMm, 5);
    console.log(`texture IBSI CT phantom (ROI ${roi} voxels, box ${c.size.join('x')}), binWidth 25, 5 warm runs:`);
    for (const cls of CLASSES) console.log(`  ${cls.padEnd(6)} median ${stats[cls]!.median.toFixed(2)} ms  best ${stats[cls]!.best.toFixed(2)} ms`);
  }
  console.log('texture scaling (synthetic ball ROI, binWidth 25), median of 3 runs, ms:');
  console.log(`  ${'voxels'.padStart(9)} ${CLASSES.map((c) => c.padStart(9)).join(' ')}   ns/voxel (sum)`);
  for (const n of [1e4, 1e5, 1e6]) {
    const b = syntheticBall(n);
    const roi = b.mask.reduce((s, v) => s + v, 0);
    const stats = benchCase(b.values, b.mask, b.size, [1, 1, 1], 3);
    const sum = CLASSES.reduce((s, c) => s + stats[c]!.median, 0);
    console.log(`  ${String(roi).padStart(9)} ${CLASSES.map((c) => stats[c]!.median.toFixed(1).padStart(9)).join(' ')}   ${((sum * 1e6) / roi).toFixed(0)}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runTextureBench();
}
