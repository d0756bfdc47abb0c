export * from './codes.ts';
export { isFhirId, patientIdOf } from './reference.ts';
export { startFhirServer, loadFhirDefinitions, type FhirTestServer } from './server.ts';
export { createFhirClient, type FhirClientOptions } from './client.ts';
export {
  discoverSmartConfiguration, loadSigningKeys, parseSigningKeys, publicJwks, createClientAssertion, createTokenSource, CLIENT_ASSERTION_TYPE,
  type SigningKey, type SmartConfiguration, type FhirAuthConfig, type TokenSource, type AssertionAlg,
} from './smart-auth.ts';
export { withFhirRetry, isTransientFhirError, toFhirError, isNotFound, type RetryOptions } from './retry.ts';
export { afpNgPerMl, tumourSizeMm, noduleCount, latestInWindow, windowBounds, observationEffective, fhirDateMs } from './observations.ts';
export {
  resolveClinicalContext,
  findTaceProcedure,
  findImagingStudy,
  procedureDate,
  isCompletedTace,
  DEFAULT_CLINICAL_CONFIG,
  type ClinicalConfig,
  type ClinicalContext,
} from './clinical.ts';
export {
  buildResultTransaction,
  publishResult,
  buildDevice,
  probabilityPercent,
  modelIdentifierValue,
  type ResultInput,
  type ModelInfo,
  type NomogramPoint,
  type RiskGroup,
  type PublishedRefs,
} from './results.ts';
export { buildSeedTransaction, seedPatient, type SeedPatient, type SeededRefs } from './seed.ts';
export { isTaceTrigger, findPostTaceProcedure, studyInstanceUidOf, type TaceTrigger } from './trigger.ts';
export { buildRetractionTransaction, retractResult, type RetractionInput } from './retract.ts';
export { buildAuditEvent, SERVICE_AGENT_SYSTEM, type AuditInput, type AuditInteraction } from './audit.ts';
export { AI_ASSERTED } from './results.ts';
export {
  TOPICS, topicByUrl, buildSubscription, backportSupport, ensureSubscriptions, parseSubscriptionNotification, localReference, isOperationUnsupported,
  fetchSubscriptionEvents, fetchSubscriptionStatus, searchTopicSince, buildNotificationBundle, BACKPORT_SUBSCRIPTION_PROFILE, EXT as BACKPORT_EXT, SUBSCRIPTION_TAG_SYSTEM,
  type TopicDef, type TopicKey, type PayloadContent, type SubscriptionRequest, type EnsureResult, type BackportSupport, type ParsedNotification, type NotificationEvent, type NotificationType,
} from './subscriptions.ts';
