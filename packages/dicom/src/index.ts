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
export { dicomWebAuth, dicomWebAuthFromSettings, readSecretFile, type DicomWebAuth, type DicomWebAuthConfig, type DicomWebAuthSettings, type DicomWebAuthOptions } from './dicomweb-auth.ts';
export { DicomWebHttp, type DicomWebHttpOptions } from './dicomweb-http.ts';
export { searchStudies, searchSeries, type StudyQuery, type SeriesQuery, type StudyResult, type SeriesResult, type DicomDate } from './qido.ts';
export { MultipartParser, readMultipart, splitMultipart, multipartBoundary, DEFAULT_MAX_PART_BYTES, type MultipartPart, type MultipartOptions } from './multipart.ts';
export { loadCodecs } from './codecs.ts';
