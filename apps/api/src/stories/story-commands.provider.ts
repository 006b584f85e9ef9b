import type { Provider } from '@nestjs/common';
import { EventStore } from '#event-store';
import { StoryCommands } from '#statements';
import { Clock, IdGenerator } from '../infrastructure/clock.js';

/** The story application core (`libs/statements`, framework-free) bound into Nest. */
export const storyCommandsProvider: Provider = {
  provide: StoryCommands,
  inject: [EventStore, Clock, IdGenerator],
  useFactory: (store: EventStore, clock: Clock, ids: IdGenerator) => new StoryCommands({ store, clock, ids }),
};
