/**
 * Pipeline figures for issue #2: time per stage of the inline path (the demo's), and the
 * end-to-end latency of a run through Redis with the three services as processes. The
 * baseline, measured in the same run, is parsing the study's DICOM into a volume (the least
 * any scoring of that study costs); stages are reported as ratios to it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, REPO_ROOT } from '@tace/common';
import { FolderStudySource, loadCtVolume, parseDicom } from '@tace/dicom';
import { createFhirClient, DEMO_ID_SYSTEM, seedPatient, startFhirServer } from '@tace/fhir';
import { DirCaseStore, MemoryRunRegistry } from '@tace/jobs';
import { loadModelBundle } from '@tace/models';
import { InlineRunner, scoreStoredCase, submitAssessment } from '@tace/pipeline';
import { generatePatient, seedFor, writeSyntheticStudy } from '@tace/synthetic';
import { startStack, waitForRun } from '../tests/support/stack.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const best = (xs: number[]) => Math.min(...xs);
const fmt = (xs: number[]) => `median ${median(xs).toFixed(1)} ms, best ${best(xs).toFixed(1)} ms`;

export async function runPipelineBench(runs = 7): Promise<void> {
  const log = createLogger('bench', { level: 'warn' });
  const work = mkdtempSync(join(tmpdir(), 'tace-bench-'));
  const server = await startFhirServer({ host: '127.0.0.1' });
  try {
    const fhir = createFhirClient({ fhirBaseUrl: server.baseUrl });
    const bundle = await loadModelBundle(join(REPO_ROOT, 'models', 'demo-synthetic'));
    const registry = new MemoryRunRegistry();
    const cases = new DirCaseStore(join(work, 'cases'));
    const studies = new FolderStudySource(join(work, 'dicom'));
    const patients = [];
    for (let i = 0; i < runs; i++) {
      const p = generatePatient(4242, i);
      const study = writeSyntheticStudy(p, join(work, 'dicom', p.uids.studyInstanceUid));
      const refs = await seedPatient(fhir, seedFor(p));
      patients.push({ study, refs });
    }
    const baseline: number[] = [];
    for (const { study } of patients) {
      const t = performance.now();
      loadCtVolume(readdirSync(study.dir).filter((f) => f.startsWith('CT_')).map((f) => parseDicom(readFileSync(join(study.dir, f)))));
      baseline.push(performance.now() - t);
    }
    const runner = new InlineRunner({ registry, log, fhir, studies, cases, clinical: {}, identity: { patientIdSystems: [DEMO_ID_SYSTEM] }, cropMarginMm: 20, score: (k: string) => scoreStoredCase(bundle, cases, k) });
    const stage: Record<string, number[]> = { ingest: [], infer: [], publish: [], total: [] };
    for (const { study, refs } of patients) {
      const t = performance.now();
      const { runId } = await submitAssessment({ fhir, studies, registry, model: { id: bundle.manifest.id, version: bundle.manifest.version }, log }, runner, {
        patientReference: refs.patientRef,
        studyInstanceUid: study.studyInstanceUid,
        trigger: 'cli',
      });
      stage.total!.push(performance.now() - t);
      const rec = await registry.get(runId);
      if (rec?.status !== 'done') throw new Error(`bench run failed: ${JSON.stringify(rec?.error)}`);
      for (const s of ['ingest', 'infer', 'publish'] as const) stage[s]!.push(rec.timingsMs?.[s] ?? NaN);
    }
    await bundle.close();
    const base = median(baseline);
    console.log(`baseline (parse study DICOM → volume, ${patients.length} studies): ${fmt(baseline)}`);
    for (const [k, xs] of Object.entries(stage)) console.log(`inline ${k.padEnd(8)} ${fmt(xs)}  = ${(median(xs) / base).toFixed(2)}× baseline`);

    // Through Redis: the three services as processes, one run at a time.
    const stack = await startStack();
    try {
      const lat: number[] = [];
      for (let i = 0; i < Math.min(runs, 5); i++) {
        const p = generatePatient(4343, i);
        const study = writeSyntheticStudy(p, join(stack.dicomDir, p.uids.studyInstanceUid));
        const refs = await seedPatient(stack.fhir, seedFor(p));
        const t = performance.now();
        const r = await fetch(`${stack.url.ingestion}/v1/assessments`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...stack.auth },
          body: JSON.stringify({ patientReference: refs.patientRef, studyInstanceUid: study.studyInstanceUid }),
        });
        const { runId } = (await r.json()) as { runId: string };
        await waitForRun(stack.url.results, runId, (x) => x.status === 'done');
        lat.push(performance.now() - t);
      }
      console.log(`through Redis (3 processes) end-to-end ${fmt(lat)}  = ${(median(lat) / median(stage.total!)).toFixed(2)}× inline total, ${(median(lat) / base).toFixed(2)}× baseline`);
    } finally {
      await stack.close();
    }
  } finally {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}
