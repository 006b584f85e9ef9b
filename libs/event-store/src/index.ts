export * from './event-store.js';
export * from './hash-chain.js';
export * from './sqlite-event-store.js';
export * from './eventstoredb/index.js';
export * from './audit.js';
export * from './merkle.js';
export * from './upcasting.js';
export * from './ndjson.js';
