import type { IbsiGrid } from './grid.ts';
import type { IbsiFeature } from './types.ts';

export function morphology(_g: IbsiGrid): IbsiFeature[] {
  return [];
}
