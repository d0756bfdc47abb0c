import { TaceError } from '@tace/common';
import type { ImageTypeFn } from './types.ts';

export const lbp3DImages: ImageTypeFn = () => {
  throw new TaceError('RADIOMICS_NOT_IMPLEMENTED', 'image type lbp3d is not implemented yet');
};
