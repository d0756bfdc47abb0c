#!/usr/bin/env node
// `radiomics extract|batch …` entry. Plain JavaScript on purpose: a .ts entry makes Node load its
// TypeScript stripper (≈60 ms) before any line runs; here the compile cache (Node's .pyc-like cache of
// stripped, compiled modules in the OS temp dir; NODE_DISABLE_COMPILE_CACHE=1 turns it off) is enabled
// first, so the second and later processes import the engine without stripping or compiling it.
import { enableCompileCache } from 'node:module';

enableCompileCache();
const args = process.argv.slice(2);
// `extract`: start reading and inflating the image and mask (thread pool) now, so that work overlaps the
// ≈35 ms of loading the engine's modules; the readers take the decoded volumes (src/io/prefetch.ts).
if (args[0] === 'extract') {
  const paths = [];
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    if (a === '--image' || a === '--mask') paths.push(args[++i]);
    else if (a.startsWith('--image=') || a.startsWith('--mask=')) paths.push(a.slice(a.indexOf('=') + 1));
  }
  const inputs = paths.filter((p) => typeof p === 'string' && p !== '');
  if (inputs.length > 0) (await import('../src/io/prefetch.ts')).prefetchImageFiles(inputs);
}
const { runRadiomicsCli } = await import('../src/cli.ts');
process.exitCode = await runRadiomicsCli(args);
