/**
 * Pluggable image / mask readers. The engine itself reads only NRRD and NIfTI; other formats (DICOM
 * series, SEG, RTSTRUCT) are added by the application through `registerImageReader`, so this package
 * knows nothing of them. `readImageFile` / `readLabelMapFile` ask the registered readers first (in
 * registration order), then fall back to the built-in readers.
 *
 * Worker threads have their own module graph and therefore their own, empty registry: a reader that
 * must also work in `radiomics batch` workers is registered from a module loaded with
 * `loadReaderModule(specifier)`, whose specifiers the batch hands to each worker (`readerModules()`).
 */
import type { Stats } from 'node:fs';
import { statPath } from './fsAsync.ts';
import type { LabelMap, Volume } from '@tace/common';
import { TaceError } from '@tace/common';

export interface ImageReadOptions {
  /** Which series of a multi-series source to read (e.g. a DICOM SeriesInstanceUID). */
  series?: string;
}

export interface MaskReadOptions {
  /** Value the mask's foreground is written with (the label the extraction will use; default 1). */
  label?: number;
  /** Which segment / ROI of a multi-segment mask: its number or its name. */
  segment?: string;
}

export interface ImageReader {
  /** Short name, unique in the registry (registering the same name again replaces the reader). */
  name: string;
  /** Whether this reader handles `path` (`stat` is the path's fs.stat: a reader may take directories). */
  canRead(path: string, stat: Stats): boolean | Promise<boolean>;
  readImage(path: string, opts?: ImageReadOptions): Promise<Volume>;
  /**
   * Read a mask on the grid of `reference` (the image it belongs to, already read): a contour or
   * segmentation object is rasterised onto that grid. Absent: the reader reads images only.
   */
  readMask?(path: string, reference: Volume, opts: MaskReadOptions): Promise<LabelMap>;
}

/**
 * The registry lives on globalThis (under a Symbol.for key), not in this module: the CLI may run the
 * engine as one bundled file (bin/engine.mjs) while an application registers its readers through this
 * module (`@tace/radiomics/registry`); both copies of the code must see the same readers.
 */
interface RegistryState {
  readers: ImageReader[];
  modules: string[];
}
const KEY = Symbol.for('@tace/radiomics/image-readers');
const state: RegistryState = ((globalThis as Record<symbol, unknown>)[KEY] as RegistryState | undefined) ??
  ((globalThis as Record<symbol, unknown>)[KEY] = { readers: [], modules: [] } satisfies RegistryState);
const readers = state.readers;
const modules = state.modules;

/** Add a reader (consulted before NRRD/NIfTI, in registration order); same name → replaced in place. */
export function registerImageReader(reader: ImageReader): void {
  const i = readers.findIndex((r) => r.name === reader.name);
  if (i >= 0) readers[i] = reader;
  else readers.push(reader);
}

export function unregisterImageReader(name: string): boolean {
  const i = readers.findIndex((r) => r.name === name);
  if (i < 0) return false;
  readers.splice(i, 1);
  return true;
}

export function registeredImageReaders(): readonly ImageReader[] {
  return readers;
}

/**
 * Import a module that registers readers on import (a side effect), and remember its specifier so
 * batch workers import it too. Use an absolute specifier (a file URL) — workers resolve from this package.
 */
export async function loadReaderModule(specifier: string): Promise<void> {
  await import(specifier);
  if (!modules.includes(specifier)) modules.push(specifier);
}

/** Specifiers given to `loadReaderModule`, in order. */
export function readerModules(): readonly string[] {
  return modules;
}

/** The first registered reader that takes `path` (for masks: one with `readMask`), or undefined. */
export async function findReader(path: string, kind: 'image' | 'mask'): Promise<ImageReader | undefined> {
  const candidates = kind === 'mask' ? readers.filter((r) => r.readMask) : readers;
  if (candidates.length === 0) return undefined;
  let st: Stats;
  try {
    st = await statPath(path);
  } catch {
    return undefined; // the built-in reader reports the unreadable path with its stable code
  }
  for (const r of candidates) if (await r.canRead(path, st)) return r;
  return undefined;
}

/** A reader option was given (`--series`, `--segment`) for a file no registered reader takes. */
export function optionUnsupported(option: string): TaceError {
  return new TaceError('RADIOMICS_READER_OPTION_UNSUPPORTED',
    `the ${option} option applies only to inputs read by a registered reader (e.g. DICOM), not to NRRD/NIfTI files`,
    { httpStatus: 422, retryable: false });
}
