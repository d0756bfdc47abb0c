import { TaceError } from '@tace/common';
import type { ImageTypeFn } from './types.ts';

export const lbp2DImages: ImageTypeFn = () => {
  throw new TaceError('RADIOMICS_NOT_IMPLEMENTED', 'image type lbp2d is not implemented yet');
};
