/**
 * Neighbour offsets ("angles") exactly as PyRadiomics' C extension generates them
 * (radiomics/src/cmatrices.c: get_angle_count + build_angles).
 *
 * Offsets are in numpy axis order (z, y, x) — the order PyRadiomics reports angles and weights in.
 * An angle is valid when its largest |offset| (infinity norm) is one of `distances`, no offset reaches
 * the ROI bounding-box size in that dimension, and it does not move along `force2Ddim`.
 * Generation order: offsets run from +maxDistance down to −maxDistance with the last axis (x) fastest,
 * so the first half of the list is the mono-directional set ((1,1,1), (1,1,0), … , (0,0,1) for d = 1)
 * and the second half mirrors it. Mono-directional (GLCM, GLRLM) takes the first half; bi-directional
 * (GLSZM, GLDM, NGTDM) takes all.
 */

/** Number of angles, PyRadiomics get_angle_count. `sizeZYX` = bounding-box size in (z, y, x). */
export function angleCount(sizeZYX: readonly number[], distances: readonly number[], bidirectional: boolean, force2Ddim: number): number {
  let na = 0;
  for (const d of distances) {
    if (d < 1) return 0;
    let naD = 1;
    let naDD = 1;
    for (let dim = 0; dim < sizeZYX.length; dim++) {
      if (dim === force2Ddim) continue;
      const s = sizeZYX[dim]!;
      if (d < s) {
        naD *= 2 * d + 1;
        naDD *= 2 * d - 1;
      } else {
        naD *= 2 * (s - 1) + 1;
        naDD *= 2 * (s - 1) + 1;
      }
    }
    na += naD - naDD;
  }
  return bidirectional ? na : Math.trunc(na / 2);
}

/**
 * Angles as a flat Int32Array of (dz, dy, dx) triples, PyRadiomics build_angles order.
 * `force2Ddim` is −1 for 3-D, else the numpy axis (0 = z) that must not move.
 */
export function generateAngles(
  sizeZYX: readonly number[],
  distances: readonly number[],
  bidirectional: boolean,
  force2Ddim: number,
): Int32Array {
  const nd = sizeZYX.length;
  const na = angleCount(sizeZYX, distances, bidirectional, force2Ddim);
  const angles = new Int32Array(na * nd);
  if (na === 0) return angles;
  const maxDistance = Math.max(...distances);
  const nOffsets = 2 * maxDistance + 1;
  const stride = new Array<number>(nd);
  stride[nd - 1] = 1;
  for (let dim = nd - 2; dim >= 0; dim--) stride[dim] = stride[dim + 1]! * nOffsets;
  const wanted = new Set(distances);
  const cur = new Int32Array(nd);
  let newIdx = 0;
  let aIdx = 0;
  // Bounded loop: every combination of offsets is visited at most once.
  const total = nOffsets ** nd;
  while (aIdx < na && newIdx < total) {
    let aDist = 0;
    for (let dim = 0; dim < nd; dim++) {
      const offset = maxDistance - (Math.trunc(newIdx / stride[dim]!) % nOffsets);
      const s = sizeZYX[dim]!;
      if ((dim === force2Ddim && offset !== 0) || offset >= s || offset <= -s) {
        aDist = -1;
        break;
      }
      cur[dim] = offset;
      aDist = Math.max(aDist, Math.abs(offset));
    }
    newIdx++;
    if (aDist < 1 || !wanted.has(aDist)) continue;
    angles.set(cur, aIdx * nd);
    aIdx++;
  }
  return aIdx === na ? angles : angles.slice(0, aIdx * nd);
}
