/**
 * @tace/dicom — DICOM Part 10 parsing, CT series → HU volume, SEG/RTSTRUCT → label map, study
 * sources, ROI cropping, and writers for synthetic CT + SEG. Knows nothing of FHIR.
 */
export { parseDicom, DicomInstance, SUPPORTED_TRANSFER_SYNTAXES, type Rescale } from './instance.ts';
export { DicomDataSet } from './dataset.ts';
export { TAG, SOP_CLASS, TRANSFER_SYNTAX } from './tags.ts';
export { decodeRleFrame } from './rle.ts';
export { loadCtVolume, isCtInstance, type CtVolume } from './ct-volume.ts';
export { slicePlanes, sortAndCheckSlices, type SlicePlane, type SortedSlices, type SliceCheckOptions } from './slices.ts';
export { indexToPhysical, physicalToIndex } from './geometry.ts';
export { segToLabelMap, type SegToLabelMapOptions, type TargetGeometry } from './seg.ts';
export { rtstructToLabelMap } from './rtstruct.ts';
export { listSegments, pickTumourSegment, isSeg, isRtStruct, type SegmentInfo, type CodedConcept } from './segments.ts';
export { groupSeries, type StudySource, type StudyFiles, type SeriesFiles } from './study-source.ts';
export { FolderStudySource, readDicomFile, type FolderStudySourceOptions } from './folder-source.ts';
export { dicomPatientOf, studyPatient, type DicomPatient } from './patient.ts';
export { selectCtAndSegmentation, pickSegmentation, segmentationSummary, type CtAndSegmentation, type SegmentationSummary } from './select.ts';
export { segmentationToLabelMap } from './segmentation.ts';
export { cropToRoi, type CropResult } from './crop.ts';
export { newUid, uidFromSeed } from './write/uid.ts';
export { writeCtSeries, type CtSeriesMeta, type PatientStudyMeta } from './write/ct-writer.ts';
export { writeBinarySeg, SCT_NEOPLASM, SCT_MORPHOLOGICALLY_ALTERED_STRUCTURE, type SegMeta } from './write/seg-writer.ts';
export { assembleRoiCase, type RoiCase } from './roi-case.ts';
export { DicomWebStudySource, type DicomWebOptions } from './dicomweb-source.ts';
export { loadCodecs } from './codecs.ts';
export { StorageScp, DEFAULT_STORAGE_SOP_CLASSES, STORE_STATUS, type StorageScpOptions, type ScpStats } from './dimse/scp.ts';
export { ReceivedStore, type StoredInstance } from './dimse/received-store.ts';
export { ReceivedStudySource, CompositeStudySource } from './dimse/received-source.ts';
