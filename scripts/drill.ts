/**
 * `npm run drill`: the fault drill of issue #8. N distinct synthetic studies (default 300) are
 * submitted under load, over REST and the signed rest-hook, some twice on purpose, while a
 * seeded scheduler kill -9s the inference worker, ingestion, results and Redis and stalls the
 * FHIR server. Then every accepted run must end done or failed, with exactly one RiskAssessment
 * per done run: the drill prints submitted / done / failed by code / lost / duplicated and exits
 * 0 only if nothing was lost or duplicated. Loopback only; bounded by --max-minutes.
 *   npm run drill -- [--studies 300] [--seed 8] [--max-minutes 12] [--fault-minutes 6] [--rate 2]
 * (--rate: submissions started per second, spread over 60 s at least)
 * Every service log line goes to out/drill/ for the post-mortem of a lost or duplicated run.
 */
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { RiskAssessment } from '@medplum/fhirtypes';
import { REPO_ROOT } from '@tace/common';
import { buildSeedTransaction, RUN_ID_SYSTEM } from '@tace/fhir';
import { generatePatient, seedFor, writeSyntheticStudy } from '@tace/synthetic';
import { startFhirProcess, type FhirProcess } from '../tests/support/fhir-process.ts';
import { signedHeaders, startStack, WEBHOOK_SECRET, type Stack } from '../tests/support/stack.ts';
import { call, codeOf, rngFrom, RunMonitor, startFaults, untilAccepted, waitReady, type Answer, type FaultScheduler, type RunView } from './drill-lib.ts';

const { values: opt } = parseArgs({
  options: {
    studies: { type: 'string', default: '300' },
    seed: { type: 'string', default: '8' },
    'max-minutes': { type: 'string', default: '12' },
    'fault-minutes': { type: 'string', default: '6' },
    rate: { type: 'string', default: '2' }, // submissions started per second
    submitters: { type: 'string', default: '4' },
    'stuck-seconds': { type: 'string', default: '120' },
  },
});
const N = Number(opt.studies);
const SEED = Number(opt.seed);
const T0 = Date.now();
const DEADLINE = T0 + Number(opt['max-minutes']) * 60_000;
const STOP_WAITING = DEADLINE - 20_000; // what is left is for the verdict and the cleanup
const FINAL = new Set(['done', 'failed', 'cancelled', 'retracted']);
// Codes a fault explains, not the case: such a run is replayed once after the faults.
const TRANSIENT = new Set(['WORKER_CRASHED', 'FHIR_UNAVAILABLE', 'QUEUE_UNAVAILABLE', 'REGISTRY_UNAVAILABLE']);

mkdirSync(join(REPO_ROOT, 'out', 'drill'), { recursive: true });
const logPath = join(REPO_ROOT, 'out', 'drill', `drill-seed${SEED}-n${N}-${new Date(T0).toISOString().replace(/[:.]/g, '-')}.log`);
const logFile = createWriteStream(logPath);
const runLines: string[] = []; // service log lines naming a run, for the post-mortem
const log = (msg: string) => {
  const line = `[+${((Date.now() - T0) / 1000).toFixed(1).padStart(6)} s] ${msg}`;
  console.log(line);
  logFile.write(`drill ${line}\n`);
};

let aborted = false;
const stopNow = () => aborted || Date.now() > STOP_WAITING;
let fhirProc: FhirProcess | undefined;
let stack: Stack | undefined;
let monitor: RunMonitor | undefined;
let faults: FaultScheduler | undefined;

interface Study { i: number; uid: string; patientRef: string; channel: 'rest' | 'hook'; dup?: 'concurrent' | 'later'; runIds: Set<string> }
const studies: Study[] = [];
const accepted = new Map<string, Study>(); // run id → its study
const created = new Map<string, number>(); // run id → answers saying created: true
const refusals = new Map<string, number>(); // answers other than 202 while submitting, by code
const notAccepted: Array<{ study: number; code: string }> = [];
let submissions = 0;
let hookFallbacks = 0;
let submitting = true;

async function main(): Promise<number> {
  fhirProc = await startFhirProcess();
  stack = await startStack({
    fhirBaseUrl: fhirProc.baseUrl,
    // A short FHIR deadline so a stall answers 503 quickly; the drill is one client polling hard.
    env: { TACE_FHIR_TIMEOUT_MS: '2000', TACE_RATE_LIMIT_PER_MINUTE: '1000000' },
    onLog: (name, line) => {
      logFile.write(`${name} ${line}\n`);
      if (line.includes('run-')) runLines.push(`${name} ${line}`);
    },
  });
  monitor = new RunMonitor(stack.redis.url);
  const st = stack;
  const tPrep = Date.now();
  log(`stack up in ${((tPrep - T0) / 1000).toFixed(1)} s (redis, OAuth issuer, FHIR server process, 3 services)`);

  // 1. Studies, DICOM files and FHIR seeds, before the clock of the fault phase starts.
  const planRng = rngFrom(SEED);
  const seeding = new Set<Promise<void>>();
  for (let i = 0; i < N && !stopNow(); i++) {
    const p = generatePatient(SEED, i);
    writeSyntheticStudy(p, join(st.dicomDir, p.uids.studyInstanceUid));
    const r = planRng();
    const s: Study = { i, uid: p.uids.studyInstanceUid, patientRef: '', channel: planRng() < 0.1 ? 'hook' : 'rest', ...(r < 0.08 ? { dup: 'concurrent' as const } : r < 0.13 ? { dup: 'later' as const } : {}), runIds: new Set() };
    studies.push(s);
    const t = seedOne(st, p).then((ref) => void (s.patientRef = ref));
    seeding.add(t);
    t.then(() => seeding.delete(t), () => seeding.delete(t)); // a failure surfaces through the race below
    if (seeding.size >= 4) await Promise.race(seeding);
  }
  await Promise.all(seeding);
  if (new Set(studies.map((s) => s.uid)).size !== studies.length || new Set(studies.map((s) => s.patientRef)).size !== studies.length) throw new Error('the studies are not distinct');
  const prepS = (Date.now() - tPrep) / 1000;
  log(`prepared ${N} distinct studies (DICOM + FHIR seed) in ${prepS.toFixed(1)} s`);

  // 2. The fault phase: submitters and the fault scheduler at once.
  const tFaults = Date.now();
  faults = startFaults({ stack: st, fhirProc, monitor, rng: rngFrom(SEED ^ 0x9e3779b9), log, aborted: () => aborted });
  const record = (s: Study, a: Answer, runId: unknown, isNew: boolean) => {
    if (a.status !== 202 || typeof runId !== 'string') return void notAccepted.push({ study: s.i, code: codeOf(a) });
    s.runIds.add(runId);
    accepted.set(runId, s);
    if (isNew) created.set(runId, (created.get(runId) ?? 0) + 1);
  };
  const submitRest = async (s: Study) => {
    submissions++;
    const body = JSON.stringify({ patientReference: s.patientRef, studyInstanceUid: s.uid });
    const a = await untilAccepted(() => call('POST', `${st.url.ingestion}/v1/assessments`, { 'content-type': 'application/json', ...st.auth }, body), refusals, STOP_WAITING, () => aborted);
    record(s, a, a.json.runId, a.json.created === true);
  };
  // The EHR's Subscription: redeliveries keep the webhook-id (Standard Webhooks); after 45 s of
  // refusals the operator resubmits over REST (counted: a delivery stuck "in progress").
  const submitHook = async (s: Study) => {
    submissions++;
    const body = JSON.stringify({ resourceType: 'ImagingStudy', status: 'available', subject: { reference: s.patientRef }, identifier: [{ system: 'urn:dicom:uid', value: `urn:oid:${s.uid}` }] });
    const id = `msg_drill_${SEED}_${s.i}`;
    const a = await untilAccepted(() => call('POST', `${st.url.ingestion}/fhir/rest-hook`, signedHeaders(body, WEBHOOK_SECRET, { id }), body), refusals, Math.min(STOP_WAITING, Date.now() + 45_000), () => aborted);
    const text = String((a.json.issue as Array<{ diagnostics?: string }> | undefined)?.[0]?.diagnostics ?? '');
    if (a.status === 202) return record(s, a, /run-[0-9a-f]{32}/.exec(text)?.[0], text.endsWith('started'));
    hookFallbacks++;
    log(`rest-hook delivery ${id} (study ${s.i}) refused for 45 s, last ${codeOf(a)}; ${await monitor!.receipt(id)}; resubmitted over REST`);
    await submitRest(s);
  };
  let next = 0;
  // At --rate, but spread over a minute at least: a small drill still sees a dozen faults.
  const spanMs = Math.max((N * 1000) / Number(opt.rate), 60_000);
  const submitter = async () => {
    while (next < studies.length && !stopNow()) {
      const s = studies[next++]!;
      const due = tFaults + (s.i * spanMs) / N; // a steady arrival rate, not one burst
      while (Date.now() < due && !stopNow()) await sleep(Math.min(200, due - Date.now()));
      await Promise.all([s.channel === 'hook' ? submitHook(s) : submitRest(s), ...(s.dup === 'concurrent' ? [submitRest(s)] : [])]);
    }
  };
  await Promise.all(Array.from({ length: Number(opt.submitters) }, submitter));
  // The same request again once it was accepted (an impatient user, an EHR retry): one run still.
  for (const s of studies.filter((x) => x.dup === 'later' && !stopNow())) await submitRest(s);
  submitting = false;
  log(`submissions done: ${submissions} sent, ${accepted.size} runs accepted`);
  // Faults go on while runs are processed: those are what they must not lose.
  const faultEnd = Math.min(tFaults + Number(opt['fault-minutes']) * 60_000, DEADLINE - 90_000);
  await watch(faultEnd, Infinity);
  await faults.stop();
  const faultS = (Date.now() - tFaults) / 1000;
  log(`fault phase over after ${faultS.toFixed(0)} s; settling`);
  await waitReady({ stack: st, log, aborted: () => aborted }, faults.counts);

  // 3. Settle: every run final, or nothing moves for --stuck-seconds, or the deadline.
  const tSettle = Date.now();
  const stuckMs = Number(opt['stuck-seconds']) * 1000;
  let ending = await watch(STOP_WAITING, stuckMs);
  const firstFailures = new Map<string, number>();
  let replayed = 0;
  const snap = (await monitor.snapshot([...accepted.keys()])) ?? new Map<string, RunView | undefined>();
  for (const [runId, v] of snap) {
    if (v?.status !== 'failed') continue;
    const code = v.error?.code ?? '?';
    firstFailures.set(code, (firstFailures.get(code) ?? 0) + 1);
    if (!TRANSIENT.has(code) || stopNow()) continue;
    const a = await untilAccepted(() => call('POST', `${st.url.ingestion}/v1/assessments/${runId}/replay`, { 'content-type': 'application/json', ...st.auth }, '{}'), refusals, STOP_WAITING, () => aborted);
    if (a.status === 202) replayed++;
  }
  if (replayed > 0) {
    log(`replayed ${replayed} run(s) failed by a fault`);
    ending = await watch(STOP_WAITING, stuckMs);
  }
  const settleS = (Date.now() - tSettle) / 1000;
  if (aborted) return 130;

  // 4. The verdict, from the status route and the FHIR server.
  const ids = [...accepted.keys()];
  const finalView = new Map<string, RunView | 'vanished' | 'no answer'>();
  await Promise.all(Array.from({ length: 8 }, async (_, k) => {
    for (let j = k; j < ids.length; j += 8) {
      let a: Answer = { status: 0, json: {} };
      for (let t = 0; t < 5 && a.status !== 200 && a.status !== 404; t++) a = await call('GET', `${st.url.results}/v1/assessments/${ids[j]}`, st.auth);
      finalView.set(ids[j]!, a.status === 200 ? (a.json as unknown as RunView) : a.status === 404 ? 'vanished' : 'no answer');
    }
  }));
  const raCount = new Map<string, number>();
  let unknownRas = 0;
  let totalRas = 0;
  for await (const page of st.fhir.searchResourcePages('RiskAssessment', { _count: '500' })) {
    for (const ra of page as RiskAssessment[]) {
      totalRas++;
      const id = ra.identifier?.find((x) => x.system === RUN_ID_SYSTEM)?.value;
      if (id && accepted.has(id)) raCount.set(id, (raCount.get(id) ?? 0) + 1);
      else unknownRas++;
    }
  }
  const byStatus = (st2: string) => ids.filter((id) => (finalView.get(id) as RunView | undefined)?.status === st2);
  const failedCodes = new Map<string, number>();
  for (const id of byStatus('failed')) {
    const c = (finalView.get(id) as RunView).error?.code ?? '?';
    failedCodes.set(c, (failedCodes.get(c) ?? 0) + 1);
  }
  const notFinal = ids.filter((id) => { const v = finalView.get(id); return typeof v !== 'object' || !FINAL.has(v.status); });
  // A run still moving at the deadline is not known to be lost: it is counted apart.
  const unfinished = ending === 'until' ? notFinal.filter((id) => finalView.get(id) !== 'vanished') : [];
  const lostIds = [
    ...notFinal.filter((id) => !unfinished.includes(id)).map((id) => [id, `ended ${typeof finalView.get(id) === 'object' ? JSON.stringify(finalView.get(id)) : finalView.get(id)}`] as const),
    ...ids.filter((id) => ['cancelled', 'retracted'].includes((finalView.get(id) as RunView | undefined)?.status ?? '')).map((id) => [id, 'cancelled/retracted though nobody asked'] as const),
    ...byStatus('done').filter((id) => !raCount.get(id)).map((id) => [id, 'done but no RiskAssessment in FHIR'] as const),
  ];
  const multiRa = ids.filter((id) => (raCount.get(id) ?? 0) > 1);
  const extraRunIds = studies.reduce((n, s) => n + Math.max(0, s.runIds.size - 1), 0);
  const duplicated = multiRa.length + unknownRas + extraRunIds;
  const failedWithRa = byStatus('failed').filter((id) => raCount.get(id));
  const unsent = studies.filter((x) => x.runIds.size === 0 && !notAccepted.some((n) => n.study === x.i)).length;
  const crashed = [...((await monitor!.snapshot(ids)) ?? new Map<string, RunView | undefined>()).values()].filter((v) => (v?.crashes ?? 0) > 0).length;

  const rows: Array<[string, string | number]> = [
    ['studies (distinct)', N],
    ['submissions (incl. duplicates)', `${submissions}  (rest-hook ${studies.filter((s) => s.channel === 'hook').length}, duplicates ${studies.filter((s) => s.dup).length}, hook→REST fallbacks ${hookFallbacks})`],
    ...[...refusals].sort((a, b) => b[1] - a[1]).map(([c, n]): [string, number] => [`  retried after: ${c}`, n]),
    ['not accepted', notAccepted.length],
    ['studies not submitted (deadline)', unsent],
    ['runs accepted (distinct run ids)', ids.length],
    ['runs created twice (record re-made)', [...created.values()].filter((n) => n > 1).length],
    ['runs whose attempt died in a kill', crashed],
    ['done', byStatus('done').length],
    ['failed', byStatus('failed').length],
    ...[...failedCodes].map(([c, n]): [string, number] => [`  failed ${c}`, n]),
    ...[...firstFailures].map(([c, n]): [string, number] => [`  before replay: failed ${c}`, n]),
    ['replayed', replayed],
    ['RiskAssessments in FHIR', totalRas],
    ['failed but a RiskAssessment written', failedWithRa.length],
    ['LOST', lostIds.length],
    ['unfinished at deadline', unfinished.length],
    ['DUPLICATED', `${duplicated}  (runs with >1 RiskAssessment ${multiRa.length}, RiskAssessments of unknown runs ${unknownRas}, extra run ids for a study ${extraRunIds})`],
    ...[...faults.counts].map(([k, n]): [string, number] => [`fault: ${k}`, n]),
    ['wall time', `${((Date.now() - T0) / 1000).toFixed(0)} s  (prepare ${prepS.toFixed(0)} s, faults ${faultS.toFixed(0)} s, settle ${settleS.toFixed(0)} s; settle ended: ${ending})`],
  ];
  console.log(`\n== fault drill, seed ${SEED}\n${rows.map(([k, v]) => `${k.padEnd(40)} ${v}`).join('\n')}`);
  for (const [id, why] of [...lostIds, ...multiRa.map((id) => [id, `${raCount.get(id)} RiskAssessments`] as const)].slice(0, 10)) {
    console.log(`\n-- ${id} (study ${accepted.get(id)!.i}): ${why}\n${runLines.filter((l) => l.includes(id)).slice(-15).join('\n')}`);
  }
  if (notAccepted.length) console.log(`\nnot accepted: ${JSON.stringify(notAccepted.slice(0, 10))}`);
  console.log(`\nservice logs: ${logPath}`);
  return lostIds.length === 0 && duplicated === 0 && unfinished.length === 0 && notAccepted.length === 0 && unsent === 0 ? 0 : 1;
}

/**
 * Seed one patient with plain creates. seedPatient() creates conditionally (idempotent re-seeding),
 * and the test server answers a conditional create by scanning every Observation through the
 * shared `identifier` search parameter (~1 ms each): 300 patients would take many minutes. The
 * server is fresh and the patients distinct, so no condition is needed.
 */
async function seedOne(st: Stack, p: ReturnType<typeof generatePatient>): Promise<string> {
  const tx = buildSeedTransaction(seedFor(p));
  for (const e of tx.entry ?? []) delete e.request!.ifNoneExist;
  const res = await st.fhir.executeBatch(tx);
  const ref = /Patient\/[^/]+/.exec(res.entry?.[0]?.response?.location ?? '')?.[0];
  if (!ref) throw new Error(`seeding study ${p.uids.studyInstanceUid}: no Patient location`);
  return ref;
}

/** Waits for every accepted run to be final; prints progress. 'stuck': nothing changed for stuckMs. */
async function watch(until: number, stuckMs: number): Promise<'all-final' | 'stuck' | 'until' | 'aborted'> {
  let sig = '';
  let changed = Date.now();
  let printed = 0;
  for (;;) {
    if (aborted) return 'aborted';
    const ids = [...accepted.keys()];
    const snap = await monitor!.snapshot(ids);
    if (snap) {
      const views = [...snap.values()];
      const s = views.map((v) => (v ? v.status + v.updatedAt : '-')).join();
      if (s !== sig) [sig, changed] = [s, Date.now()];
      const count = (f: (v: RunView | undefined) => boolean) => views.filter(f).length;
      const final = count((v) => !!v && FINAL.has(v.status));
      if (Date.now() - printed > 15_000) {
        printed = Date.now();
        log(`runs ${ids.length}: done ${count((v) => v?.status === 'done')}, failed ${count((v) => v?.status === 'failed')}, queued ${count((v) => v?.status === 'queued')}, running ${count((v) => v?.status === 'running')}, no record ${count((v) => !v)}`);
      }
      if (!submitting && final === ids.length) return 'all-final';
    }
    if (Date.now() - changed > stuckMs) return 'stuck';
    if (Date.now() > until) return 'until';
    await sleep(1000);
  }
}

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await faults?.stop().catch(() => undefined); // a killed Redis is started again before close()
    fhirProc?.resume();
    monitor?.close();
    const closed = stack?.close().then(() => true, () => false);
    if (closed && !(await Promise.race([closed, sleep(60_000).then(() => false)]))) {
      for (const n of ['ingestion', 'inference-worker', 'results'] as const) await stack!.kill(n, 'SIGKILL');
      for (const d of [stack!.dicomDir, stack!.caseDir, stack!.redis.dir]) rmSync(d, { recursive: true, force: true });
    }
    await fhirProc?.stop();
    await new Promise((r) => logFile.end(r));
  })();
  return cleaning;
}

process.on('SIGINT', () => {
  if (aborted) process.exit(130); // a second Ctrl-C: leave now
  aborted = true;
  console.log('\ninterrupted: stopping and cleaning up (Ctrl-C again to leave at once)');
});
process.on('SIGTERM', () => void (aborted = true));
// A stray rejection must not end the process before the cleanup: stop the drill instead.
process.on('unhandledRejection', (e) => {
  console.error(`drill: unhandled rejection: ${(e as Error)?.stack ?? String(e)}`);
  aborted = true;
});
// Whatever happens, the process ends: 90 s past the deadline it leaves, cleaned up or not.
setTimeout(() => {
  console.error('drill: hard deadline passed; exiting');
  process.exit(3);
}, DEADLINE - T0 + 90_000).unref();

let code = 1;
try {
  code = await main();
} catch (e) {
  console.error(`drill failed: ${(e as Error).stack ?? String(e)}`);
  code = 2;
} finally {
  await cleanup();
}
process.exit(aborted ? 130 : code);
