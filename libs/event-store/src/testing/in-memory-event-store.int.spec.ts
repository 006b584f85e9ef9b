import { eventStoreContract } from './event-store-contract.js';
import { InMemoryEventStore } from './in-memory-event-store.js';

// The test double keeps the port's contract: the suite every real adapter runs says so, the all-or-nothing
// appendToStreams cases included. Only the cross-process test is skipped: an in-memory store cannot be shared
// with another process.
eventStoreContract(
  'InMemoryEventStore (test double)',
  async () => {
    const store = new InMemoryEventStore();
    return { store, cleanup: () => store.close() };
  },
  { crossProcess: false },
);
