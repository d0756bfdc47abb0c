import { TaceError } from '@tace/common';
import type { ImageTypeFn } from './types.ts';

export const waveletImages: ImageTypeFn = () => {
  throw new TaceError('RADIOMICS_NOT_IMPLEMENTED', 'image type wavelet is not implemented yet');
};
