/**
 * The subset reader against the reference YAML parser (the `yaml` package, YAML 1.2 core schema):
 * on every text it accepts it must return exactly what `yaml.parse` returns; texts outside the subset
 * must be declined (undefined), never read differently.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseYamlSubset } from './yamlSubset.ts';

const yaml = createRequire(import.meta.url)('yaml') as { parse: (t: string) => unknown };
const paramsDir = new URL('../params/', import.meta.url);

const ACCEPTED: Record<string, string> = {
  pyradiomicsExample: `# PyRadiomics examples/exampleSettings/Params.yaml style
imageType:
  Original: {}
  LoG:
    sigma: [1.0, 3.0, 5.0]
  Wavelet: {}

featureClass:
  shape:
  firstorder: []
  glcm:  # comment
    - Autocorrelation
    - JointAverage
  glrlm:
  glszm:
  gldm:
  ngtdm:

setting:
  binWidth: 25
  label: 1
  interpolator: 'sitkBSpline'
  resampledPixelSpacing: [2, 2, 2]
  normalize: True
  normalizeScale: 1.5e2
  weightingNorm: ~
  voxelArrayShift: -1000
  correctMask: false
  distances: [1, +2]
  geometryTolerance: .5
  padDistance: 010
  sigmaStep: 1.
`,
  sequenceAtKeyIndent: 'featureClass:\n  glcm:\n  - Idmn\n  - Idn\n  shape:\nsetting:\n  ibsiAggregation: [3D-averaged, 2D-merged]\n',
  quoted: 'setting:\n  interpolator: "sitkLinear"\n  label: 2   # trailing\n',
  commentWithQuote: "# PyRadiomics' defaults, \"quoted\" # twice\nsetting:\n  label: 1\n",
  crlf: 'setting:\r\n  binWidth: 5\r\n',
  emptyValues: 'imageType:\nsetting:\n  binCount:\n  resegmentRange: []\n',
};

const DECLINED: Record<string, string> = {
  hexInt: 'setting:\n  label: 0x1F\n',
  inf: 'setting:\n  binWidth: .inf\n',
  anchor: 'setting: &s\n  label: 1\n',
  flowMapping: 'imageType: {Original: {}}\n',
  tab: 'setting:\n\tlabel: 1\n',
  duplicateKey: 'setting:\n  label: 1\n  label: 2\n',
  documentMarker: '---\nsetting:\n  label: 1\n',
  multiLine: 'setting:\n  interpolator: sitk\n    BSpline\n',
  escapedString: 'setting:\n  interpolator: "sitk\\tBSpline"\n',
  nestedInSequence: 'featureClass:\n  - glcm: [Idmn]\n',
  onlyComments: '# nothing\n',
  topLevelSequence: '- a\n- b\n',
  quotedKey: '"setting":\n  label: 1\n',
  badIndent: 'setting:\n    label: 1\n  binWidth: 2\n',
  hashInQuotes: "setting:\n  interpolator: 'a#b'\n",
};

describe('parseYamlSubset', () => {
  for (const [name, text] of Object.entries(ACCEPTED)) {
    it(`reads ${name} exactly as the yaml package does`, () => {
      const got = parseYamlSubset(text);
      expect(got).toBeDefined();
      expect(got).toStrictEqual(yaml.parse(text));
    });
  }
  for (const file of readdirSync(paramsDir).filter((f) => f.endsWith('.yaml'))) {
    it(`reads params/${file} as the yaml package does (or declines)`, () => {
      const text = readFileSync(new URL(file, paramsDir), 'utf8');
      const got = parseYamlSubset(text);
      if (got !== undefined) expect(got).toStrictEqual(yaml.parse(text));
    });
  }
  for (const [name, text] of Object.entries(DECLINED)) {
    it(`declines ${name}`, () => {
      expect(parseYamlSubset(text)).toBeUndefined();
    });
  }
  it('reads the usual numbers as numbers and words as strings', () => {
    // Hand-derived: YAML 1.2 core schema int/float/bool/null resolution.
    expect(parseYamlSubset('a: 25\nb: -1.5e3\nc: TRUE\nd: ~\ne: sitkBSpline\nf: 3D\n'))
      .toStrictEqual({ a: 25, b: -1500, c: true, d: null, e: 'sitkBSpline', f: '3D' });
  });
});
