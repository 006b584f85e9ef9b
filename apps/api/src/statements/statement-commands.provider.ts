import type { Provider } from '@nestjs/common';
import type { ReferenceData } from '#domain';
import { EventStore } from '#event-store';
import { StatementCommands } from '#statements';
import { Clock, IdGenerator } from '../infrastructure/clock.js';
import { REFERENCE_DATA } from '../infrastructure/tokens.js';

/**
 * The application core (`libs/statements`, framework-free) bound into Nest: the command handlers inject it.
 * The framework binding stays here, in the app.
 */
export const statementCommandsProvider: Provider = {
  provide: StatementCommands,
  inject: [EventStore, REFERENCE_DATA, Clock, IdGenerator],
  useFactory: (store: EventStore, reference: ReferenceData, clock: Clock, ids: IdGenerator) =>
    new StatementCommands({ store, reference, clock, ids }),
};
