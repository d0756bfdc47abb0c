/**
 * What an object written back into a study must copy from it: the Patient and General Study
 * module values exactly as the CT carries them (a PACS files an instance by these, and a viewer
 * shows it beside the images only when they agree), and the UIDs of what the result was drawn from.
 * Kept with the case (it holds identifiers: never logged).
 */
export interface SourceStudyHeader {
  patient: { name?: string; id?: string; issuerOfPatientId?: string; birthDate?: string; sex?: string };
  study: {
    studyInstanceUid: string;
    date?: string;
    time?: string;
    id?: string;
    accessionNumber?: string;
    referringPhysicianName?: string;
    description?: string;
  };
  ct: {
    seriesInstanceUid: string;
    sopClassUid: string;
    frameOfReferenceUid?: string;
    /** SOP Instance UID of each slice of the case's crop, in its k order. */
    sliceSopInstanceUids: string[];
  };
  segmentation: { sopClassUid: string; sopInstanceUid: string; seriesInstanceUid: string; segmentNumber: number };
}
