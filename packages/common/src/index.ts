export * from './errors.ts';
export * from './volume.ts';
export * from './logger.ts';
export * from './clinical.ts';
export * from './refdata.ts';
export * from './study-header.ts';
export { mulberry32, type Rng } from './prng.ts';
