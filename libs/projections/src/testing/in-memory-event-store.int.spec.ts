import { eventStoreContract } from '#event-store/testing';
import { InMemoryEventStore } from './in-memory-event-store.js';

// The projection tests' test double keeps the port's contract: the suite every real adapter runs says so.
// Its cross-process test is skipped: an in-memory store cannot be shared with another process. It keeps the
// port's default appendToStreams (a loop, not atomic), so the all-or-nothing batch tests are skipped too.
eventStoreContract(
  'InMemoryEventStore (test double)',
  async () => {
    const store = new InMemoryEventStore();
    return { store, cleanup: () => store.close() };
  },
  { crossProcess: false, atomicAppendToStreams: false },
);
