import { randomUUID } from 'node:crypto';
import { collect, eventStoreContract } from '../testing/index.js';
import { EventStoreDbEventStore } from './eventstoredb-event-store.js';

/*
 * The port contract against a real EventStoreDB/KurrentDB server, e.g.
 *   EVENTSTORE_CONNECTION_STRING='esdb://localhost:2113?tls=false' npm run test:int
 * A server cannot be emptied between tests, so each test gets a store on a fresh stream prefix: it sees only
 * its own streams, and `$all` through a server-side prefix filter.
 */
const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;

if (connectionString) {
  eventStoreContract(
    'EventStoreDbEventStore on a server',
    async () => {
      const store = EventStoreDbEventStore.connect(connectionString, {
        streamPrefix: `contract-${randomUUID()}/`,
      });
      return { store, cleanup: () => store.close() };
    },
    // Another OS process appending to the server is the server's business, not the adapter's.
    { crossProcess: false, atomicAppendToStreams: false },
  );
} else {
  console.log(
    'EventStoreDbEventStore contract run skipped: EVENTSTORE_CONNECTION_STRING is not set, and this run needs ' +
      'an EventStoreDB/KurrentDB server (e.g. esdb://localhost:2113?tls=false)',
  );
  describe.skip('EventStoreDbEventStore on a server (needs EVENTSTORE_CONNECTION_STRING)', () => {
    it('runs the event store contract', () => undefined);
  });
}

// The real client, without a server: what can be checked here.
describe('EventStoreDbEventStore on the real client, without a server', () => {
  it('takes connection strings with TLS, credentials and several nodes (the client connects lazily)', async () => {
    for (const connection of [
      'esdb://localhost:2113?tls=false',
      'esdb://admin:changeit@node1:2113,node2:2113,node3:2113?tls=true&tlsVerifyCert=true',
      'esdb+discover://admin:changeit@cluster.example.org:2113?tls=true&nodePreference=leader',
    ]) {
      const store = EventStoreDbEventStore.connect(connection);
      await store.close();
    }
  });

  it('reports a server that does not answer as an error instead of hanging', async () => {
    const store = EventStoreDbEventStore.connect('esdb://127.0.0.1:1?tls=false');
    try {
      await expect(store.headPosition()).rejects.toThrow(/UNAVAILABLE|ECONNREFUSED/);
      await expect(collect(store.readStream('s'))).rejects.toThrow(/UNAVAILABLE|ECONNREFUSED/);
    } finally {
      await store.close();
    }
  });
});
