export * from './app-config.js';
export * from './security-config.js';
export * from './api-keys.js';
export {
  openConfiguredEventStore,
  skippedEventMessage,
  type EventStoreNotices,
} from './event-store-factory.js';
export { statementUpcasters } from './upcasters.js';
export { handoverFiles, runningApiPid, writeAtomically } from './read-model-handover.js';
export { loadApiEntry, type ApiEntry } from './api-entry.js';
