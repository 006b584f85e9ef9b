export * from './event-store-contract.js';
export * from './append-in-child-process.js';
export * from './in-memory-event-store.js';
export * from './kurrent-wire-server/index.js';
