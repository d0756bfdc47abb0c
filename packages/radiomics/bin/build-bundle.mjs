// Builds the CLI engine bundle for engine.mjs (loaded only when the bundle is missing or stale): one
// CommonJS-style script, which engine.mjs compiles with node:vm so that V8's code cache of it can be
// written after a whole extraction (lazily compiled functions included; see engine.mjs). Minified
// (function and class names kept): half the source for V8 to hold and parse lazily, ~1.6 MB less memory
// touched by a fresh process; the same output (src/bundle/bundle.test.ts). TACE_RADIOMICS_BUNDLE=0 runs
// the readable modules.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fileStamp } from './engine.mjs';

/**
 * esbuild plugin for our own TypeScript (not node_modules). In each module, `import.meta.url` becomes
 * that source file's own URL, so worker scripts (`new URL('./x-worker.ts', import.meta.url)`) and
 * createRequire lookups (the `yaml` package) resolve as they do unbundled: workers run the unbundled
 * modules; `import.meta.main` (a module run directly) is false in the bundle. The lazily loaded modules (`requireLazy('./filters/index.ts')`: filters, resampler, shape2D,
 * IBSI mode) become plain `require` calls, which esbuild bundles as modules initialised on first call,
 * so they stay lazy and there is one instance of every module in the process.
 */
const sourceRewrite = {
  name: 'tace-source-rewrite',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const text = readFileSync(args.path, 'utf8')
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll('import.meta.main', 'false')
        .replace(/\brequireLazy\(/g, 'require(');
      return { contents: text, loader: 'ts' };
    });
  },
};

/** Build the bundle into `cacheDir`, record its inputs in `manifestPath`, return the bundle's path. */
export async function buildBundle(pkgDir, cacheDir, manifestPath) {
  const esbuild = await import('esbuild');
  const startedMs = Date.now();
  const result = await esbuild.build({
    entryPoints: [join(pkgDir, 'src', 'bundle', 'entry.ts')],
    bundle: true, // one file: measured faster than prelude + entry + shared chunks (split for the prefetch)
    format: 'cjs', // a script for vm.Script (engine.mjs); `require` of Node built-ins is the wrapper's
    platform: 'node', // Node built-ins stay requires
    target: 'node24', // no syntax lowering: the same code runs
    write: false,
    metafile: true,
    keepNames: true, // class and function names as unbundled (error names, stack traces)
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    plugins: [sourceRewrite],
  });
  const code = result.outputFiles[0].contents;
  const name = `${createHash('sha256').update(code).digest('hex').slice(0, 16)}.cjs`;
  mkdirSync(cacheDir, { recursive: true });
  const bundlePath = join(cacheDir, name);
  const tmp = `${bundlePath}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, bundlePath); // atomic: a concurrent process sees the whole file or none

  const inputs = [...Object.keys(result.metafile.inputs).map((p) => resolve(p)), fileURLToPath(import.meta.url)];
  const stamps = inputs.map((p) => {
    const s = fileStamp(p);
    if (!s) throw new Error(`bundle input ${p} is gone`);
    return [p, ...s];
  });
  // A file edited while esbuild read it may be half in the bundle: use the bundle this once, but do not
  // record it as current, so the next start rebuilds.
  if (stamps.every((s) => s[2] < startedMs - 1 && s[3] < startedMs - 1)) {
    const tmpM = `${manifestPath}.${process.pid}.tmp`;
    writeFileSync(tmpM, JSON.stringify({ bundle: name, inputs: stamps }));
    renameSync(tmpM, manifestPath);
    removeUnreferenced(cacheDir);
  }
  return bundlePath;
}

/** Delete bundles no manifest refers to (older builds). */
function removeUnreferenced(cacheDir) {
  const files = readdirSync(cacheDir);
  const used = new Set();
  for (const f of files) {
    if (!f.startsWith('manifest-') || !f.endsWith('.json')) continue;
    try {
      used.add(JSON.parse(readFileSync(join(cacheDir, f), 'utf8')).bundle);
    } catch {
      // a manifest being replaced by another process: its new bundle was written before it
    }
  }
  for (const f of files) {
    // bundles, their V8 code caches (`<bundle>.v8cache`) and temporary files a killed process left
    // (`….<pid>.tmp`) that no manifest names any more
    const m = /^([0-9a-f]{16}(?:\.mjs|\.cjs)?)(?:\.v8cache)?(?:\.\d+\.tmp)?$/.exec(f);
    if (m && !used.has(m[1])) rmSync(join(cacheDir, f), { recursive: true, force: true });
  }
}
