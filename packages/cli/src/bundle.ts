import { loadModelBundle } from '@tace/models';

/** `tace-risk bundle verify DIR`: run every start-up check of a model bundle and summarise it. */
export async function runBundleCli(argv: string[]): Promise<number> {
  const [sub, dir] = argv;
  if (sub !== 'verify' || !dir) {
    process.stderr.write('usage: tace-risk bundle verify <bundle-dir>\n');
    return 2;
  }
  const b = await loadModelBundle(dir);
  const m = b.manifest;
  process.stdout.write(
    [
      `ok: ${m.id} ${m.version} — ${m.name}`,
      `intended use: ${m.intendedUse}`,
      m.syntheticDemo ? `NOTE: ${m.disclaimer}` : '',
      `files: ${m.files.map((f) => `${f.path} (${f.role})`).join(', ')}`,
      `radiomics features: ${m.radiomics.features.length}; DL features: ${m.dl.featureNames.length}; nomogram factors: ${m.nomogram.factors.map((f) => f.name).join(', ')}`,
      `risk thresholds: moderate ≥ ${m.riskThresholds.moderate}, high ≥ ${m.riskThresholds.high}`,
      '',
    ].filter(Boolean).join('\n') + '\n',
  );
  await b.close();
  return 0;
}
