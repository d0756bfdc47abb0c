/**
 * tace-risk command line.
 *   tace-risk demo [--fhir-base-url URL --dicom-folder DIR --patient Patient/ID --study UID]
 *   tace-risk serve ingestion|inference-worker|results
 *   tace-risk bundle verify DIR
 *   tace-risk radiomics extract|batch …
 *   tace-risk stats roc|calibration|dca …
 *   tace-risk model develop|features|lasso|logistic …
 *   tace-risk fhir subscribe --endpoint URL --token-file FILE …
 *   tace-risk dicom volume|mask|inspect …
 */
import { enableCompileCache } from 'node:module';
import { isTaceError } from '@tace/common';

// Cache type-stripped, compiled modules across processes (Node's equivalent of Python's .pyc files).
enableCompileCache();

const [cmd, ...rest] = process.argv.slice(2);

async function main(): Promise<number> {
  switch (cmd) {
    case 'demo':
      return (await import('./demo.ts')).runDemo(rest);
    case 'serve': {
      const svc = rest[0];
      if (!svc || !['ingestion', 'inference-worker', 'results'].includes(svc)) {
        process.stderr.write('usage: tace-risk serve ingestion|inference-worker|results\n');
        return 2;
      }
      await import(`../../../services/${svc}/src/main.ts`);
      return -1; // the service keeps the process alive
    }
    case 'bundle':
      return (await import('./bundle.ts')).runBundleCli(rest);
    case 'radiomics': {
      // the same start as bin/tace-risk.mjs's fast path: the bundled engine, DICOM readers registered
      const { runRadiomicsBin } = await import('@tace/radiomics/bin');
      return runRadiomicsBin(rest, { setup: async () => (await import('./dicom-readers.ts')).registerDicomReaders() });
    }
    case 'stats':
      return (await import('@tace/develop/stats')).runStatsCli(rest);
    case 'model':
      // `model features` reads DICOM studies too (CT folder + SEG / RTSTRUCT)
      if (rest[0] === 'features') await (await import('./dicom-readers.ts')).registerDicomReaders();
      return (await import('@tace/develop/model')).runModelCli(rest);
    case 'fhir':
      return (await import('./fhir-cli.ts')).runFhirCli(rest);
    case 'dicom':
      return (await import('./dicom-cli.ts')).runDicomCli(rest);
    default:
      (cmd === undefined || cmd === '--help' ? process.stdout : process.stderr).write('usage: tace-risk demo | serve <service> | bundle verify <dir> | radiomics extract|batch … | stats roc|calibration|dca … | model develop|features|lasso|logistic … | fhir subscribe … | dicom volume|mask|inspect …\n');
      return cmd === undefined || cmd === '--help' ? 0 : 2;
  }
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e: unknown) => {
    process.stderr.write(isTaceError(e) ? `${e.code}: ${e.message}\n` : `${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
