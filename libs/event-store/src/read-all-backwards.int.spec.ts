import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStore, type ReadAllBackwardsOptions, type RecordedEvent } from './event-store.js';
import { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store.js';
import { SqliteEventStore } from './sqlite-event-store.js';
import { collect, event, InMemoryEventStore } from './testing/index.js';
import { KurrentWireCluster } from './testing/kurrent-wire-server/index.js';
import { UpcastingEventStore } from './upcasting-event-store.js';
import { UpcasterRegistry } from './upcasting.js';

/*
 * `readAllBackwards` (the audit feed paged backwards, issue 13): on every adapter, the same events as
 * `readAll`, newest first, before a position, at most `maxCount`, across the adapters' own pages.
 */

const positions = (events: RecordedEvent[]): bigint[] => events.map((e) => e.position);

async function seed(store: EventStore, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const stream = `s-${i % 3}`;
    const revision = Math.floor(i / 3);
    await store.appendToStream(stream, [event('Noted', { i })], {
      expectedRevision: revision === 0 ? 'no_stream' : revision - 1,
    });
  }
}

describe('readAllBackwards on each adapter', () => {
  let dir: string;
  const stores: EventStore[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'communique-backwards-'));
  });
  afterAll(async () => {
    for (const store of stores.splice(0)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** the port's default (forwards from the start, keeping the last ones), on an in-memory log */
  class DefaultBackwards extends InMemoryEventStore {
    override readAllBackwards(options?: ReadAllBackwardsOptions): AsyncIterable<RecordedEvent> {
      return EventStore.prototype.readAllBackwards.call(this, options);
    }
  }

  const adapters: [string, () => EventStore][] = [
    [
      'SQLite',
      () => SqliteEventStore.open(join(dir, `${Math.random().toString(36).slice(2)}.db`), { pageSize: 4 }),
    ],
    ['in memory', () => new InMemoryEventStore()],
    // EventStoreDB: over real gRPC below
    ['upcasting', () => new UpcastingEventStore(new InMemoryEventStore(), new UpcasterRegistry())],
    ['the default', () => new DefaultBackwards()],
  ];

  it.each(adapters)('%s: newest first, before a position, at most maxCount', async (_name, open) => {
    const store = open();
    stores.push(store);
    expect(await collect(store.readAllBackwards())).toEqual([]);
    await seed(store, 17);
    const all = await collect(store.readAll());
    expect(all).toHaveLength(17);
    expect(positions(await collect(store.readAllBackwards()))).toEqual(positions(all).reverse());
    expect(positions(await collect(store.readAllBackwards({ maxCount: 5 })))).toEqual(
      positions(all.slice(12)).reverse(),
    );
    const before = (all[10] as RecordedEvent).position;
    expect(positions(await collect(store.readAllBackwards({ beforePosition: before, maxCount: 7 })))).toEqual(
      positions(all.slice(3, 10)).reverse(),
    );
    expect(positions(await collect(store.readAllBackwards({ beforePosition: before })))).toEqual(
      positions(all.slice(0, 10)).reverse(),
    );
    expect(
      await collect(store.readAllBackwards({ beforePosition: (all[0] as RecordedEvent).position })),
    ).toEqual([]);
    expect(await collect(store.readAllBackwards({ maxCount: 0 }))).toEqual([]);
    await expect(collect(store.readAllBackwards({ maxCount: -1 }))).rejects.toThrow(/maxCount|atMost/);
    // the events are the ones readAll gives
    expect((await collect(store.readAllBackwards({ maxCount: 1 })))[0]).toEqual(all[16]);
  });
});

describe('readAllBackwards over real gRPC (wire-level test server)', () => {
  it('reads $all backwards in pages, skipping the server own events, as readAll does', async () => {
    const cluster = await KurrentWireCluster.start({ systemEventEvery: 3 });
    const store = EventStoreDbEventStore.connect(cluster.connectionString, { pageSize: 4 });
    try {
      expect(await collect(store.readAllBackwards())).toEqual([]); // only the server's own events so far
      await seed(store, 17);
      const all = await collect(store.readAll());
      expect(all).toHaveLength(17);
      expect(positions(await collect(store.readAllBackwards()))).toEqual(positions(all).reverse());
      expect(positions(await collect(store.readAllBackwards({ maxCount: 5 })))).toEqual(
        positions(all.slice(12)).reverse(),
      );
      expect(await collect(store.readAllBackwards({ maxCount: 0 }))).toEqual([]);
      await expect(collect(store.readAllBackwards({ maxCount: -1 }))).rejects.toThrow(/maxCount|atMost/);
      expect((await collect(store.readAllBackwards({ maxCount: 1 })))[0]).toEqual(all[16]);
      expect(cluster.openCalls).toBeLessThanOrEqual(1); // every page ended: nothing left open but BatchAppend
      const before = (all[10] as RecordedEvent).position;
      expect(
        positions(await collect(store.readAllBackwards({ beforePosition: before, maxCount: 7 }))),
      ).toEqual(positions(all.slice(3, 10)).reverse());
      expect(
        await collect(store.readAllBackwards({ beforePosition: (all[0] as RecordedEvent).position })),
      ).toEqual([]);
    } finally {
      await store.close();
      await cluster.close();
    }
  });
});
