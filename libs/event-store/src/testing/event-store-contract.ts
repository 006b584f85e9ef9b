import { randomUUID } from 'node:crypto';
import {
  EventIdConflictError,
  SerializedEventData,
  WrongExpectedRevisionError,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type RecordedEvent,
  type Subscription,
} from '../event-store.js';
import { verifyEventHash } from '../hash-chain.js';

export interface EventStoreContractFixture {
  store: EventStore;
  /** closes the store and removes whatever the fixture created */
  cleanup(): Promise<void>;
  /** appends (expected revision `any`) through a separate OS process sharing the store */
  appendFromAnotherProcess?(stream: string, events: EventToAppend[]): Promise<void>;
}

export interface EventStoreContractOptions {
  /**
   * Set to false for an adapter whose fixture cannot append from another process: the cross-process test is
   * then reported as skipped. Otherwise a fixture without `appendFromAnotherProcess` fails that test, so a
   * missing capability never passes silently.
   */
  crossProcess?: boolean;
  /**
   * Set to false for an adapter that keeps the port's default, non-atomic `appendToStreams` (a loop over
   * `appendToStream`): the all-or-nothing tests are then reported as skipped. Every other behaviour of
   * `appendToStreams` is still checked.
   */
  atomicAppendToStreams?: boolean;
}

/** How long a test waits for something that should happen promptly, before it fails. */
const DEADLINE_MS = 5000;

/**
 * The event store contract of DESIGN §5, as a jest `describe` block. Every adapter runs it:
 *
 *   eventStoreContract('SqliteEventStore', async () => ({ store, cleanup, appendFromAnotherProcess }));
 *
 * The factory is called before each test and must return an empty store.
 */
export function eventStoreContract(
  name: string,
  factory: () => Promise<EventStoreContractFixture>,
  options: EventStoreContractOptions = {},
): void {
  describe(`EventStore contract: ${name}`, () => {
    let fixture: EventStoreContractFixture;
    let store: EventStore;
    const openSubscriptions: Subscription[] = [];

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });

    afterEach(async () => {
      for (const subscription of openSubscriptions.splice(0)) await subscription.close();
      await fixture.cleanup();
    });

    const subscribe = (fromPosition?: bigint) => {
      const subscription = store.subscribeToAll(fromPosition === undefined ? {} : { fromPosition });
      openSubscriptions.push(subscription);
      return { subscription, events: subscription[Symbol.asyncIterator]() };
    };

    const append = (stream: string, events: EventToAppend[], expectedRevision: ExpectedRevision = 'any') =>
      store.appendToStream(stream, events, { expectedRevision });

    describe('appending', () => {
      it('appends to a new stream and reads the events back as written, with revisions from 0', async () => {
        const written = [event('Created', { title: 'Élysée statement', tags: ['a', 'b'] }), event('Renamed')];

        const result = await append('statement-1', written, 'no_stream');

        expect(result.nextRevision).toBe(1);
        expect(typeof result.position).toBe('bigint');
        const read = await collect(store.readStream('statement-1'));
        expect(read.map((e) => [e.id, e.stream, e.revision, e.type])).toEqual([
          [written[0].id, 'statement-1', 0, 'Created'],
          [written[1].id, 'statement-1', 1, 'Renamed'],
        ]);
        expect(read[0].data).toEqual({ title: 'Élysée statement', tags: ['a', 'b'] });
        expect(read[0].metadata).toMatchObject(written[0].metadata);
        expect(read[1].position).toBe(result.position);
      });

      it('returns the stream state and stores nothing for an empty batch', async () => {
        expect(await append('statement-1', [], 'no_stream')).toEqual({ nextRevision: -1, position: 0n });
        const { position } = await append('statement-1', [event(), event()]);
        expect(await append('statement-1', [], 1)).toEqual({ nextRevision: 1, position });
        expect(await store.headPosition()).toBe(position);
        expect(await collect(store.readAll())).toHaveLength(2);
      });

      it('numbers positions as strictly increasing bigints across streams, and reports the head', async () => {
        expect(await store.headPosition()).toBe(0n);
        const results = [];
        for (const stream of ['a', 'b', 'a', 'c', 'b'])
          results.push(await append(stream, [event(), event()]));

        const all = await collect(store.readAll());
        expect(all).toHaveLength(10);
        for (const e of all) expect(typeof e.position).toBe('bigint');
        expectStrictlyIncreasing(all.map((e) => e.position));
        expect(results.map((r) => r.position)).toEqual(
          all.filter((_, i) => i % 2 === 1).map((e) => e.position),
        );
        expect(await store.headPosition()).toBe(all[all.length - 1].position);
      });
    });

    describe('expected revision', () => {
      const rejection = async (promise: Promise<unknown>) => {
        const error = await promise.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        return error as WrongExpectedRevisionError;
      };

      it('a number: accepted when it is the revision of the last event', async () => {
        await append('s', [event(), event()], 'no_stream');
        expect((await append('s', [event()], 1)).nextRevision).toBe(2);
      });

      it('a number: rejected otherwise, with expected and actual revisions, storing nothing', async () => {
        await append('s', [event(), event()], 'no_stream');
        const head = await store.headPosition();

        const stale = await rejection(append('s', [event(), event()], 0));
        expect(stale).toMatchObject({ stream: 's', expected: 0, actual: 1 });
        const ahead = await rejection(append('s', [event()], 5));
        expect(ahead).toMatchObject({ expected: 5, actual: 1 });
        const missing = await rejection(append('missing', [event()], 0));
        expect(missing).toMatchObject({ stream: 'missing', expected: 0, actual: -1 });

        expect(await store.headPosition()).toBe(head);
        expect(await collect(store.readStream('missing'))).toEqual([]);
      });

      it("'no_stream': accepted for a new stream, rejected for an existing one", async () => {
        await append('s', [event()], 'no_stream');
        const error = await rejection(append('s', [event()], 'no_stream'));
        expect(error).toMatchObject({ stream: 's', expected: 'no_stream', actual: 0 });
        expect(await collect(store.readStream('s'))).toHaveLength(1);
      });

      it("'stream_exists': accepted for an existing stream, rejected for a new one", async () => {
        const error = await rejection(append('s', [event()], 'stream_exists'));
        expect(error).toMatchObject({ stream: 's', expected: 'stream_exists', actual: -1 });
        await append('s', [event()], 'no_stream');
        expect((await append('s', [event()], 'stream_exists')).nextRevision).toBe(1);
      });

      it("'any': accepted for a new and for an existing stream", async () => {
        expect((await append('s', [event()], 'any')).nextRevision).toBe(0);
        expect((await append('s', [event(), event()], 'any')).nextRevision).toBe(2);
      });

      it('concurrent appends expecting the same revision: exactly one wins, the others conflict', async () => {
        await append('s', [event()], 'no_stream');
        const batches = [0, 1, 2, 3].map(() => [event(), event()]);

        const outcomes = await Promise.allSettled(batches.map((batch) => append('s', batch, 0)));

        const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
        expect(won).toHaveLength(1);
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') {
            expect(outcome.reason).toBeInstanceOf(WrongExpectedRevisionError);
            expect(outcome.reason).toMatchObject({ expected: 0, actual: 2 });
          }
        }
        const stored = await collect(store.readStream('s'));
        expect(stored.map((e) => e.id).slice(1)).toEqual(batches[won[0]].map((e) => e.id));
      });

      it("concurrent appends to a new stream expecting 'no_stream': exactly one wins", async () => {
        const outcomes = await Promise.allSettled([1, 2, 3].map(() => append('s', [event()], 'no_stream')));
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        expect(await collect(store.readStream('s'))).toHaveLength(1);
      });
    });

    describe('idempotent retry', () => {
      it('appending the same event ids again succeeds with the same result and stores nothing', async () => {
        const batch = [event(), event(), event()];
        const first = await append('s', batch, 'no_stream');
        const head = await store.headPosition();

        expect(await append('s', batch, 'no_stream')).toEqual(first);

        expect(await store.headPosition()).toBe(head);
        expect(await collect(store.readAll())).toHaveLength(3);
      });

      it('succeeds whatever the expected revision, even after the stream moved on', async () => {
        const batch = [event(), event()];
        const first = await append('s', batch, 'no_stream');
        await append('s', [event()], 1);
        const head = await store.headPosition();

        for (const expected of [1, 7, 'no_stream', 'stream_exists', 'any'] as const) {
          expect(await append('s', batch, expected)).toEqual(first);
        }
        expect(await store.headPosition()).toBe(head);
      });

      it('an id stored with other data or another type is an EventIdConflictError, not a retry', async () => {
        const stored = event('Original', { n: 1 });
        await append('s', [stored], 'no_stream');
        const head = await store.headPosition();

        for (const reused of [
          { ...stored, data: { n: 2 } },
          { ...stored, type: 'Other' },
        ]) {
          const error = await append('s', [reused]).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(EventIdConflictError);
          expect(error).toMatchObject({ stream: 's', eventId: stored.id });
        }
        expect(await store.headPosition()).toBe(head);
        expect((await collect(store.readStream('s'))).map((e) => e.data)).toEqual([{ n: 1 }]);
      });

      it('a batch with some ids stored and some new is an EventIdConflictError, storing nothing', async () => {
        const stored = event();
        await append('s', [stored], 'no_stream');
        const fresh = event();

        await expect(append('s', [stored, fresh])).rejects.toBeInstanceOf(EventIdConflictError);
        expect(await collect(store.readStream('s'))).toHaveLength(1);
      });

      it('a batch naming one id twice is an EventIdConflictError, storing nothing', async () => {
        const twice = event();
        await expect(append('s', [twice, twice], 'no_stream')).rejects.toMatchObject({
          name: 'EventIdConflictError',
          eventId: twice.id,
        });
        expect(await store.headPosition()).toBe(0n);
      });
    });

    describe('appendToStreams', () => {
      const atomic = options.atomicAppendToStreams === false ? it.skip : it;

      it('appends each write in order and returns one result per write, as appendToStream would', async () => {
        await append('b', [event()]);
        const writes = [
          { stream: 'a', events: [event('A0'), event('A1')], expectedRevision: 'no_stream' as const },
          { stream: 'b', events: [event('B1')], expectedRevision: 0 },
          { stream: 'c', events: [event('C0')], expectedRevision: 'any' as const },
        ];

        const results = await store.appendToStreams(writes);

        const all = await collect(store.readAll());
        expect(all.map((e) => [e.stream, e.revision, e.type])).toEqual([
          ['b', 0, 'TestEvent'],
          ['a', 0, 'A0'],
          ['a', 1, 'A1'],
          ['b', 1, 'B1'],
          ['c', 0, 'C0'],
        ]);
        expect(results).toEqual([
          { nextRevision: 1, position: all[2].position },
          { nextRevision: 1, position: all[3].position },
          { nextRevision: 0, position: all[4].position },
        ]);
        for (const e of all) expect(verifyEventHash(e)).toBe(true);
      });

      it('a later write to the same stream sees the earlier writes of the batch', async () => {
        const results = await store.appendToStreams([
          { stream: 's', events: [event()], expectedRevision: 'no_stream' },
          { stream: 's', events: [event()], expectedRevision: 0 },
        ]);
        expect(results.map((r) => r.nextRevision)).toEqual([0, 1]);
        expect(await collect(store.readStream('s'))).toHaveLength(2);
      });

      it('an empty batch stores nothing and returns no results', async () => {
        expect(await store.appendToStreams([])).toEqual([]);
        expect(await store.headPosition()).toBe(0n);
      });

      it('repeating a whole batch is an idempotent retry: same results, nothing stored', async () => {
        const writes = [
          { stream: 'a', events: [event()], expectedRevision: 'no_stream' as const },
          { stream: 'b', events: [event(), event()], expectedRevision: 'no_stream' as const },
        ];
        const first = await store.appendToStreams(writes);
        const head = await store.headPosition();

        expect(await store.appendToStreams(writes)).toEqual(first);
        expect(await store.headPosition()).toBe(head);
      });

      atomic(
        'a wrong expected revision in one write fails the batch with the typed error and stores none of it',
        async () => {
          await append('existing', [event()]);
          const head = await store.headPosition();

          const error = await store
            .appendToStreams([
              { stream: 'new-1', events: [event(), event()], expectedRevision: 'no_stream' },
              { stream: 'new-2', events: [event()], expectedRevision: 'no_stream' },
              { stream: 'existing', events: [event()], expectedRevision: 'no_stream' },
            ])
            .then(
              () => undefined,
              (e: unknown) => e,
            );

          expect(error).toBeInstanceOf(WrongExpectedRevisionError);
          expect(error).toMatchObject({ stream: 'existing', expected: 'no_stream', actual: 0 });
          expect(await store.headPosition()).toBe(head);
          expect(await collect(store.readStream('new-1'))).toEqual([]);
          expect(await collect(store.readStream('new-2'))).toEqual([]);
        },
      );

      atomic('an event id conflict in one write stores none of the batch', async () => {
        const stored = event();
        await append('a', [stored]);
        const head = await store.headPosition();

        const error = await store
          .appendToStreams([
            { stream: 'b', events: [event()], expectedRevision: 'no_stream' },
            { stream: 'c', events: [stored], expectedRevision: 'no_stream' },
          ])
          .then(
            () => undefined,
            (e: unknown) => e,
          );

        expect(error).toBeInstanceOf(EventIdConflictError);
        expect(await store.headPosition()).toBe(head);
        expect(await collect(store.readStream('b'))).toEqual([]);
      });

      atomic('after a failed batch the same streams can be written', async () => {
        await append('existing', [event()]);
        const retry = { stream: 'fresh', events: [event()], expectedRevision: 'no_stream' as const };
        await expect(
          store.appendToStreams([retry, { stream: 'existing', events: [event()], expectedRevision: 5 }]),
        ).rejects.toBeInstanceOf(WrongExpectedRevisionError);

        const [result] = await store.appendToStreams([retry]);
        expect(result.nextRevision).toBe(0);
        expect(await collect(store.readStream('fresh'))).toHaveLength(1);
      });
    });

    describe('reading', () => {
      it('readStream reads a stream in revision order, from a revision, at most maxCount', async () => {
        for (let i = 0; i < 12; i++) await append(i % 2 === 0 ? 's' : 'other', [event('E', { i })]);
        const revisions = async (options?: { fromRevision?: number; maxCount?: number }) =>
          (await collect(store.readStream('s', options))).map((e) => [e.revision, e.data.i]);

        expect(await revisions()).toEqual([0, 1, 2, 3, 4, 5].map((r) => [r, r * 2]));
        expect(await revisions({ fromRevision: 4 })).toEqual([
          [4, 8],
          [5, 10],
        ]);
        expect(await revisions({ fromRevision: 1, maxCount: 2 })).toEqual([
          [1, 2],
          [2, 4],
        ]);
        expect(await revisions({ maxCount: 0 })).toEqual([]);
        expect(await revisions({ fromRevision: 6 })).toEqual([]);
        expect(await collect(store.readStream('missing'))).toEqual([]);
      });

      it('readAll reads every stream in global order, after fromPosition (exclusive), at most maxCount', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 23; i++) {
          const e = event('E', { i });
          ids.push(e.id);
          await append(`s-${i % 4}`, [e]);
        }
        const all = await collect(store.readAll());
        expect(all.map((e) => e.id)).toEqual(ids);

        const after = await collect(store.readAll({ fromPosition: all[9].position }));
        expect(after.map((e) => e.id)).toEqual(ids.slice(10));
        const window = await collect(store.readAll({ fromPosition: all[2].position, maxCount: 11 }));
        expect(window.map((e) => e.id)).toEqual(ids.slice(3, 14));
        expect(await collect(store.readAll({ maxCount: 1 }))).toEqual([all[0]]);
        expect(await collect(store.readAll({ fromPosition: all[22].position }))).toEqual([]);
      });
    });

    describe('hash chain', () => {
      it('links each event to the previous one in its stream, and each hash matches its content', async () => {
        await append('s', [event('A', { n: 1 }), event('B', { n: 2 })], 'no_stream');
        await append('t', [event('A', { n: 3 })], 'no_stream');
        await append('s', [event('C', { nested: { b: [1, 2], a: null } })], 1);

        for (const stream of ['s', 't']) {
          const events = await collect(store.readStream(stream));
          events.forEach((e, i) => {
            expect(e.metadata.hash).toMatch(/^[0-9a-f]{64}$/);
            expect(e.metadata.prevHash).toBe(i === 0 ? null : events[i - 1].metadata.hash);
            expect(verifyEventHash(e)).toBe(true);
          });
        }
        const hashes = (await collect(store.readAll())).map((e) => e.metadata.hash);
        expect(new Set(hashes).size).toBe(hashes.length);
      });
    });

    describe('serialised data', () => {
      it('data given as its canonical JSON (SerializedEventData) is stored as the same value would be', async () => {
        const data = { title: 'Élysée', z: [1, { b: null, a: 'x' }], n: -2.5 };
        const plain = event('Created', data);
        const serialised = { ...event('Created'), data: SerializedEventData.of(data) };
        await store.appendToStreams([
          { stream: 'plain', events: [plain], expectedRevision: 'no_stream' },
          { stream: 'serialised', events: [serialised], expectedRevision: 'no_stream' },
        ]);
        const [read] = await collect(store.readStream('serialised'));
        expect(read.data).toEqual(data);
        expect(verifyEventHash(read)).toBe(true);
        // the same id, type and serialised data again is an idempotent retry, not a conflict
        const again = { ...serialised, data: SerializedEventData.fromCanonicalJson(serialised.data.json) };
        expect(await append('serialised', [again], 'no_stream')).toEqual({
          nextRevision: 0,
          position: read.position,
        });
        // and another text under the same id is a conflict, as other data would be
        const other = { ...serialised, data: SerializedEventData.of({ ...data, n: 3 }) };
        await expect(append('serialised', [other], 'any')).rejects.toBeInstanceOf(EventIdConflictError);
      });

      it('refuses serialised data that is not a JSON object, before anything is stored', () => {
        expect(() => SerializedEventData.of([1, 2])).toThrow(/must be a JSON object/);
        expect(() => SerializedEventData.fromCanonicalJson('[1,2]')).toThrow(
          /canonical JSON of a JSON object/,
        );
        expect(() => SerializedEventData.fromCanonicalJson('')).toThrow(/canonical JSON of a JSON object/);
      });
    });

    describe('subscribeToAll', () => {
      it('catches up, then goes live with no gap and no duplicate across the hand-over', async () => {
        const streams = ['s-0', 's-1', 's-2'];
        const appendOne = async (i: number) => {
          await append(streams[i % 3], [event('E', { i })]);
        };
        const before = 20;
        const duringCatchUp = 15;
        const live = 10;
        for (let i = 0; i < before; i++) await appendOne(i);

        const { events } = subscribe(0n);
        const received: RecordedEvent[] = [];
        let appended = before;
        // Catch-up: append one more event after each of the first events received.
        while (received.length < before + duringCatchUp) {
          received.push(await nextWithin(events));
          if (appended < before + duringCatchUp) await appendOne(appended++);
        }
        // Live: the subscriber is already waiting when each event is appended.
        for (; appended < before + duringCatchUp + live; appended++) {
          const next = nextWithin(events);
          await subscriberWaits();
          await appendOne(appended);
          received.push(await next);
        }

        expect(received.map((e) => e.data.i)).toEqual([...Array(appended).keys()]);
        expect(received).toEqual(await collect(store.readAll()));
        expectStrictlyIncreasing(received.map((e) => e.position));
        // Nothing is delivered twice: the next event delivered is the next one appended.
        const next = nextWithin(events);
        await subscriberWaits();
        const sentinel = event('Sentinel');
        await append('s-0', [sentinel]);
        expect((await next).id).toBe(sentinel.id);
      });

      it('starts after the given position, and from the start when none is given', async () => {
        for (let i = 0; i < 10; i++) await append(`s-${i % 2}`, [event('E', { i })]);
        const all = await collect(store.readAll());

        const middle = subscribe(all[4].position).events;
        const fromStart = subscribe().events;
        const late = event('E', { i: 10 });
        await append('s-0', [late]);

        const fromMiddle: unknown[] = [];
        for (let i = 0; i < 6; i++) fromMiddle.push((await nextWithin(middle)).data.i);
        expect(fromMiddle).toEqual([5, 6, 7, 8, 9, 10]);
        expect((await nextWithin(fromStart)).id).toBe(all[0].id);
      });

      it('close ends a pending next() and the iteration, and nothing is delivered afterwards', async () => {
        await append('s', [event(), event()]);
        const { subscription, events } = subscribe();
        await nextWithin(events);
        await nextWithin(events);
        const pending = events.next();

        await subscription.close();

        expect(await pending).toEqual({ done: true, value: undefined });
        await append('s', [event()]);
        expect(await events.next()).toEqual({ done: true, value: undefined });
      });

      it('a for-await loop over the subscription ends when the subscription is closed', async () => {
        await append('s', [event(), event(), event()]);
        const subscription = store.subscribeToAll();
        openSubscriptions.push(subscription);
        const seen: RecordedEvent[] = [];
        const consumed = (async () => {
          for await (const e of subscription) seen.push(e);
        })();

        await eventually(() => seen.length === 3);
        await subscription.close();

        await withinDeadline(consumed, 'the for-await loop to end');
        expect(seen).toHaveLength(3);
      });

      it('breaking out of a for-await loop closes the subscription', async () => {
        await append('s', [event(), event()]);
        const subscription = store.subscribeToAll();
        openSubscriptions.push(subscription);
        for await (const e of subscription) {
          expect(e.revision).toBe(0);
          break;
        }
        expect(await subscription[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
      });

      (options.crossProcess === false ? it.skip : it)(
        'delivers an event appended by another OS process to a live subscriber',
        async () => {
          const appendFromAnotherProcess = fixture.appendFromAnotherProcess?.bind(fixture);
          if (appendFromAnotherProcess === undefined) {
            throw new Error(
              `${name}: the fixture has no appendFromAnotherProcess; pass { crossProcess: false } to skip this test`,
            );
          }
          await append('local', [event()]);
          const { events } = subscribe();
          expect((await nextWithin(events)).stream).toBe('local');
          const next = nextWithin(events, 20_000); // includes starting the other process

          const remote = event('Remote', { from: 'another process' });
          await appendFromAnotherProcess('remote', [remote]);

          const delivered = await next;
          expect(delivered).toMatchObject({ id: remote.id, stream: 'remote', revision: 0 });
          expect(delivered.data).toEqual({ from: 'another process' });
          expect(verifyEventHash(delivered)).toBe(true);
        },
        30_000,
      );
    });
  });
}

let clock = Date.parse('2026-01-01T00:00:00.000Z');

/** A test event with a fresh id and complete metadata. */
export function event(type = 'TestEvent', data: Record<string, unknown> = {}): EventToAppend {
  const id = randomUUID();
  clock += 1000;
  return {
    id,
    type,
    data,
    metadata: {
      recordedAt: new Date(clock).toISOString(),
      recordedBy: 'contract-test',
      correlationId: id,
      causationId: id,
      schemaVersion: 1,
    },
  };
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** The next event, or a failure if none arrives before the deadline (a bound, not a sleep). */
export async function nextWithin(
  events: AsyncIterator<RecordedEvent>,
  ms = DEADLINE_MS,
): Promise<RecordedEvent> {
  const result = await withinDeadline(events.next(), `an event within ${ms} ms`, ms);
  if (result.done) throw new Error('the subscription ended while an event was expected');
  return result.value;
}

export async function withinDeadline<T>(promise: Promise<T>, what: string, ms = DEADLINE_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Lets a just-requested `next()` run until it waits for new events, so that the append which follows is
 * delivered live rather than found by the request's first query. It yields to the event loop; it is not a
 * timed sleep, and the tests stay correct (only less pointed) for an adapter that needs longer to get there.
 */
export function subscriberWaits(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Polls `condition` every 5 ms until it holds, failing after the deadline. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  ms = DEADLINE_MS,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function expectStrictlyIncreasing(positions: bigint[]): void {
  for (let i = 1; i < positions.length; i++) expect(positions[i] > positions[i - 1]).toBe(true);
}
