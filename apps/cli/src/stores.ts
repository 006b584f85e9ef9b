import type { EventStore } from '#event-store';
import type { AppConfig } from '#runtime';
import { openConfiguredEventStore } from '#runtime';

/**
 * The event store the configuration names (SQLite or EventStoreDB/KurrentDB), for CLI verbs that work on the
 * log directly (import, export, audit, rebuild). Every verb opens it here, so a new adapter is added in one place.
 */
export function openEventStore(config: AppConfig): EventStore {
  return openConfiguredEventStore(config);
}
