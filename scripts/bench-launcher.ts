/**
 * `npm run bench -- launcher`: what a person pays to start `tace-risk` (issue #11). Three ways to
 * run the same entry, each as a fresh process from a shell-like environment (the system PATH,
 * without node_modules/.bin), for `--help` and for `radiomics extract` of the PyRadiomics brain1
 * case (defaults, CSV out):
 *   (a) the launcher: node_modules/.bin/tace-risk (bin/tace-risk, sh → the pinned Node);
 *   (b) npx tace-risk (the machine's npx, which then runs the same launcher);
 *   (c) node_modules/.bin/node packages/cli/bin/tace-risk.mjs — the baseline: the entry itself,
 *       on the pinned Node, no launcher at all.
 * Rounds interleave the three (a, b, c, a, b, c, …) so that load on the shared machine hits each
 * alike; one untimed round first fills the compile cache and the radiomics bundle cache, as any
 * earlier run would have. Printed: p50 and min per way, and p50 / p50 of (c) in the same run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { REPO_ROOT, referenceDir } from '@tace/common';

const ROUNDS = 10;

interface Way { name: string; cmd: string; args: string[] }

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

function timeOnce(w: Way, tail: string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(w.cmd, [...w.args, ...tail], { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${w.name} ${tail.join(' ')} failed (${r.status}): ${r.stderr.toString().slice(0, 400)}`);
  return ms;
}

function measure(title: string, ways: Way[], tail: string[], env: NodeJS.ProcessEnv): void {
  for (const w of ways) timeOnce(w, tail, env); // warm: compile cache, radiomics bundle cache
  const times = new Map(ways.map((w) => [w.name, [] as number[]]));
  for (let r = 0; r < ROUNDS; r++) for (const w of ways) times.get(w.name)!.push(timeOnce(w, tail, env));
  const base = pct(times.get(ways[ways.length - 1]!.name)!, 50);
  console.log(`\n${title} (${ROUNDS} runs each, interleaved)`);
  console.log(`  ${'way'.padEnd(56)} ${'p50 ms'.padStart(8)} ${'min ms'.padStart(8)}  p50 / (c)`);
  for (const w of ways) {
    const t = times.get(w.name)!;
    console.log(`  ${w.name.padEnd(56)} ${pct(t, 50).toFixed(1).padStart(8)} ${Math.min(...t).toFixed(1).padStart(8)}  ${(pct(t, 50) / base).toFixed(2)}×`);
  }
}

export async function runLauncherBench(): Promise<void> {
  const data = join(referenceDir(), 'pyradiomics/data');
  const launcher = join(REPO_ROOT, 'node_modules/.bin/tace-risk');
  const pinned = join(REPO_ROOT, 'node_modules/.bin/node');
  if (!existsSync(launcher) || !existsSync(pinned)) {
    console.log('launcher bench: SKIPPED (node_modules/.bin/tace-risk or node_modules/.bin/node missing: run npm ci)');
    return;
  }
  // A user's shell: the PATH without the node_modules/.bin folders npm run put in front.
  const path = (process.env.PATH ?? '').split(delimiter).filter((p) => !p.includes('node_modules/.bin')).join(delimiter);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: path };
  for (const k of Object.keys(env)) if (k.startsWith('npm_') || k === 'NODE_OPTIONS' || k === 'INIT_CWD') delete env[k];
  const npx = spawnSync('sh', ['-c', 'command -v npx'], { env, encoding: 'utf8' }).stdout.trim();
  const ways: Way[] = [
    { name: '(a) tace-risk (launcher: node_modules/.bin/tace-risk)', cmd: launcher, args: [] },
    ...(npx ? [{ name: `(b) npx tace-risk (${npx})`, cmd: npx, args: ['tace-risk'] }] : []),
    { name: '(c) node_modules/.bin/node packages/cli/bin/tace-risk.mjs', cmd: pinned, args: [join(REPO_ROOT, 'packages/cli/bin/tace-risk.mjs')] },
  ];
  const node = spawnSync(pinned, ['-p', 'process.version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`launcher benchmark — pinned Node ${node}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (!npx) console.log('  (b) skipped: no npx on the system PATH');
  measure('tace-risk --help', ways, ['--help'], env);
  if (!existsSync(join(data, 'brain1_image.nrrd'))) {
    console.log('\nradiomics extract: SKIPPED (PyRadiomics reference data absent; set TACE_REFDATA)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-launcher-'));
  try {
    writeFileSync(join(dir, 'params.yaml'), ''); // empty = PyRadiomics defaults
    measure('tace-risk radiomics extract, brain1 (PyRadiomics defaults, CSV out)', ways, ['radiomics', 'extract', '--params', join(dir, 'params.yaml'),
      '--image', join(data, 'brain1_image.nrrd'), '--mask', join(data, 'brain1_label.nrrd'), '--out', join(dir, 'features.csv')], env);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nload average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}
