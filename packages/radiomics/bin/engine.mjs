// Loads the CLI engine for bin/radiomics.mjs: one bundled script (built by esbuild, see
// build-bundle.mjs) when it is current, else the separate TypeScript modules. Why: a fresh process
// spends ~30 ms having Node strip, compile and link ~45 modules one by one; one file loads in a few ms.
//
// The bundle is never a committed artifact. It lives in node_modules/.cache/tace-radiomics/, named by a
// hash of its contents, with a manifest listing every file it was built from (esbuild's metafile inputs,
// plus the build script) and each file's size, mtime and ctime. A start stats those ~50 files (~1 ms,
// cheaper than hashing their contents): any difference — an edit, a checkout, a copy; ctime cannot be
// set back by tools that preserve mtimes — rebuilds the bundle before it is used. A source file that is
// new or deleted changes a file that imports it, so it is caught too. If esbuild is missing, the cache
// is not writable or anything fails, the engine loads unbundled: same code, same output, slower start.
// TACE_RADIOMICS_BUNDLE=0 turns the bundle off; TACE_RADIOMICS_BUNDLE_DEBUG=1 reports on stderr why it
// was not used or when it was rebuilt; TACE_RADIOMICS_BUNDLE_CACHE=DIR puts the cache elsewhere.
//
// V8 code cache. The bundle is compiled with node:vm, with `<bundle>.v8cache` as its cached data when
// that file exists. Node's own compile cache (module.enableCompileCache) is written right after a module
// is compiled, so it holds only the code compiled up front; V8 compiles a function's bytecode the first
// time it is called, which for a one-shot extraction is most of the engine. The cache here is written
// instead at the end of the first successful `extract` after a bundle build (saveCodeCache), when every
// function that run needed has bytecode; later processes deserialise it instead of compiling. V8 refuses
// a cache made under other V8 flags or for other source (cachedDataRejected): it is then written anew.
//
// Built-ins through process.getBuiltinModule, not `import` (no ES module facade; see radiomics.mjs).
const { accessSync, constants: fsConstants, existsSync, readFileSync, renameSync, statSync, writeFileSync } = process.getBuiltinModule('node:fs');
const { createRequire } = process.getBuiltinModule('node:module');
const vm = process.getBuiltinModule('node:vm');
const { dirname, join } = process.getBuiltinModule('node:path');
const { fileURLToPath } = process.getBuiltinModule('node:url');

const PKG_DIR = fileURLToPath(new URL('..', import.meta.url));
const debug = process.env.TACE_RADIOMICS_BUNDLE_DEBUG === '1';

function note(msg) {
  if (debug) process.stderr.write(`radiomics bundle: ${msg}\n`);
}

/**
 * TACE_RADIOMICS_BUNDLE_CACHE if set (tests, benchmarks), else node_modules/.cache/tace-radiomics under
 * the nearest ancestor holding node_modules; undefined if there is none.
 */
function cacheDir() {
  if (process.env.TACE_RADIOMICS_BUNDLE_CACHE) return process.env.TACE_RADIOMICS_BUNDLE_CACHE;
  for (let dir = PKG_DIR; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules'))) return join(dir, 'node_modules', '.cache', 'tace-radiomics');
    if (dirname(dir) === dir) return undefined;
  }
}

/** Whether `dir`, or the nearest existing folder above it (where it would be created), is writable. */
function writable(dir) {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(d)) {
      try {
        accessSync(d, fsConstants.W_OK);
        return true;
      } catch {
        return false;
      }
    }
    if (dirname(d) === d) return false;
  }
}

/** One manifest per package folder (several checkouts may share a node_modules). */
function manifestPath(dir) {
  return join(dir, `manifest-${PKG_DIR.replace(/[^A-Za-z0-9]+/g, '_')}.json`);
}

/** Size, mtime and ctime of a file as stored in the manifest; undefined if it is gone. */
export function fileStamp(path) {
  const s = statSync(path, { throwIfNoEntry: false });
  return s ? [s.size, s.mtimeMs, s.ctimeMs] : undefined;
}

/** The bundle's path if the manifest's inputs are all unchanged, else undefined. */
function currentBundle(dir) {
  let m;
  try {
    m = JSON.parse(readFileSync(manifestPath(dir), 'utf8'));
  } catch {
    return undefined;
  }
  for (const [path, size, mtimeMs, ctimeMs] of m.inputs) {
    const st = fileStamp(path);
    if (!st || st[0] !== size || st[1] !== mtimeMs || st[2] !== ctimeMs) {
      note(`${path} changed`);
      return undefined;
    }
  }
  return join(dir, m.bundle);
}

/**
 * Compile and run the bundled script with its V8 code cache (if any); `saveCodeCache()` writes the cache
 * when there was none or V8 refused it (returns whether it wrote). The caller must have the V8 flags of
 * the start back when it saves (the cache records them): run.mjs undoes its --no-opt first.
 */
function loadScript(bundle) {
  const cacheFile = `${bundle}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // none yet
  }
  const source = readFileSync(bundle, 'utf8');
  // The CommonJS wrapper, as Node's own loader uses; dynamic import() (reader modules) through the main
  // context's ESM loader.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cachedData && script.cachedDataRejected) note(`code cache ${cacheFile} refused by V8 (other flags or source): rewritten after this run`);
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  const needed = !cachedData || script.cachedDataRejected === true;
  return {
    exports: module.exports,
    saveCodeCache() {
      if (!needed) return false;
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile); // atomic: a concurrent start reads the whole cache or none
        note(`wrote ${cacheFile}`);
        return true;
      } catch (e) {
        note(`code cache not written (${e instanceof Error ? e.message : String(e)})`);
        return false;
      }
    },
  };
}

async function unbundled() {
  const [params, prefetch] = await Promise.all([import('../src/params.ts'), import('../src/io/prefetch.ts')]);
  return {
    parseParams: params.parseParams,
    prefetchImageFiles: prefetch.prefetchImageFiles,
    cli: () => import('../src/cli.ts'),
    saveCodeCache: () => false, // the modules: Node's compile cache
  };
}

/**
 * `{ parseParams, prefetchImageFiles, cli, saveCodeCache }` from the bundle (built first if stale) or from
 * the unbundled modules; `cli()` imports the command line, `{ runRadiomicsCli }`.
 */
export async function loadEngine() {
  if (process.env.TACE_RADIOMICS_BUNDLE === '0') return unbundled();
  try {
    const dir = cacheDir();
    if (!dir) throw new Error('no node_modules folder for the cache');
    let bundle = currentBundle(dir);
    if (!bundle) {
      // A read-only install (a container's node_modules owned by another user) would build in vain at
      // every start: check first, and load the modules.
      if (!writable(dir)) throw new Error(`${dir} is not writable`);
      const { buildBundle } = await import('./build-bundle.mjs');
      bundle = await buildBundle(PKG_DIR, dir, manifestPath(dir));
      note(`built ${bundle}`);
    }
    const { exports: m, saveCodeCache } = loadScript(bundle);
    return { parseParams: m.parseParams, prefetchImageFiles: m.prefetchImageFiles, cli: async () => m, saveCodeCache };
  } catch (e) {
    note(`not used (${e instanceof Error ? e.message : String(e)}); loading the modules unbundled`);
    return unbundled();
  }
}
