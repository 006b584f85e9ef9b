import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventIdConflictError, WrongExpectedRevisionError, type RecordedEvent } from './event-store.js';
import { randomUUID } from 'node:crypto';
import { LogVerifier, type StoredEvent, type VerifyReport } from './audit.js';
import { computeChainHash, verifyEventHash } from './hash-chain.js';
import { UpcasterRegistry } from './upcasting.js';
import { SqliteEventStore } from './sqlite-event-store.js';
import {
  appendInChildProcess,
  collect,
  event,
  eventStoreContract,
  eventually,
  nextWithin,
  subscriberWaits,
} from './testing/index.js';

const dir = mkdtempSync(join(tmpdir(), 'communique-event-store-'));
let fileCounter = 0;
const newFile = () => join(dir, `events-${++fileCounter}.sqlite`);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A small page size makes every contract test cross page boundaries in reads and subscriptions.
eventStoreContract('SqliteEventStore', async () => {
  const file = newFile();
  const store = SqliteEventStore.open(file, { pageSize: 4, pollIntervalMs: 20 });
  return {
    store,
    cleanup: () => store.close(),
    appendFromAnotherProcess: async (stream, events) => {
      await appendInChildProcess(file, stream, events);
    },
  };
});

describe('SqliteEventStore on a file', () => {
  const stores: SqliteEventStore[] = [];
  const open = (file: string, options?: Parameters<typeof SqliteEventStore.open>[1]) => {
    const store = SqliteEventStore.open(file, options);
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });

  it('keeps the file in WAL mode with synchronous=FULL and a busy timeout', () => {
    const file = newFile();
    expect(open(file, { busyTimeoutMs: 1234 }).pragmas()).toEqual({
      journalMode: 'wal',
      synchronous: 'FULL',
      busyTimeoutMs: 1234,
    });
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal'); // persistent, seen by every connection
    } finally {
      raw.close();
    }
  });

  it('keeps every event across a reopen, and the hash chain continues from the stored head', async () => {
    const file = newFile();
    const first = open(file);
    await first.appendToStream('s', [event('A', { n: 1 }), event('B')], { expectedRevision: 'no_stream' });
    await first.appendToStream('t', [event('C')], { expectedRevision: 'no_stream' });
    const before = await collect(first.readAll());
    await first.close();

    const reopened = open(file);
    expect(await collect(reopened.readAll())).toEqual(before);
    expect(await reopened.headPosition()).toBe(before[2].position);
    await reopened.appendToStream('s', [event('D')], { expectedRevision: 1 });
    const stream = await collect(reopened.readStream('s'));
    expect(stream[2].metadata.prevHash).toBe(stream[1].metadata.hash);
    expect(stream[2].position).toBe(before[2].position + 1n);
    expect(stream.every(verifyEventHash)).toBe(true);
  });

  it('enforces UNIQUE(stream, revision) and UNIQUE(event_id), and refuses updates and deletes', async () => {
    const file = newFile();
    const store = open(file);
    const stored = event();
    await store.appendToStream('s', [stored], { expectedRevision: 'no_stream' });
    const raw = new Database(file);
    try {
      const insert = raw.prepare(
        `INSERT INTO events (event_id, stream, revision, type, data, metadata, hash, recorded_at, chain_hash)
         VALUES (?, ?, ?, 'T', '{}', '{}', 'h', '2026-01-01T00:00:00.000Z', 'c')`,
      );
      expect(() => insert.run('another-id', 's', 0)).toThrow(
        /UNIQUE constraint failed: events.stream, events.revision/,
      );
      expect(() => insert.run(stored.id, 'other', 0)).toThrow(/UNIQUE constraint failed: events.event_id/);
      expect(() => raw.prepare(`UPDATE events SET data = '{"forged":true}'`).run()).toThrow(/append-only/);
      expect(() => raw.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    } finally {
      raw.close();
    }
    expect(await store.eventCount()).toBe(1);
  });

  it('two store instances on one file racing the same expected revision: one wins, one conflicts', async () => {
    const file = newFile();
    const a = open(file);
    const b = open(file);
    await a.appendToStream('s', [event()], { expectedRevision: 'no_stream' });

    const outcomes = await Promise.allSettled([
      a.appendToStream('s', [event()], { expectedRevision: 0 }),
      b.appendToStream('s', [event()], { expectedRevision: 0 }),
    ]);

    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = outcomes.find((o) => o.status === 'rejected');
    expect(rejected?.reason).toBeInstanceOf(WrongExpectedRevisionError);
    expect(rejected?.reason).toMatchObject({ expected: 0, actual: 1 });
    expect(await b.eventCount()).toBe(2);
  });

  it('a subscriber is woken by an append through its own store at once, not by the poll', async () => {
    const store = open(newFile(), { pollIntervalMs: 60_000 });
    const subscription = store.subscribeToAll();
    const events = subscription[Symbol.asyncIterator]();
    const next = nextWithin(events, 2000);
    await subscriberWaits();

    const written = event();
    await store.appendToStream('s', [written], { expectedRevision: 'no_stream' });

    expect((await next).id).toBe(written.id);
    await subscription.close();
  });

  it("a subscription on one instance sees another instance's appends (by polling the file)", async () => {
    const file = newFile();
    const writer = open(file);
    const reader = open(file, { pollIntervalMs: 10 });
    const subscription = reader.subscribeToAll();
    const events = subscription[Symbol.asyncIterator]();
    const next = nextWithin(events);
    await subscriberWaits();

    const written = event();
    await writer.appendToStream('s', [written], { expectedRevision: 'no_stream' });

    expect((await next).id).toBe(written.id);
    await subscription.close();
  });

  it('appends from another process and local ones contend for the file without losing or breaking anything', async () => {
    const file = newFile();
    const store = open(file, { busyTimeoutMs: 10_000 });
    const count = 300;
    const remote = Array.from({ length: count }, (_, i) => event('Remote', { i }));
    let childDone = false;
    const child = appendInChildProcess(file, 'remote', remote, { oneByOne: true }).finally(() => {
      childDone = true;
    });
    // Once the child is writing, append locally, one event per transaction, until it has exited. How finely
    // the two interleave is up to the OS and SQLite's (unfair) busy handler; what must hold is that every
    // append of both lands, in order, with intact chains, and none fails with SQLITE_BUSY.
    await eventually(async () => (await store.eventCount()) > 0, 20_000);
    let local = 0;
    while (!childDone || local === 0) {
      await store.appendToStream('local', [event('Local', { i: local })], {
        expectedRevision: local === 0 ? 'no_stream' : local - 1,
      });
      local += 1;
      await subscriberWaits(); // let the child's exit be noticed
    }
    expect(await child).toMatchObject({ nextRevision: count - 1 });

    const all = await collect(store.readAll());
    expect(all).toHaveLength(count + local);
    expectStrictlyIncreasingPositions(all);
    for (const [stream, n] of [
      ['local', local],
      ['remote', count],
    ] as const) {
      const events = all.filter((e) => e.stream === stream);
      expect(events.map((e) => e.data.i)).toEqual([...Array(n).keys()]);
      expectChain(events);
    }
  }, 30_000);

  describe('event ids', () => {
    it('rejects a batch of which only some ids are stored, storing nothing', async () => {
      const store = open(newFile());
      const stored = event();
      await store.appendToStream('s', [stored], { expectedRevision: 'no_stream' });

      await expect(store.appendToStream('s', [stored, event()], { expectedRevision: 'any' })).rejects.toThrow(
        EventIdConflictError,
      );
      expect(await store.eventCount()).toBe(1);
    });

    it('rejects stored ids replayed out of order as a retry', async () => {
      const store = open(newFile());
      const [a, b] = [event(), event()];
      await store.appendToStream('s', [a, b], { expectedRevision: 'no_stream' });
      await expect(store.appendToStream('s', [b, a], { expectedRevision: 'any' })).rejects.toThrow(
        /not right after the previous event/,
      );
    });

    it('rejects an id already stored in another stream', async () => {
      const store = open(newFile());
      const stored = event();
      await store.appendToStream('s', [stored], { expectedRevision: 'no_stream' });
      await expect(store.appendToStream('t', [stored], { expectedRevision: 'any' })).rejects.toMatchObject({
        name: 'EventIdConflictError',
        stream: 't',
        eventId: stored.id,
        message: expect.stringContaining('already stored in stream s'),
      });
    });

    it('rejects a batch that repeats an id', async () => {
      const store = open(newFile());
      const repeated = event();
      await expect(
        store.appendToStream('s', [repeated, repeated], { expectedRevision: 'no_stream' }),
      ).rejects.toThrow(/appears twice/);
      expect(await store.eventCount()).toBe(0);
    });

    it('treats a retry of a sub-run of stored events as idempotent', async () => {
      const store = open(newFile());
      const batch = [event(), event(), event()];
      await store.appendToStream('s', batch, { expectedRevision: 'no_stream' });
      const stored = await collect(store.readStream('s'));
      expect(await store.appendToStream('s', batch.slice(1), { expectedRevision: 'no_stream' })).toEqual({
        nextRevision: 2,
        position: stored[2].position,
      });
    });
    it('in one multi-stream batch, sees the ids written by its earlier writes and rolls back the whole batch', async () => {
      const store = open(newFile());
      const shared = event();
      await store.appendToStream('before', [event()], { expectedRevision: 'no_stream' });
      await expect(
        store.appendToStreams([
          { stream: 's', events: [shared, event()], expectedRevision: 'no_stream' },
          { stream: 't', events: [shared], expectedRevision: 'no_stream' },
        ]),
      ).rejects.toThrow(/already stored in stream s/);
      expect(await store.eventCount()).toBe(1);

      // a later write of the batch repeating an earlier write's events is an idempotent retry
      const [first, second] = await store.appendToStreams([
        { stream: 's', events: [shared], expectedRevision: 'no_stream' },
        { stream: 's', events: [shared], expectedRevision: 'no_stream' },
      ]);
      expect(second).toEqual(first);
      expect(await store.eventCount()).toBe(2);
    });
  });

  describe('validation', () => {
    it('rejects an empty stream name, bad expected revisions and malformed events before writing', async () => {
      const store = open(newFile());
      const bad = (stream: string, events: unknown[], expectedRevision: unknown) =>
        store.appendToStream(stream, events as never, { expectedRevision: expectedRevision as never });

      await expect(bad('', [event()], 'any')).rejects.toThrow(/stream name/);
      await expect(bad('s', [event()], -1)).rejects.toThrow(/expectedRevision/);
      await expect(bad('s', [event()], 1.5)).rejects.toThrow(/expectedRevision/);
      await expect(bad('s', [{ ...event(), id: '' }], 'any')).rejects.toThrow(/id must be non-empty/);
      await expect(bad('s', [{ ...event(), data: [1] }], 'any')).rejects.toThrow(/JSON object/);
      await expect(bad('s', [event('T', { n: Number.NaN })], 'any')).rejects.toThrow(/non-finite/);
      const badMetadata = event();
      Object.assign(badMetadata.metadata, { extra: { when: new Date(0) } });
      await expect(bad('s', [badMetadata], 'any')).rejects.toThrow(/not a plain object at \$\.extra\.when/);
      const badTime = event();
      badTime.metadata.recordedAt = 'yesterday';
      await expect(bad('s', [badTime], 'any')).rejects.toThrow(/ISO-8601/);
      expect(await store.eventCount()).toBe(0);
    });
  });

  describe('large logs', () => {
    it('reads and subscribes across many pages in order', async () => {
      const store = open(newFile(), { pageSize: 50 });
      const total = 1234;
      for (let i = 0; i < total; i += 100) {
        const batch = Array.from({ length: Math.min(100, total - i) }, (_, k) => event('E', { i: i + k }));
        await store.appendToStream(`s-${i % 3}`, batch, { expectedRevision: 'any' });
      }

      const all = await collect(store.readAll());
      expect(all.map((e) => e.data.i)).toEqual([...Array(total).keys()]);
      expect(await collect(store.readAll({ fromPosition: all[999].position, maxCount: 120 }))).toEqual(
        all.slice(1000, 1120),
      );
      const stream = await collect(store.readStream('s-0', { fromRevision: 37, maxCount: 170 }));
      expect(stream.map((e) => e.revision)).toEqual(Array.from({ length: 170 }, (_, k) => 37 + k));

      const subscription = store.subscribeToAll({ fromPosition: all[600].position });
      const received: RecordedEvent[] = [];
      for await (const e of subscription) {
        received.push(e);
        if (received.length === total - 601) break;
      }
      expect(received).toEqual(all.slice(601));
    });
  });

  describe('as-of lookups', () => {
    it('positionAt gives the last position recorded at or before an instant, never going back in time', async () => {
      const store = open(newFile());
      const at = (recordedAt: string) => {
        const e = event();
        e.metadata.recordedAt = recordedAt;
        return e;
      };
      await store.appendToStream('s', [at('2026-03-01T10:00:00Z')], { expectedRevision: 'any' }); // 1
      await store.appendToStream('s', [at('2026-03-01T12:00:00.000+02:00')], { expectedRevision: 'any' }); // 2 (10:00Z)
      await store.appendToStream('s', [at('2026-03-02T00:00:00Z')], { expectedRevision: 'any' }); // 3
      await store.appendToStream('s', [at('2026-03-01T23:00:00Z')], { expectedRevision: 'any' }); // 4, skewed clock

      expect(await store.positionAt('2026-02-28T00:00:00Z')).toBe(0n);
      expect(await store.positionAt('2026-03-01T10:00:00.000Z')).toBe(2n);
      expect(await store.positionAt('2026-03-01T23:30:00Z')).toBe(2n);
      expect(await store.positionAt('2026-03-02T00:00:00Z')).toBe(4n);
      expect(await store.eventCount()).toBe(4);
      // the event keeps the recordedAt it was given
      expect((await collect(store.readAll()))[3].metadata.recordedAt).toBe('2026-03-01T23:00:00Z');
    });
  });

  describe('closing', () => {
    it('closing the store ends its open subscriptions', async () => {
      const store = SqliteEventStore.open(newFile());
      const subscription = store.subscribeToAll();
      const pending = subscription[Symbol.asyncIterator]().next();

      await store.close();

      expect(await pending).toEqual({ done: true, value: undefined });
      await expect(store.headPosition()).rejects.toThrow(/closed/);
      await store.close(); // idempotent
    });
  });
});

function expectChain(events: RecordedEvent[]): void {
  events.forEach((e, i) => {
    expect(e.revision).toBe(i);
    expect(e.metadata.prevHash).toBe(i === 0 ? null : events[i - 1].metadata.hash);
    expect(verifyEventHash(e)).toBe(true);
  });
}

function expectStrictlyIncreasingPositions(events: RecordedEvent[]): void {
  for (let i = 1; i < events.length; i++) expect(events[i].position > events[i - 1].position).toBe(true);
}

describe('SqliteEventStore upcasting and the global chain', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const openFresh = (registry?: UpcasterRegistry): SqliteEventStore => {
    const dir = mkdtempSync(join(tmpdir(), 'communique-upcast-'));
    dirs.push(dir);
    return SqliteEventStore.open(join(dir, 'events.db'), { upcasters: registry });
  };
  const metadata = (schemaVersion: number) => ({
    recordedAt: '2026-01-01T00:00:00.000Z',
    recordedBy: 't',
    correlationId: 'c',
    causationId: 'c',
    schemaVersion,
  });

  it('reads an old event through its upcaster while the stored bytes and hash stay as stored', async () => {
    const registry = new UpcasterRegistry().register('Greeted', 0, (data) => ({
      greeting: `hello ${String(data.who)}`,
    }));
    const store = openFresh(registry);
    try {
      await store.appendToStream(
        'g',
        [{ id: 'g0', type: 'Greeted', data: { who: 'Ada' }, metadata: metadata(0) }],
        {
          expectedRevision: 'any',
        },
      );
      const [read] = await collect(store.readStream('g'));
      expect(read.data).toEqual({ greeting: 'hello Ada' });
      expect(read.metadata.upcastFrom).toBe(0);
      const [stored] = await collect(store.readStored());
      expect(stored.data).toBe('{"who":"Ada"}');
      expect(verifyLogSync([stored]).broken).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('chains every event to the one stored before it in the log, across streams', async () => {
    const store = openFresh();
    try {
      for (const stream of ['x', 'y', 'x']) {
        await store.appendToStream(
          stream,
          [{ id: randomUUID(), type: 'T', data: {}, metadata: metadata(1) }],
          {
            expectedRevision: 'any',
          },
        );
      }
      const stored = await collect(store.readStored());
      let previous: string | null = null;
      for (const event of stored) {
        expect(event.chainHash).toBe(computeChainHash(previous, event.position, event.hash));
        previous = event.chainHash;
      }
    } finally {
      await store.close();
    }
  });
});

function verifyLogSync(events: StoredEvent[]): VerifyReport {
  const verifier = new LogVerifier();
  for (const event of events) verifier.check(event);
  return verifier.report();
}

describe('SqliteEventStore schema 1 -> 2', () => {
  it('adds the global chain to a store written before it existed, and the log then verifies', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'communique-migrate-'));
    const file = join(folder, 'events.db');
    try {
      const store = SqliteEventStore.open(file);
      for (const stream of ['m1', 'm2', 'm1']) {
        await store.appendToStream(stream, [event()], { expectedRevision: 'any' });
      }
      await store.close();
      // turn the file back into what schema 1 wrote: no chain_hash column
      const raw = new Database(file);
      raw.exec(`DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;
                ALTER TABLE events DROP COLUMN chain_hash; PRAGMA user_version = 1;`);
      raw.close();

      const reopened = SqliteEventStore.open(file);
      try {
        const stored = await collect(reopened.readStored());
        expect(stored.map((e) => e.stream)).toEqual(['m1', 'm2', 'm1']);
        const report = verifyLogSync(stored);
        expect(report.broken).toBeUndefined();
        expect(report.headChainHash).toBe(stored[2].chainHash);
        await reopened.appendToStream('m2', [event()], { expectedRevision: 0 });
        expect(verifyLogSync(await collect(reopened.readStored())).broken).toBeUndefined();
      } finally {
        await reopened.close();
      }
      const check = new Database(file, { readonly: true });
      expect(check.pragma('user_version', { simple: true })).toBe(2);
      const triggers = check
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name`)
        .all();
      expect(triggers).toEqual([{ name: 'events_no_delete' }, { name: 'events_no_update' }]);
      check.close();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
