export * from './openapi.ts';
export * from './problem.ts';
export * from './health.ts';
export * from './signature.ts';
export * from './contract.ts';
export * from './assessment-view.ts';
export * from './auth.ts';
export * from './app.ts';
