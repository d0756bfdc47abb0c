import type { DirCaseStore } from '@tace/jobs';
import { scoreCase, type ModelBundle } from '@tace/models';
import type { PublishableScore } from './publish.ts';

/**
 * Score a stored case with a loaded bundle. The stored result is the model's ScoreResult plus
 * what the publisher needs to name the model in FHIR (id, version, weights hash, intended use,
 * synthetic flag) — every result says which model produced it.
 */
export async function scoreStoredCase(bundle: ModelBundle, cases: DirCaseStore, caseKey: string): Promise<Record<string, unknown>> {
  const c = await cases.get(caseKey);
  const score = await scoreCase(bundle, { image: c.image, mask: c.mask, clinical: c.clinical });
  const m = bundle.manifest;
  const publishable: PublishableScore = {
    probability: score.probability,
    riskGroup: score.riskGroup,
    points: score.points.map((p) => ({ factor: p.factor, value: p.value, ...(p.unit ? { unit: p.unit } : {}), points: p.points, ...(p.inputValue !== undefined ? { inputValue: p.inputValue, inputUnit: p.inputUnit } : {}) })),
    totalPoints: score.totalPoints,
    model: { id: m.id, version: m.version, weightsSha256: bundle.weightsSha256, name: m.name, syntheticDemo: m.syntheticDemo, intendedUse: m.intendedUse },
    scoredAt: new Date().toISOString(),
  };
  return { ...score, ...publishable } as unknown as Record<string, unknown>;
}
