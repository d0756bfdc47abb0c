/**
 * Clinical covariates of the nomogram, each with where it came from. Values are in canonical
 * units (named in the field); the original value and unit are kept for provenance.
 */
export interface ClinicalValue {
  /** Value in the canonical unit of the field that holds it. */
  value: number;
  original: { value: number; unit: string };
  /** FHIR reference of the Observation the value came from, e.g. "Observation/123". */
  reference: string;
  effectiveDateTime?: string;
}

export interface ClinicalInputs {
  afpNgPerMl: ClinicalValue;
  tumourSizeMm: ClinicalValue;
  noduleCount: ClinicalValue;
}

export interface ProcedureRef {
  reference: string; // "Procedure/…"
  performedDateTime: string;
}
