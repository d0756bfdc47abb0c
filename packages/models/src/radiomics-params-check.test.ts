import { describe, expect, it } from 'vitest';
import { checkFeaturesAgainstParams } from './radiomics-params-check.ts';

describe('checkFeaturesAgainstParams (PyRadiomics params semantics)', () => {
  it('no imageType → Original only; no featureClass → every class but shape2D', () => {
    expect(checkFeaturesAgainstParams('setting: {binWidth: 25}\n', ['original_glcm_Contrast', 'original_shape_Sphericity'])).toEqual([]);
    expect(checkFeaturesAgainstParams('setting: {binWidth: 25}\n', ['wavelet-LLH_glcm_Contrast'])[0]).toMatch(/Wavelet is not enabled/);
    expect(checkFeaturesAgainstParams('', ['original_shape2D_Perimeter'])[0]).toMatch(/shape2D/);
  });

  it('feature lists restrict a class; empty list or null enables its defaults', () => {
    const yaml = 'featureClass:\n  glcm: [Contrast]\n  firstorder:\n  shape: []\n';
    expect(checkFeaturesAgainstParams(yaml, ['original_glcm_Contrast', 'original_firstorder_Mean', 'original_shape_MeshVolume'])).toEqual([]);
    expect(checkFeaturesAgainstParams(yaml, ['original_glcm_Idm'])[0]).toMatch(/Idm is not in featureClass.glcm/);
    expect(checkFeaturesAgainstParams(yaml, ['original_glrlm_RunEntropy'])[0]).toMatch(/glrlm is not enabled/);
  });

  it('LoG sigmas, wavelet and filters; shape only on original', () => {
    const yaml = 'imageType:\n  Original: {}\n  LoG: {sigma: [1.0, 3.0]}\n  Wavelet: {}\n  Square: {}\n';
    expect(checkFeaturesAgainstParams(yaml, ['log-sigma-3-0-mm-3D_firstorder_Mean', 'wavelet-HLL_glszm_ZoneEntropy', 'square_firstorder_Mean'])).toEqual([]);
    expect(checkFeaturesAgainstParams(yaml, ['log-sigma-2-0-mm-3D_firstorder_Mean'])[0]).toMatch(/sigma 2 mm/);
    expect(checkFeaturesAgainstParams(yaml, ['wavelet-LLH_shape_Sphericity'])[0]).toMatch(/only for the original/);
    expect(checkFeaturesAgainstParams(yaml, ['gradient_firstorder_Mean'])[0]).toMatch(/Gradient is not enabled/);
    // sigma may also come from setting
    expect(checkFeaturesAgainstParams('imageType: {LoG: {}}\nsetting: {sigma: [2]}\n', ['log-sigma-2-0-mm-3D_firstorder_Mean'])).toEqual([]);
  });

  it('reports malformed YAML and names', () => {
    expect(checkFeaturesAgainstParams('featureClass: [unclosed', ['original_glcm_Contrast'])[0]).toMatch(/not valid YAML/);
    expect(checkFeaturesAgainstParams('', ['original_Mean'])[0]).toMatch(/not of the form/);
  });
});
