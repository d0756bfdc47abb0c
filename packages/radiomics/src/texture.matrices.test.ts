/**
 * Texture matrices against PyRadiomics' stored baselines (pyradiomics/baseline/<case>_<class>.npy), which
 * PyRadiomics' own test-suite produced with the case's default settings (binWidth 25, distance 1,
 * symmetrical GLCM, no weighting): P_glcm normalized per angle (Ng × Ng × 13), P_glrlm counts
 * (Ng × runLengths × 13), P_glszm (Ng × zoneSizes), P_gldm (Ng × dependences), P_ngtdm (Ng × 3).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';
import { discretize } from './discretize.ts';
import { computeGlcm } from './glcm.ts';
import { computeGlrlm } from './glrlm.ts';
import { computeGlszm } from './glszm.ts';
import { computeGldm } from './gldm.ts';
import { computeNgtdm } from './ngtdm.ts';
import { readNpy } from './npy.ts';
import type { TextureInput } from './texture.ts';
import { readNrrdMinimal } from './texture.refcase.ts';

const root = referencePath('pyradiomics');
const CASES = ['brain1', 'breast1'] as const;

function loadCase(name: string): TextureInput {
  const img = readNrrdMinimal(join(root!, 'data', `${name}_image.nrrd`));
  const lab = readNrrdMinimal(join(root!, 'data', `${name}_label.nrrd`));
  const mask = Uint8Array.from(lab.data, (v) => (v === 1 ? 1 : 0));
  const { binned } = discretize(img.data, mask, { binWidth: 25 });
  return { binned, size: img.size, spacingMm: img.spacingMm, settings: {} };
}

function expectClose(actual: Float64Array, expected: Float64Array, tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let k = 0; k < actual.length; k++) worst = Math.max(worst, Math.abs(actual[k]! - expected[k]!));
  expect(worst).toBeLessThanOrEqual(tol);
}

describe.skipIf(!root)('texture matrices equal PyRadiomics baseline .npy (1e-9)', () => {
  for (const name of CASES) {
    const ref = (cls: string) => readNpy(readFileSync(join(root!, 'baseline', `${name}_${cls}.npy`)));

    it(`${name} glcm`, () => {
      const m = computeGlcm(loadCase(name));
      const r = ref('glcm'); // shape (n, n, angles)
      expect(r.shape).toEqual([m.n, m.n, m.nAngles]);
      const mine = new Float64Array(r.data.length);
      for (let a = 0; a < m.nAngles; a++) {
        for (let i = 0; i < m.n; i++) for (let j = 0; j < m.n; j++) mine[(i * m.n + j) * m.nAngles + a] = m.P[a * m.n * m.n + i * m.n + j]!;
      }
      expectClose(mine, r.data, 1e-9);
    });

    it(`${name} glrlm`, () => {
      const m = computeGlrlm(loadCase(name));
      const r = ref('glrlm'); // shape (n, runLengths, angles)
      expect(r.shape).toEqual([m.n, m.m, m.nAngles]);
      const mine = new Float64Array(r.data.length);
      for (let a = 0; a < m.nAngles; a++) {
        for (let i = 0; i < m.n; i++) for (let j = 0; j < m.m; j++) mine[(i * m.m + j) * m.nAngles + a] = m.P[(a * m.n + i) * m.m + j]!;
      }
      expectClose(mine, r.data, 1e-9);
    });

    it(`${name} glszm`, () => {
      const m = computeGlszm(loadCase(name));
      const r = ref('glszm');
      expect(r.shape).toEqual([m.n, m.m]);
      expectClose(m.P, r.data, 1e-9);
    });

    it(`${name} gldm`, () => {
      const m = computeGldm(loadCase(name));
      const r = ref('gldm');
      expect(r.shape).toEqual([m.n, m.m]);
      expectClose(m.P, r.data, 1e-9);
    });

    it(`${name} ngtdm`, () => {
      const m = computeNgtdm(loadCase(name));
      const r = ref('ngtdm');
      expect(r.shape).toEqual([m.n, 3]);
      expectClose(m.P, r.data, 1e-9);
    });
  }
});
