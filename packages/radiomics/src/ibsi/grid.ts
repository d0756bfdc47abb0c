/**
 * A working grid for the IBSI pipeline: voxel intensities plus the two ROI masks the IBSI
 * distinguishes (morphological mask = after interpolation; intensity mask = morphological mask
 * after re-segmentation). Memory layout x fastest, as `Volume`.
 */
export interface IbsiGrid {
  nx: number;
  ny: number;
  nz: number;
  spacingMm: [number, number, number];
  image: Float64Array;
  morphMask: Uint8Array;
  intensityMask: Uint8Array;
}

/** Bounding box [min, max] inclusive per axis of the non-zero voxels; undefined if empty. */
export function boundingBox(
  mask: Uint8Array,
  nx: number,
  ny: number,
  nz: number,
): { lo: [number, number, number]; hi: [number, number, number] } | undefined {
  const lo: [number, number, number] = [nx, ny, nz];
  const hi: [number, number, number] = [-1, -1, -1];
  let i = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        if (mask[i] === 0) continue;
        if (x < lo[0]) lo[0] = x;
        if (x > hi[0]) hi[0] = x;
        if (y < lo[1]) lo[1] = y;
        if (y > hi[1]) hi[1] = y;
        if (z < lo[2]) lo[2] = z;
        if (z > hi[2]) hi[2] = z;
      }
  return hi[0] < 0 ? undefined : { lo, hi };
}

/** Crop a grid to the bounding box of its morphological mask (texture and morphology need no more). */
export function cropToMorphMask(g: IbsiGrid): IbsiGrid {
  const bb = boundingBox(g.morphMask, g.nx, g.ny, g.nz);
  if (!bb) return g;
  const [x0, y0, z0] = bb.lo;
  const cx = bb.hi[0] - x0 + 1;
  const cy = bb.hi[1] - y0 + 1;
  const cz = bb.hi[2] - z0 + 1;
  const n = cx * cy * cz;
  const image = new Float64Array(n);
  const morphMask = new Uint8Array(n);
  const intensityMask = new Uint8Array(n);
  let o = 0;
  for (let z = 0; z < cz; z++)
    for (let y = 0; y < cy; y++) {
      const src = x0 + g.nx * (y0 + y + g.ny * (z0 + z));
      for (let x = 0; x < cx; x++, o++) {
        image[o] = g.image[src + x] ?? 0;
        morphMask[o] = g.morphMask[src + x] ?? 0;
        intensityMask[o] = g.intensityMask[src + x] ?? 0;
      }
    }
  return { nx: cx, ny: cy, nz: cz, spacingMm: g.spacingMm, image, morphMask, intensityMask };
}
