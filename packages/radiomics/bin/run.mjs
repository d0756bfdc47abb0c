// The `radiomics extract|batch …` command as a function, shared by bin/radiomics.mjs and the
// `tace-risk radiomics …` entry (packages/cli/bin/tace-risk.mjs), so both start the same fast way: the
// engine as one bundled file (engine.mjs), the image and mask read and inflated on the thread pool while
// the rest loads, TurboFan off for short Original-only runs. The caller enables Node's compile cache first.
// (built-ins through process.getBuiltinModule: no ES module facade, see radiomics.mjs)
const { readFileSync } = process.getBuiltinModule('node:fs');
const { setFlagsFromString } = process.getBuiltinModule('node:v8');

/** Values of --image / --mask / --params in an `extract` command line (both `--k v` and `--k=v`). */
export function extractInputs(argv) {
  const out = {};
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const key = a.startsWith('--') ? a.slice(2, eq > 0 ? eq : undefined) : '';
    if (key !== 'image' && key !== 'mask' && key !== 'params') continue;
    const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (typeof v === 'string' && v !== '') out[key] = v;
  }
  return out;
}

/**
 * Run `radiomics <args…>` and resolve to the exit code. `setup`, if given, runs after the engine is
 * loaded and before the command (e.g. registering DICOM readers; the reader registry is shared by the
 * bundled and unbundled engine).
 */
export async function runRadiomicsBin(args, { setup } = {}) {
  // the engine: one bundled file when current, else the separate modules (engine.mjs)
  const engine = await (await import('./engine.mjs')).loadEngine();
  let light = false;
  if (args[0] === 'extract') {
    const { image, mask, params } = extractInputs(args);
    // An Original-only extraction (no filters, resampling or IBSI chain) is over in well under a second
    // (brain1 ≈0.2 s, the IBSI CT phantom's 125 k-voxel ROI ≈0.5 s): TurboFan's compile work costs more
    // than its code saves in that time (measured: brain1 218 -> 199 ms median, phantom 517 -> 458 ms,
    // identical output). Maglev still optimises. Filter runs (seconds) keep TurboFan (LoG + Wavelet on
    // brain1 is 10 % slower without it). A params file that does not parse changes nothing here; the
    // command reports it.
    if (params) {
      try {
        const p = engine.parseParams(readFileSync(params, 'utf8'));
        light = !p.ibsi && p.setting.standard !== 'ibsi' && !p.setting.resampledPixelSpacing &&
          Object.keys(p.imageType).every((t) => t === 'Original');
      } catch {
        // reported by the command itself
      }
    }
    if (light) setFlagsFromString('--no-opt');
    // Start reading and inflating the image and mask (thread pool) now, so that work overlaps what runs
    // before the readers (the rest of the engine's loading, parsing the parameters); the readers take the
    // decoded volumes (src/io/prefetch.ts).
    const inputs = [image, mask].filter((p) => p !== undefined);
    if (inputs.length > 0) engine.prefetchImageFiles(inputs);
  }
  const [{ runRadiomicsCli }] = await Promise.all([engine.cli(), setup?.()]);
  const code = await runRadiomicsCli(args);
  // After the first successful extraction with a new bundle: V8's code cache of everything it compiled
  // (engine.mjs), written with the V8 flags the process started with (the cache records them).
  if (code === 0 && args[0] === 'extract') {
    if (light) setFlagsFromString('--opt'); // (only our own change is undone)
    engine.saveCodeCache();
  }
  return code;
}
