import { TaceError } from '@tace/common';
import type { ImageTypeFn } from './types.ts';

export const logImages: ImageTypeFn = () => {
  throw new TaceError('RADIOMICS_NOT_IMPLEMENTED', 'image type log is not implemented yet');
};
