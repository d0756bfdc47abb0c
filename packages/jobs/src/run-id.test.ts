import { describe, expect, it } from 'vitest';
import { computeRunId, RUN_ID_PATTERN } from './run-id.ts';

const base = { patientReference: 'Patient/1', studyInstanceUid: '1.2.3', segmentationUid: '1.2.4', modelId: 'm', modelVersion: '1.0.0' };

describe('computeRunId', () => {
  it('is deterministic and shaped for FHIR token search', () => {
    expect(computeRunId(base)).toBe(computeRunId({ ...base }));
    expect(computeRunId(base)).toMatch(RUN_ID_PATTERN);
    expect(computeRunId(base)).not.toContain('|');
  });
  it('changes with each input', () => {
    const ids = new Set([
      computeRunId(base),
      computeRunId({ ...base, patientReference: 'Patient/2' }),
      computeRunId({ ...base, studyInstanceUid: '1.2.30' }),
      computeRunId({ ...base, segmentationUid: '1.2.5' }),
      computeRunId({ ...base, modelId: 'n' }),
      computeRunId({ ...base, modelVersion: '1.0.1' }),
    ]);
    expect(ids.size).toBe(6);
  });
  it('does not collide when fields are re-split', () => {
    expect(computeRunId({ ...base, studyInstanceUid: '1.2', segmentationUid: '3.1.2.4' })).not.toBe(
      computeRunId({ ...base, studyInstanceUid: '1.2.3', segmentationUid: '1.2.4' }),
    );
  });
});
