/**
 * FHIR AuditEvent as IHE Basic Audit Log Patterns (BALP) profile them, so the hospital can answer
 * "who saw or changed what": one AuditEvent per RESTful interaction.
 *
 * - the service's own writes to the EHR (create / update): `IHE.BasicAudit.PatientCreate` /
 *   `PatientUpdate` — written in the SAME transaction as the write, so an audit record exists exactly
 *   when the write happened (both or neither);
 * - a user reading a result through the service's API: `IHE.BasicAudit.PatientRead`, with the
 *   OAuth user agent (`UserOauthAgent`: the token's subject under its issuer).
 *
 * Agents follow the DICOM / IHE pattern BALP keeps: the client is the "Source Role ID" (110153), the
 * server the "Destination Role ID" (110152). Entities: the Patient (type 1 Person, role 1 Patient)
 * and the resource (type 2 System Object, role 4 Domain Resource). No patient identifier is written
 * other than the Patient reference itself.
 */
import type { AuditEvent, AuditEventAgent, AuditEventEntity, Reference } from '@medplum/fhirtypes';

const BALP = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
export const SERVICE_AGENT_SYSTEM = 'https://tace-risk.example.org/fhir/sid/service';

export type AuditInteraction = 'create' | 'update' | 'read';

export interface AuditInput {
  interaction: AuditInteraction;
  /** The Patient the resource is about. */
  patient: Reference;
  /** The resource created, updated or read (a urn:uuid inside a transaction resolves to it). */
  what: Reference;
  recorded: string;
  /** The service that acts (client of the FHIR write, or server of the API read). */
  service: 'ingestion' | 'results' | 'inference-worker';
  /** The other side: the EHR's FHIR base (writes) or the API caller's address (reads). */
  peer: string;
  /** The user on whose behalf (token subject and issuer), when there is one. */
  user?: { issuer: string; subject: string };
}

const code = (system: string, c: string, display: string) => ({ system, code: c, display });

export function buildAuditEvent(a: AuditInput): AuditEvent {
  const profile = { create: 'IHE.BasicAudit.PatientCreate', update: 'IHE.BasicAudit.PatientUpdate', read: 'IHE.BasicAudit.PatientRead' }[a.interaction];
  const action = { create: 'C', update: 'U', read: 'R' }[a.interaction] as AuditEvent['action'];
  const self = { identifier: { system: SERVICE_AGENT_SYSTEM, value: `tace-risk-${a.service}` }, display: `tace-risk ${a.service} service` };
  const peerIsUrl = /^https?:\/\//.test(a.peer);
  const peerAgent: AuditEventAgent['network'] = { address: a.peer, type: peerIsUrl ? '5' : '2' };
  // writes: we are the client (source), the EHR the server (destination); reads: the caller is the client
  const agent: AuditEventAgent[] =
    a.interaction === 'read'
      ? [
          { type: { coding: [code(DCM, '110153', 'Source Role ID')] }, who: { display: 'API client' }, requestor: false, network: peerAgent },
          { type: { coding: [code(DCM, '110152', 'Destination Role ID')] }, who: self, requestor: false },
        ]
      : [
          { type: { coding: [code(DCM, '110153', 'Source Role ID')] }, who: self, requestor: !a.user },
          { type: { coding: [code(DCM, '110152', 'Destination Role ID')] }, who: { display: 'EHR FHIR server' }, requestor: false, network: peerAgent },
        ];
  if (a.user) {
    agent.push({
      type: { coding: [code('https://profiles.ihe.net/ITI/BALP/CodeSystem/UserAgentTypes', 'UserOauthAgent', 'User OAuth Agent participant')] },
      who: { identifier: { system: a.user.issuer, value: a.user.subject } },
      requestor: true,
    });
  }
  const entity: AuditEventEntity[] = [
    { what: a.patient, type: code('http://terminology.hl7.org/CodeSystem/audit-entity-type', '1', 'Person'), role: code('http://terminology.hl7.org/CodeSystem/object-role', '1', 'Patient') },
    { what: a.what, type: code('http://terminology.hl7.org/CodeSystem/audit-entity-type', '2', 'System Object'), role: code('http://terminology.hl7.org/CodeSystem/object-role', '4', 'Domain Resource') },
  ];
  return {
    resourceType: 'AuditEvent',
    meta: { profile: [`${BALP}${profile}`] },
    type: code('http://terminology.hl7.org/CodeSystem/audit-event-type', 'rest', 'Restful Operation'),
    subtype: [code('http://hl7.org/fhir/restful-interaction', a.interaction, a.interaction)],
    action,
    recorded: a.recorded,
    outcome: '0',
    agent,
    source: {
      observer: self,
      type: [code('http://terminology.hl7.org/CodeSystem/security-source-type', '4', 'Application Server')],
    },
    entity,
  };
}
