/**
 * `diagnostics_*` entries (PyRadiomics generalinfo.py): configuration, image and mask descriptors
 * per processing stage (original, interpolated, corrected, resegmented). Tuples are written the way
 * Python prints them so a CSV matches PyRadiomics' column for column.
 */
import { createHash } from 'node:crypto';
import type { LabelMap, Volume } from '@tace/common';
import { indexToPhysical } from './geometry.ts';
import { cropToBox, labelBoundingBox, bboxSize } from './preprocess.ts';

export const ENGINE_VERSION = '0.1.0';

/** Python repr of a float (shortest round-trip, `.0` on integers, two-digit exponents). */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  const s = String(x);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

export function pyTuple(v: readonly number[], ints = false): string {
  return `(${v.map((x) => (ints ? String(x) : pyFloat(x))).join(', ')})`;
}

/** Python-like repr of a settings value (dicts, lists, None, True/False, strings in quotes). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloat(v);
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `'${k}': ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}

/** SimpleITK Hash (SHA-1 of the pixel buffer, little endian). */
export function bufferHash(data: ArrayBufferView): string {
  return createHash('sha1').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
}

/** Number of 26-connected components of the label (sitk ConnectedComponent, FullyConnected). */
export function countComponents(mask: LabelMap, label: number): number {
  const [nx, ny, nz] = mask.size;
  const seen = new Uint8Array(mask.data.length);
  const stack: number[] = [];
  let comps = 0;
  for (let start = 0; start < mask.data.length; start++) {
    if (mask.data[start] !== label || seen[start]) continue;
    comps++;
    seen[start] = 1;
    stack.push(start);
    while (stack.length) {
      const i = stack.pop()!;
      const x = i % nx, y = ((i - x) / nx) % ny, z = Math.floor(i / (nx * ny));
      for (let dz = -1; dz <= 1; dz++) {
        const zz = z + dz; if (zz < 0 || zz >= nz) continue;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy; if (yy < 0 || yy >= ny) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx; if (xx < 0 || xx >= nx) continue;
            const j = xx + nx * (yy + ny * zz);
            if (!seen[j] && mask.data[j] === label) { seen[j] = 1; stack.push(j); }
          }
        }
      }
    }
  }
  return comps;
}

export type Diagnostics = Record<string, number | string>;

/** Image descriptors: (Hash and Dimensionality for 'original'), Spacing, Size, Mean, Minimum, Maximum over all voxels. */
export function imageDiagnostics(out: Diagnostics, image: Volume, stage: string): void {
  const p = `diagnostics_Image-${stage}_`;
  if (stage === 'original') {
    out[`${p}Hash`] = bufferHash(image.data);
    out[`${p}Dimensionality`] = image.size[2] > 1 ? '3D' : '2D';
  }
  out[`${p}Spacing`] = pyTuple(image.spacingMm);
  out[`${p}Size`] = pyTuple(image.size, true);
  let sum = 0, mn = Infinity, mx = -Infinity;
  // (array and length in locals: a fresh process runs this 1.6 M-voxel loop in the interpreter first,
  // where every property read in the loop is an inline-cache call)
  const d = image.data, n = d.length;
  for (let i = 0; i < n; i++) { const v = d[i]!; sum += v; if (v < mn) mn = v; if (v > mx) mx = v; }
  out[`${p}Mean`] = sum / n;
  out[`${p}Minimum`] = mn;
  out[`${p}Maximum`] = mx;
}

/** Mask descriptors; with an image on the same grid also Mean/Minimum/Maximum of the image inside the ROI. */
/** SHA-1 of the mask as PyRadiomics hashes it: after getMask's cast to UInt32 (streamed in chunks). */
function maskHash(mask: LabelMap): string {
  const h = createHash('sha1');
  const chunk = 1 << 16;
  const buf = new Uint32Array(chunk);
  for (let s = 0; s < mask.data.length; s += chunk) {
    const part = mask.data.subarray(s, s + chunk);
    buf.set(part);
    h.update(new Uint8Array(buf.buffer, 0, part.length * 4));
  }
  return h.digest('hex');
}

export function maskDiagnostics(
  out: Diagnostics, image: Volume | null, mask: LabelMap, label: number, stage: string,
  known?: ReturnType<typeof labelBoundingBox>,
): void {
  const p = `diagnostics_Mask-${stage}_`;
  if (stage === 'original') out[`${p}Hash`] = maskHash(mask);
  out[`${p}Spacing`] = pyTuple(mask.spacingMm);
  out[`${p}Size`] = pyTuple(mask.size, true);
  const found = known ?? labelBoundingBox(mask, label);
  if (!found) return;
  out[`${p}BoundingBox`] = pyTuple([...found.bb.lower, ...bboxSize(found.bb)], true);
  out[`${p}VoxelNum`] = found.count;
  const box = cropToBox(mask, found.bb, 1);
  out[`${p}VolumeNum`] = countComponents(box, label);
  const [nx, ny] = mask.size;
  const { lower: lo, upper: hi } = found.bb;
  let cx = 0, cy = 0, cz = 0, sum = 0, mn = Infinity, mx = -Infinity;
  const md = mask.data, id = image?.data;
  for (let z = lo[2]; z <= hi[2]; z++) for (let y = lo[1]; y <= hi[1]; y++) {
    const row = nx * (y + ny * z);
    for (let x = lo[0]; x <= hi[0]; x++) {
      const i = row + x;
      if (md[i] !== label) continue;
      cx += x; cy += y; cz += z;
      if (id) { const v = id[i]!; sum += v; if (v < mn) mn = v; if (v > mx) mx = v; }
    }
  }
  const com = [cx / found.count, cy / found.count, cz / found.count];
  out[`${p}CenterOfMassIndex`] = pyTuple(com);
  out[`${p}CenterOfMass`] = pyTuple(indexToPhysical(mask, com));
  if (image) {
    out[`${p}Mean`] = sum / found.count;
    out[`${p}Minimum`] = mn;
    out[`${p}Maximum`] = mx;
  }
}
