import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { EventStore, EventStoreDbEventStore, SqliteEventStore, UpcastingEventStore } from '#event-store';
import type { AppConfig } from '../config/app-config.js';
import { statementUpcasters } from './upcasters.js';

/**
 * The event store the configuration names (`EVENT_STORE`): the SQLite file, or an EventStoreDB/KurrentDB
 * cluster through its connection string, wearing the statement upcasters whichever it is. The API and every
 * CLI verb open it here.
 */
export function openConfiguredEventStore(
  config: AppConfig,
  onSubscriptionDropped?: (error: unknown, attempt: number, delayMs: number) => void,
): EventStore {
  if (config.eventStore === 'eventstoredb') {
    if (config.eventStoreConnectionString === undefined) {
      throw new Error('EVENT_STORE=eventstoredb needs EVENTSTORE_CONNECTION_STRING');
    }
    const store = EventStoreDbEventStore.connect(config.eventStoreConnectionString, {
      onSubscriptionDropped,
    });
    return new UpcastingEventStore(store, statementUpcasters);
  }
  mkdirSync(dirname(config.eventsFile), { recursive: true });
  return new UpcastingEventStore(SqliteEventStore.open(config.eventsFile), statementUpcasters);
}
