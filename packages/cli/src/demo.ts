/**
 * `npm run demo`: one synthetic patient scored end to end in one process, no server to install.
 * An in-process FHIR server (Medplum FhirRouter + MemoryRepository behind real HTTP) is seeded
 * with the patient; the synthetic post-TACE CT + SEG are written as DICOM; the three stages run
 * inline (same code as the queued services); the RiskAssessment is read back and printed, and
 * a one-page HTML report written. With --fhir-base-url / --dicom-folder / --patient / --study
 * it scores a real patient on a real FHIR server and study folder instead.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RiskAssessment } from '@medplum/fhirtypes';
import { createLogger, REPO_ROOT } from '@tace/common';
import { FolderStudySource } from '@tace/dicom';
import { createFhirClient, DEMO_ID_SYSTEM, RUN_ID_SYSTEM, seedPatient, startFhirServer, type FhirTestServer } from '@tace/fhir';
import { DirCaseStore, MemoryRunRegistry } from '@tace/jobs';
import { formatPoints } from '@tace/modeling';
import { loadModelBundle } from '@tace/models';
import { InlineRunner, scoreStoredCase, submitAssessment } from '@tace/pipeline';
import { demoPatient, seedFor, writeSyntheticStudy } from '@tace/synthetic';
import { renderReport } from './report.ts';

export async function runDemo(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'fhir-base-url': { type: 'string' },
      'fhir-token': { type: 'string' },
      'dicom-folder': { type: 'string' },
      patient: { type: 'string' },
      study: { type: 'string' },
      // Identifier system(s) of the FHIR Patient whose value is the study's DICOM PatientID.
      'patient-id-system': { type: 'string', multiple: true },
      bundle: { type: 'string', default: join(REPO_ROOT, 'models', 'demo-synthetic') },
      out: { type: 'string', default: join(REPO_ROOT, 'out') },
      quiet: { type: 'boolean', default: false },
    },
  });
  const real = values['fhir-base-url'] !== undefined;
  if (real && !(values['dicom-folder'] && values.patient && values.study && values['patient-id-system']?.length)) {
    process.stderr.write('with --fhir-base-url, also give --dicom-folder, --patient Patient/<id>, --study <StudyInstanceUID> and --patient-id-system <identifier system of the PatientID>\n');
    return 2;
  }
  const log = createLogger('demo', { level: values.quiet ? 'warn' : (process.env.LOG_LEVEL ?? 'warn') });
  const t0 = performance.now();
  const work = mkdtempSync(join(tmpdir(), 'tace-demo-'));
  let server: FhirTestServer | undefined;
  try {
    const timings: Record<string, number> = {};
    let mark = performance.now();
    const lap = (name: string) => {
      const now = performance.now();
      timings[name] = Math.round((now - mark) * 10) / 10;
      mark = now;
    };

    let fhirBaseUrl = values['fhir-base-url'];
    if (!fhirBaseUrl) {
      server = await startFhirServer({ host: '127.0.0.1' });
      fhirBaseUrl = server.baseUrl;
    }
    const fhir = createFhirClient({ fhirBaseUrl, ...(values['fhir-token'] ? { accessToken: values['fhir-token'] } : {}) });
    lap('fhirServerStart');

    let dicomFolder = values['dicom-folder'];
    let patientRef = values.patient;
    let studyUid = values.study;
    if (!real) {
      const patient = demoPatient();
      dicomFolder = join(work, 'dicom');
      const written = writeSyntheticStudy(patient, join(dicomFolder, 'study1'));
      const seeded = await seedPatient(fhir, seedFor(patient));
      patientRef = seeded.patientRef;
      studyUid = written.studyInstanceUid;
      lap('syntheticPatient');
    }

    const bundle = await loadModelBundle(resolve(values.bundle!));
    lap('bundleLoad');
    const registry = new MemoryRunRegistry();
    const cases = new DirCaseStore(join(work, 'cases'));
    const studies = new FolderStudySource(dicomFolder!);
    const ctx = {
      registry,
      log,
      fhir,
      studies,
      cases,
      clinical: {},
      identity: { patientIdSystems: values['patient-id-system'] ?? [DEMO_ID_SYSTEM] },
      cropMarginMm: 20,
      score: (caseKey: string) => scoreStoredCase(bundle, cases, caseKey),
    };
    const runner = new InlineRunner(ctx);
    const { runId } = await submitAssessment(
      { fhir, studies, registry, model: { id: bundle.manifest.id, version: bundle.manifest.version }, log },
      runner,
      { patientReference: patientRef!, studyInstanceUid: studyUid!, trigger: 'demo' },
    );
    lap('pipeline');
    const rec = await registry.get(runId);
    if (!rec || rec.status !== 'done') {
      process.stderr.write(`run ${runId} ${rec?.status ?? 'missing'}: ${rec?.error ? `${rec.error.code} — ${rec.error.message}` : ''}\n`);
      return 1;
    }
    const ra = (await fhir.searchOne('RiskAssessment', { identifier: `${RUN_ID_SYSTEM}|${runId}` })) as RiskAssessment | undefined;
    const m = bundle.manifest;
    const result = rec.result as Record<string, unknown> & { probability: number; riskGroup: 'low' | 'moderate' | 'high'; totalPoints: number; points: Array<{ factor: string; value: number; unit?: string; points: number }> };
    mkdirSync(values.out!, { recursive: true });
    const reportPath = join(values.out!, 'demo-report.html');
    writeFileSync(
      reportPath,
      renderReport({
        runId,
        probability: result.probability,
        riskGroup: result.riskGroup,
        totalPoints: result.totalPoints,
        points: result.points,
        model: { id: m.id, version: m.version, name: m.name, intendedUse: m.intendedUse, syntheticDemo: m.syntheticDemo, weightsSha256: bundle.weightsSha256 },
        disclaimer: m.disclaimer,
        modelCardSummary: m.modelCard.summary,
        validation: { trainAuc: m.validation.auc.train, testAuc: m.validation.auc.test },
        riskThresholds: m.riskThresholds,
        ...(rec.fhir ? { fhir: rec.fhir } : {}),
        generatedAt: new Date().toISOString(),
      }),
    );
    lap('report');
    await bundle.close();
    const wallMs = Math.round(performance.now() - t0);
    process.stdout.write(`${JSON.stringify(ra, null, 2)}\n\n`);
    process.stdout.write(
      [
        `run:          ${runId}`,
        `model:        ${m.id} ${m.version}${m.syntheticDemo ? `  (${m.disclaimer})` : ''}`,
        `identity:     DICOM ${rec.identity?.compared.join(', ')} = FHIR Patient (identifier system ${rec.identity?.system})`,
        `probability:  ${(result.probability * 100).toFixed(1)} %  → ${result.riskGroup} risk`,
        `points:       ${result.points.map((p) => `${p.factor} ${formatPoints([p.points])[0]}`).join(', ')}  (total ${formatPoints([result.totalPoints])[0]})`,
        `FHIR:         ${rec.fhir?.riskAssessment} · ${rec.fhir?.device} · ${rec.fhir?.provenance}${rec.fhir?.task ? ` · ${rec.fhir.task}` : ''}`,
        `report:       ${reportPath}`,
        `stage ms:     ${JSON.stringify(rec.timingsMs)}`,
        `steps ms:     ${JSON.stringify(timings)}`,
        `wall time:    ${wallMs} ms`,
        '',
      ].join('\n'),
    );
    return 0;
  } finally {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  }
}
