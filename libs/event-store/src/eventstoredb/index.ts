export * from './client-mapping.js';
export * from './eventstoredb-event-store.js';
