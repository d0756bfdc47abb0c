export * from './run-id.ts';
export * from './payloads.ts';
export * from './case-store.ts';
export * from './registry.ts';
export * from './redis.ts';
export * from './receipts.ts';
