import { existsSync } from 'node:fs';
import type { EventStore } from '#event-store';
import { loadConfig, type AppConfig } from '../../api/src/config/app-config.js';
import { openConfiguredEventStore } from '../../api/src/infrastructure/event-store-factory.js';

/**
 * The event store the configuration names (SQLite or EventStoreDB/KurrentDB), for CLI verbs that work on the
 * log directly (import, export, audit, rebuild). Every verb opens it here, so a new adapter is added in one place.
 */
export function openEventStore(config: AppConfig): EventStore {
  return openConfiguredEventStore(config);
}

/**
 * What the verbs that work on the raw log (`audit verify`, `events export/import`, `rebuild`) take from
 * their surroundings: the configuration and a way to open the store it names. `main.ts` gives the process's
 * own; end-to-end tests give one over a faked EventStoreDB client (apps/cli/src/testing/, not built).
 */
export interface CliEnvironment {
  loadConfig(): AppConfig;
  openEventStore(config: AppConfig): EventStore;
}

export const processEnvironment: CliEnvironment = {
  loadConfig: () => loadConfig(),
  openEventStore,
};

/**
 * The configured store for a verb that reads an existing log: with `EVENT_STORE=sqlite` it refuses to create
 * an empty file where none exists (a mistyped data folder would otherwise "verify" an empty log).
 */
export function openExistingEventStore(environment: CliEnvironment, config: AppConfig): EventStore {
  if (config.eventStore === 'sqlite' && !existsSync(config.eventsFile)) {
    throw new Error(`no event store at ${config.eventsFile}`);
  }
  return environment.openEventStore(config);
}

/**
 * The number of events of the log, for a progress display, when the store counts without reading the log
 * (`capabilities.indexedCount`); undefined otherwise, so a progress total never costs a second full read.
 */
export async function progressTotal(store: EventStore): Promise<number | undefined> {
  return store.capabilities.indexedCount ? store.countEventsAfter() : undefined;
}
