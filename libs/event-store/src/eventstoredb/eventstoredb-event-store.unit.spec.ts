import {
  ANY,
  EventStoreDBClient,
  NO_STREAM,
  STREAM_EXISTS,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type Filter,
  type JSONEventData,
  type ReadPosition,
} from '@eventstore/db-client';
import { WrongExpectedRevisionError, type RecordedEvent } from '../event-store.js';
import { verifyEventHash } from '../hash-chain.js';
import { collect, event, nextWithin } from '../testing/index.js';
import { KurrentWireCluster } from '../testing/kurrent-wire-server/index.js';
import {
  fromClientCurrentRevision,
  fromClientExpectedRevision,
  toClientExpectedRevision,
  toClientPosition,
  toPosition,
  toWrongExpectedRevisionError,
} from './client-mapping.js';
import { EventStoreDbEventStore, type EventStoreDbClientApi } from './eventstoredb-event-store.js';

// The whole port contract runs over the real client and the wire-level test server, with the same small
// pages, in eventstoredb-event-store.int.spec.ts. Here: the adapter at the client boundary, with the real
// client on that server, seen through a `Tap` that records what the adapter asks of it.

/**
 * The real client, recording what the adapter asks of it (`subscriptionRequests`, `disposed`, the live
 * subscriptions), with three switches that are local stubs, as no server can be made to do them on cue:
 * `beforeAppend` (another writer gets in just before an append), `ignoreFilters` (a subscription that gets
 * no server-side filter, as a server's filter could let events through) and `subscriptionsIncludeStart` (a
 * server that re-sends the event at a subscription's start position), and `dropSubscriptions` (the live
 * subscriptions fail after n more events, as on a connection reset; a killed leader drops them over the wire
 * in eventstoredb-wire-failover.int.spec.ts and eventstoredb-server-behaviour.unit.spec.ts).
 */
class Tap implements EventStoreDbClientApi {
  readonly subscriptionRequests: { fromPosition: ReadPosition | undefined; filter: Filter | undefined }[] =
    [];
  beforeAppend: ((stream: string) => Promise<void>) | undefined;
  ignoreFilters = false;
  subscriptionsIncludeStart = false;
  disposed = false;
  private readonly live = new Set<TapSubscription>();

  constructor(readonly real: EventStoreDBClient) {}

  async appendToStream(
    stream: string,
    events: JSONEventData[],
    options: { expectedRevision: AppendExpectedRevision },
  ): ReturnType<EventStoreDbClientApi['appendToStream']> {
    const hook = this.beforeAppend;
    if (hook) {
      this.beforeAppend = undefined;
      await hook(stream);
    }
    return this.real.appendToStream(stream, events, options);
  }

  readStream(...args: Parameters<EventStoreDbClientApi['readStream']>) {
    return this.real.readStream(...args);
  }

  readAll(...args: Parameters<EventStoreDbClientApi['readAll']>) {
    return this.real.readAll(...args);
  }

  subscribeToAll(options: Parameters<EventStoreDbClientApi['subscribeToAll']>[0]) {
    this.subscriptionRequests.push({ fromPosition: options.fromPosition, filter: options.filter });
    const from = options.fromPosition;
    const first =
      this.subscriptionsIncludeStart && typeof from === 'object'
        ? collect(this.real.readAll({ fromPosition: from, maxCount: 1 })).then(([start]) => start)
        : Promise.resolve(undefined);
    const subscription = new TapSubscription(
      this.real.subscribeToAll({
        fromPosition: from,
        filter: this.ignoreFilters ? undefined : options.filter,
      }),
      first,
      () => this.live.delete(subscription),
    );
    this.live.add(subscription);
    return subscription;
  }

  /** (local stub) every live subscription fails with `error` after `after` more events */
  dropSubscriptions(error: Error, after: number): void {
    for (const subscription of this.live) subscription.failAfter(error, after);
  }

  get openSubscriptions(): number {
    return this.live.size;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const subscription of [...this.live]) await subscription.unsubscribe();
    await this.real.dispose();
  }
}

/** A real subscription that can be made to fail after n more events (`Tap.dropSubscriptions`). */
class TapSubscription implements AsyncIterable<AllStreamResolvedEvent> {
  private failure: { error: Error; remaining: number } | undefined;
  private wake: (() => void) | undefined;
  private ended = false;

  constructor(
    private readonly real: AsyncIterable<AllStreamResolvedEvent> & { unsubscribe(): Promise<void> },
    private readonly first: Promise<AllStreamResolvedEvent | undefined>,
    private readonly onEnd: () => void,
  ) {}

  failAfter(error: Error, after: number): void {
    this.failure = { error, remaining: after };
    if (after === 0) this.wake?.();
  }

  async unsubscribe(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      this.onEnd();
    }
    this.wake?.();
    await this.real.unsubscribe();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<AllStreamResolvedEvent> {
    const events = this.real[Symbol.asyncIterator]();
    try {
      const first = await this.first;
      if (first !== undefined) yield first;
      for (;;) {
        if (this.failure !== undefined && this.failure.remaining === 0) throw this.failure.error;
        if (this.ended) return;
        const woken = new Promise<'woken'>((resolve) => (this.wake = () => resolve('woken')));
        const next = await Promise.race([events.next(), woken]);
        if (next === 'woken') continue;
        if (next.done === true) return;
        if (this.failure !== undefined) this.failure.remaining -= 1;
        yield next.value;
      }
    } finally {
      await this.unsubscribe();
    }
  }
}

const systemEvent = (type = '$metadata'): JSONEventData =>
  jsonEvent({ type, data: { system: true }, metadata: {} });

describe('EventStoreDbEventStore at the client boundary', () => {
  let wire: KurrentWireCluster;
  let client: Tap;
  /** another client on the same server, for what is not this service's */
  let other: EventStoreDBClient;
  let store: EventStoreDbEventStore;
  /** the events of clients in the server's log (its own `$` records left out) */
  const ownRecords = () => wire.log.records.filter((record) => !record.stream.startsWith('$'));
  const appendNow = async (stream: string, events: JSONEventData[]) => {
    await other.appendToStream(stream, events);
  };
  const clusters: KurrentWireCluster[] = [];
  const startWire = async (options?: Parameters<typeof KurrentWireCluster.start>[0]) => {
    wire = await KurrentWireCluster.start(options);
    clusters.push(wire);
    client = new Tap(EventStoreDBClient.connectionString(wire.connectionString));
    other = EventStoreDBClient.connectionString(wire.connectionString);
    store = new EventStoreDbEventStore(client, { pageSize: 4, initialRetryDelayMs: 1, maxRetryDelayMs: 4 });
  };
  beforeEach(() => startWire());
  afterEach(async () => {
    await store.close();
    await other.dispose();
    for (const cluster of clusters.splice(0)) await cluster.close();
  });

  describe('expected revisions, both ways', () => {
    it('maps the port values to the client constants and bigint revisions', () => {
      expect(toClientExpectedRevision('any')).toBe(ANY);
      expect(toClientExpectedRevision('no_stream')).toBe(NO_STREAM);
      expect(toClientExpectedRevision('stream_exists')).toBe(STREAM_EXISTS);
      expect(toClientExpectedRevision(0)).toBe(0n);
      expect(toClientExpectedRevision(41)).toBe(41n);
    });

    it('maps the client values back, with a missing stream as -1', () => {
      expect(fromClientExpectedRevision(ANY)).toBe('any');
      expect(fromClientExpectedRevision(NO_STREAM)).toBe('no_stream');
      expect(fromClientExpectedRevision(STREAM_EXISTS)).toBe('stream_exists');
      expect(fromClientExpectedRevision(7n)).toBe(7);
      expect(fromClientCurrentRevision(NO_STREAM)).toBe(-1);
      expect(fromClientCurrentRevision(12n)).toBe(12);
      expect(() => fromClientCurrentRevision(2n ** 60n)).toThrow(/exceeds 2\^53/);
    });

    it('sends the exact revision it read, so the server guards the hash chain even for "any"', async () => {
      const sent: unknown[] = [];
      const append = client.appendToStream.bind(client);
      client.appendToStream = (name, events, options) => {
        // (an empty append is the revision probe of a stream that reads empty)
        if (events.length > 0) sent.push(options.expectedRevision);
        return append(name, events, options);
      };
      await store.appendToStream('s', [event()], { expectedRevision: 'any' });
      await store.appendToStream('s', [event(), event()], { expectedRevision: 'stream_exists' });
      await store.appendToStream('s', [event()], { expectedRevision: 2 });
      expect(sent).toEqual([NO_STREAM, 0n, 2n]);
    });
  });

  describe('conflicts', () => {
    it("translates the client's WrongExpectedVersionError into the port's error", () => {
      const clientError = new WrongExpectedVersionError(undefined, {
        streamName: 'prefix-s',
        expected: 3n,
        current: 5n,
      });
      const error = toWrongExpectedRevisionError(clientError, 's');
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect(error).toMatchObject({ stream: 's', expected: 3, actual: 5 });

      const missing = new WrongExpectedVersionError(undefined, {
        streamName: 's',
        expected: STREAM_EXISTS,
        current: NO_STREAM,
      });
      expect(toWrongExpectedRevisionError(missing, 's')).toMatchObject({
        expected: 'stream_exists',
        actual: -1,
      });
    });

    it('a writer that gets in between is seen on the retry: the stale expectation is refused with the actual revision', async () => {
      await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
      client.beforeAppend = async () => {
        await new EventStoreDbEventStore(client).appendToStream('s', [event('Other')], {
          expectedRevision: 0,
        });
      };
      const error = await store
        .appendToStream('s', [event()], { expectedRevision: 0 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect(error).toMatchObject({ stream: 's', expected: 0, actual: 1 });
      expect(ownRecords()).toHaveLength(2);
    });

    it('with "any", a writer that gets in between makes it re-read and append on top, keeping the chain', async () => {
      await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
      const other = event('Other');
      client.beforeAppend = async () => {
        await new EventStoreDbEventStore(client).appendToStream('s', [other], { expectedRevision: 0 });
      };
      const mine = event('Mine');
      const result = await store.appendToStream('s', [mine], { expectedRevision: 'any' });
      expect(result.nextRevision).toBe(2);
      const stored = await collect(store.readStream('s'));
      expect(stored.map((e) => e.id).slice(1)).toEqual([other.id, mine.id]);
      expect(stored[2].metadata.prevHash).toBe(stored[1].metadata.hash);
      expect(stored.every(verifyEventHash)).toBe(true);
    });

    it('gives up after maxAppendAttempts lost races with the translated conflict', async () => {
      const racing = new EventStoreDbEventStore(client, { maxAppendAttempts: 2 });
      const other = new EventStoreDbEventStore(client);
      let interleaved = 0;
      const append = client.appendToStream.bind(client);
      const racingAppend: typeof append = async (name, events, options) => {
        if (events.length === 0) return append(name, events, options); // the revision probe
        interleaved += 1;
        client.appendToStream = append;
        await other.appendToStream('s', [event('Other')], { expectedRevision: 'any' });
        client.appendToStream = racingAppend;
        return append(name, events, options);
      };
      client.appendToStream = racingAppend;
      const error = await racing
        .appendToStream('s', [event()], { expectedRevision: 'any' })
        .catch((e: unknown) => e);
      expect(interleaved).toBe(2);
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect(error).toMatchObject({ stream: 's', expected: 'any', actual: 1 });
    });
  });

  describe('positions', () => {
    it("takes the server's commit position, refusing positions of events in explicit transactions", () => {
      expect(toPosition({ commit: 0n, prepare: 0n })).toBe(0n);
      expect(toPosition({ commit: 1234n, prepare: 1234n })).toBe(1234n);
      const big = 2n ** 60n + 7n;
      expect(toPosition({ commit: big, prepare: big })).toBe(big);
      expect(toClientPosition(big)).toEqual({ commit: big, prepare: big });
      expect(() => toPosition({ commit: 500n, prepare: 420n })).toThrow(/explicit transactions/);
      expect(() => toPosition({ commit: -1n, prepare: -1n })).toThrow(RangeError);
    });

    it('reports bigint positions beyond 2^53 exactly, and resumes reading after one inside an append', async () => {
      await store.close();
      await other.dispose();
      await startWire({ firstPosition: 2n ** 60n });
      store = new EventStoreDbEventStore(client, { pageSize: 2 });
      const batch = [event('A'), event('B'), event('C')];
      const result = await store.appendToStream('s', batch, { expectedRevision: 'no_stream' });
      await store.appendToStream('t', [event('D')], { expectedRevision: 'no_stream' });

      const all = await collect(store.readAll());
      expect(all.map((e) => e.type)).toEqual(['A', 'B', 'C', 'D']);
      // (the server's own records come first: the first event is the server's, at or after 2^60)
      expect(all[0].position).toBe(ownRecords()[0].position);
      expect(all[0].position >= 2n ** 60n).toBe(true);
      expect(all[0].position > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
      expect(result.position).toBe(all[2].position);
      expect((await collect(store.readAll({ fromPosition: all[0].position }))).map((e) => e.type)).toEqual([
        'B',
        'C',
        'D',
      ]);
      expect(await store.headPosition()).toBe(all[3].position);
    });

    it('an idempotent retry answers with the position the first append returned', async () => {
      const batch = [event(), event()];
      const first = await store.appendToStream('s', batch, { expectedRevision: 'no_stream' });
      await store.appendToStream('s', [event()], { expectedRevision: 1 });
      expect(await store.appendToStream('s', batch, { expectedRevision: 'any' })).toEqual(first);
      expect(ownRecords()).toHaveLength(3);
    });
  });

  describe('system events', () => {
    beforeEach(async () => {
      await appendNow('$$s', [systemEvent()]);
      await store.appendToStream('s', [event('A')], { expectedRevision: 'no_stream' });
      await appendNow('$stats-127.0.0.1:2113', [systemEvent('$statsCollected')]);
      await appendNow('s', [systemEvent('$metadata')]);
      await store.appendToStream('t', [event('B')], { expectedRevision: 'no_stream' });
      await appendNow('$settings', [systemEvent('$settings')]);
    });

    it('asks the server to leave them out', async () => {
      const subscription = store.subscribeToAll();
      await nextWithin(subscription[Symbol.asyncIterator]());
      await subscription.close();
      expect(client.subscriptionRequests[0].filter).toEqual(excludeSystemEvents());
    });

    it('leaves them out of readAll, subscribeToAll and headPosition even when the server does not', async () => {
      client.ignoreFilters = true;
      const all = await collect(store.readAll());
      expect(all.map((e) => [e.stream, e.type])).toEqual([
        ['s', 'A'],
        ['t', 'B'],
      ]);
      expect(await store.headPosition()).toBe(all[1].position);

      const events = store.subscribeToAll()[Symbol.asyncIterator]();
      expect((await nextWithin(events)).type).toBe('A');
      expect((await nextWithin(events)).type).toBe('B');
      await appendNow('$$t', [systemEvent()]);
      const live = event('C');
      await store.appendToStream('t', [live], { expectedRevision: 0 });
      expect((await nextWithin(events)).id).toBe(live.id);
    });

    it('headPosition looks past more system events than one page at the end of the log', async () => {
      const last = (await collect(store.readAll())).at(-1);
      for (let i = 0; i < 10; i++) await appendNow('$stats-127.0.0.1:2113', [systemEvent('$statsCollected')]);
      expect(await store.headPosition()).toBe(last?.position);
      const empty = await KurrentWireCluster.start();
      clusters.push(empty);
      const fresh = EventStoreDbEventStore.connect(empty.connectionString);
      expect(await fresh.headPosition()).toBe(0n);
      await fresh.close();
    });

    it('a stream prefix reads only its own streams and hides the prefix', async () => {
      const prefixed = new EventStoreDbEventStore(client, { streamPrefix: 'tenant-a/' });
      await prefixed.appendToStream('s', [event('P')], { expectedRevision: 'no_stream' });
      expect(ownRecords().some((e) => e.stream === 'tenant-a/s')).toBe(true);
      const all = await collect(prefixed.readAll());
      expect(all.map((e) => [e.stream, e.type])).toEqual([['s', 'P']]);
      expect(await prefixed.headPosition()).toBe(all[0].position);
      expect(verifyEventHash(all[0])).toBe(true);
    });
  });

  describe('dropped subscriptions', () => {
    it('resubscribes from the last delivered event after a drop, losing and repeating nothing', async () => {
      const drops: [string, number, number][] = [];
      store = new EventStoreDbEventStore(client, {
        initialRetryDelayMs: 1,
        maxRetryDelayMs: 4,
        onSubscriptionDropped: (error, attempt, delay) =>
          drops.push([error instanceof Error ? error.message : String(error), attempt, delay]),
      });
      // batches of three, so the drops fall inside appends
      for (let i = 0; i < 4; i++) {
        await store.appendToStream(`s-${i}`, [event('E', { i }), event('E', { i }), event('E', { i })], {
          expectedRevision: 'no_stream',
        });
      }
      // a server that, on resubscription, sends the event at the start position again: it is not doubled
      client.subscriptionsIncludeStart = true;
      const events = store.subscribeToAll()[Symbol.asyncIterator]();
      const received: RecordedEvent[] = [];
      received.push(await nextWithin(events));
      client.dropSubscriptions(new Error('connection reset'), 4);
      for (let i = 0; i < 7; i++) received.push(await nextWithin(events));
      client.dropSubscriptions(new Error('leader changed'), 0);
      for (let i = 0; i < 4; i++) received.push(await nextWithin(events));
      const live = event('Live');
      await store.appendToStream('live', [live], { expectedRevision: 'no_stream' });
      received.push(await nextWithin(events));

      const all = await collect(store.readAll());
      expect(received.map((e) => e.id)).toEqual(all.map((e) => e.id));
      expect(received.at(-1)?.id).toBe(live.id);
      expect(drops.map(([message]) => message)).toEqual(['connection reset', 'leader changed']);
      const resumedFrom = client.subscriptionRequests.map((r) => r.fromPosition);
      expect(resumedFrom[0]).toBe('start');
      expect(resumedFrom[1]).toEqual(toClientPosition(received[4].position));
      expect(resumedFrom[2]).toEqual(toClientPosition(received[7].position));
    });

    it('backs off exponentially up to the bound while the server keeps failing', async () => {
      const delays: number[] = [];
      store = new EventStoreDbEventStore(client, {
        initialRetryDelayMs: 1,
        maxRetryDelayMs: 8,
        onSubscriptionDropped: (_error, _attempt, delay) => delays.push(delay),
      });
      let failures = 0;
      const subscribe = client.subscribeToAll.bind(client);
      client.subscribeToAll = (options) => {
        const subscription = subscribe(options);
        if (failures++ < 6) client.dropSubscriptions(new Error('unavailable'), 0);
        return subscription;
      };
      await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
      const events = store.subscribeToAll()[Symbol.asyncIterator]();
      expect((await nextWithin(events)).stream).toBe('s');
      expect(delays).toEqual([1, 2, 4, 8, 8, 8]);
    });

    it('close ends a subscription waiting to resubscribe, and unsubscribes from the server', async () => {
      store = new EventStoreDbEventStore(client, { initialRetryDelayMs: 60_000, maxRetryDelayMs: 60_000 });
      await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
      const subscription = store.subscribeToAll();
      const events = subscription[Symbol.asyncIterator]();
      await nextWithin(events);
      client.dropSubscriptions(new Error('gone'), 0);
      const pending = events.next();
      await subscription.close();
      expect(await pending).toEqual({ done: true, value: undefined });
      expect(client.openSubscriptions).toBe(0);
    });
  });

  it('refuses bad input naming the field, and stores nothing', async () => {
    const bad = { ...event(), id: 'not-a-uuid' };
    await expect(store.appendToStream('s', [bad], { expectedRevision: 'any' })).rejects.toThrow(
      /id must be a UUID/,
    );
    await expect(store.appendToStream('$s', [event()], { expectedRevision: 'any' })).rejects.toThrow(
      /must not start with \$/,
    );
    await expect(store.appendToStream('s', [event()], { expectedRevision: -1 })).rejects.toThrow(
      /expectedRevision/,
    );
    expect(ownRecords()).toHaveLength(0);
    expect(() => EventStoreDbEventStore.connect('http://user:secret@host:2113')).toThrow(
      /esdb:\/\/.*\*\*\*@host/,
    );
  });

  it('close disposes of the client', async () => {
    await store.close();
    expect(client.disposed).toBe(true);
    expect(() => store.subscribeToAll()).toThrow(/closed/);
  });
});
