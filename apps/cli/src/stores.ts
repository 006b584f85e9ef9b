import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { EventStore, SqliteEventStore } from '#event-store';
import type { AppConfig } from '../../api/src/config/app-config.js';
import { statementUpcasters } from '../../api/src/infrastructure/upcasters.js';

/**
 * The event store the configuration names, for CLI verbs that work on the log directly (import, export,
 * audit, rebuild). Every verb opens it here, so a new adapter is added in one place.
 */
export function openEventStore(config: AppConfig): EventStore {
  mkdirSync(dirname(config.eventsFile), { recursive: true });
  return SqliteEventStore.open(config.eventsFile, { upcasters: statementUpcasters });
}
