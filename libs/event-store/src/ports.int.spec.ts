import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStoreDBClient } from '@eventstore/db-client';
import { verifyLog, type StoredEvent } from './audit.js';
import {
  EventStore,
  RecordedTimeIndex,
  positionAtInstant,
  type Position,
  type ReadAllOptions,
} from './event-store.js';
import { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store.js';
import { KurrentWireCluster, type LogRecord } from './testing/kurrent-wire-server/index.js';
import { computeChainHash } from './hash-chain.js';
import { SqliteEventStore } from './sqlite-event-store.js';
import { collect, event, nextWithin } from './testing/index.js';
import { UpcastingEventStore } from './upcasting-event-store.js';
import { UpcasterRegistry } from './upcasting.js';

/*
 * The port's read-side capabilities on each adapter: the stored log with its hashes (`readStored`), the
 * restore (`importStored`), counts that are events and never position differences, stream heads, the
 * upcasting wrapper, and where an as-of instant is looked up.
 */

/** An EventStoreDB store (the real client) on a fresh wire-level test server, counting its `readAll` calls. */
class CountingEventStoreDb extends EventStoreDbEventStore {
  readAllCalls = 0;
  override readAll(options?: ReadAllOptions) {
    this.readAllCalls += 1;
    return super.readAll(options);
  }
}

const esdb = (wire: KurrentWireCluster) =>
  new CountingEventStoreDb(EventStoreDBClient.connectionString(wire.connectionString), { pageSize: 3 });

/** Changes the JSON data of the service's `n`th event in the server's log, as an edit of its files would. */
function tamperData(
  wire: KurrentWireCluster,
  n: number,
  change: (data: Record<string, unknown>) => void,
): void {
  const own = wire.log.records.filter((record) => !record.stream.startsWith('$'));
  wire.log.tamper(wire.log.records.indexOf(own[n]), (record: LogRecord) => {
    const data = JSON.parse(Buffer.from(record.data).toString('utf8')) as Record<string, unknown>;
    change(data);
    record.data = new Uint8Array(Buffer.from(JSON.stringify(data), 'utf8'));
  });
}

/** Seven events in three streams, interleaved in global order. */
async function seed(store: EventStore): Promise<void> {
  for (const [stream, revision] of [
    ['a', 0],
    ['b', 0],
    ['a', 1],
    ['c', 0],
    ['b', 1],
    ['a', 2],
    ['c', 1],
  ] as const) {
    await store.appendToStream(stream, [event('Noted', { stream, revision })], {
      expectedRevision: revision === 0 ? 'no_stream' : revision - 1,
    });
  }
}

describe('the port on each adapter', () => {
  let dir: string;
  const stores: EventStore[] = [];
  const sqlite = (name = 'events.db') => {
    const store = SqliteEventStore.open(join(dir, name));
    stores.push(store);
    return store;
  };
  const clusters: KurrentWireCluster[] = [];
  /** an EventStoreDB store on its own wire-level test server (`wire`: the server of the last one made) */
  let wire: KurrentWireCluster;
  const onWire = async () => {
    wire = await KurrentWireCluster.start();
    clusters.push(wire);
    const store = esdb(wire);
    stores.push(store);
    return store;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'communique-ports-'));
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const cluster of clusters.splice(0)) await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('readStored', () => {
    it('on EventStoreDB: canonical texts and stored hashes in $all order, the global chain computed from it', async () => {
      const store = await onWire();
      await seed(store);
      const stored = await collect(store.readStored());
      const read = await collect(store.readAll());
      expect(stored.map((e) => [e.id, e.position, e.hash])).toEqual(
        read.map((e) => [e.id, e.position, e.metadata.hash]),
      );
      let chain: string | null = null;
      for (const event of stored) {
        chain = computeChainHash(chain, event.position, event.hash);
        expect(event.chainHash).toBe(chain);
      }
      const report = await verifyLog(stored);
      expect(report.broken).toBeUndefined();
      expect(report.eventCount).toBe(7);
      expect(store.capabilities.storedChainHash).toBe(false);
      // from the middle of the log the chain before it is unknown: none is made up
      const tail = await collect(store.readStored({ fromPosition: stored[3].position }));
      expect(tail.map((e) => e.id)).toEqual(stored.slice(4).map((e) => e.id));
      expect(tail.every((e) => e.chainHash === null)).toBe(true);
    });

    it('on EventStoreDB: a stored event changed behind the store no longer matches its hash', async () => {
      const store = await onWire();
      await seed(store);
      tamperData(wire, 2, (data) => {
        data.revision = 7;
      });
      const report = await verifyLog(store.readStored());
      expect(report.broken).toMatchObject({ stream: 'a', revision: 1 });
      expect(report.broken?.reason).toContain('the content does not match its hash');
    });

    it('is the same log on SQLite and on EventStoreDB for the same appends, up to positions', async () => {
      const a = sqlite();
      const b = await onWire();
      await seed(a);
      for await (const event of a.readStored()) await b.importStored([event]);
      const [left, right] = [await collect(a.readStored()), await collect(b.readStored())];
      const content = (e: StoredEvent) => [e.id, e.stream, e.revision, e.type, e.data, e.metadata, e.hash];
      expect(right.map(content)).toEqual(left.map(content));
      expect((await verifyLog(right)).merkleRoot).toBe((await verifyLog(left)).merkleRoot);
    });
  });

  describe('importStored', () => {
    it('EventStoreDB -> SQLite keeps the gapped positions and the chain; counts stay events', async () => {
      const source = await onWire();
      await seed(source);
      const exported = await collect(source.readStored());
      const target = sqlite();
      await target.importStored(exported);
      // SQLite also hands out its derived recorded_at column (checked by the verifier, never exported)
      const stored = (await collect(target.readStored())).map(({ recordedAt: _derived, ...event }) => event);
      expect(stored).toEqual(exported);
      expect(target.capabilities.keepsImportedPositions).toBe(true);
      // positions count bytes there: the count after the first event is 6, whatever head - position is
      const head = await target.headPosition();
      expect(head - exported[0].position).toBeGreaterThan(6n);
      expect(await target.countEventsAfter(exported[0].position)).toBe(6);
      expect(await target.countEventsAfter(exported[0].position, 4)).toBe(4);
      expect(await target.countEventsAfter(head)).toBe(0);
    });

    it('SQLite -> EventStoreDB keeps ids, revisions, texts and hashes, in order, on new positions', async () => {
      const source = sqlite();
      await seed(source);
      const exported = await collect(source.readStored());
      const target = await onWire();
      await target.importStored(exported.slice(0, 3));
      await target.importStored(exported.slice(3));
      const imported = await collect(target.readStored());
      expect(imported.map((e) => [e.id, e.stream, e.revision, e.hash])).toEqual(
        exported.map((e) => [e.id, e.stream, e.revision, e.hash]),
      );
      expect(imported.map((e) => e.position)).not.toEqual(exported.map((e) => e.position));
      expect((await verifyLog(imported)).broken).toBeUndefined();
    });

    it('refuses, storing nothing of the run, an event whose hash or stream link does not check out', async () => {
      const source = sqlite();
      await seed(source);
      const exported = await collect(source.readStored());
      const target = await onWire();
      const forged = { ...exported[0], data: exported[0].data.replace('"revision":0', '"revision":5') };
      await expect(target.importStored([forged])).rejects.toThrow(
        `event ${forged.id} (stream a, revision 0): its content does not match its hash`,
      );
      // a's revision 1 without its revision 0: the link to the stream's head is missing
      await expect(target.importStored([exported[2]])).rejects.toThrow(
        "(stream a, revision 1): its prevHash does not link to the stream's stored head",
      );
      // a run whose revisions skip one
      await expect(target.importStored([exported[0], exported[5]])).rejects.toThrow(/next revision is 1/);
      expect(await target.countEventsAfter()).toBe(0);
    });
  });

  describe('countEventsAfter', () => {
    it('counts events (never bytes) on EventStoreDB, at most atMost, and refuses a bad bound', async () => {
      const store = await onWire();
      await seed(store);
      const all = await collect(store.readAll());
      expect(await store.countEventsAfter()).toBe(7);
      expect(await store.countEventsAfter(all[1].position)).toBe(5);
      expect(await store.countEventsAfter(all[1].position, 2)).toBe(2);
      expect(await store.countEventsAfter(all[6].position)).toBe(0);
      expect(await store.countEventsAfter(0n, 0)).toBe(0);
      expect(all[6].position - all[1].position).toBeGreaterThan(5n);
      await expect(store.countEventsAfter(0n, -1)).rejects.toThrow('atMost must be an integer >= 0, got -1');
      await expect(sqlite().countEventsAfter(0n, 1.5)).rejects.toThrow('atMost must be an integer >= 0');
    });
  });

  describe('streamRevisions', () => {
    it('answers the heads of the streams that exist, on SQLite and EventStoreDB; the default cannot tell', async () => {
      for (const store of [sqlite(), await onWire()]) {
        await seed(store);
        expect(await store.streamRevisions(['a', 'c', 'missing', 'a'])).toEqual(
          new Map([
            ['a', 2],
            ['c', 1],
          ]),
        );
      }
      const wrapped = new UpcastingEventStore(await onWire(), new UpcasterRegistry());
      expect(await wrapped.streamRevisions([])).toEqual(new Map());
      const minimal = Object.create(EventStore.prototype) as EventStore;
      expect(await minimal.streamRevisions(['a'])).toBeUndefined();
    });
  });

  describe('UpcastingEventStore', () => {
    const registry = () =>
      new UpcasterRegistry().register('Noted', 0, (data) => ({
        ...data,
        note: `v1 of ${String(data.text)}`,
      }));
    const old = () => {
      const e = event('Noted', { text: 'old' });
      return { ...e, metadata: { ...e.metadata, schemaVersion: 0 } };
    };

    it('lifts old events on EventStoreDB reads and subscriptions; readStored stays as stored', async () => {
      const inner = await onWire();
      const store = new UpcastingEventStore(inner, registry());
      await store.appendToStream('s', [old(), event('Noted', { text: 'new' })], {
        expectedRevision: 'no_stream',
      });
      const [lifted, current] = await collect(store.readStream('s'));
      expect(lifted.data).toEqual({ text: 'old', note: 'v1 of old' });
      expect(lifted.metadata).toMatchObject({ schemaVersion: 1, upcastFrom: 0 });
      expect(current.data).toEqual({ text: 'new' });
      expect((await collect(store.readAll()))[0].data).toEqual(lifted.data);
      const subscription = store.subscribeToAll();
      const first = await nextWithin(subscription[Symbol.asyncIterator]());
      expect(first.data).toEqual(lifted.data);
      await subscription.close();
      const [stored] = await collect(store.readStored());
      expect(stored.data).toBe('{"text":"old"}');
      expect(store.capabilities).toEqual(inner.capabilities);
      expect(await store.countEventsAfter()).toBe(2);
    });

    it('checks the stored hash before lifting: a changed old event is an error, not a laundered one', async () => {
      const store = new UpcastingEventStore(await onWire(), registry());
      await store.appendToStream('s', [old()], { expectedRevision: 'no_stream' });
      tamperData(wire, 0, (data) => {
        data.text = 'forged';
      });
      await expect(collect(store.readAll())).rejects.toThrow(/does not match its stored hash/);
    });
  });

  describe('positionAtInstant', () => {
    class FixedIndex extends RecordedTimeIndex {
      asked: string[] = [];
      constructor(private readonly position: Position) {
        super();
      }
      async positionAt(recordedAt: string): Promise<Position> {
        this.asked.push(recordedAt);
        return this.position;
      }
    }

    it('asks the outside index on EventStoreDB (no log read), the store itself on SQLite', async () => {
      const store = await onWire();
      await seed(store);
      const index = new FixedIndex(42n);
      store.readAllCalls = 0;
      expect(await positionAtInstant(store, '2026-01-01T00:00:03.000Z', index)).toBe(42n);
      expect(index.asked).toEqual(['2026-01-01T00:00:03.000Z']);
      expect(store.readAllCalls).toBe(0);
      // without an index the port's default reads the log: what the read model's index spares
      await positionAtInstant(store, '2026-01-01T00:00:03.000Z');
      expect(store.readAllCalls).toBe(1);

      const local = sqlite();
      await seed(local);
      const last = await local.headPosition();
      expect(await positionAtInstant(local, '2100-01-01T00:00:00.000Z', index)).toBe(last);
      expect(index.asked).toHaveLength(1);
    });
  });
});
