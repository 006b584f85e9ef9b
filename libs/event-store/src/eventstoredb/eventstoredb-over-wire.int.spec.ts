import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import type { RecordedEvent } from '../event-store.js';
import { verifyEventHash } from '../hash-chain.js';
import { collect, event, nextWithin } from '../testing/index.js';
import { KurrentWireCluster } from '../testing/kurrent-wire-server/index.js';
import {
  AppendTooLargeError,
  EventStoreDbEventStore,
  type EventStoreDbClientApi,
  type EventStoreDbEventStoreOptions,
  type SkippedEvent,
} from './eventstoredb-event-store.js';

/*
 * The adapter over the real `@eventstore/db-client` and real gRPC, against the wire-level test server
 * (libs/event-store/src/testing/kurrent-wire-server): each server behaviour of issue 17 that the adapter must
 * live with. What the server does here is what the test server models; docs/scaling.md says what that
 * proves and what it does not.
 */

let cluster: KurrentWireCluster;
let store: EventStoreDbEventStore;
/** another application on the same cluster, writing with the client directly */
let other: EventStoreDBClient;
const skipped: SkippedEvent[] = [];

async function start(
  clusterOptions: Parameters<typeof KurrentWireCluster.start>[0] = {},
  storeOptions: EventStoreDbEventStoreOptions = {},
): Promise<void> {
  cluster = await KurrentWireCluster.start(clusterOptions);
  store = EventStoreDbEventStore.connect(cluster.connectionString, {
    pageSize: 20,
    initialRetryDelayMs: 5,
    maxRetryDelayMs: 50,
    failoverRetryDelayMs: 20,
    onEventSkipped: (s) => skipped.push(s),
    ...storeOptions,
  });
  other = EventStoreDBClient.connectionString(cluster.connectionString);
}

afterEach(async () => {
  skipped.length = 0;
  await store?.close();
  await other?.dispose();
  await cluster?.close();
});

const foreign = (data: unknown = { order: 1 }, metadata: unknown = { by: 'another application' }) =>
  jsonEvent({ id: randomUUID(), type: 'OrderPlaced', data: data as Record<string, unknown>, metadata });

const streamRecords = (stream: string) => cluster.log.records.filter((r) => r.stream === stream);

describe('EventStoreDbEventStore over real gRPC (wire-level test server, one node)', () => {
  beforeEach(() => start({ systemEventEvery: 3 }));

  it('1,000 headPosition, readAll({ maxCount }) and positionAt calls in a row, then an append, all answer', async () => {
    for (let i = 0; i < 4; i++) {
      await store.appendToStream(`s-${i}`, [event('E', { i })], { expectedRevision: 'no_stream' });
    }
    const all = await collect(store.readAll());
    const before = new Date(Date.parse(all[0].metadata.recordedAt) - 1).toISOString();
    for (let i = 0; i < 1000; i++) {
      expect(await store.headPosition()).toBe(all[3].position);
      expect(await collect(store.readAll({ maxCount: 1 }))).toHaveLength(1);
      expect(await store.positionAt(before)).toBe(0n);
    }
    const result = await store.appendToStream('s-0', [event('After')], { expectedRevision: 0 });
    expect(result.nextRevision).toBe(1);
    // what stays open on the server: the client's one BatchAppend call, nothing of the 3,000 reads
    expect(cluster.openCalls).toBeLessThanOrEqual(1);
    // 3,000 gRPC calls of 20-40 ms each on a loaded 2-core machine: a generous bound (a leaked read hangs
    // the 101st call for ever, so this bound is not what the test measures)
  }, 400_000);

  it("a caller's break out of readAll or readStream cancels the read under it", async () => {
    await store.appendToStream('s', [event(), event()], { expectedRevision: 'no_stream' });
    for (let i = 0; i < 150; i++) {
      for await (const _event of store.readAll()) break;
      for await (const _event of store.readStream('s')) break;
    }
    expect(cluster.openCalls).toBeLessThanOrEqual(1); // the BatchAppend call
    await store.appendToStream('s', [event()], { expectedRevision: 1 });
  });

  it('a foreign event in $all is skipped by reads and by a subscription, counted, and said once per kind', async () => {
    await store.appendToStream('s', [event('A')], { expectedRevision: 'no_stream' });
    await other.appendToStream('orders-1', [foreign(), foreign()]);
    await other.appendToStream('orders-2', [
      {
        id: randomUUID(),
        contentType: 'application/octet-stream',
        type: 'Blob',
        data: new Uint8Array([1, 2]),
        metadata: undefined,
      },
    ]);
    await other.appendToStream('notes', [foreign(['an', 'array'], { hash: 'not ours' })]);
    const b = event('B');
    await store.appendToStream('t', [b], { expectedRevision: 'no_stream' });

    const all = await collect(store.readAll());
    expect(all.map((e) => e.type)).toEqual(['A', 'B']);
    expect(await store.headPosition()).toBe(all[1].position);
    expect(await store.countEventsAfter(all[0].position)).toBe(1);
    const subscription = store.subscribeToAll();
    const events = subscription[Symbol.asyncIterator]();
    expect((await nextWithin(events)).type).toBe('A');
    expect((await nextWithin(events)).id).toBe(b.id);
    await other.appendToStream('orders-1', [foreign()], { expectedRevision: 1n });
    const c = event('C');
    await store.appendToStream('u', [c], { expectedRevision: 'no_stream' });
    expect((await nextWithin(events)).id).toBe(c.id);
    await subscription.close();

    const counts = Object.fromEntries(store.skippedEvents());
    expect(counts['no-hash']).toBeGreaterThanOrEqual(3);
    expect(counts['not-json']).toBeGreaterThanOrEqual(2);
    expect(counts.system).toBeGreaterThanOrEqual(1); // the server's own `$` events, interleaved
    expect(new Set(skipped.map((s) => s.kind)).size).toBe(skipped.length); // once per kind
  });

  it('a foreign event inside one of its streams is skipped by reads, and the next append goes after it', async () => {
    await store.appendToStream('s', [event('A')], { expectedRevision: 'no_stream' });
    await other.appendToStream('s', [foreign({ typed: 'in the admin UI' })], { expectedRevision: 0n });
    expect((await collect(store.readStream('s'))).map((e) => e.revision)).toEqual([0]);
    const result = await store.appendToStream('s', [event('B')], { expectedRevision: 0 });
    expect(result.nextRevision).toBe(2);
    const [a, b] = await collect(store.readStream('s'));
    expect(b.revision).toBe(2);
    expect(b.metadata.prevHash).toBe(a.metadata.hash);
    expect(verifyEventHash(b)).toBe(true);
    expect((await store.streamRevisions(['s'])).get('s')).toBe(2);
  });

  it('a soft-deleted stream recreated by the adapter gets the revision after its hidden events, and hashes for it', async () => {
    await store.appendToStream('s', [event(), event(), event()], { expectedRevision: 'no_stream' });
    await other.deleteStream('s');
    expect(await collect(store.readStream('s'))).toEqual([]);
    const again = event('Recreated');
    const result = await store.appendToStream('s', [again], { expectedRevision: 'no_stream' });
    expect(result.nextRevision).toBe(3);
    const [stored] = await collect(store.readStream('s'));
    expect(stored).toMatchObject({ id: again.id, revision: 3 });
    expect(verifyEventHash(stored)).toBe(true);
    expect(streamRecords('s').map((r) => r.revision)).toEqual([0n, 1n, 2n, 3n]);
    await store.appendToStream('s', [event()], { expectedRevision: 3 });
    const [, next] = await collect(store.readStream('s'));
    expect(next.metadata.prevHash).toBe(stored.metadata.hash);
  });

  it('a stream truncated by $tb, then by $maxAge, takes its next events at the right revisions', async () => {
    await store.appendToStream('s', [event(), event()], { expectedRevision: 'no_stream' });
    await other.setStreamMetadata('s', { truncateBefore: 2 });
    expect(await collect(store.readStream('s'))).toEqual([]);
    const result = await store.appendToStream('s', [event('After')], { expectedRevision: 'no_stream' });
    expect(result.nextRevision).toBe(2);
    const [after] = await collect(store.readStream('s'));
    expect(after.revision).toBe(2);
    expect(verifyEventHash(after)).toBe(true);

    await store.appendToStream('t', [event()], { expectedRevision: 'no_stream' });
    await other.setStreamMetadata('t', { maxAge: 60 });
    const now = Date.now();
    cluster.log.now = () => now + 61_000;
    expect(await collect(store.readStream('t'))).toEqual([]);
    await store.appendToStream('t', [event('Fresh')], { expectedRevision: 'no_stream' });
    const [fresh] = await collect(store.readStream('t'));
    expect(fresh.revision).toBe(1);
    expect(verifyEventHash(fresh)).toBe(true);
  });

  it('a stream truncated in part keeps its revisions and its chain', async () => {
    await store.appendToStream('s', [event(), event(), event()], { expectedRevision: 'no_stream' });
    await other.setStreamMetadata('s', { truncateBefore: 1 });
    const visible = await collect(store.readStream('s'));
    expect(visible.map((e) => e.revision)).toEqual([1, 2]);
    await store.appendToStream('s', [event()], { expectedRevision: 2 });
    const last = (await collect(store.readStream('s'))).at(-1) as RecordedEvent;
    expect(last.revision).toBe(3);
    expect(last.metadata.prevHash).toBe(visible[1].metadata.hash);
    expect(verifyEventHash(last)).toBe(true);
  });

  it('an append over 1 MiB is refused with its size and the limit, and nothing reaches the server', async () => {
    const big = event('Big', { text: 'x'.repeat(1_100_000) });
    const error = await store
      .appendToStream('s', [big], { expectedRevision: 'any' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppendTooLargeError);
    expect((error as Error).message).toMatch(
      /weighs \d+ bytes, more than the server's MaxAppendSize of 1048576/,
    );
    expect(streamRecords('s')).toEqual([]);
    // several writes of 400 KiB each: each is its own append
    const writes = [0, 1, 2].map((i) => ({
      stream: `w-${i}`,
      events: [event('Part', { text: 'y'.repeat(400 * 1024) })],
      expectedRevision: 'no_stream' as const,
    }));
    expect((await store.appendToStreams(writes)).map((r) => r.nextRevision)).toEqual([0, 0, 0]);
    // a batch with one write over the limit: refused before its first write is sent
    await expect(
      store.appendToStreams([
        { stream: 'x', events: [event()], expectedRevision: 'no_stream' },
        { stream: 'y', events: [big], expectedRevision: 'no_stream' },
      ]),
    ).rejects.toBeInstanceOf(AppendTooLargeError);
    expect(streamRecords('x')).toEqual([]);
  });

  it('lower-case ids: an upper-case id read back lower-case, and its retry is idempotent', async () => {
    const upper = { ...event(), id: randomUUID().toUpperCase() };
    const first = await store.appendToStream('s', [upper], { expectedRevision: 'no_stream' });
    expect(await store.appendToStream('s', [upper], { expectedRevision: 'no_stream' })).toEqual(first);
    const stored = await collect(store.readStream('s'));
    expect(stored.map((e) => e.id)).toEqual([upper.id.toLowerCase()]);
    expect(verifyEventHash(stored[0])).toBe(true);
    expect(streamRecords('s')).toHaveLength(1);
  });
});

describe('EventStoreDbEventStore over real gRPC: a client built with throwOnAppendFailure=false', () => {
  it('a conflict it answers as a result is decided again, never taken for a stored append', async () => {
    await start();
    const endpoint = `127.0.0.1:${cluster.nodes[0].port}`;
    const lenient = new EventStoreDBClient({ endpoint, throwOnAppendFailure: false }, { insecure: true });
    let racing = false;
    // the client's own API, with another writer getting in before the adapter's next append
    const racy: EventStoreDbClientApi = {
      appendToStream: async (stream, events, options) => {
        if (racing && events.length > 0) {
          racing = false;
          await store.appendToStream(stream, [event('Other')], { expectedRevision: 'any' });
        }
        return lenient.appendToStream(stream, events, options);
      },
      readStream: (stream, options) => lenient.readStream(stream, options),
      readAll: (options) => lenient.readAll(options),
      subscribeToAll: (options) => lenient.subscribeToAll(options),
      dispose: () => lenient.dispose(),
    };
    const adapter = new EventStoreDbEventStore(racy);
    try {
      // (created through a well-configured client: a new stream's probe needs the server's revision)
      await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
      racing = true;
      const mine = event('Mine');
      const result = await adapter.appendToStream('s', [mine], { expectedRevision: 'any' });
      expect(result.nextRevision).toBe(2);
      expect(streamRecords('s').map((r) => r.id)).toContain(mine.id);
      racing = true;
      await expect(adapter.appendToStream('s', [event()], { expectedRevision: 2 })).rejects.toMatchObject({
        name: 'WrongExpectedRevisionError',
        expected: 2,
        actual: 3,
      });
      expect(streamRecords('s').map((r) => r.type)).toEqual(['TestEvent', 'Other', 'Mine', 'Other']);
      // the probe of a stream that reads empty needs the server's revision: it says so, and writes nothing
      await expect(
        adapter.appendToStream('new', [event()], { expectedRevision: 'no_stream' }),
      ).rejects.toThrow(/needs a client created with throwOnAppendFailure=true/);
      expect(streamRecords('new')).toEqual([]);
    } finally {
      await adapter.close();
    }
  });
});

describe('EventStoreDbEventStore over real gRPC: a server whose MaxAppendSize is lower than the option', () => {
  it("refuses with the server's limit, named, and stores nothing", async () => {
    await start({ maxAppendSize: 10_000 });
    const error = await store
      .appendToStream('s', [event('Big', { text: 'x'.repeat(20_000) })], { expectedRevision: 'any' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppendTooLargeError);
    expect((error as Error).message).toMatch(/MaxAppendSize of 10000 bytes/);
    expect(streamRecords('s')).toEqual([]);
  });
});

describe('EventStoreDbEventStore over real gRPC: a three-node cluster whose leader is killed', () => {
  beforeEach(() => start({ nodes: 3 }, { failoverRetryDelayMs: 50 }));

  it.each(['kill-before-commit', 'kill-after-commit'] as const)(
    'during an append (%s): one retry on the new leader stores the events once',
    async (how) => {
      await store.appendToStream('s', [event('First')], { expectedRevision: 'no_stream' });
      cluster.interruptNextAppend(how);
      const batch = [event('A'), event('B')];
      const result = await store.appendToStream('s', batch, { expectedRevision: 0 });
      expect(result.nextRevision).toBe(2);
      expect(streamRecords('s').map((r) => r.type)).toEqual(['First', 'A', 'B']);
      const stored = await collect(store.readStream('s'));
      expect(stored.every(verifyEventHash)).toBe(true);
    },
  );

  /** The first call after the leader dies is the one that meets it: each read retries once, as appends do. */
  const reads = {
    readStream: () => collect(store.readStream('s-3')),
    readAll: () => collect(store.readAll()),
    readAllBackwards: () => collect(store.readAllBackwards({ maxCount: 2 })),
    headPosition: () => store.headPosition(),
    streamRevisions: () => store.streamRevisions(['s-1', 's-4', 'absent']),
    appendToStream: () => store.appendToStream('s-9', [event('E')], { expectedRevision: 'no_stream' }),
  } satisfies Record<string, () => Promise<unknown>>;

  it.each(Object.keys(reads) as (keyof typeof reads)[])(
    'the first %s after the leader dies answers, from the new leader, as before it died',
    async (name) => {
      const failovers: string[] = [];
      await store.close();
      store = EventStoreDbEventStore.connect(cluster.connectionString, {
        pageSize: 2,
        failoverRetryDelayMs: 50,
        onFailover: (_error, stream, operation) => failovers.push(`${operation} ${stream}`),
      });
      for (let i = 0; i < 5; i++) {
        await store.appendToStream(`s-${i}`, [event('E', { i }), event('F', { i })], {
          expectedRevision: 'no_stream',
        });
      }
      const before = name === 'appendToStream' ? undefined : await reads[name]();
      cluster.kill();
      const after = await reads[name]();
      if (before !== undefined) expect(after).toEqual(before);
      else expect(streamRecords('s-9').map((r) => r.type)).toEqual(['E']);
      expect(failovers).toHaveLength(1);
      expect(failovers[0]).toMatch(name === 'appendToStream' ? /^append s-9$/ : /^read /);
    },
  );

  it('a read of the log that the leader dies in the middle of goes on from where it was, each event once', async () => {
    for (let i = 0; i < 30; i++) {
      await store.appendToStream(`s-${i}`, [event('E', { i })], { expectedRevision: 'no_stream' });
    }
    const expected = await collect(store.readAll());
    const seen: RecordedEvent[] = [];
    for await (const e of store.readAll()) {
      seen.push(e);
      if (seen.length === 5) cluster.kill();
    }
    expect(seen.map((e) => e.id)).toEqual(expected.map((e) => e.id));
  });

  it('during a subscription: it resubscribes and delivers every event once', async () => {
    const delivered: RecordedEvent[] = [];
    const subscription = store.subscribeToAll();
    const events = subscription[Symbol.asyncIterator]();
    for (let i = 0; i < 5; i++) {
      await store.appendToStream(`s-${i}`, [event('E', { i })], { expectedRevision: 'no_stream' });
    }
    for (let i = 0; i < 5; i++) delivered.push(await nextWithin(events));
    cluster.kill();
    for (let i = 5; i < 10; i++) {
      await appendWithin(`s-${i}`, 'no_stream');
    }
    for (let i = 5; i < 10; i++) delivered.push(await nextWithin(events, 10_000));
    await subscription.close();
    const all = await collect(store.readAll());
    expect(all).toHaveLength(10);
    expect(delivered.map((e) => e.id)).toEqual(all.map((e) => e.id));
  });
});

/** An append after a leader change: the adapter retries once; the test waits until the cluster answers. */
async function appendWithin(stream: string, expected: 'no_stream'): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await store.appendToStream(stream, [event('E', { stream })], { expectedRevision: expected });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
