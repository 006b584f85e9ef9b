import { upcastStatementRecordedV0, type StatementRecordedV0 } from '#domain';
import { UpcasterRegistry, type JsonObject } from '#event-store';

/**
 * Every upcaster of the application's event types: what each process that reads the log (the API and every
 * CLI verb) hands to the event store, so events stored in an older shape are read as today's.
 */
export const statementUpcasters = new UpcasterRegistry().register(
  'StatementRecorded',
  0,
  (data) => upcastStatementRecordedV0(data as unknown as StatementRecordedV0) as unknown as JsonObject,
);
