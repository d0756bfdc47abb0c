import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { IDENTITY_DIRECTION, type ClinicalInputs, type LabelMap, type Volume } from '@tace/common';
import { loadModelBundle, type ModelBundle } from './bundle.ts';
import { scoreCase, type ExtractFeatures } from './score.ts';
import { writeFixture, type Fixture } from './bundle-fixture.test-helper.ts';

const fixtures: Fixture[] = [];
const bundles: ModelBundle[] = [];
function fixture(...args: Parameters<typeof writeFixture>): Fixture {
  const f = writeFixture(...args);
  fixtures.push(f);
  return f;
}
afterEach(async () => {
  for (const b of bundles.splice(0)) await b.close();
  for (const f of fixtures.splice(0)) rmSync(f.dir, { recursive: true, force: true });
});

async function expectCode(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e as { code?: string; message?: string },
  );
  expect(err, `expected ${code}`).toBeDefined();
  expect(err?.code).toBe(code);
  if (message) expect(err?.message).toMatch(message);
}

describe('loadModelBundle', () => {
  it('loads a consistent bundle and reports the ONNX sha256', async () => {
    const f = fixture();
    const b = await loadModelBundle(f.dir);
    bundles.push(b);
    expect(b.manifest.id).toBe('tace-dm-test');
    expect(b.weightsSha256).toBe(createHash('sha256').update(f.onnx).digest('hex'));
    expect(b.session.inputNames).toEqual(['image']);
    expect(b.radiomicsParamsYaml).toContain('firstorder');
  });

  it('BUNDLE_NOT_FOUND without manifest.json', async () => {
    await expectCode(loadModelBundle('/nonexistent/bundle'), 'BUNDLE_NOT_FOUND');
  });

  it('BUNDLE_MANIFEST_INVALID names the JSON path', async () => {
    const bad = fixture((m) => ((m.fusion as { sds: number[] }).sds[1] = 0));
    await expectCode(loadModelBundle(bad.dir), 'BUNDLE_MANIFEST_INVALID', /\/fusion\/sds\/1/);
    const typo = fixture((m) => (m.riskThreshold = { high: 0.5 }));
    await expectCode(loadModelBundle(typo.dir), 'BUNDLE_MANIFEST_INVALID', /unknown property "riskThreshold"/);
    const missing = fixture((m) => delete m.nomogram);
    await expectCode(loadModelBundle(missing.dir), 'BUNDLE_MANIFEST_INVALID', /missing property "nomogram"/);
    const factor = fixture((m) => ((m.nomogram as { factors: Array<{ name: string }> }).factors[2].name = 'ecog'));
    await expectCode(loadModelBundle(factor.dir), 'BUNDLE_MANIFEST_INVALID', /\/nomogram\/factors\/2\/name/);
    const date = fixture((m) => (m.createdAt = 'yesterday'));
    await expectCode(loadModelBundle(date.dir), 'BUNDLE_MANIFEST_INVALID', /\/createdAt/);
    const escape = fixture((m) => ((m.files as Array<{ path: string }>)[0].path = '../params.yaml'));
    await expectCode(loadModelBundle(escape.dir), 'BUNDLE_MANIFEST_INVALID', /\/files\/0\/path/);
  });

  it('BUNDLE_CHECKSUM_MISMATCH names the file; BUNDLE_FILE_MISSING when absent', async () => {
    const f = fixture();
    appendFileSync(join(f.dir, 'params.yaml'), '# tampered\n');
    await expectCode(loadModelBundle(f.dir), 'BUNDLE_CHECKSUM_MISMATCH', /params\.yaml/);
    const g = fixture();
    rmSync(join(g.dir, 'dl/model.onnx'));
    await expectCode(loadModelBundle(g.dir), 'BUNDLE_FILE_MISSING', /dl\/model\.onnx/);
  });

  it('BUNDLE_INCONSISTENT for ONNX names and output width', async () => {
    const f = fixture(() => {}, { inputName: 'ct' });
    await expectCode(loadModelBundle(f.dir), 'BUNDLE_INCONSISTENT', /no input image/);
    const g = fixture(() => {}, { outputName: 'logits' });
    await expectCode(loadModelBundle(g.dir), 'BUNDLE_INCONSISTENT', /no output features/);
    const h = fixture(() => {}, { weights: Array.from({ length: 8 }, () => [1, 1, 1]) });
    await expectCode(loadModelBundle(h.dir), 'BUNDLE_INCONSISTENT', /3 features, dl.featureNames has 2/);
  });

  it('BUNDLE_INCONSISTENT when radiomics features are not produced by the params', async () => {
    const f = fixture((m) => {
      const names = ['original_glcm_Contrast', 'original_shape_VoxelVolume'];
      (m.radiomics as { features: string[] }).features = names;
      (m.fusion as { featureNames: string[] }).featureNames = [...names, 'dl_0', 'dl_1'];
    });
    await expectCode(loadModelBundle(f.dir), 'BUNDLE_INCONSISTENT', /glcm is not enabled/);
  });

  it('BUNDLE_INCONSISTENT for fusion names, lengths, thresholds, disclaimer', async () => {
    const f = fixture((m) => ((m.fusion as { featureNames: string[] }).featureNames = ['a', 'b', 'c', 'd']));
    await expectCode(loadModelBundle(f.dir), 'BUNDLE_INCONSISTENT', /fusion\.featureNames/);
    const g = fixture((m) => (m.fusion as { coefficients: number[] }).coefficients.pop());
    await expectCode(loadModelBundle(g.dir), 'BUNDLE_INCONSISTENT', /fusion\.coefficients has 3 values for 4/);
    const h = fixture((m) => (m.riskThresholds = { moderate: 0.7, high: 0.6 }));
    await expectCode(loadModelBundle(h.dir), 'BUNDLE_INCONSISTENT', /moderate/);
    const i = fixture((m) => (m.disclaimer = 'demo'));
    await expectCode(loadModelBundle(i.dir), 'BUNDLE_INCONSISTENT', /not for clinical use/);
  });
});

/**
 * 4×4×4 image at 1 mm, value(x,y,z) = 100x + 10y + z HU; mask = the 2×2×2 cube x,y,z ∈ {1,2}.
 * With size [2,2,2], spacing 1 mm, margin 0, the crop samples exactly those 8 voxels (no
 * interpolation), window [0,400] → value/400.
 */
function caseInput(): { image: Volume; mask: LabelMap; clinical: ClinicalInputs } {
  const size: [number, number, number] = [4, 4, 4];
  const data = new Int16Array(64);
  const mask = new Uint8Array(64);
  for (let z = 0; z < 4; z++)
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 4; x++) {
        const i = x + 4 * (y + 4 * z);
        data[i] = 100 * x + 10 * y + z;
        if (x >= 1 && x <= 2 && y >= 1 && y <= 2 && z >= 1 && z <= 2) mask[i] = 1;
      }
  const geom = { size, spacingMm: [1, 1, 1] as [number, number, number], originMm: [0, 0, 0] as [number, number, number], direction: IDENTITY_DIRECTION };
  const cv = (value: number, unit: string) => ({ value, original: { value, unit }, reference: 'Observation/x' });
  return {
    image: { ...geom, data },
    mask: { ...geom, data: mask },
    clinical: { tumourSizeMm: cv(50, 'mm'), noduleCount: cv(2, '1'), afpNgPerMl: cv(1000, 'ng/mL') },
  };
}

const fakeRadiomics: ExtractFeatures = () => ({
  original_firstorder_Mean: 150,
  original_shape_VoxelVolume: 8,
  'diagnostics_Versions_PyRadiomics': 'n/a',
});

describe('scoreCase', () => {
  it('computes DL features, DLR score, points and probability by hand', async () => {
    const b = await loadModelBundle(fixture().dir);
    bundles.push(b);
    const r = await scoreCase(b, caseInput(), { extractFeatures: fakeRadiomics });
    // DL: mean of the 8 sampled values = (100·3·4 + 10·3·4 + 3·4)/8/400 = 1332/3200 = 0.41625;
    // voxel (1,1,1)=111 → .2775 minus voxel (2,2,2)=222 → .555: −0.2775 (float32 precision).
    expect(r.dlFeatures[0]).toBeCloseTo(0.41625, 6);
    expect(r.dlFeatures[1]).toBeCloseTo(-0.2775, 6);
    // z = [(150−100)/50, (8−10)/2, (.41625−.4)/.1, (−.2775+.3)/.05] = [1, −1, .1625, .45]
    // DLR = .2 + 1·1 + .5·(−1) + 2·.1625 − 1·.45 = 0.575
    expect(r.dlrScore).toBeCloseTo(0.575, 5);
    // η = −2 + 1.5·.575 + .02·50 + .3·2 + .4·log10(1000) = 1.6625
    expect(r.linearPredictor).toBeCloseTo(1.6625, 5);
    expect(r.probability).toBeCloseTo(1 / (1 + Math.exp(-1.6625)), 6);
    expect(r.riskGroup).toBe('high'); // p ≈ .84 ≥ .6
    // Points: widest effect 1.5·6 = 9 → .09 per point. dlr (.8625 + 4.5)/.09; size (1 − .2)/.09;
    // nodules (.6 − .3)/.09; AFP (1.2 − 0)/.09; total = (1.6625 − (−6))/.09.
    const pts = Object.fromEntries(r.points.map((p) => [p.factor, p]));
    expect(pts.dlrScore.points).toBeCloseTo(5.3625 / 0.09, 3);
    expect(pts.tumourSizeMm.points).toBeCloseTo(0.8 / 0.09, 9);
    expect(pts.noduleCount.points).toBeCloseTo(0.3 / 0.09, 9);
    expect(pts.log10AfpNgPerMl).toMatchObject({ value: 3, unit: 'log10(ng/mL)', inputValue: 1000, inputUnit: 'ng/mL' });
    expect(pts.log10AfpNgPerMl.points).toBeCloseTo(1.2 / 0.09, 9);
    expect(r.totalPoints).toBeCloseTo(7.6625 / 0.09, 3);
    expect(r.radiomicsFeatures).toEqual({ original_firstorder_Mean: 150, original_shape_VoxelVolume: 8 });
    expect(r).toMatchObject({ modelId: 'tace-dm-test', modelVersion: '0.0.1', syntheticDemo: true, weightsSha256: b.weightsSha256 });
    expect(r.disclaimer).toMatch(/not for clinical use/);
  });

  it('AFP below the floor uses the floor; low risk below the moderate threshold', async () => {
    const b = await loadModelBundle(fixture().dir);
    bundles.push(b);
    const input = caseInput();
    input.clinical.afpNgPerMl.value = 0.2;
    input.clinical.tumourSizeMm.value = 10;
    input.clinical.noduleCount.value = 1;
    const r = await scoreCase(b, input, { extractFeatures: () => ({ original_firstorder_Mean: 0, original_shape_VoxelVolume: 2 }) });
    // z = [−2, −4, .1625, .45] → DLR = .2 − 2 − 2 + .325 − .45 = −3.925 (outside [−3, 3])
    // η = −2 + 1.5·(−3.925) + .2 + .3 + .4·log10(1) = −7.3875 → p ≈ 6.2e−4, low
    const afp = r.points.find((p) => p.factor === 'log10AfpNgPerMl');
    expect(afp?.value).toBe(0);
    expect(r.dlrScore).toBeCloseTo(-3.925, 5);
    expect(r.points.find((p) => p.factor === 'dlrScore')?.outOfRange).toBe(true);
    expect(r.linearPredictor).toBeCloseTo(-7.3875, 5);
    expect(r.riskGroup).toBe('low');
  });

  it('fails with stable codes on missing features, bad clinical input, empty mask', async () => {
    const b = await loadModelBundle(fixture().dir);
    bundles.push(b);
    await expectCode(scoreCase(b, caseInput(), { extractFeatures: () => ({ original_firstorder_Mean: 1 }) }), 'MODEL_RADIOMICS_FEATURE_MISSING', /original_shape_VoxelVolume/);
    const nan = caseInput();
    nan.clinical.noduleCount.value = Number.NaN;
    await expectCode(scoreCase(b, nan, { extractFeatures: fakeRadiomics }), 'MODEL_CLINICAL_INPUT_INVALID', /noduleCount/);
    const empty = caseInput();
    empty.mask.data.fill(0);
    await expectCode(scoreCase(b, empty, { extractFeatures: fakeRadiomics }), 'MODEL_MASK_EMPTY');
  });
});

describe('scoreCase with the real @tace/radiomics engine', () => {
  it('feeds the engine the bundle params (hand-computed first-order mean and voxel volume)', async () => {
    const b = await loadModelBundle(fixture().dir);
    bundles.push(b);
    const r = await scoreCase(b, caseInput());
    // Mask = 8 voxels of 1 mm³ with values 100x + 10y + z, x,y,z ∈ {1,2}: mean = 1332/8 = 166.5; volume 8 mm³.
    expect(r.radiomicsFeatures.original_firstorder_Mean).toBeCloseTo(166.5, 9);
    expect(r.radiomicsFeatures.original_shape_VoxelVolume).toBeCloseTo(8, 9);
    // DLR = .2 + (166.5 − 100)/50 + .5·(8 − 10)/2 + 2·.1625 − .45 = 0.905
    expect(r.dlrScore).toBeCloseTo(0.905, 5);
    // η = −2 + 1.5·.905 + 1 + .6 + 1.2 = 2.1575
    expect(r.probability).toBeCloseTo(1 / (1 + Math.exp(-2.1575)), 6);
  });

  it('BUNDLE_INCONSISTENT when the engine rejects the params file', async () => {
    const f = fixture();
    const { writeFileSync } = await import('node:fs');
    const yaml = 'imageType:\n  Original: {}\nfeatureClass:\n  firstorder: []\n  shape: [VoxelVolume]\nsetting:\n  binWidht: 25\n';
    writeFileSync(join(f.dir, 'params.yaml'), yaml);
    const m = JSON.parse(JSON.stringify(f.manifest)) as { files: Array<{ path: string; sha256: string }> };
    m.files[0].sha256 = createHash('sha256').update(yaml).digest('hex');
    writeFileSync(join(f.dir, 'manifest.json'), JSON.stringify(m));
    await expectCode(loadModelBundle(f.dir), 'BUNDLE_INCONSISTENT', /rejected by the radiomics engine/);
  });
});
