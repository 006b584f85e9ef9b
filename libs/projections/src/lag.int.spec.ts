import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore, type EventStore } from '#event-store';
import { InMemoryEventStore, collect, event } from '#event-store/testing';
import { lagCountLimit, lagInEvents } from './projection-runner.js';

/** A store whose positions have gaps (as EventStoreDB's byte offsets do): every position times 1000. */
class GappedStore extends InMemoryEventStore {
  override async *readAll(options: { fromPosition?: bigint; maxCount?: number } = {}) {
    const from = (options.fromPosition ?? 0n) / 1000n;
    for await (const e of super.readAll({ fromPosition: from, maxCount: options.maxCount })) {
      yield { ...e, position: e.position * 1000n };
    }
  }
  override async headPosition() {
    return (await super.headPosition()) * 1000n;
  }
}

describe('lag in events', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'communique-lag-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const fill = async (store: EventStore, n: number) => {
    for (let i = 0; i < n; i++)
      await store.appendToStream(`s-${i}`, [event()], { expectedRevision: 'no_stream' });
  };

  it('counts the events after the checkpoint, not the distance between positions, up to a limit', async () => {
    const store = new GappedStore();
    await fill(store, 5);
    const [first] = await collect(store.readAll({ maxCount: 1 }));
    const head = await store.headPosition();
    expect(head - first.position).toBe(4000n);
    expect(await lagInEvents(store, first.position, head, 10)).toEqual({ lag: 4 });
    expect(await lagInEvents(store, first.position, head, 4)).toEqual({ lag: 4 });
    expect(await lagInEvents(store, first.position, head, 3)).toEqual({ lag: 3, lagCapped: true });
    expect(await lagInEvents(store, 0n, head, 0)).toEqual({ lag: 0, lagCapped: true });
    expect(await lagInEvents(store, head, head, 10)).toEqual({ lag: 0 });
    // a limit as large as a safe integer is still a valid bound
    expect(await lagInEvents(store, 0n, head, Number.MAX_SAFE_INTEGER)).toEqual({ lag: 5 });
  });

  it('counts far on a store that counts on an index, and stays within a GraphQL Int everywhere', async () => {
    const sqlite = SqliteEventStore.open(join(dir, 'events.db'));
    try {
      await fill(sqlite, 3);
      expect(lagCountLimit(sqlite)).toBe(1_000_000);
      expect(await lagInEvents(sqlite, 0n, await sqlite.headPosition(), lagCountLimit(sqlite))).toEqual({
        lag: 3,
      });
    } finally {
      await sqlite.close();
    }
    expect(lagCountLimit(new InMemoryEventStore())).toBe(10_000);
    expect(lagCountLimit(new InMemoryEventStore())).toBeLessThan(2 ** 31);
  });
});
