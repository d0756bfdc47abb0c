import { TaceError } from '@tace/common';

/** Read a numeric option, with a stable error naming the setting when it has the wrong type. */
export function numOpt(opts: Record<string, unknown>, key: string, dflt: number): number {
  const v = opts[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new TaceError('RADIOMICS_SETTING_INVALID', `Setting ${key} must be a number`, { detail: { setting: key } });
}

export function boolOpt(opts: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const v = opts[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  throw new TaceError('RADIOMICS_SETTING_INVALID', `Setting ${key} must be true or false`, { detail: { setting: key } });
}

export function strOpt(opts: Record<string, unknown>, key: string, dflt: string): string {
  const v = opts[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'string') return v;
  throw new TaceError('RADIOMICS_SETTING_INVALID', `Setting ${key} must be a string`, { detail: { setting: key } });
}

/** A number or a list of numbers (PyRadiomics accepts `sigma: 3` as well as `sigma: [1, 3]`). */
export function numListOpt(opts: Record<string, unknown>, key: string): number[] {
  const v = opts[key];
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new TaceError('RADIOMICS_SETTING_INVALID', `Setting ${key} must be a number or a list of numbers`, { detail: { setting: key } });
  }
  return list as number[];
}
