export * from './event-store-contract.js';
export * from './append-in-child-process.js';
