/**
 * `npm run bench`: every benchmark of the repo, each printing medians/best runs and ratios
 * against a baseline measured in the same run (machines here are noisy: never compare with a
 * number from another run). `npm run bench -- radiomics` runs the ones whose name matches.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@tace/common';

const BENCHES: Array<{ name: string; file: string; fn: string }> = [
  { name: 'pipeline', file: 'scripts/bench-pipeline.ts', fn: 'runPipelineBench' },
  { name: 'safety', file: 'scripts/bench-safety.ts', fn: 'runSafetyBench' },
  { name: 'modeling', file: 'scripts/bench-modeling.ts', fn: 'runModelingBench' },
  { name: 'subscriptions', file: 'scripts/bench-subscriptions.ts', fn: 'runSubscriptionsBench' },
  { name: 'cds', file: 'scripts/bench-cds.ts', fn: 'runCdsBench' },
  { name: 'dicom', file: 'scripts/bench-dicom.ts', fn: 'runDicomBench' },
  { name: 'launcher', file: 'scripts/bench-launcher.ts', fn: 'runLauncherBench' },
  { name: 'dimse', file: 'scripts/bench-dimse.ts', fn: 'runDimseBench' },
  { name: 'radiomics', file: 'packages/radiomics/bench/bench.ts', fn: 'runRadiomicsBench' },
  { name: 'radiomics-texture', file: 'packages/radiomics/bench/texture.bench.ts', fn: 'runTextureBench' },
  { name: 'radiomics-filters', file: 'packages/radiomics/bench/filters.bench.ts', fn: 'runFilterBench' },
];

const filter = process.argv[2];
for (const b of BENCHES) {
  if (filter && !b.name.includes(filter)) continue;
  const path = join(REPO_ROOT, b.file);
  if (!existsSync(path)) {
    console.log(`\n== ${b.name}: not present (${b.file})`);
    continue;
  }
  console.log(`\n== ${b.name}`);
  const mod = (await import(path)) as Record<string, () => Promise<void>>;
  await mod[b.fn]!();
}
