export * from './event-store.js';
export * from './hash-chain.js';
export * from './sqlite-event-store.js';
export * from './eventstoredb/index.js';
