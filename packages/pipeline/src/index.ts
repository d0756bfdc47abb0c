export * from './config.ts';
export * from './stage-runner.ts';
export * from './queues.ts';
export * from './ingest.ts';
export * from './publish.ts';
export * from './submit.ts';
export * from './processors.ts';
export * from './inline.ts';
