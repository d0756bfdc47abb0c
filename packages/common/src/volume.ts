/**
 * A 3-D scalar image on a regular grid, in the memory layout ITK, NRRD and NIfTI use:
 * x varies fastest, then y, then z — index = x + sizeX * (y + sizeY * z).
 * Geometry is in LPS patient coordinates (DICOM/ITK convention), millimetres.
 * `direction` is the 3×3 direction-cosine matrix, row-major, whose COLUMNS are the unit
 * vectors of the i, j, k axes (ITK's GetDirection()): physical = origin + D · (index ⊙ spacing).
 */
export type Vec3 = [number, number, number];
export type Mat3 = [number, number, number, number, number, number, number, number, number];

export type VoxelArray = Float64Array | Float32Array | Int16Array | Uint16Array | Int32Array | Uint8Array;

export interface Geometry {
  size: Vec3;
  spacingMm: Vec3;
  originMm: Vec3;
  direction: Mat3;
}

export interface Volume<T extends VoxelArray = VoxelArray> extends Geometry {
  data: T;
}

/** A label map: 0 = background, other values = labels. Same layout as Volume. */
export type LabelMap = Volume<Uint8Array>;

export const IDENTITY_DIRECTION: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export function voxelCount(size: Vec3): number {
  return size[0] * size[1] * size[2];
}
