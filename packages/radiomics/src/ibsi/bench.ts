/**
 * IBSI-mode benchmark (not a test): time per family on the IBSI CT phantom (configurations A and
 * C) and on synthetic spherical ROIs of 10⁴, 10⁵, 10⁶ voxels to show linear growth.
 * Run: node packages/radiomics/src/ibsi/bench.ts [runs]
 */
import { join } from 'node:path';
import { IDENTITY_DIRECTION, referencePath } from '@tace/common';
import type { LabelMap, Volume } from '@tace/common';
import { readImageFile, toLabelMap } from '../io/index.ts';
import { extractIbsi } from './index.ts';
import type { IbsiConfig, IbsiFamily } from './types.ts';

const FAMILIES: IbsiFamily[] = ['morphology', 'local_intensity', 'intensity_statistics', 'intensity_histogram', 'ivh', 'glcm', 'glrlm', 'glszm', 'gldzm', 'ngtdm', 'ngldm'];
const runs = Number(process.argv[2] ?? 3);

function timeMs(f: () => void): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${(s[Math.floor(s.length / 2)] ?? 0).toFixed(0)} ms, best ${(s[0] ?? 0).toFixed(0)} ms`;
}

function perFamily(label: string, image: Volume, mask: LabelMap, cfg: IbsiConfig, n: number): void {
  const base: number[] = [];
  for (let r = 0; r < n; r++) base.push(timeMs(() => extractIbsi(image, mask, { ...cfg, families: [] })));
  console.log(`${label}: preprocessing ${stats(base)}`);
  const baseMed = [...base].sort((a, b) => a - b)[Math.floor(base.length / 2)] ?? 0;
  for (const fam of FAMILIES) {
    const t: number[] = [];
    for (let r = 0; r < n; r++) t.push(timeMs(() => extractIbsi(image, mask, { ...cfg, families: [fam] })) - baseMed);
    console.log(`  ${fam.padEnd(22)} ${stats(t)}`);
  }
  const all: number[] = [];
  for (let r = 0; r < n; r++) all.push(timeMs(() => extractIbsi(image, mask, cfg)));
  console.log(`  ${'total'.padEnd(22)} ${stats(all)}  (rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB)`);
}

function sphere(voxels: number): { image: Volume; mask: LabelMap } {
  const r = Math.cbrt((3 * voxels) / (4 * Math.PI));
  const n = Math.ceil(2 * r) + 8;
  const c = (n - 1) / 2;
  const data = new Float64Array(n * n * n);
  const m = new Uint8Array(n * n * n);
  let seed = 7;
  for (let z = 0; z < n; z++)
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) {
        const i = x + n * (y + n * z);
        seed = (seed * 1103515245 + 12345) % 2147483648;
        data[i] = Math.round(40 * Math.sin(x / 5) * Math.cos(y / 7) + 20 * Math.sin(z / 3) + (seed / 2147483648) * 30);
        if ((x - c) ** 2 + (y - c) ** 2 + (z - c) ** 2 <= r * r) m[i] = 1;
      }
  const geo = { size: [n, n, n] as [number, number, number], spacingMm: [1, 1, 1] as [number, number, number], originMm: [0, 0, 0] as [number, number, number], direction: IDENTITY_DIRECTION };
  return { image: { ...geo, data }, mask: { ...geo, data: m } };
}

const dir = referencePath('ibsi1-ct-phantom');
if (dir) {
  const raw = await readImageFile(join(dir, 'nifti', 'image.nii.gz'));
  const image = { ...raw, data: Float64Array.from(raw.data, (v) => Math.round(v)) };
  const mask = toLabelMap(await readImageFile(join(dir, 'nifti', 'mask.nii.gz')));
  perFamily('CT phantom, configuration A (2D, 125 256-voxel ROI)', image, mask, { mode: '2D', resegmentationRange: [-500, 400], discretisation: { method: 'FBS', binWidth: 25 } }, runs);
  perFamily('CT phantom, configuration C (3D, 2 mm, 45 985-voxel ROI)', image, mask, {
    mode: '3D', resegmentationRange: [-1000, 400], discretisation: { method: 'FBS', binWidth: 25 }, ivhDiscretisation: { method: 'FBS', binWidth: 2.5 },
    resampling: { spacingMm: [2, 2, 2], interpolation: 'linear', maskInterpolation: 'linear', roundIntensities: true },
  }, runs);
}
for (const v of [1e4, 1e5, 1e6]) {
  const { image, mask } = sphere(v);
  perFamily(`synthetic sphere, ${v.toExponential(0)} voxels, 3D FBN 32`, image, mask, { mode: '3D', discretisation: { method: 'FBN', binCount: 32 } }, 1);
}
