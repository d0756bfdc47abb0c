/**
 * @tace/dicom — DICOM Part 10 parsing, CT series → HU volume, SEG/RTSTRUCT → label map, study
 * sources, ROI cropping, and writers for synthetic CT + SEG. Knows nothing of FHIR.
 */
export { parseDicom, DicomInstance, SUPPORTED_TRANSFER_SYNTAXES, type Rescale } from './instance.ts';
export { DicomDataSet } from './dataset.ts';
export { TAG, SOP_CLASS, TRANSFER_SYNTAX } from './tags.ts';
export { decodeRleFrame } from './rle.ts';
export { loadCtVolume, isCtInstance, TILT_PAD_HU, type CtVolume } from './ct-volume.ts';
export { slicePlanes, sortAndCheckSlices, type SlicePlane, type SortedSlices, type SliceCheckOptions } from './slices.ts';
export { indexToPhysical, physicalToIndex } from './geometry.ts';
export { segToLabelMap, type SegToLabelMapOptions, type TargetGeometry } from './seg.ts';
export { rtstructToLabelMap } from './rtstruct.ts';
export { listSegments, pickTumourSegment, isSeg, isRtStruct, type SegmentInfo, type CodedConcept } from './segments.ts';
export { groupSeries, studyHeaders, mapConcurrent, type StudySource, type StudyFiles, type SeriesFiles } from './study-source.ts';
export { FolderStudySource, readDicomFile, type FolderStudySourceOptions } from './folder-source.ts';
export { dicomPatientOf, studyPatient, type DicomPatient } from './patient.ts';
export { selectCtAndSegmentation, pickSegmentation, segmentationSummary, type CtAndSegmentation, type SegmentationSummary, type SelectionReason } from './select.ts';
export { judgeSeries, describeVerdict, type SeriesRules, type SeriesVerdict } from './series-rules.ts';
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
export { sourceStudyHeader, patientStudyModules, dicomDateTime, type SourceStudyHeader } from './write/source-header.ts';
export { writeRiskSr, riskReportContent, resultUids, SR_CODES, PRIVATE_SCHEME, SYNTHETIC_NOTICE, COMPREHENSIVE_SR, SECONDARY_CAPTURE, type RiskReportInput, type NomogramFactor, type RiskModel } from './write/sr-writer.ts';
export { writeKeyImage, largestAreaSlice, keyImageLines, KEY_IMAGE_TEXT, type KeyImageInput } from './write/key-image-writer.ts';
export { readText as readBurnedText } from './write/bitmap-font.ts';
export { readSrContent, findSrItems, type SrItem, type SrCode } from './sr-read.ts';
export { stowInstances, multipartRelated, type StowOptions, type StowResult, type HeadersFn } from './dicomweb-stow.ts';
export { cStoreInstances, type CStoreOptions } from './cstore-scu.ts';
export { encodePart10, encodeDataSet, type DataSetSpec } from './write/encoder.ts';
export { scanDicomFolder, readScannedFile, type FolderScan, type ScannedFile } from './folder-scan.ts';
export { TRANSFER_SYNTAX_NAMES } from './transfer-syntax-names.ts';
export {
  inspectScan, type DicomInventory, type StudyInfo, type SeriesInfo, type SegmentationInfo, type SelectionInfo,
  type TransferSyntaxInfo, type GridInfo,
} from './inspect.ts';
export {
  chooseCtSeries, ctSeriesOf, loadSeriesVolume, compactHu, readSegmentationFile, checkSegmentationSeries, chooseSegment, segmentationMask,
  isStackImage, type SeriesChoice, type SegmentChoice,
} from './series-export.ts';
export { referencedSeriesUids, referencedSopUids } from './select.ts';
export { isTumourSegment } from './segments.ts';
export { StorageScp, DEFAULT_STORAGE_SOP_CLASSES, STORE_STATUS, type StorageScpOptions, type ScpStats } from './dimse/scp.ts';
export { ReceivedStore, type StoredInstance } from './dimse/received-store.ts';
export { ReceivedStudySource, CompositeStudySource } from './dimse/received-source.ts';
