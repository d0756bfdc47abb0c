/**
 * Entry of the bundled CLI engine, which bin/engine.mjs builds with esbuild into one ESM file: all that
 * bin/radiomics.mjs uses — the parameter-file check and the input prefetch it runs first, then the
 * command line. One file, so the prefetched volumes land in the module instance the readers take them
 * from.
 */
export { parseParams } from '../params.ts';
export { prefetchImageFiles } from '../io/prefetch.ts';
export { runRadiomicsCli } from '../cli.ts';
