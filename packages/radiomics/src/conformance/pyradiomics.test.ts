/**
 * Conformance against PyRadiomics' own baselines (shared/reference/pyradiomics/baseline): every column of
 * every class CSV is re-extracted with the settings recorded in its diagnostics_Configuration_Settings
 * row, and every feature compared: 1e-6 relative (exactly 0 where the baseline is 0). brain1's mesh
 * features (SurfaceArea, MeshVolume and those derived from them) are held to 1e-3: that baseline predates
 * PyRadiomics' consistent marching-cubes table, and current PyRadiomics differs from it by up to 9.1e-4.
 * Numeric diagnostics rows present in both (hashes, bounding boxes, voxel counts, image statistics,
 * centres of mass, interpolated/corrected rows) are compared too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { LabelMap, Vec3, Volume } from '@tace/common';
import { referencePath } from '@tace/common';
import { extractFeatures, paramsFromObject, readImageFile, readLabelMapFile } from '../index.ts';
import { parsePythonLiteral, parseTuple, readBaseline } from './baseline.ts';

const ref = referencePath('pyradiomics');
const CLASSES = ['firstorder', 'shape', 'shape2D', 'glcm', 'glrlm', 'glszm', 'gldm', 'ngtdm'] as const;
const MESH = new Set(['SurfaceArea', 'MeshVolume', 'SurfaceVolumeRatio', 'Sphericity', 'Compactness1', 'Compactness2', 'SphericalDisproportion']);
const SKIP_DIAG = /Versions|Configuration|_Dimensionality/;

const tally = new Map<string, { matched: number; total: number }>();
function count(key: string, ok: boolean): void {
  const t = tally.get(key) ?? { matched: 0, total: 0 };
  t.total++;
  if (ok) t.matched++;
  tally.set(key, t);
}

const volumes = new Map<string, Promise<{ image: Volume; mask: LabelMap }>>();
function load(testCase: string): Promise<{ image: Volume; mask: LabelMap }> {
  let v = volumes.get(testCase);
  if (!v) {
    v = (async () => ({
      image: await readImageFile(`${ref}/data/${testCase}_image.nrrd`),
      mask: await readLabelMapFile(`${ref}/data/${testCase}_label.nrrd`),
    }))();
    volumes.set(testCase, v);
  }
  return v;
}

/**
 * The shape2D baselines were made with a one-slice mask (size z = 1) of the same plane, corrected onto
 * the image grid (correctMask). The slice is the one recorded in diagnostics_Mask-corrected_BoundingBox.
 */
function oneSliceMask(mask: LabelMap, z: number): LabelMap {
  const [nx, ny] = mask.size;
  const data = mask.data.slice(nx * ny * z, nx * ny * (z + 1));
  const d = mask.direction;
  const dz = z * mask.spacingMm[2];
  const originMm: Vec3 = [mask.originMm[0] + d[2] * dz, mask.originMm[1] + d[5] * dz, mask.originMm[2] + d[8] * dz];
  return { ...mask, size: [nx, ny, 1], originMm, data };
}

function relClose(actual: number, expected: number, tol: number): boolean {
  if (expected === 0) return actual === 0;
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  return Math.abs(actual - expected) <= tol * Math.abs(expected);
}

describe.skipIf(!ref)('PyRadiomics baseline conformance', () => {
  if (!ref) return;
  for (const cls of CLASSES) {
    const bl = readBaseline(`${ref}/baseline/baseline_${cls}.csv`);
    for (const col of bl.columns) {
      it(`${cls} / ${col}`, async () => {
        const testCase = bl.rows.get('diagnostics_Configuration_TestCase')!.get(col)!.replace(/_2D$/, '');
        const setting = parsePythonLiteral(bl.rows.get('diagnostics_Configuration_Settings')!.get(col)!) as Record<string, unknown>;
        const params = paramsFromObject({ setting, featureClass: { [cls]: [] }, imageType: { Original: {} } });
        let { image, mask } = await load(testCase);
        if (cls === 'shape2D') {
          const bbCorrected = parseTuple(bl.rows.get('diagnostics_Mask-corrected_BoundingBox')!.get(col)!);
          mask = oneSliceMask(mask, bbCorrected[2]!);
        }
        const out = extractFeatures(image, mask, params);
        const problems: string[] = [];
        for (const [name, cells] of bl.rows) {
          const cell = cells.get(col) ?? '';
          if (cell === '') continue;
          if (name.startsWith('diagnostics_')) {
            if (SKIP_DIAG.test(name) || !(name in out)) continue;
            const got = out[name]!;
            let ok: boolean;
            if (name.endsWith('_Hash')) ok = got === cell;
            else if (cell.startsWith('(')) {
              const e = parseTuple(cell), a = parseTuple(String(got));
              ok = e.length === a.length && e.every((x, i) => relClose(a[i]!, x, 1e-6) || Math.abs(a[i]! - x) < 1e-9);
            } else ok = typeof got === 'number' && relClose(got, Number(cell), 1e-6);
            count('diagnostics', ok);
            if (!ok) problems.push(`${name}: got ${got}, baseline ${cell}`);
            continue;
          }
          const feature = name.split('_').slice(2).join('_');
          const expected = Number(cell);
          const got = out[name];
          const tol = cls === 'shape' && testCase === 'brain1' && MESH.has(feature) ? 1e-3 : 1e-6;
          const ok = typeof got === 'number' && relClose(got, expected, tol);
          count(cls, ok);
          if (!ok) problems.push(`${name}: got ${got}, baseline ${cell} (rel ${typeof got === 'number' ? Math.abs(got - expected) / Math.abs(expected) : 'n/a'})`);
        }
        expect(problems).toEqual([]);
      });
    }
  }
  afterAll(() => {
    const lines = [...tally].map(([k, t]) => `  ${k}: ${t.matched}/${t.total}`);
    console.log(`PyRadiomics baseline conformance (matched/compared):\n${lines.join('\n')}`);
  });
});
