/**
 * Texture families with the IBSI aggregation methods (manual 3.6.1):
 *  GLCM/GLRLM  2D averaged (per slice, per direction) · 2D slice-merged (per slice, directions
 *              merged) · 2.5D direction-merged (per direction, slices merged) · 2.5D merged ·
 *              3D averaged (per direction) · 3D merged.
 *  GLSZM/GLDZM/NGTDM/NGLDM  2D (per slice, averaged) · 2.5D (slices merged) · 3D.
 * Features of a merged GLRLM use N_v × (number of merged matrices) for the run percentage.
 */
import { DIRS_2D, DIRS_3D, meanOf, roiSlices } from './levelGrid.ts';
import type { LevelGrid } from './levelGrid.ts';
import { glcmCounts, glcmFeatures } from './glcm.ts';
import { GLRLM_NAMES, glrlmCounts } from './glrlm.ts';
import { matrixFeatures, mergeMatrices, renameFeatures } from './matrixFeatures.ts';
import type { CountMatrix } from './matrixFeatures.ts';
import { GLDZM_NAMES, GLSZM_NAMES, edgeDistanceMap, zoneMatrices } from './zones.ts';
import { NGLDM_NAMES, mergeNgtdm, neighbourhoodMatrices, ngtdmFeatures } from './neighbourhood.ts';
import type { IbsiFamily, IbsiFeature } from './types.ts';

function sumArrays(list: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(list[0]?.length ?? 0);
  for (const a of list) for (let k = 0; k < a.length; k++) out[k] = (out[k] ?? 0) + (a[k] ?? 0);
  return out;
}

function emit(
  out: IbsiFeature[],
  family: IbsiFamily,
  prefix: string,
  suffix: string,
  aggregation: string,
  f: Record<string, number> | undefined,
): void {
  if (!f) return;
  for (const [k, v] of Object.entries(f)) out.push({ tag: `${prefix}_${k}_${suffix}`, family, aggregation, value: v });
}

const defined = <T>(x: T | undefined): x is T => x !== undefined;

function rlm(M: CountMatrix, nv: number): Record<string, number> | undefined {
  const f = matrixFeatures(M, nv);
  return f ? renameFeatures(f, GLRLM_NAMES) : undefined;
}

/** Slice-wise texture: the 2D and 2.5D aggregations. */
export function texture2D(g: LevelGrid, families: ReadonlySet<IbsiFamily>, morphMask: Uint8Array): IbsiFeature[] {
  const out: IbsiFeature[] = [];
  const slices = roiSlices(g);
  const nTotal = slices.reduce((a, s) => a + s.count, 0);
  if (families.has('glcm')) {
    // Accumulate as we go: only the current slice's matrices and the per-direction sums are held.
    const perSliceDir: Record<string, number>[] = [];
    const perSlice: Record<string, number>[] = [];
    const byDir = DIRS_2D.map(() => new Float64Array((g.ng + 1) * (g.ng + 1)));
    for (const s of slices) {
      const ds = DIRS_2D.map((d) => glcmCounts(g, d, s.z, s.z));
      ds.forEach((P, k) => {
        const f = glcmFeatures(P, g.ng);
        if (f) perSliceDir.push(f);
        const acc = byDir[k] as Float64Array;
        for (let q = 0; q < P.length; q++) acc[q] = (acc[q] ?? 0) + (P[q] ?? 0);
      });
      const f = glcmFeatures(sumArrays(ds), g.ng);
      if (f) perSlice.push(f);
    }
    emit(out, 'glcm', 'cm', '2D_avg', '2D, averaged', meanOf(perSliceDir));
    emit(out, 'glcm', 'cm', '2D_comb', '2D, slice-merged', meanOf(perSlice));
    emit(out, 'glcm', 'cm', '2_5D_avg', '2.5D, direction-merged', meanOf(byDir.map((P) => glcmFeatures(P, g.ng)).filter(defined)));
    emit(out, 'glcm', 'cm', '2_5D_comb', '2.5D, merged', glcmFeatures(sumArrays(byDir), g.ng));
  }
  if (families.has('glrlm')) {
    const nd = DIRS_2D.length;
    const perSliceDir: Record<string, number>[] = [];
    const perSlice: Record<string, number>[] = [];
    let byDir: CountMatrix[] | undefined;
    for (const s of slices) {
      const ds = DIRS_2D.map((d) => glrlmCounts(g, d, s.z, s.z));
      for (const M of ds) {
        const f = rlm(M, s.count);
        if (f) perSliceDir.push(f);
      }
      const f = rlm(mergeMatrices(ds), nd * s.count);
      if (f) perSlice.push(f);
      byDir = byDir ? byDir.map((acc, k) => mergeMatrices([acc, ds[k] as CountMatrix])) : ds;
    }
    emit(out, 'glrlm', 'rlm', '2D_avg', '2D, averaged', meanOf(perSliceDir));
    emit(out, 'glrlm', 'rlm', '2D_comb', '2D, slice-merged', meanOf(perSlice));
    if (byDir) {
      emit(out, 'glrlm', 'rlm', '2_5D_avg', '2.5D, direction-merged', meanOf(byDir.map((M) => rlm(M, nTotal)).filter(defined)));
      emit(out, 'glrlm', 'rlm', '2_5D_comb', '2.5D, merged', rlm(mergeMatrices(byDir), nd * nTotal));
    }
  }
  if (families.has('glszm') || families.has('gldzm')) {
    const dist = edgeDistanceMap(morphMask, g.nx, g.ny, g.nz, true);
    const per = slices.map((s) => zoneMatrices(g, dist, s.z, s.z, true));
    const szF = (M: CountMatrix, nv: number) => {
      const f = matrixFeatures(M, nv);
      return f ? renameFeatures(f, GLSZM_NAMES) : undefined;
    };
    const dzF = (M: CountMatrix, nv: number) => {
      const f = matrixFeatures(M, nv);
      return f ? renameFeatures(f, GLDZM_NAMES) : undefined;
    };
    if (families.has('glszm')) {
      emit(out, 'glszm', 'szm', '2D', '2D', meanOf(per.map((m, k) => szF(m.szm, slices[k]?.count ?? 0)).filter(defined)));
      emit(out, 'glszm', 'szm', '2_5D', '2.5D', szF(mergeMatrices(per.map((m) => m.szm)), nTotal));
    }
    if (families.has('gldzm')) {
      emit(out, 'gldzm', 'dzm', '2D', '2D', meanOf(per.map((m, k) => dzF(m.dzm, slices[k]?.count ?? 0)).filter(defined)));
      emit(out, 'gldzm', 'dzm', '2_5D', '2.5D', dzF(mergeMatrices(per.map((m) => m.dzm)), nTotal));
    }
  }
  if (families.has('ngtdm') || families.has('ngldm')) {
    const per = slices.map((s) => neighbourhoodMatrices(g, s.z, s.z, true));
    if (families.has('ngtdm')) {
      emit(out, 'ngtdm', 'ngt', '2D', '2D', meanOf(per.map((m) => ngtdmFeatures(m.ngtdm)).filter(defined)));
      emit(out, 'ngtdm', 'ngt', '2_5D', '2.5D', ngtdmFeatures(mergeNgtdm(per.map((m) => m.ngtdm))));
    }
    if (families.has('ngldm')) {
      const nglF = (M: CountMatrix, nv: number) => {
        const f = matrixFeatures(M, nv);
        return f ? renameFeatures(f, NGLDM_NAMES) : undefined;
      };
      emit(out, 'ngldm', 'ngl', '2D', '2D', meanOf(per.map((m, k) => nglF(m.ngldm, slices[k]?.count ?? 0)).filter(defined)));
      emit(out, 'ngldm', 'ngl', '2_5D', '2.5D', nglF(mergeMatrices(per.map((m) => m.ngldm)), nTotal));
    }
  }
  return out;
}

/** Volumetric texture: the 3D aggregations. */
export function texture3D(g: LevelGrid, families: ReadonlySet<IbsiFamily>, morphMask: Uint8Array): IbsiFeature[] {
  const out: IbsiFeature[] = [];
  const z1 = g.nz - 1;
  let nv = 0;
  for (let i = 0; i < g.levels.length; i++) if ((g.levels[i] ?? 0) > 0) nv++;
  if (families.has('glcm')) {
    const per = DIRS_3D.map((d) => glcmCounts(g, d, 0, z1));
    emit(out, 'glcm', 'cm', '3D_avg', '3D, averaged', meanOf(per.map((P) => glcmFeatures(P, g.ng)).filter(defined)));
    emit(out, 'glcm', 'cm', '3D_comb', '3D, merged', glcmFeatures(sumArrays(per), g.ng));
  }
  if (families.has('glrlm')) {
    const per = DIRS_3D.map((d) => glrlmCounts(g, d, 0, z1));
    emit(out, 'glrlm', 'rlm', '3D_avg', '3D, averaged', meanOf(per.map((M) => rlm(M, nv)).filter(defined)));
    emit(out, 'glrlm', 'rlm', '3D_comb', '3D, merged', rlm(mergeMatrices(per), DIRS_3D.length * nv));
  }
  if (families.has('glszm') || families.has('gldzm')) {
    const dist = edgeDistanceMap(morphMask, g.nx, g.ny, g.nz, false);
    const { szm, dzm } = zoneMatrices(g, dist, 0, z1, false);
    const fs = matrixFeatures(szm, nv);
    if (families.has('glszm') && fs) emit(out, 'glszm', 'szm', '3D', '3D', renameFeatures(fs, GLSZM_NAMES));
    const fd = matrixFeatures(dzm, nv);
    if (families.has('gldzm') && fd) emit(out, 'gldzm', 'dzm', '3D', '3D', renameFeatures(fd, GLDZM_NAMES));
  }
  if (families.has('ngtdm') || families.has('ngldm')) {
    const { ngtdm, ngldm } = neighbourhoodMatrices(g, 0, z1, false);
    if (families.has('ngtdm')) emit(out, 'ngtdm', 'ngt', '3D', '3D', ngtdmFeatures(ngtdm));
    const f = matrixFeatures(ngldm, nv);
    if (families.has('ngldm') && f) emit(out, 'ngldm', 'ngl', '3D', '3D', renameFeatures(f, NGLDM_NAMES));
  }
  return out;
}
