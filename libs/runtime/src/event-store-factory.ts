import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  EventStore,
  EventStoreDbEventStore,
  SqliteEventStore,
  UpcastingEventStore,
  type SkippedEvent,
  type SkippedEventKind,
} from '#event-store';
import type { AppConfig } from './app-config.js';
import { statementUpcasters } from './upcasters.js';

/** What the store tells its opener about (the API logs it; the CLI writes it to stderr). */
export interface EventStoreNotices {
  onSubscriptionDropped?: (error: unknown, attempt: number, delayMs: number) => void;
  /**
   * once per kind of event skipped as not this service's (every one is counted: `skippedEvents()`); `system`
   * (the server's own `$` events) is expected on every cluster, the other kinds mean another writer
   */
  onEventSkipped?: (message: string, kind: SkippedEventKind) => void;
  /** an append met a leader change and is tried once more */
  onFailover?: (message: string) => void;
}

/** The one line said about a kind of skipped event. */
export function skippedEventMessage(skipped: SkippedEvent): string {
  return (
    `skipping events that are not this service's (${skipped.kind}), first: ${skipped.type} in stream ` +
    `${JSON.stringify(skipped.stream)} at revision ${skipped.revision}; counted in ` +
    'communique_event_store_skipped_events_total, said once per kind'
  );
}

/**
 * The event store the configuration names (`EVENT_STORE`): the SQLite file, or an EventStoreDB/KurrentDB
 * cluster through its connection string, wearing the statement upcasters whichever it is. The API and every
 * CLI verb open it here.
 */
export function openConfiguredEventStore(config: AppConfig, notices: EventStoreNotices = {}): EventStore {
  if (config.eventStore === 'eventstoredb') {
    if (config.eventStoreConnectionString === undefined) {
      throw new Error('EVENT_STORE=eventstoredb needs EVENTSTORE_CONNECTION_STRING');
    }
    const warn = (message: string) => process.stderr.write(`communique: ${message}\n`);
    // the CLI says only what points at another writer: the server's own events are on every cluster
    const onEventSkipped =
      notices.onEventSkipped ??
      ((message: string, kind: SkippedEventKind) => (kind === 'system' ? undefined : warn(message)));
    const onFailover = notices.onFailover ?? warn;
    const store = EventStoreDbEventStore.connect(config.eventStoreConnectionString, {
      maxAppendSize: config.eventStoreMaxAppendSize,
      onSubscriptionDropped: notices.onSubscriptionDropped,
      onEventSkipped: (skipped) => onEventSkipped(skippedEventMessage(skipped), skipped.kind),
      onFailover: (error, stream, operation) =>
        onFailover(
          `${operation === 'append' ? 'append to' : 'read of'} ${stream} met a leader change ` +
            `(${error instanceof Error ? error.message : String(error)}); trying once more on the new leader` +
            (operation === 'append' ? ' with the same event ids' : ', from where it stopped'),
        ),
    });
    return new UpcastingEventStore(store, statementUpcasters);
  }
  mkdirSync(dirname(config.eventsFile), { recursive: true });
  return new UpcastingEventStore(SqliteEventStore.open(config.eventsFile), statementUpcasters);
}
