/**
 * Figures for issue #8, each against a baseline measured in the same run:
 * 1. token verification cost per request: an authenticated route against the unauthenticated
 *    /healthz of the same app (and jose's jwtVerify alone);
 * 2. POST /v1/assessments requests per second on the real ingestion service, auth on and off
 *    (the same study again: created false, so no scoring competes for the CPU);
 * 3. submit latency while another client sends unknown StudyInstanceUIDs as fast as it can,
 *    against the same submits without that flood.
 * Loopback only, bounded in time.
 */
import { join } from 'node:path';
import { createLogger } from '@tace/common';
import { seedPatient } from '@tace/fhir';
import { createServiceApp, createTokenVerifier, healthRoutes, routeSchema } from '@tace/http';
import { startTestIssuer } from '@tace/http/testing';
import { generatePatient, seedFor, writeSyntheticStudy } from '@tace/synthetic';
import { startStack } from '../tests/support/stack.ts';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const med = (xs: number[]) => pct(xs, 50);

/** `concurrency` loops calling `call` for `ms`; latencies of each call. */
async function load(ms: number, concurrency: number, call: () => Promise<unknown>, pauseMs = 0): Promise<{ rps: number; lat: number[] }> {
  const lat: number[] = [];
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await call();
        lat.push(performance.now() - t);
        if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
      }
    }),
  );
  return { rps: lat.length / ((performance.now() - t0) / 1000), lat };
}

async function ok(r: Promise<Response>, expect: number): Promise<void> {
  const res = await r;
  await res.arrayBuffer();
  if (res.status !== expect) throw new Error(`expected ${expect}, got ${res.status}`);
}

export async function runSafetyBench(): Promise<void> {
  const log = createLogger('bench', { level: 'silent' });
  const idp = await startTestIssuer();
  try {
    // 1. Token verification per request.
    const app = await createServiceApp({ log, auth: createTokenVerifier({ issuer: idp.issuer, audience: idp.audience, algorithms: ['RS256'], clockSkewS: 30 }), rateLimitPerMinute: 1_000_000 });
    healthRoutes(app, 'bench', {});
    app.get('/v1/worklist', { schema: routeSchema('getWorklist') }, async () => ({ items: [] }));
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const auth = { authorization: `Bearer ${await idp.token()}` };
    await ok(fetch(`${base}/v1/worklist`, { headers: auth }), 200); // JWKS fetched once
    await load(2000, 8, () => ok(fetch(`${base}/v1/worklist`, { headers: auth }), 200)); // warm-up (JIT)
    for (let round = 0; round < 3; round++) {
      const open = await load(3000, 8, () => ok(fetch(`${base}/healthz`), 200));
      const authed = await load(3000, 8, () => ok(fetch(`${base}/v1/worklist`, { headers: auth }), 200));
      console.log(
        `round ${round + 1}: unauthenticated /healthz ${open.rps.toFixed(0)} req/s (median ${med(open.lat).toFixed(2)} ms) | bearer-verified /v1/worklist ${authed.rps.toFixed(0)} req/s (median ${med(authed.lat).toFixed(2)} ms)` +
          ` = ${(authed.rps / open.rps).toFixed(2)}× the throughput; ≈ ${(1000 / authed.rps - 1000 / open.rps).toFixed(3)} ms of CPU per request for the token`,
      );
    }
    await app.close();

    // 2 and 3 on the real services.
    const stack = await startStack({ env: { LOG_LEVEL: 'warn', TACE_RATE_LIMIT_PER_MINUTE: '1000000' } });
    try {
      const p = generatePatient(8080, 0);
      const study = writeSyntheticStudy(p, join(stack.dicomDir, p.uids.studyInstanceUid));
      const refs = await seedPatient(stack.fhir, seedFor(p));
      // More studies in the folder, so an index walk has something to cost.
      for (let i = 1; i <= 60; i++) {
        const q = generatePatient(8080, i);
        writeSyntheticStudy(q, join(stack.dicomDir, q.uids.studyInstanceUid));
      }
      const body = JSON.stringify({ patientReference: refs.patientRef, studyInstanceUid: study.studyInstanceUid });
      const submit = (headers: Record<string, string>) => fetch(`${stack.url.ingestion}/v1/assessments`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      await ok(submit(stack.auth), 202);
      await new Promise((r) => setTimeout(r, 3000)); // the first run scores meanwhile; later submits find it
      const rps: Record<string, number[]> = { on: [], off: [] };
      for (let round = 0; round < 2; round++) {
        for (const mode of ['on', 'off'] as const) {
          await stack.stop('ingestion');
          await stack.start('ingestion', { env: mode === 'off' ? { TACE_AUTH: 'off' } : {} });
          for (let i = 0; i < 20; i++) await ok(submit(stack.auth), 202); // warm-up
          const r = await load(5000, 8, () => ok(submit(stack.auth), 202));
          rps[mode]!.push(r.rps);
          console.log(`POST /v1/assessments, auth ${mode}: ${r.rps.toFixed(1)} req/s, median ${med(r.lat).toFixed(1)} ms, p99 ${pct(r.lat, 99).toFixed(1)} ms`);
        }
      }
      console.log(`POST /v1/assessments: auth on ${med(rps.on!).toFixed(1)} req/s = ${(med(rps.on!) / med(rps.off!)).toFixed(2)}× auth off (${med(rps.off!).toFixed(1)} req/s)`);
      // 3. Submit latency with and without a flood of unknown study UIDs from another client:
      // without a rate limit (the raw cost of an unknown UID) and with the default one (600/min).
      const flooder = { authorization: `Bearer ${await stack.idp.token({ sub: 'flooder' })}` };
      for (const [limit, perSecond] of [['1000000', 50], ['1000000', Infinity], ['600', Infinity]] as const) {
        await stack.stop('ingestion');
        await stack.start('ingestion', { env: { TACE_RATE_LIMIT_PER_MINUTE: limit } });
        for (let i = 0; i < 20; i++) await ok(submit(stack.auth), 202); // warm-up: index built, code compiled
        await new Promise((r) => setTimeout(r, 2000));
        // The measured client submits 5 times a second: under any rate limit, as a real one would.
        const one = () => ok(submit(stack.auth), 202);
        const quiet = await load(8000, 1, one, 200);
        let sent = 0;
        let limited = 0;
        let stop = false;
        const floodStart = performance.now();
        const flood = Promise.all(
          Array.from({ length: 16 }, async (_x, k) => {
            while (!stop) {
              // Paced floods wait for their slot; unpaced ones send as fast as answers come.
              const due = floodStart + (sent / perSecond) * 1000;
              if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
              if (stop) break;
              const uid = `2.25.${Date.now()}${k}${sent++}`;
              const r = await fetch(`${stack.url.ingestion}/v1/assessments`, { method: 'POST', headers: { 'content-type': 'application/json', ...flooder }, body: JSON.stringify({ patientReference: refs.patientRef, studyInstanceUid: uid }) });
              if (r.status === 429) limited++;
              await r.arrayBuffer();
            }
          }),
        );
        const flooded = await load(8000, 1, one, 200);
        stop = true;
        await flood;
        const label = `${limit === '600' ? 'default rate limit 600/min per client' : 'no rate limit'}, flood ${perSecond === Infinity ? 'as fast as answered' : `paced at ${perSecond}/s`}`;
        console.log(`[${label}] submit latency, quiet: median ${med(quiet.lat).toFixed(1)} ms, p99 ${pct(quiet.lat, 99).toFixed(1)} ms, worst ${Math.max(...quiet.lat).toFixed(1)} ms (${quiet.lat.length} submits)`);
        console.log(
          `[${label}] while 16 loops of another client sent ${sent} unknown study UIDs (${(sent / 8).toFixed(0)}/s, ${limited} answered 429): median ${med(flooded.lat).toFixed(1)} ms, p99 ${pct(flooded.lat, 99).toFixed(1)} ms, worst ${Math.max(...flooded.lat).toFixed(1)} ms = ${(med(flooded.lat) / med(quiet.lat)).toFixed(2)}× the quiet median`,
        );
      }
    } finally {
      await stack.close();
    }
  } finally {
    await idp.stop();
  }
}
