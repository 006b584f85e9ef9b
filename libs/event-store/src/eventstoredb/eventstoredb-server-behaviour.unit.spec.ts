import { Metadata } from '@grpc/grpc-js';
import {
  EventStoreDBClient,
  NotLeaderError,
  UnavailableError,
  binaryEvent,
  jsonEvent,
  type AppendExpectedRevision,
  type EventData,
  type Filter,
  type JSONEventData,
  type JSONType,
  type ReadPosition,
} from '@eventstore/db-client';
import { collect, event, nextWithin } from '../testing/index.js';
import { KurrentWireCluster } from '../testing/kurrent-wire-server/index.js';
import { NO_COMMIT_POSITION } from './client-mapping.js';
import {
  EventStoreDbEventStore,
  adapterConnectionString,
  type EventStoreDbClientApi,
  type SkippedEvent,
} from './eventstoredb-event-store.js';

/*
 * What a real server does that the adapter must live with, with the real client over the wire-level test
 * server, beside the wire tests (eventstoredb-over-wire.int.spec.ts: cancelled reads, foreign events, soft
 * delete and truncation, ids, MaxAppendSize, a killed leader, throwOnAppendFailure=false): what the adapter
 * asks of the client (the resubscription position, the one probe), an old server's positions, a `NotLeader`
 * or `Unavailable` answer to an append, a second failure.
 *
 * The client is the real one, seen through a `Tap` (below) that records what the adapter asks of it. One
 * thing is a local stub: `failNextAppend` makes the client answer one append with a given error, before or
 * after the server stored it. The wire server does kill a leader mid-append (eventstoredb-wire-failover
 * .int.spec.ts), which the client reports as `Unavailable`; a `NotLeader` answer to an append that reached the
 * leader, stored or not, is not something the server can be made to give, so these cases inject it.
 */

/** The real client on the test server, recording what the adapter asks of it. */
class Tap implements EventStoreDbClientApi {
  readonly subscriptionRequests: { fromPosition: ReadPosition | undefined; filter: Filter | undefined }[] =
    [];
  emptyAppends = 0;
  private failure: { error: Error; afterStoring: boolean } | undefined;

  constructor(readonly real: EventStoreDBClient) {}

  /** (local stub) the next append fails with `error`, before or after the server stores its events */
  failNextAppend(error: Error, options: { afterStoring: boolean }): void {
    this.failure = { error, afterStoring: options.afterStoring };
  }

  async appendToStream(
    stream: string,
    events: JSONEventData[],
    options: { expectedRevision: AppendExpectedRevision },
  ): ReturnType<EventStoreDbClientApi['appendToStream']> {
    if (events.length === 0) this.emptyAppends += 1;
    const failure = this.failure;
    if (failure !== undefined && events.length > 0) {
      this.failure = undefined;
      if (!failure.afterStoring) throw failure.error;
      await this.real.appendToStream(stream, events, options);
      throw failure.error;
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
    return this.real.subscribeToAll(options);
  }

  dispose(): Promise<void> {
    return this.real.dispose();
  }
}

const foreignJson = (data: JSONType = { other: 'application' }, metadata: JSONType = {}): JSONEventData =>
  jsonEvent({ type: 'OrderPlaced', data, metadata });

function notLeader(): NotLeaderError {
  const metadata = new Metadata();
  metadata.set('leader-endpoint-host', 'node2');
  metadata.set('leader-endpoint-port', '2113');
  return new NotLeaderError(
    Object.assign(new Error('Leader info available'), { code: 5, details: 'not leader', metadata }),
  );
}

describe('EventStoreDbEventStore against what a real server does', () => {
  let wire: KurrentWireCluster;
  let client: Tap;
  /** another application's client on the same server */
  let other: EventStoreDBClient;
  let store: EventStoreDbEventStore;
  const skippedKinds: SkippedEvent[] = [];
  /** the events of clients in the server's log (its own `$` records left out) */
  const ownRecords = () => wire.log.records.filter((record) => !record.stream.startsWith('$'));
  const appendNow = async (stream: string, events: EventData[]) => {
    await other.appendToStream(stream, events);
  };
  beforeEach(async () => {
    skippedKinds.length = 0;
    wire = await KurrentWireCluster.start();
    client = new Tap(EventStoreDBClient.connectionString(wire.connectionString));
    other = EventStoreDBClient.connectionString(wire.connectionString);
    store = new EventStoreDbEventStore(client, {
      pageSize: 4,
      initialRetryDelayMs: 1,
      maxRetryDelayMs: 4,
      failoverRetryDelayMs: 1,
      onEventSkipped: (skipped) => skippedKinds.push(skipped),
    });
  });
  afterEach(async () => {
    await store.close();
    await other.dispose();
    await wire.close();
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
      // (the server's filter lets news/ through: the subscription sees those, and the adapter skips them)
      await appendNow('orders-1', [foreignJson()]); // another application: outside the prefix
      await appendNow('news/x', [binaryEvent({ type: 'Blob', data: new Uint8Array([1, 2, 3]) })]);
      await appendNow('news/y', [foreignJson({ typed: 'in the admin UI' })]); // JSON, no hash
      await appendNow('news/z', [foreignJson(['an', 'array'], { hash: 'h' })]);
      await appendNow('$stats-127.0.0.1:2113', [foreignJson({}, {})]);
      await prefixed.appendToStream('t', [event('B')], { expectedRevision: 'no_stream' });
      await appendNow('news/y', [foreignJson({ second: true })]);

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
      // three nodes: killing the leader drops the subscription (its connection is reset)
      await store.close();
      await other.dispose();
      await wire.close();
      wire = await KurrentWireCluster.start({ nodes: 3 });
      client = new Tap(EventStoreDBClient.connectionString(wire.connectionString));
      other = EventStoreDBClient.connectionString(wire.connectionString);
      const dropped: unknown[] = [];
      store = new EventStoreDbEventStore(client, {
        initialRetryDelayMs: 1,
        maxRetryDelayMs: 4,
        onSubscriptionDropped: (error) => dropped.push(error),
      });
      await store.appendToStream('s', [event('A')], { expectedRevision: 'no_stream' });
      await appendNow('orders-1', [foreignJson()]);
      const subscription = store.subscribeToAll();
      const events = subscription[Symbol.asyncIterator]();
      expect((await nextWithin(events)).type).toBe('A');
      const b = event('B');
      await store.appendToStream('t', [b], { expectedRevision: 'no_stream' });
      expect((await nextWithin(events)).id).toBe(b.id);
      expect(dropped).toEqual([]);
      wire.kill(); // the leader: the subscription is dropped, and the client finds the new leader
      const c = event('C');
      await store.appendToStream('u', [c], { expectedRevision: 'no_stream' });
      expect((await nextWithin(events)).id).toBe(c.id);
      const resumedFrom = client.subscriptionRequests.at(-1)?.fromPosition;
      const stored = await collect(store.readAll());
      expect(resumedFrom).toEqual({ commit: stored[1].position, prepare: stored[1].position });
      await subscription.close();
    });
  });

  describe('append results', () => {
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
    it('a new stream is probed once, with an empty append that writes nothing', async () => {
      await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
      expect(client.emptyAppends).toBe(1);
      await store.appendToStream('s', [event()], { expectedRevision: 0 });
      expect(client.emptyAppends).toBe(1);
      expect(ownRecords()).toHaveLength(2);
    });
  });

  describe('server versions', () => {
    it('an event of this service read from its stream without a log position names the server version it needs', async () => {
      await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
      // a server before 22.6 sends commit position -1 (as an unsigned 64-bit number) with stream reads
      wire.log.tamper(wire.log.records.indexOf(ownRecords()[0]), (record) => {
        record.position = NO_COMMIT_POSITION;
      });
      await expect(collect(store.readStream('s'))).rejects.toThrow(/22\.6 or newer/);
    });
  });

  describe("the server's MaxAppendSize", () => {
    it('the option takes a cluster limit and is checked', () => {
      expect(() => new EventStoreDbEventStore(client, { maxAppendSize: 0 })).toThrow(/maxAppendSize/);
      expect(() => new EventStoreDbEventStore(client, { maxAppendSize: 1.5 })).toThrow(/integer/);
      expect(() => new EventStoreDbEventStore(client, { failoverRetryDelayMs: -1 })).toThrow(
        /failoverRetryDelayMs/,
      );
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
      expect(ownRecords().map((e) => e.type)).toEqual(['TestEvent', 'A', 'B']);
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
      expect(ownRecords()).toHaveLength(1);
    });
  });
});
