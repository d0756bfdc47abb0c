import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger, referencePath } from '@tace/common';
import { readDicomFile } from '../folder-source.ts';
import { TAG } from '../tags.ts';
import { ReceivedStore, type StoredInstance } from './received-store.ts';
import { StorageScp, type StorageScpOptions } from './scp.ts';
import { dataSetsOf, findDcmtk, runTool, splitPdus, startCaptureProxy } from './testing.ts';

const ref = referencePath('dicom/dcmqi-ct-3slice');
const dcmtk = findDcmtk(['storescu', 'echoscu']);
const files = ref ? ['01.dcm', '02.dcm', '03.dcm', 'liver.dcm'].map((f) => join(ref, f)) : [];
const tmp = mkdtempSync(join(tmpdir(), 'tace-scp-'));
const log = createLogger('scp-test', { level: 'silent' });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
const running: StorageScp[] = [];
afterEach(async () => { await Promise.all(running.splice(0).map((s) => s.close())); });

async function startScp(over: Partial<StorageScpOptions> = {}): Promise<{ scp: StorageScp; store: ReceivedStore; stored: StoredInstance[]; port: number }> {
  const store = new ReceivedStore(join(tmp, `store${n++}`));
  const stored: StoredInstance[] = [];
  const scp = new StorageScp({ aeTitle: 'TACE_RISK', allowedCallingAeTitles: ['MODALITY', 'PACS'], store, log, port: 0, onStored: (i) => { stored.push(i); }, ...over });
  running.push(scp);
  return { scp, store, stored, port: await scp.start() };
}

/** storescu -R: propose only the SOP classes and syntaxes of the files (SEG is not in its default list). */
const storescu = (port: number, paths: readonly string[], aet = 'MODALITY', aec = 'TACE_RISK') =>
  runTool(dcmtk!.storescu!, ['-v', '-R', '-aet', aet, '-aec', aec, '127.0.0.1', String(port), ...paths]);
const echoscu = (port: number, aet = 'MODALITY', aec = 'TACE_RISK') => runTool(dcmtk!.echoscu!, ['-aet', aet, '-aec', aec, '127.0.0.1', String(port)]);

/** Every file in the store below the study folders (not the .incoming scratch folder). */
function storedFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name));
}

describe.skipIf(!ref || !dcmtk)('DIMSE Storage SCP with DCMTK', () => {
  it('stores what storescu sends, one Part 10 file per instance, with the pixel data as sent', async () => {
    const { store, stored, scp, port } = await startScp();
    const run = await storescu(port, files);
    expect(run.code, run.stderr).toBe(0);
    expect(stored).toHaveLength(4);
    expect(storedFiles(store.dir).filter((f) => !f.includes('.incoming'))).toHaveLength(4);
    for (const f of files) {
      const orig = readDicomFile(f);
      const got = readDicomFile(store.pathOf(orig));
      expect(got.sopInstanceUid).toBe(orig.sopInstanceUid);
      expect(got.string('x00020003')).toBe(orig.sopInstanceUid);
      expect(got.string('x00020016')).toBe('MODALITY');
      expect(Buffer.from(got.bytes(TAG.PixelData)!).equals(Buffer.from(orig.bytes(TAG.PixelData)!))).toBe(true);
    }
    expect(scp.stats).toMatchObject({ associations: 1, stored: 4, failed: 0 });
    expect(readdirSync(join(store.dir, '.incoming'))).toEqual([]);
  });

  it('writes the data set bytes exactly as they came off the wire (no re-encoding by dcmjs-dimse)', async () => {
    const { store, port } = await startScp();
    const proxy = await startCaptureProxy(port);
    try {
      const run = await storescu(proxy.port, files.slice(0, 2));
      expect(run.code, run.stderr).toBe(0);
    } finally {
      await proxy.close();
    }
    const sent = dataSetsOf(splitPdus(Buffer.concat(proxy.sessions[0]!.clientBytes)));
    expect(sent).toHaveLength(2);
    for (const [k, f] of files.slice(0, 2).entries()) {
      const file = readFileSync(store.pathOf(readDicomFile(f)));
      // The file = our 132-byte preamble + meta group, then the data set verbatim.
      const metaLen = 132 + 12 + file.readUInt32LE(140);
      expect(file.subarray(metaLen).equals(sent[k]!)).toBe(true);
    }
  });

  it('answers C-ECHO', async () => {
    const { port } = await startScp();
    const run = await echoscu(port);
    expect(run.code, run.stderr).toBe(0);
  });

  it('refuses a calling AE title not in the allow-list (calling-AE-title-not-recognized) and stores nothing', async () => {
    const { port, scp, stored } = await startScp();
    const run = await storescu(port, files.slice(0, 1), 'INTRUDER');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/Calling AE Title Not Recognized/i);
    expect(stored).toHaveLength(0);
    expect(scp.stats.rejected).toBe(1);
  });

  it('refuses an association that calls another AE title (called-AE-title-not-recognized)', async () => {
    const { port, scp } = await startScp();
    const run = await echoscu(port, 'MODALITY', 'SOMEONE_ELSE');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/Called AE Title Not Recognized/i);
    expect(scp.stats.rejected).toBe(1);
  });

  it('answers a write failure with a failure status and leaves nothing half written', async () => {
    const { port, store, stored } = await startScp();
    // The scratch folder replaced by a file: opening the temporary file fails (ENOTDIR), even as root.
    rmSync(join(store.dir, '.incoming'), { recursive: true });
    writeFileSync(join(store.dir, '.incoming'), 'not a folder');
    const run = await storescu(port, files.slice(0, 1));
    expect(`${run.stdout}${run.stderr}`).toMatch(/Store Response \(Refused: OutOfResources\)/);
    expect(stored).toHaveLength(0);
    expect(storedFiles(store.dir)).toEqual([join(store.dir, '.incoming')]);
  });

  it('answers a failure when the study folder cannot be made, and removes the temporary file', async () => {
    const { port, store, stored } = await startScp();
    const study = readDicomFile(files[0]!).studyInstanceUid;
    writeFileSync(join(store.dir, study), 'a file where the study folder goes');
    const run = await storescu(port, files.slice(0, 1));
    expect(`${run.stdout}${run.stderr}`).toMatch(/Store Response \(Refused: OutOfResources\)/);
    expect(stored).toHaveLength(0);
    expect(readdirSync(join(store.dir, '.incoming'))).toEqual([]);
  });

  it('answers the association over the limit with A-ASSOCIATE-RJ transient (local limit exceeded)', async () => {
    const { port, scp } = await startScp({ maxAssociations: 1 });
    // Hold one connection open: it counts as an association until it closes.
    const held = connect(port, '127.0.0.1');
    await new Promise((r) => held.once('connect', r));
    try {
      const run = await echoscu(port);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/Rejected Transient/i);
      expect(run.stderr).toMatch(/Local Limit Exceeded/i);
      expect(scp.stats.rejected).toBe(1);
    } finally {
      held.destroy();
    }
    await new Promise((r) => setTimeout(r, 50));
    expect((await echoscu(port)).code).toBe(0);
  });

  it('drops a connection that stays silent past the idle timeout', async () => {
    const { port, scp } = await startScp({ idleTimeoutMs: 300 });
    const s = connect(port, '127.0.0.1');
    const closedAt = await new Promise<number>((r) => { const t0 = Date.now(); s.on('close', () => r(Date.now() - t0)); s.on('error', () => undefined); });
    expect(closedAt).toBeGreaterThanOrEqual(250);
    expect(scp.stats.dropped).toBe(1);
  });

  it('drops a PDU whose header claims more than the limit, before buffering it', async () => {
    const { port, scp } = await startScp();
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    await new Promise((r) => s.once('connect', r));
    const closed = new Promise((r) => s.once('close', r));
    s.write(Buffer.from([0x01, 0x00, 0xff, 0xff, 0xff, 0xf0, 0x00, 0x01]));
    await closed;
    expect(scp.stats.dropped).toBe(1);
    expect((await echoscu(port)).code).toBe(0);
  });
});
