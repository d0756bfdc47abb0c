/** Code systems, codes and identifier systems used on the FHIR side. One place, so they cannot drift. */

export const SNOMED = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';

/** SNOMED CT 441525007 — Transarterial chemoembolization of liver (procedure). */
export const TACE_PROCEDURE_CODE = '441525007';
/** SNOMED CT 128462008 — Secondary malignant neoplastic disease (disorder): the predicted outcome (distant metastasis). */
export const METASTASIS_OUTCOME_CODE = '128462008';

/** LOINC 1834-1 — Alpha-1-Fetoprotein [Mass/volume] in Serum or Plasma (ng/mL, ug/L). */
export const LOINC_AFP_MASS = '1834-1';
/** LOINC 19176-7 — Alpha-1-Fetoprotein [Units/volume] in Serum or Plasma ([IU]/mL). */
export const LOINC_AFP_UNITS = '19176-7';
/** LOINC 21889-1 — Size Tumor (the panel-style Observation that carries the dimensions). */
export const LOINC_TUMOUR_SIZE = '21889-1';
/** LOINC 33728-7 — Size.maximum dimension in Tumor (the component holding the largest dimension). */
export const LOINC_TUMOUR_LARGEST_DIMENSION = '33728-7';

/** No LOINC code exists for the number of HCC nodules, hence a local code system (configurable). */
export const LOCAL_CLINICAL_SYSTEM = 'http://tace-risk.example.org/CodeSystem/clinical';
export const NODULE_COUNT_CODE = 'nodule-count';

export const RISK_PROBABILITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/risk-probability';
export const PROVENANCE_PARTICIPANT_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';
export const DATA_OPERATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-DataOperation';

/** DICOM UIDs as FHIR ImagingStudy.identifier: system `urn:dicom:uid`, value `urn:oid:<uid>`. */
export const DICOM_UID_SYSTEM = 'urn:dicom:uid';

/** Identifier systems of the resources this service writes (values must not contain `|`). */
export const RUN_ID_SYSTEM = 'https://tace-risk.example.org/run-id';
export const MODEL_ID_SYSTEM = 'https://tace-risk.example.org/model';
export const MODEL_SHA256_SYSTEM = 'https://tace-risk.example.org/model-weights-sha256';
export const WORKLIST_TASK_SYSTEM = 'https://tace-risk.example.org/worklist-task';
export const TACE_RISK_CODE_SYSTEM = 'https://tace-risk.example.org/CodeSystem/tace-risk';
/** Identifier system of the synthetic demo patients and their seeded resources. */
export const DEMO_ID_SYSTEM = 'https://tace-risk.example.org/demo-id';

export const SYNTHETIC_DEMO_NOTICE = 'synthetic demonstration model — not for clinical use';

export const RISK_PROBABILITY_DISPLAY = {
  low: 'Low likelihood',
  moderate: 'Moderate likelihood',
  high: 'High likelihood',
} as const;
