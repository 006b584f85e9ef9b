import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { KurrentWireCluster, collect, event } from '#event-store/testing';
import { loadConfig } from './app-config.js';
import { openConfiguredEventStore } from './event-store-factory.js';

describe('the configured EventStoreDB store tells about skipped events', () => {
  let cluster: KurrentWireCluster;
  let other: EventStoreDBClient;
  beforeEach(async () => {
    cluster = await KurrentWireCluster.start({ systemEventEvery: 1 });
    other = EventStoreDBClient.connectionString(cluster.connectionString);
  });
  const realWrite = process.stderr.write;
  afterEach(async () => {
    process.stderr.write = realWrite;
    await other.dispose();
    await cluster.close();
  });

  const config = () =>
    loadConfig({ EVENT_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: cluster.connectionString });

  it("once per kind to its opener; by default (the CLI) on stderr, but not the server's own events", async () => {
    const written: string[] = [];
    process.stderr.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    const store = openConfiguredEventStore(config());
    try {
      await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
      for (let i = 0; i < 2; i++) {
        await other.appendToStream('orders', [
          jsonEvent({ id: randomUUID(), type: 'OrderPlaced', data: { i }, metadata: { by: 'another app' } }),
        ]);
      }
      expect(await collect(store.readAll())).toHaveLength(1);
      expect(await collect(store.readAll())).toHaveLength(1);
    } finally {
      await store.close();
      process.stderr.write = realWrite;
    }
    const lines = written.filter((line) => line.includes('skipping'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^communique: skipping events that are not this service's \(no-hash\), first: OrderPlaced in stream "orders"/,
    );
    expect(store.skippedEvents().get('no-hash')).toBe(4);
    expect(store.skippedEvents().get('system')).toBeGreaterThan(0);

    const told: [string, string][] = [];
    const api = openConfiguredEventStore(config(), {
      onEventSkipped: (message, kind) => told.push([kind, message]),
    });
    try {
      await collect(api.readAll());
    } finally {
      await api.close();
    }
    expect(told.map(([kind]) => kind).sort()).toEqual(['no-hash', 'system']);
  });
});

describe('the configured EventStoreDB store takes the cluster MaxAppendSize from EVENTSTORE_MAX_APPEND_SIZE', () => {
  let cluster: KurrentWireCluster;
  beforeEach(async () => {
    cluster = await KurrentWireCluster.start({ maxAppendSize: 2 * 1024 * 1024 });
  });
  afterEach(() => cluster.close());

  const heavy = () => event('Heavy', { text: 'x'.repeat(1_500_000) });
  const open = (env: Record<string, string> = {}) =>
    openConfiguredEventStore(
      loadConfig({
        EVENT_STORE: 'eventstoredb',
        EVENTSTORE_CONNECTION_STRING: cluster.connectionString,
        ...env,
      }),
    );

  it('by default (1 MiB) a 1.5 MB append is refused before it is sent; with 2 MiB it is stored', async () => {
    const byDefault = open();
    try {
      await expect(
        byDefault.appendToStream('s', [heavy()], { expectedRevision: 'no_stream' }),
      ).rejects.toThrow(/MaxAppendSize of 1048576 bytes/);
    } finally {
      await byDefault.close();
    }
    expect(cluster.log.records.filter((r) => r.stream === 's')).toEqual([]);

    const raised = open({ EVENTSTORE_MAX_APPEND_SIZE: String(2 * 1024 * 1024) });
    try {
      const result = await raised.appendToStream('s', [heavy()], { expectedRevision: 'no_stream' });
      expect(result.nextRevision).toBe(0);
    } finally {
      await raised.close();
    }
  });
});
