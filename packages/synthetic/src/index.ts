export { Rng } from './random.ts';
export { parseCsv, numericColumn } from './csv.ts';
export { CLINICAL_PARAMS } from './clinical-params.ts';
export { drawClinical, TUMOUR_SIZE_RANGE_MM, AFP_RANGE_NG_PER_ML, type SyntheticClinical } from './clinical.ts';
export { OUTCOME_MODEL, outcomeLogit, drawOutcome, type SyntheticOutcome } from './outcome.ts';
export { renderPhantom, drawLesionLatent, PHANTOM_SIZE, PHANTOM_SPACING_MM, MAX_RENDERED_DIAMETER_MM, type LesionLatent, type Phantom } from './phantom.ts';
export { generatePatient, generatePatientRecord, syntheticUid, type SyntheticPatient, type SyntheticPatientRecord, type SyntheticUids } from './patient.ts';
export { demoPatient, DEMO_SEED, DEMO_INDEX } from './demo.ts';
export { seedFor, type SyntheticSeed } from './seed.ts';
