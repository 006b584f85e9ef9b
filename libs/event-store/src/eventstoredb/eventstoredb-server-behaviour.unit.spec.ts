import { Metadata } from '@grpc/grpc-js';
import {
  EventStoreDBClient,
  NotLeaderError,
  UnavailableError,
  type JSONEventData,
} from '@eventstore/db-client';
import { WrongExpectedRevisionError, type RecordedEvent } from '../event-store.js';
import { verifyEventHash } from '../hash-chain.js';
import { collect, event, nextWithin } from '../testing/index.js';
import { FakeEventStoreDbClient } from '../testing/fake-eventstoredb-client.js';
import { NO_COMMIT_POSITION } from './client-mapping.js';
import {
  AppendTooLargeError,
  EventStoreDbEventStore,
  adapterConnectionString,
  type SkippedEvent,
} from './eventstoredb-event-store.js';

/*
 * What a real server does that the adapter must live with, over the client-API fake, which models each of
 * these as the server does (see its comment). Each case fails on the adapter before issue 17's fixes.
 */

const foreignJson = (data: unknown = { other: 'application' }, metadata: unknown = {}): JSONEventData =>
  ({
    id: crypto.randomUUID(),
    contentType: 'application/json',
    type: 'OrderPlaced',
    data,
    metadata,
  }) as JSONEventData;

function notLeader(): NotLeaderError {
  const metadata = new Metadata();
  metadata.set('leader-endpoint-host', 'node2');
  metadata.set('leader-endpoint-port', '2113');
  return new NotLeaderError(
    Object.assign(new Error('Leader info available'), { code: 5, details: 'not leader', metadata }),
  );
}

describe('EventStoreDbEventStore against what a real server does', () => {
  let client: FakeEventStoreDbClient;
  let store: EventStoreDbEventStore;
  const skippedKinds: SkippedEvent[] = [];
  beforeEach(() => {
    skippedKinds.length = 0;
    client = new FakeEventStoreDbClient();
    store = new EventStoreDbEventStore(client, {
      pageSize: 4,
      initialRetryDelayMs: 1,
      maxRetryDelayMs: 4,
      failoverRetryDelayMs: 1,
      onEventSkipped: (skipped) => skippedKinds.push(skipped),
    });
  });
  afterEach(() => store.close());

  describe('reads stopped early are cancelled (a node takes 100 concurrent streams per connection)', () => {
    beforeEach(async () => {
      client.maxConcurrentStreams = 100;
      for (let i = 0; i < 3; i++) {
        await store.appendToStream(`s-${i}`, [event('E', { i })], { expectedRevision: 'no_stream' });
      }
    });

    it('1,000 headPosition, readAll({ maxCount }) and positionAt calls in a row, then an append, all answer', async () => {
      const all = await collect(store.readAll());
      const before = new Date(Date.parse(all[0].metadata.recordedAt) - 1).toISOString();
      for (let i = 0; i < 1000; i++) {
        expect(await store.headPosition()).toBe(all[2].position);
        expect(await collect(store.readAll({ maxCount: 1 }))).toHaveLength(1);
        expect(await store.positionAt(before)).toBe(0n); // breaks out at the first event
      }
      const result = await store.appendToStream('s-0', [event('After')], { expectedRevision: 0 });
      expect(result.nextRevision).toBe(1);
      expect(client.openReads).toBe(0);
      expect(client.peakStreams).toBeLessThanOrEqual(2);
    });

    it("a caller's break out of readAll or readStream cancels the read under it", async () => {
      for (let i = 0; i < 150; i++) {
        for await (const _event of store.readAll()) break;
        for await (const _event of store.readStream('s-0')) break;
      }
      expect(client.openReads).toBe(0);
      await store.appendToStream('s-1', [event()], { expectedRevision: 0 });
    });

    it('the fake holds what is not cancelled, as the server does (the test above can fail)', async () => {
      const read = client.readAll({ maxCount: 10 });
      for await (const _resolved of read) break;
      expect(client.openReads).toBe(1);
      await read.cancel();
      expect(client.openReads).toBe(0);
    });
  });

  describe("events that are not this service's", () => {
    it('are skipped by readAll, headPosition, countEventsAfter and subscriptions, counted by kind, and reported once per kind', async () => {
      const drops: unknown[] = [];
      const prefixed = new EventStoreDbEventStore(client, {
        streamPrefix: 'news/',
        pageSize: 2,
        initialRetryDelayMs: 1,
        onEventSkipped: (skipped) => skippedKinds.push(skipped),
        onSubscriptionDropped: (error) => drops.push(error),
      });
      const subscription = prefixed.subscribeToAll();
      const live = subscription[Symbol.asyncIterator]();
      await prefixed.appendToStream('s', [event('A')], { expectedRevision: 'no_stream' });
      client.ignoreFilters = true; // the subscription sees them too, as a server-side filter could let through
      client.appendNow('orders-1', [foreignJson()]); // another application: outside the prefix
      client.appendNow('news/x', [
        { contentType: 'application/octet-stream', type: 'Blob', data: new Uint8Array([1, 2, 3]) },
      ]);
      client.appendNow('news/y', [foreignJson({ typed: 'in the admin UI' })]); // JSON, no hash
      client.appendNow('news/z', [foreignJson(['an', 'array'], { hash: 'h' })]);
      client.appendNow('$stats-127.0.0.1:2113', [foreignJson({}, {})]);
      await prefixed.appendToStream('t', [event('B')], { expectedRevision: 'no_stream' });
      client.appendNow('news/y', [foreignJson({ second: true })]);

      const all = await collect(prefixed.readAll());
      expect(all.map((e) => e.type)).toEqual(['A', 'B']);
      expect(await prefixed.headPosition()).toBe(all[1].position);
      expect(await prefixed.countEventsAfter(all[0].position)).toBe(1); // events, never bytes
      expect((await nextWithin(live)).type).toBe('A');
      expect((await nextWithin(live)).type).toBe('B');
      await subscription.close();
      expect(drops).toEqual([]);

      const counts = Object.fromEntries(prefixed.skippedEvents());
      expect(counts).toMatchObject({ 'outside-prefix': expect.any(Number), 'not-json': expect.any(Number) });
      expect(counts['no-hash']).toBeGreaterThanOrEqual(2);
      expect(counts.system).toBeGreaterThanOrEqual(1);
      expect(skippedKinds.map((s) => s.kind).sort()).toEqual(
        ['no-hash', 'not-json', 'outside-prefix', 'system'].sort(),
      );
      expect(skippedKinds.find((s) => s.kind === 'no-hash')?.stream).toBe('news/y');
      await prefixed.close();
    });

    it('a foreign event among the ones to deliver does not make the subscription resubscribe, and it resumes after it', async () => {
      const dropped: unknown[] = [];
      store = new EventStoreDbEventStore(client, {
        initialRetryDelayMs: 1,
        maxRetryDelayMs: 4,
        onSubscriptionDropped: (error) => dropped.push(error),
      });
      await store.appendToStream('s', [event('A')], { expectedRevision: 'no_stream' });
      client.appendNow('orders-1', [foreignJson()]);
      const subscription = store.subscribeToAll();
      const events = subscription[Symbol.asyncIterator]();
      expect((await nextWithin(events)).type).toBe('A');
      const b = event('B');
      await store.appendToStream('t', [b], { expectedRevision: 'no_stream' });
      expect((await nextWithin(events)).id).toBe(b.id);
      expect(dropped).toEqual([]);
      client.dropSubscriptions(new Error('connection reset'), 0);
      const c = event('C');
      await store.appendToStream('u', [c], { expectedRevision: 'no_stream' });
      expect((await nextWithin(events)).id).toBe(c.id);
      const resumedFrom = client.subscriptionRequests.at(-1)?.fromPosition;
      const stored = await collect(store.readAll());
      expect(resumedFrom).toEqual({ commit: stored[1].position, prepare: stored[1].position });
      await subscription.close();
    });

    it('a foreign event inside one of its streams is skipped by reads, and the next append goes after it', async () => {
      await store.appendToStream('s', [event('A')], { expectedRevision: 'no_stream' });
      client.appendNow('s', [foreignJson({ typed: 'in the admin UI' })]);
      const stream = await collect(store.readStream('s'));
      expect(stream.map((e) => e.revision)).toEqual([0]);
      const result = await store.appendToStream('s', [event('B')], { expectedRevision: 0 });
      expect(result.nextRevision).toBe(2);
      const [a, b] = await collect(store.readStream('s'));
      expect(b.revision).toBe(2);
      expect(b.metadata.prevHash).toBe(a.metadata.hash);
      expect(verifyEventHash(b)).toBe(true);
      expect((await store.streamRevisions(['s'])).get('s')).toBe(2);
    });
  });

  describe('append results', () => {
    it('with throwOnAppendFailure=false a conflict is not a silent lost append: it is decided again', async () => {
      await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
      client.throwOnAppendFailure = false;
      const other = event('Other');
      client.beforeAppend = async () => {
        client.appendNow('s', [{ ...other, contentType: 'application/json', metadata: {} } as JSONEventData]);
      };
      const mine = event('Mine');
      const result = await store.appendToStream('s', [mine], { expectedRevision: 'any' });
      expect(result.nextRevision).toBe(2);
      expect(client.log.map((e) => e.id)).toContain(mine.id);

      client.beforeAppend = async () => {
        await new EventStoreDbEventStore(client).appendToStream('s', [event()], { expectedRevision: 2 });
      };
      await expect(store.appendToStream('s', [event()], { expectedRevision: 2 })).rejects.toMatchObject({
        name: 'WrongExpectedRevisionError',
        expected: 2,
        actual: 3,
      });
      // the revision probe of a stream that reads empty cannot work without the server's revision: it says so
      await expect(store.appendToStream('new', [event()], { expectedRevision: 'no_stream' })).rejects.toThrow(
        /needs a client created with throwOnAppendFailure=true/,
      );
      expect(client.log.filter((e) => e.streamId === 'new')).toEqual([]);
    });

    it('connect sets throwOnAppendFailure=true whatever the connection string says', async () => {
      for (const given of [
        'esdb://localhost:2113?tls=false&throwOnAppendFailure=false',
        'esdb://localhost:2113/',
        'esdb://admin:changeit@a:2113,b:2113?ThrowOnAppendFailure=false&tls=true',
      ]) {
        const client = EventStoreDBClient.connectionString(adapterConnectionString(given));
        // (a protected getter of the client: what its appends follow)
        expect((client as unknown as { throwOnAppendFailure: boolean }).throwOnAppendFailure).toBe(true);
        await client.dispose();
      }
      expect(adapterConnectionString('esdb://h:2113?tls=false')).toBe(
        'esdb://h:2113?tls=false&throwOnAppendFailure=true',
      );
    });
  });

  describe('streams whose events the server hides', () => {
    it('a soft-deleted stream is recreated at the revision after its hidden events, with hashes for that revision', async () => {
      await store.appendToStream('s', [event(), event(), event()], { expectedRevision: 'no_stream' });
      client.softDelete('s');
      expect(await collect(store.readStream('s'))).toEqual([]);
      const again = event('Recreated');
      const result = await store.appendToStream('s', [again], { expectedRevision: 'no_stream' });
      expect(result.nextRevision).toBe(3);
      const [stored] = await collect(store.readStream('s'));
      expect(stored).toMatchObject({ id: again.id, revision: 3 });
      expect(stored.metadata.prevHash).toBeNull(); // the chain before it is hidden
      expect(verifyEventHash(stored)).toBe(true);
      await store.appendToStream('s', [event()], { expectedRevision: 3 });
      const [, next] = await collect(store.readStream('s'));
      expect(next.metadata.prevHash).toBe(stored.metadata.hash);
      expect(verifyEventHash(next)).toBe(true);
    });

    it('a stream truncated whole ($tb, $maxAge) takes no_stream instead of refusing it for ever', async () => {
      await store.appendToStream('s', [event(), event()], { expectedRevision: 'no_stream' });
      client.truncateBefore('s', 2n);
      expect(await collect(store.readStream('s'))).toEqual([]);
      const result = await store.appendToStream('s', [event('After')], { expectedRevision: 'no_stream' });
      expect(result.nextRevision).toBe(2);
      const [stored] = await collect(store.readStream('s'));
      expect(stored.revision).toBe(2);
      expect(verifyEventHash(stored)).toBe(true);
      await expect(
        store.appendToStream('s', [event()], { expectedRevision: 'no_stream' }),
      ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    });

    it('a stream truncated in part keeps its revisions and its chain', async () => {
      await store.appendToStream('s', [event(), event(), event()], { expectedRevision: 'no_stream' });
      client.truncateBefore('s', 1n);
      const visible = await collect(store.readStream('s'));
      expect(visible.map((e) => e.revision)).toEqual([1, 2]);
      await store.appendToStream('s', [event()], { expectedRevision: 2 });
      const last = (await collect(store.readStream('s'))).at(-1) as RecordedEvent;
      expect(last.revision).toBe(3);
      expect(last.metadata.prevHash).toBe(visible[1].metadata.hash);
      expect(verifyEventHash(last)).toBe(true);
    });

    it('a new stream is probed once, with an empty append that writes nothing', async () => {
      await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
      expect(client.calls.emptyAppends).toBe(1);
      await store.appendToStream('s', [event()], { expectedRevision: 0 });
      expect(client.calls.emptyAppends).toBe(1);
      expect(client.log).toHaveLength(2);
    });
  });

  describe('event ids', () => {
    it('are lower-case, as the server stores them, so an upper-case retry is idempotent and hashes verify', async () => {
      const upper = { ...event(), id: crypto.randomUUID().toUpperCase() };
      const first = await store.appendToStream('s', [upper], { expectedRevision: 'no_stream' });
      const retry = await store.appendToStream('s', [upper], { expectedRevision: 'no_stream' });
      expect(retry).toEqual(first);
      expect(client.log).toHaveLength(1);
      const [stored] = await collect(store.readStream('s'));
      expect(stored.id).toBe(upper.id.toLowerCase());
      expect(verifyEventHash(stored)).toBe(true);
      await expect(
        store.appendToStream('t', [upper, { ...upper, id: upper.id.toLowerCase() }], {
          expectedRevision: 'any',
        }),
      ).rejects.toThrow(/appears twice/);
    });
  });

  describe('server versions', () => {
    it('an event of this service read from its stream without a log position names the server version it needs', async () => {
      await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
      client.tamper(0, (e) => {
        e.position = { commit: NO_COMMIT_POSITION, prepare: e.position.prepare };
      });
      await expect(collect(store.readStream('s'))).rejects.toThrow(/22\.6 or newer/);
    });
  });

  describe("the server's MaxAppendSize", () => {
    const big = (kib: number) => event('Big', { text: 'x'.repeat(kib * 1024) });

    it('an append over it is refused, naming its size and the limit, before anything is sent', async () => {
      const error = await store.appendToStream('s', [big(1100)], { expectedRevision: 'any' }).catch((e) => e);
      expect(error).toBeInstanceOf(AppendTooLargeError);
      expect(error.message).toMatch(
        /weighs \d+ bytes, more than the server's MaxAppendSize of 1048576 bytes/,
      );
      expect(error.size).toBeGreaterThan(1_048_576);
      expect(client.calls).toEqual({ reads: 0, appends: 0, emptyAppends: 0 });
    });

    it('appendToStreams sends each write as its own append, and refuses a batch with one write over it before writing any', async () => {
      const writes = [0, 1, 2].map((i) => ({
        stream: `s-${i}`,
        events: [big(400)],
        expectedRevision: 'no_stream' as const,
      }));
      const results = await store.appendToStreams(writes); // 1.2 MiB in all: three appends
      expect(results.map((r) => r.nextRevision)).toEqual([0, 0, 0]);
      const before = client.log.length;
      await expect(
        store.appendToStreams([
          { stream: 't', events: [event()], expectedRevision: 'no_stream' },
          { stream: 'u', events: [big(600), big(600)], expectedRevision: 'no_stream' },
        ]),
      ).rejects.toBeInstanceOf(AppendTooLargeError);
      expect(client.log).toHaveLength(before);
    });

    it("a server configured lower than the adapter's option refuses with its own limit, named", async () => {
      client.maxAppendSize = 10_000;
      await expect(store.appendToStream('s', [big(20)], { expectedRevision: 'any' })).rejects.toThrow(
        /MaxAppendSize of 10000 bytes/,
      );
      expect(client.log).toHaveLength(0);
    });

    it('the option takes a cluster limit and is checked', () => {
      expect(() => new EventStoreDbEventStore(client, { maxAppendSize: 0 })).toThrow(/maxAppendSize/);
    });
  });

  describe('a leader change during an append', () => {
    it.each([
      ['NotLeader, before storing', notLeader, false],
      ['Unavailable, before storing', () => new UnavailableError(), false],
      ['NotLeader, stored but the answer lost', notLeader, true],
      ['Unavailable, stored but the answer lost', () => new UnavailableError(), true],
    ])('%s: one retry with the same ids stores the events once', async (_name, error, afterStoring) => {
      const failovers: string[] = [];
      store = new EventStoreDbEventStore(client, {
        failoverRetryDelayMs: 1,
        onFailover: (_error, stream) => failovers.push(stream),
      });
      await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
      client.failNextAppend(error(), { afterStoring });
      const batch = [event('A'), event('B')];
      const result = await store.appendToStream('s', batch, { expectedRevision: 0 });
      expect(result.nextRevision).toBe(2);
      expect(client.log.map((e) => e.type)).toEqual(['TestEvent', 'A', 'B']);
      expect(failovers).toEqual(['s']);
    });

    it('a second failure is reported, not retried again', async () => {
      store = new EventStoreDbEventStore(client, {
        failoverRetryDelayMs: 1,
        onFailover: () => client.failNextAppend(new UnavailableError(), { afterStoring: false }),
      });
      await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
      client.failNextAppend(new UnavailableError(), { afterStoring: false });
      await expect(store.appendToStream('s', [event()], { expectedRevision: 0 })).rejects.toBeInstanceOf(
        UnavailableError,
      );
      expect(client.log).toHaveLength(1);
    });
  });
});
