import type { EventStore, RecordedEvent, Subscription } from '../event-store.js';
import { collect, event } from '../testing/index.js';
import { KurrentWireCluster } from '../testing/kurrent-wire-server/index.js';
import { EventStoreDbEventStore } from './eventstoredb-event-store.js';

/*
 * The adapter with the real client over real gRPC, against the wire test server: what a server's limits and
 * a cluster's leader changes do to it. (The port contract over the wire is in eventstoredb-event-store.int, the server behaviours the adapter
 * meets in eventstoredb-over-wire.int.)
 */

/**
 * Closes the store, failing (instead of hanging the suite) when it does not finish within 10 s: the
 * client's dispose() waits for every call it still holds, so a read the adapter left unfinished shows here.
 */
async function closeWithin(store: EventStore): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error('store.close() did not finish within 10 s: the client still holds a read')),
      10_000,
    );
  });
  try {
    await Promise.race([store.close(), bound]);
  } finally {
    clearTimeout(timer);
  }
}

describe('EventStoreDbEventStore over the wire: reads it stops early', () => {
  let cluster: KurrentWireCluster;
  let store: EventStoreDbEventStore;
  beforeAll(async () => {
    cluster = await KurrentWireCluster.start();
    store = EventStoreDbEventStore.connect(cluster.connectionString);
    // a page of the log (500 events) does not fit HTTP/2's flow-control window: a read nobody cancels
    // stays open on the server
    const payload = 'p'.repeat(300);
    for (let s = 0; s < 6; s++) {
      await store.appendToStream(
        `statement-${s}`,
        Array.from({ length: 100 }, (_, n) => event('Noted', { n, payload })),
        { expectedRevision: 'no_stream' },
      );
    }
  });
  afterAll(() => cluster.close());

  // (1,000 such calls in a row, then an append: eventstoredb-over-wire.int.spec.ts)
  it('after reads stopped early, an append and a subscription, close() finishes', async () => {
    const [first] = await collect(store.readAll({ maxCount: 1 }));
    for (let i = 0; i < 10; i++) {
      await store.headPosition();
      await collect(store.readAll({ maxCount: 1 }));
      await store.positionAt(first.metadata.recordedAt);
    }
    const appended = await store.appendToStream('statement-late', [event()], {
      expectedRevision: 'no_stream',
    });
    expect(await store.headPosition()).toBe(appended.position);
    const subscription = store.subscribeToAll({ fromPosition: first.position });
    await subscription[Symbol.asyncIterator]().next();
    await subscription.close();
    // nothing left open on the server but the client's BatchAppend call (and at most a read ending now)
    expect(cluster.openCalls).toBeLessThanOrEqual(2);
    await closeWithin(store);
  });
});

describe('EventStoreDbEventStore over the wire: the leader of a three-node cluster is killed', () => {
  let cluster: KurrentWireCluster;
  let store: EventStoreDbEventStore;
  let subscription: Subscription | undefined;
  beforeEach(async () => {
    cluster = await KurrentWireCluster.start({ nodes: 3 });
    store = EventStoreDbEventStore.connect(cluster.connectionString, {
      initialRetryDelayMs: 10,
      maxRetryDelayMs: 100,
    });
  });
  afterEach(async () => {
    await subscription?.close();
    try {
      await closeWithin(store);
    } finally {
      await cluster.close();
    }
  });

  /** Every event a subscription delivers until `count` have come. */
  const receive = (count: number): Promise<RecordedEvent[]> => {
    subscription = store.subscribeToAll();
    const events = subscription;
    return (async () => {
      const seen: RecordedEvent[] = [];
      for await (const received of events) {
        seen.push(received);
        if (seen.length === count) break;
      }
      return seen;
    })();
  };

  it('during appends (before and after the commit): every event is stored once, and delivered once', async () => {
    const written = Array.from({ length: 30 }, (_, n) => event('Noted', { n }));
    const delivered = receive(written.length);
    for (const [n, next] of written.entries()) {
      if (n === 10) cluster.interruptNextAppend('kill-before-commit');
      if (n === 20) cluster.interruptNextAppend('kill-after-commit');
      await store.appendToStream(`statement-${n % 3}`, [next], { expectedRevision: 'any' });
    }
    expect(cluster.nodes.filter((node) => node.state === 'dead')).toHaveLength(2);

    const stored = await collect(store.readAll());
    expect(stored.map((e) => e.id)).toEqual(written.map((e) => e.id));
    const seen = await delivered;
    expect(seen.map((e) => e.id)).toEqual(written.map((e) => e.id));
    // the log holds each id once (the interrupted append after its commit was retried, not written again)
    const ids = cluster.log.records.map((r) => r.id);
    for (const e of written) expect(ids.filter((id) => id === e.id)).toHaveLength(1);
  });

  it('during a subscription: it resubscribes on the new leader and delivers each event once, in order', async () => {
    const written = Array.from({ length: 20 }, (_, n) => event('Noted', { n }));
    const delivered = receive(written.length);
    for (const [n, next] of written.entries()) {
      if (n === 10) cluster.kill(); // between two deliveries, with the subscription live on the leader
      await store.appendToStream('statement-s', [next], { expectedRevision: n === 0 ? 'no_stream' : n - 1 });
    }
    const seen = await delivered;
    expect(seen.map((e) => e.id)).toEqual(written.map((e) => e.id));
    expect(seen.map((e) => e.revision)).toEqual(written.map((_, n) => n));
  });
});
