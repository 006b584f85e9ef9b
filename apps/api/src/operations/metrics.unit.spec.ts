import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { EventStoreDbEventStore } from '#event-store';
import { KurrentWireCluster, collect, event } from '#event-store/testing';
import { MAX_OPERATION_NAMES, Metrics } from './metrics.js';

describe('GraphQL operation label', () => {
  it('keeps the first distinct names and counts later ones as other', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    for (let i = 0; i < MAX_OPERATION_NAMES + 20; i++) {
      metrics.graphqlOperations.inc({
        operation: metrics.operationLabel(`op${i}`),
        type: 'query',
        outcome: 'ok',
      });
    }
    expect(metrics.operationLabel('op0')).toBe('op0');
    expect(metrics.operationLabel(`op${MAX_OPERATION_NAMES - 1}`)).toBe(`op${MAX_OPERATION_NAMES - 1}`);
    expect(metrics.operationLabel(`op${MAX_OPERATION_NAMES}`)).toBe('other');
    expect(metrics.operationLabel('anonymous')).toBe('anonymous');
    const values = (await metrics.graphqlOperations.get()).values;
    const labels = new Set(values.map((value) => value.labels.operation));
    expect(labels.size).toBe(MAX_OPERATION_NAMES + 1);
    expect(values.find((value) => value.labels.operation === 'other')?.value).toBe(20);
  });
});

describe('skipped events', () => {
  it("counts the events the store skipped as not this service's, by kind, as the store counts them", async () => {
    // the real client over the wire-level test server
    const wire = await KurrentWireCluster.start();
    const client = EventStoreDBClient.connectionString(wire.connectionString);
    const store = new EventStoreDbEventStore(EventStoreDBClient.connectionString(wire.connectionString));
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.skippedEventsSource(() => store.skippedEvents());
    expect(await metrics.registry.metrics()).not.toMatch(/skipped_events_total\{/);
    await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
    // another application's events on the same server: JSON, but no hash
    for (let i = 0; i < 2; i++) {
      await client.appendToStream('orders', jsonEvent({ type: 'X', data: {}, metadata: {} }));
    }
    await client.dispose();
    await collect(store.readAll());
    const text = await metrics.registry.metrics();
    expect(text).toContain('communique_event_store_skipped_events_total{kind="no-hash"} 2');
    // read again: the counter follows the store's count, never adds it twice
    expect(await metrics.registry.metrics()).toContain('skipped_events_total{kind="no-hash"} 2');
    await store.close();
    await wire.close();
  });
});
