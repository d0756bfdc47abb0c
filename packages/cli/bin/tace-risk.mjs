#!/usr/bin/env node
// `tace-risk` entry. Plain JavaScript on purpose: a .ts entry makes Node load its TypeScript
// stripper before any line runs; here Node's compile cache (stripped and compiled modules kept in
// the OS temp dir, like Python's .pyc files; NODE_DISABLE_COMPILE_CACHE=1 turns it off) is on first.
// Users start it through bin/tace-risk (the launcher `npm ci` installs), which picks the pinned Node.

// Started by an old Node (`node tace-risk.mjs` with the system's Node 20): say so instead of failing
// on the first TypeScript file. Type stripping without a flag needs 22.18.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`CLI_NODE_TOO_OLD: tace-risk needs Node >= 22.18; this is Node ${process.versions.node} (${process.execPath}). ` +
    'Run bin/tace-risk (node_modules/.bin/tace-risk after npm ci), which starts the pinned Node 24, or npm run tace-risk --\n');
  process.exit(1);
}
// (built-ins through process.getBuiltinModule: no ES module facade, see packages/radiomics/bin/radiomics.mjs)
const { enableCompileCache } = process.getBuiltinModule('node:module');

enableCompileCache();
if (process.argv[2] === 'radiomics') {
  // The radiomics command starts the way its own bin does (the engine as one bundled file, inputs
  // inflated while it loads: @tace/radiomics/bin), with the DICOM readers registered; none of the
  // rest of the application is loaded.
  const { runRadiomicsBin, extractInputs } = await import('@tace/radiomics/bin');
  const args = process.argv.slice(3);
  // An `extract` whose image and mask are both NRRD / NIfTI files needs no DICOM reader: the module
  // (TypeScript, and @tace/common behind it) is not even loaded then. Batches may list DICOM rows.
  const { image, mask } = args[0] === 'extract' ? extractInputs(args) : {};
  const researchFormat = /\.(nrrd|nhdr|nii|nii\.gz)$/i;
  const dicomPossible = !(image && mask && researchFormat.test(image) && researchFormat.test(mask));
  process.exitCode = await runRadiomicsBin(args, {
    setup: dicomPossible ? async () => (await import('../src/dicom-readers.ts')).registerDicomReaders() : undefined,
  });
} else {
  await import('../src/main.ts');
}
