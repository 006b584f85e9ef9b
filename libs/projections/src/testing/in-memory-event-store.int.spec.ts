import { eventStoreContract } from '#event-store/testing';
import { InMemoryEventStore } from './in-memory-event-store.js';

// The projection tests' test double keeps the port's contract: the suite every real adapter runs says so.
eventStoreContract(
  'InMemoryEventStore (test double)',
  async () => {
    const store = new InMemoryEventStore();
    return { store, cleanup: () => store.close() };
  },
  { crossProcess: false },
);
