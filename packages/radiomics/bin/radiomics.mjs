#!/usr/bin/env node
// `radiomics extract|batch …` entry. Plain JavaScript on purpose: a .ts entry makes Node load its
// TypeScript stripper (≈60 ms) before any line runs; here the compile cache (Node's .pyc-like cache of
// stripped, compiled modules in the OS temp dir; NODE_DISABLE_COMPILE_CACHE=1 turns it off) is enabled
// first, so the second and later processes import the engine without stripping or compiling it.
// Built-ins through process.getBuiltinModule, not `import`: an ESM import of a built-in makes Node build
// an ES module facade over all its exports, and node:fs's lazy getters then load the streams modules
// (≈10 ms of a fresh process on a slow VM; bin/run.mjs and bin/engine.mjs do the same).
const { enableCompileCache } = process.getBuiltinModule('node:module');

enableCompileCache();
// (the command imported after enabling the compile cache, so that it is cached too)
const { runRadiomicsBin } = await import('./run.mjs');
process.exitCode = await runRadiomicsBin(process.argv.slice(2));
