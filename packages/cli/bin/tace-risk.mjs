#!/usr/bin/env node
// `tace-risk` entry. Plain JavaScript on purpose: a .ts entry makes Node load its TypeScript
// stripper before any line runs; here Node's compile cache (stripped and compiled modules kept in
// the OS temp dir, like Python's .pyc files; NODE_DISABLE_COMPILE_CACHE=1 turns it off) is on first.
import { enableCompileCache } from 'node:module';

enableCompileCache();
if (process.argv[2] === 'radiomics') {
  // The radiomics command starts the way its own bin does (the engine as one bundled file, inputs
  // inflated while it loads: @tace/radiomics/bin), with the DICOM readers registered; none of the
  // rest of the application is loaded.
  const { runRadiomicsBin } = await import('@tace/radiomics/bin');
  process.exitCode = await runRadiomicsBin(process.argv.slice(3), {
    setup: async () => (await import('../src/dicom-readers.ts')).registerDicomReaders(),
  });
} else {
  await import('../src/main.ts');
}
