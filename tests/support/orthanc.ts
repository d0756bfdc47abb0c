import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDicom, TAG } from '@tace/dicom';
import { freePort } from '@tace/jobs/testing';

/** Where Debian's `orthanc-dicomweb` puts the plugin (the first is a symlink to the second). */
const DICOMWEB_PLUGIN_CANDIDATES = ['/usr/share/orthanc/plugins/libOrthancDicomWeb.so', '/usr/lib/orthanc/libOrthancDicomWeb.so.1.7'];

export interface OrthancInstall {
  binary: string;
  dicomWebPlugin: string;
}

function isExecutable(p: string): boolean {
  try { accessSync(p, constants.X_OK); return true; } catch { return false; }
}

function onPath(name: string): string | undefined {
  // Debian installs Orthanc in /usr/sbin, which a non-root PATH often lacks.
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, name);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

/**
 * The Orthanc binary and its DICOMweb plugin, or `undefined` after printing loudly why suites
 * that need them are skipped (like `referencePath`). Env overrides: TACE_ORTHANC_BIN,
 * TACE_ORTHANC_DICOMWEB_PLUGIN. CI installs the Debian packages `orthanc orthanc-dicomweb`.
 */
export function findOrthanc(): OrthancInstall | undefined {
  const envBin = process.env.TACE_ORTHANC_BIN, envPlugin = process.env.TACE_ORTHANC_DICOMWEB_PLUGIN;
  const binary = envBin ? (isExecutable(envBin) ? envBin : undefined) : onPath('Orthanc');
  const plugin = envPlugin ? (existsSync(envPlugin) ? envPlugin : undefined) : DICOMWEB_PLUGIN_CANDIDATES.find((p) => existsSync(p));
  if (!binary || !plugin) {
    const missing = !binary
      ? (envBin ? `TACE_ORTHANC_BIN=${envBin} is not executable` : 'the Orthanc binary is not on PATH (apt-get install orthanc orthanc-dicomweb)')
      : (envPlugin ? `TACE_ORTHANC_DICOMWEB_PLUGIN=${envPlugin} does not exist` : 'the Orthanc DICOMweb plugin is absent (apt-get install orthanc-dicomweb)');
    console.warn(`\n*** SKIPPING: ${missing} ***\n`);
    return undefined;
  }
  return { binary, dicomWebPlugin: plugin };
}

export interface OrthancHandle {
  /** Orthanc's own DICOM port (C-STORE SCP) on loopback. */
  dicomPort: number;
  /** DICOMweb root without trailing slash, e.g. http://127.0.0.1:PORT/dicom-web */
  dicomWebUrl: string;
  /** Orthanc REST root, e.g. http://127.0.0.1:PORT */
  restUrl: string;
  /** Orthanc's own log lines (stdout + stderr), for failure messages. */
  logs: string[];
  /** Process id, to kill Orthanc abruptly (e.g. in the middle of a transfer). */
  pid: number;
  /** STOW-RS the given Part 10 files in one request; rejects unless every instance was stored. */
  stow(files: Uint8Array[]): Promise<void>;
  /** Delete a study through the REST API (so files sharing SOP UIDs can be uploaded in turn). */
  deleteStudy(studyInstanceUid: string): Promise<void>;
  /** Headers the helper itself sends (Basic auth of the first registered user, when auth is on). */
  authHeaders: Record<string, string>;
  stop(): Promise<void>;
}

export interface OrthancOptions {
  /**
   * HTTP Basic users (AuthenticationEnabled + RegisteredUsers): the helper's own calls use the
   * first one, everything else must bring its own credentials.
   */
  users?: Record<string, string>;
  /** More Orthanc configuration, merged over the defaults (e.g. DicomWeb options). */
  config?: Record<string, unknown>;
}

/** Orthanc REST ids of the resources holding a DICOM UID (`POST /tools/lookup`). */
async function lookup(restUrl: string, uid: string, headers: Record<string, string>): Promise<Array<{ ID: string; Type: string }>> {
  const r = await fetch(`${restUrl}/tools/lookup`, { method: 'POST', body: uid, headers });
  if (!r.ok) throw new Error(`Orthanc /tools/lookup answered ${r.status}`);
  return (await r.json()) as Array<{ ID: string; Type: string }>;
}

/** multipart/related body of application/dicom parts (PS3.18 10.5, RFC 2387). */
function multipartBody(files: Uint8Array[], boundary: string): Buffer {
  const chunks: Buffer[] = [];
  for (const f of files) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1'));
    chunks.push(Buffer.from(f.buffer, f.byteOffset, f.byteLength));
    chunks.push(Buffer.from('\r\n', 'latin1'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return Buffer.concat(chunks);
}

/**
 * A real Orthanc for tests: a fresh storage in a temp dir, HTTP and DICOM ports free on
 * loopback, no authentication unless `opts.users` are given, and ONLY the DICOMweb plugin; `opts.config` is merged into the
 * configuration (e.g. `DicomModalities`, `StableAge`, `DicomAet`, `OverwriteInstances`) (with the GDCM plugin loaded,
 * Debian's Orthanc 1.10 segfaults when asked to transcode to JPEG-LS). Resolves once
 * `GET /system` answers. `extraConfig` adds or overrides configuration keys (e.g. OverwriteInstances).
 */
export async function startOrthanc(install: OrthancInstall | undefined = findOrthanc(), opts: OrthancOptions = {}): Promise<OrthancHandle> {
  if (!install) throw new Error('Orthanc is not installed (see the SKIPPING warning above)');
  const dir = mkdtempSync(join(tmpdir(), 'tace-orthanc-'));
  const httpPort = await freePort();
  const dicomPort = await freePort();
  const config = {
    Name: 'tace-test',
    HttpPort: httpPort,
    DicomPort: dicomPort,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: opts.users !== undefined,
    ...(opts.users ? { RegisteredUsers: opts.users } : {}),
    StorageDirectory: join(dir, 'db'),
    IndexDirectory: join(dir, 'db'),
    Plugins: [install.dicomWebPlugin],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
    ...opts.config,
  };
  const firstUser = Object.entries(opts.users ?? {})[0];
  const authHeaders: Record<string, string> = firstUser ? { Authorization: `Basic ${Buffer.from(`${firstUser[0]}:${firstUser[1]}`).toString('base64')}` } : {};
  const configPath = join(dir, 'orthanc.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const restUrl = `http://127.0.0.1:${httpPort}`;
  const dicomWebUrl = `${restUrl}/dicom-web`;
  const logs: string[] = [];
  const proc: ChildProcess = spawn(install.binary, [configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (b: Buffer) => {
    logs.push(...b.toString().split('\n').filter(Boolean));
    if (logs.length > 2000) logs.splice(0, 1000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  let spawnError: Error | undefined;
  proc.once('error', (e) => { spawnError = e; });

  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        proc.once('exit', () => { clearTimeout(kill); resolve(); });
        proc.kill('SIGTERM');
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (spawnError || proc.exitCode !== null) {
      await stop();
      throw new Error(`Orthanc did not start (${spawnError?.message ?? `exit ${proc.exitCode}`}):\n${logs.slice(-20).join('\n')}`);
    }
    try {
      const r = await fetch(`${restUrl}/system`, { headers: authHeaders });
      if (r.ok) { await r.arrayBuffer(); break; }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Orthanc not answering /system in 30 s:\n${logs.slice(-20).join('\n')}`);
    }
    await sleep(100);
  }

  const stow = async (files: Uint8Array[]): Promise<void> => {
    // Orthanc answers 200 to a STOW of an SOP UID it already holds but keeps the OLD copy, so a
    // test would silently read other bytes than it uploaded: refuse that here.
    const sopUids = files.map((f) => parseDicom(f, { untilTag: TAG.PixelData }).sopInstanceUid);
    for (const uid of sopUids) {
      if ((await lookup(restUrl, uid, authHeaders)).some((x) => x.Type === 'Instance')) {
        throw new Error(`SOP instance ${uid} is already on this Orthanc; delete its study first (Orthanc would keep the old copy)`);
      }
    }
    const boundary = `tace-${Math.random().toString(36).slice(2)}${Date.now()}`;
    // `type=` is required: without it Orthanc's STOW-RS rejects the request.
    const res = await fetch(`${dicomWebUrl}/studies`, {
      method: 'POST',
      headers: { 'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`, Accept: 'application/dicom+json', ...authHeaders },
      body: multipartBody(files, boundary),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`STOW-RS answered HTTP ${res.status}: ${text.slice(0, 500)}`);
    // PS3.18 10.5.3: FailedSOPSequence (0008,1198) lists what was refused.
    const json = JSON.parse(text) as Record<string, { Value?: unknown[] }>;
    const failed = json['00081198']?.Value ?? [];
    if (failed.length > 0) throw new Error(`STOW-RS refused ${failed.length} of ${files.length} instances: ${JSON.stringify(failed).slice(0, 500)}`);
    for (const uid of sopUids) {
      if (!(await lookup(restUrl, uid, authHeaders)).some((x) => x.Type === 'Instance')) throw new Error(`STOW-RS answered 200 but SOP instance ${uid} is not stored`);
    }
  };

  const deleteStudy = async (studyInstanceUid: string): Promise<void> => {
    for (const x of await lookup(restUrl, studyInstanceUid, authHeaders)) {
      if (x.Type !== 'Study') continue;
      const r = await fetch(`${restUrl}/studies/${x.ID}`, { method: 'DELETE', headers: authHeaders });
      await r.arrayBuffer();
      if (!r.ok) throw new Error(`DELETE study answered HTTP ${r.status}`);
    }
  };

  return { dicomWebUrl, restUrl, logs, dicomPort, pid: proc.pid!, stow, deleteStudy, authHeaders, stop };
}
