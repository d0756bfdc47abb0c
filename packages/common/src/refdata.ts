import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of this repository (two levels above packages/common/src). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * External reference data (IBSI, PyRadiomics, DICOM samples, R outputs). Read in place, never
 * copied into the repo. `TACE_REFDATA` overrides the default `../shared/reference`.
 */
export function referenceDir(): string {
  return process.env.TACE_REFDATA ? resolve(process.env.TACE_REFDATA) : resolve(REPO_ROOT, '../shared/reference');
}

/**
 * For tests: the absolute path of a reference sub-folder, or `undefined` after printing loudly
 * why the suite that needs it will be skipped.
 */
export function referencePath(sub: string): string | undefined {
  const p = resolve(referenceDir(), sub);
  if (!existsSync(p)) {
    console.warn(`\n*** SKIPPING: reference data ${p} is absent (set TACE_REFDATA to the shared/reference folder) ***\n`);
    return undefined;
  }
  return p;
}
