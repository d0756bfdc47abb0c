import { createHash } from 'node:crypto';
import type { LabelMap, Volume } from '@tace/common';
import { drawClinical, type SyntheticClinical } from './clinical.ts';
import { drawOutcome, type SyntheticOutcome } from './outcome.ts';
import { drawLesionLatent, renderPhantom, type LesionLatent } from './phantom.ts';
import { Rng } from './random.ts';

/** DICOM UIDs of a synthetic study, deterministic from (seed, index). */
export interface SyntheticUids {
  studyInstanceUid: string;
  ctSeriesInstanceUid: string;
  segSeriesInstanceUid: string;
  segSopInstanceUid: string;
  frameOfReferenceUid: string;
  /** Prefix for CT SOP Instance UIDs: `${ctSopInstanceUidPrefix}.${slice + 1}`. */
  ctSopInstanceUidPrefix: string;
}

/** Everything about a synthetic patient except the pixels. */
export interface SyntheticPatientRecord {
  seed: number;
  index: number;
  /** Synthetic identifier, e.g. "SYN-20260101-0007" — not a real patient. */
  id: string;
  name: { family: string; given: string };
  birthDate: string;
  /** Dates (YYYY-MM-DD): TACE, the AFP draw before it, the post-TACE CT after it. */
  dates: { tace: string; afp: string; ct: string };
  clinical: SyntheticClinical;
  latent: LesionLatent;
  outcome: SyntheticOutcome;
  uids: SyntheticUids;
}

export interface SyntheticPatient extends SyntheticPatientRecord {
  /** Post-TACE CT, HU. */
  ct: Volume<Int16Array>;
  /** Tumour mask (1 = tumour incl. satellite nodules), same grid as `ct`. */
  mask: LabelMap;
  renderedDiameterMm: number;
}

/** Independent random streams, so a change in one part (e.g. rendering) leaves the others intact. */
const STREAM = { clinical: 1, latent: 2, image: 3, outcome: 4, dates: 5 } as const;

/** `2.25.<decimal>` UID (ITU-T X.667 UUID-derived form) from a hash of the label — ≤ 44 chars. */
export function syntheticUid(label: string): string {
  const h = createHash('sha256').update(`tace-synthetic/${label}`).digest();
  const big = BigInt(`0x${h.subarray(0, 16).toString('hex')}`);
  return `2.25.${big.toString(10)}`;
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function addDays(d: Date, days: number): Date {
  return new Date(d.getTime() + days * 86_400_000);
}

/** The patient without rendering the CT (fast: for clinical-only uses and distribution checks). */
export function generatePatientRecord(seed: number, index: number): SyntheticPatientRecord {
  const clinical = drawClinical(new Rng(seed, index, STREAM.clinical));
  const latent = drawLesionLatent(new Rng(seed, index, STREAM.latent));
  const outcome = drawOutcome(new Rng(seed, index, STREAM.outcome), latent, clinical);
  const dr = new Rng(seed, index, STREAM.dates);
  const tace = addDays(new Date(Date.UTC(2023, 0, 1)), dr.int(0, 700));
  const afp = addDays(tace, -dr.int(1, 10));
  const ct = addDays(tace, dr.int(25, 40));
  const birth = new Date(Date.UTC(tace.getUTCFullYear() - clinical.ageYears, dr.int(0, 11), dr.int(1, 28)));
  const tag = `${seed}/${index}`;
  const ctSeries = syntheticUid(`${tag}/ct-series`);
  return {
    seed,
    index,
    id: `SYN-${seed}-${String(index).padStart(4, '0')}`,
    name: { family: 'Synthetic', given: `Patient ${index}` },
    birthDate: isoDate(birth),
    dates: { tace: isoDate(tace), afp: isoDate(afp), ct: isoDate(ct) },
    clinical,
    latent,
    outcome,
    uids: {
      studyInstanceUid: syntheticUid(`${tag}/study`),
      ctSeriesInstanceUid: ctSeries,
      segSeriesInstanceUid: syntheticUid(`${tag}/seg-series`),
      segSopInstanceUid: syntheticUid(`${tag}/seg-instance`),
      frameOfReferenceUid: syntheticUid(`${tag}/frame-of-reference`),
      ctSopInstanceUidPrefix: syntheticUid(`${tag}/ct-instance`).slice(0, 56),
    },
  };
}

/**
 * One synthetic post-TACE patient: clinical values, latent lesion parameters, outcome, UIDs and
 * the rendered CT + tumour mask. Pure function of (seed, index).
 */
export function generatePatient(seed: number, index: number): SyntheticPatient {
  const record = generatePatientRecord(seed, index);
  const phantom = renderPhantom(new Rng(seed, index, STREAM.image), record.latent, record.clinical.tumourSizeMm, record.clinical.noduleCount);
  return { ...record, ct: phantom.ct, mask: phantom.mask, renderedDiameterMm: phantom.renderedDiameterMm };
}
