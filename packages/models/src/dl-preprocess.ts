import { voxelCount, type LabelMap, type Mat3, type Vec3, type Volume } from '@tace/common';
import { MODEL_ERRORS, modelError } from './errors.ts';
import type { DlPreprocessing } from './manifest.ts';

export interface DlInput {
  /** Windowed, normalised intensities, x fastest (index = x + nx·(y + ny·z)). */
  data: Float32Array;
  /** ONNX tensor dims [1, 1, nz, ny, nx]. */
  dims: [1, 1, number, number, number];
  /** Physical centre of the output grid (centre of the mask's bounding box), LPS mm. */
  centreMm: Vec3;
  /** Actual output spacing: spacingMm × zoom. */
  spacingMm: Vec3;
  /** ≥ 1; > 1 when the ROI plus margin would not fit at the nominal spacing. */
  zoom: number;
  /** Physical position of output voxel (0,0,0), LPS mm; the grid's axes are the image's. */
  originMm: Vec3;
}

function checkVolume(v: Volume, what: string): void {
  if (v.data.length !== voxelCount(v.size)) {
    throw modelError(MODEL_ERRORS.MODEL_INPUT_INVALID, `${what} has ${v.data.length} voxels but size ${v.size.join('×')}`);
  }
}

/** physical = origin + D·(index ⊙ spacing), D row-major with axis unit vectors as columns. */
function indexToPhysical(g: Volume, i: number, j: number, k: number): Vec3 {
  const d = g.direction;
  const a = i * g.spacingMm[0];
  const b = j * g.spacingMm[1];
  const c = k * g.spacingMm[2];
  return [
    g.originMm[0] + d[0] * a + d[1] * b + d[2] * c,
    g.originMm[1] + d[3] * a + d[4] * b + d[5] * c,
    g.originMm[2] + d[6] * a + d[7] * b + d[8] * c,
  ];
}

/** Column `axis` of the direction matrix. */
function axisVector(d: Mat3, axis: number): Vec3 {
  return [d[axis], d[3 + axis], d[6 + axis]];
}

const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/**
 * The DL model's input: the tumour ROI resampled onto a fixed grid, windowed and scaled to [0, 1].
 *
 * Grid: `prep.size` voxels at `prep.spacingMm`, axes parallel to the image's, centred on the
 * centre of the mask's bounding box (foreground = any non-zero label). Keeping the physical
 * spacing fixed keeps lesion size visible to the network. If the bounding box plus
 * `cropMarginMm` on each side does not fit, the spacing is multiplied by one common factor
 * `zoom` (isotropic zoom-out, aspect kept) so that it does: no tumour is ever cut.
 * Sampling: trilinear on the image's voxel grid with ITK's inside test (continuous index in
 * [−0.5, n − 0.5), neighbours clamped to the edge); outside the image the value is the window's
 * lower bound, i.e. 0 after normalisation.
 * Intensity: (clip(v, lo, hi) − lo) / (hi − lo).
 * The training script exports its crops with this same function, so training = production.
 */
export function preprocessForDlWithGeometry(image: Volume, mask: LabelMap, prep: DlPreprocessing): DlInput {
  checkVolume(image, 'image');
  checkVolume(mask, 'mask');
  // Bounding box of the foreground in mask voxel indices.
  const [mx, my] = mask.size;
  const lo: Vec3 = [Infinity, Infinity, Infinity];
  const hi: Vec3 = [-Infinity, -Infinity, -Infinity];
  const m = mask.data;
  for (let idx = 0; idx < m.length; idx++) {
    if (m[idx] === 0) continue;
    const x = idx % mx;
    const y = Math.floor(idx / mx) % my;
    const z = Math.floor(idx / (mx * my));
    if (x < lo[0]) lo[0] = x;
    if (x > hi[0]) hi[0] = x;
    if (y < lo[1]) lo[1] = y;
    if (y > hi[1]) hi[1] = y;
    if (z < lo[2]) lo[2] = z;
    if (z > hi[2]) hi[2] = z;
  }
  if (lo[0] === Infinity) throw modelError(MODEL_ERRORS.MODEL_MASK_EMPTY, 'tumour mask has no foreground voxel');

  // Corners of the box (voxel edges, ±½ voxel) in physical space, projected on the image's axes.
  const centre = indexToPhysical(mask, (lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2);
  const axes = [0, 1, 2].map((a) => axisVector(image.direction, a));
  const extentMm: Vec3 = [0, 0, 0];
  for (let c = 0; c < 8; c++) {
    const p = indexToPhysical(
      mask,
      c & 1 ? hi[0] + 0.5 : lo[0] - 0.5,
      c & 2 ? hi[1] + 0.5 : lo[1] - 0.5,
      c & 4 ? hi[2] + 0.5 : lo[2] - 0.5,
    );
    const rel: Vec3 = [p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]];
    for (let a = 0; a < 3; a++) extentMm[a] = Math.max(extentMm[a], 2 * Math.abs(dot(rel, axes[a])));
  }
  let zoom = 1;
  for (let a = 0; a < 3; a++) {
    zoom = Math.max(zoom, (extentMm[a] + 2 * prep.cropMarginMm) / (prep.size[a] * prep.spacingMm[a]));
  }
  const spacing: Vec3 = [prep.spacingMm[0] * zoom, prep.spacingMm[1] * zoom, prep.spacingMm[2] * zoom];
  const [nx, ny, nz] = prep.size;
  const origin: Vec3 = [centre[0], centre[1], centre[2]];
  for (let a = 0; a < 3; a++) {
    const off = -((prep.size[a] - 1) / 2) * spacing[a];
    for (let r = 0; r < 3; r++) origin[r] += axes[a][r] * off;
  }

  // Output voxel (i,j,k) → image continuous index: affine, so precompute its columns.
  // cidx_b = (D_img_b · (p − o_img)) / s_img_b with p = origin + Σ_a axes_a·(idx_a·spacing_a).
  const rel0: Vec3 = [origin[0] - image.originMm[0], origin[1] - image.originMm[1], origin[2] - image.originMm[2]];
  const base = [0, 1, 2].map((b) => dot(rel0, axes[b]) / image.spacingMm[b]);
  const step = [0, 1, 2].map((a) => [0, 1, 2].map((b) => (dot(axes[a], axes[b]) * spacing[a]) / image.spacingMm[b]));

  const [wlo, whi] = prep.windowHu;
  const width = whi - wlo;
  const out = new Float32Array(nx * ny * nz);
  const [ix, iy, iz] = image.size;
  const src = image.data;
  let o = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const cx = base[0] + i * step[0][0] + j * step[1][0] + k * step[2][0];
        const cy = base[1] + i * step[0][1] + j * step[1][1] + k * step[2][1];
        const cz = base[2] + i * step[0][2] + j * step[1][2] + k * step[2][2];
        let v = wlo;
        if (cx >= -0.5 && cx < ix - 0.5 && cy >= -0.5 && cy < iy - 0.5 && cz >= -0.5 && cz < iz - 0.5) {
          v = trilinear(src, ix, iy, iz, cx, cy, cz);
        }
        const clipped = v < wlo ? wlo : v > whi ? whi : v;
        out[o++] = (clipped - wlo) / width;
      }
    }
  }
  return { data: out, dims: [1, 1, nz, ny, nx], centreMm: centre, spacingMm: spacing, zoom, originMm: origin };
}

/** preprocessForDlWithGeometry(...).data — the ONNX input tensor's data, x fastest. */
export function preprocessForDl(image: Volume, mask: LabelMap, prep: DlPreprocessing): Float32Array {
  return preprocessForDlWithGeometry(image, mask, prep).data;
}

function trilinear(src: ArrayLike<number>, nx: number, ny: number, nz: number, x: number, y: number, z: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const z0 = Math.floor(z);
  const fx = x - x0;
  const fy = y - y0;
  const fz = z - z0;
  const xa = clamp(x0, nx);
  const xb = clamp(x0 + 1, nx);
  const ya = clamp(y0, ny);
  const yb = clamp(y0 + 1, ny);
  const za = clamp(z0, nz);
  const zb = clamp(z0 + 1, nz);
  const at = (xi: number, yi: number, zi: number): number => src[xi + nx * (yi + ny * zi)];
  const c00 = at(xa, ya, za) * (1 - fx) + at(xb, ya, za) * fx;
  const c10 = at(xa, yb, za) * (1 - fx) + at(xb, yb, za) * fx;
  const c01 = at(xa, ya, zb) * (1 - fx) + at(xb, ya, zb) * fx;
  const c11 = at(xa, yb, zb) * (1 - fx) + at(xb, yb, zb) * fx;
  const c0 = c00 * (1 - fy) + c10 * fy;
  const c1 = c01 * (1 - fy) + c11 * fy;
  return c0 * (1 - fz) + c1 * fz;
}

function clamp(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}
