/**
 * EventStoreDB/KurrentDB benchmark: append and read throughput of the adapter against a real server.
 * Not part of `npm test`. Run (after `npm run build`):
 *
 *   EVENTSTORE_CONNECTION_STRING='esdb://localhost:2113?tls=false' node dist/bench/eventstoredb.bench.js
 *
 * BENCH_ESDB_APPENDS=N sets the appends per batch size (default 200). Everything it writes goes to streams
 * under a fresh `bench-<uuid>/` prefix, so it can run against a cluster holding other data. Without
 * EVENTSTORE_CONNECTION_STRING it prints "skipped: no server" and exits 0.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { EventStoreDbEventStore, type EventToAppend } from '#event-store';

const BATCH_SIZES = [1, 10, 100];
const APPENDS = Number(process.env.BENCH_ESDB_APPENDS ?? 200);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(latenciesMs: number[], events: number, elapsedMs: number) {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    p50Ms: Number(percentile(sorted, 50).toFixed(2)),
    p99Ms: Number(percentile(sorted, 99).toFixed(2)),
    eventsPerSecond: Math.round(events / (elapsedMs / 1000)),
  };
}

function benchEvent(i: number): EventToAppend {
  const id = randomUUID();
  return {
    id,
    type: 'BenchEvent',
    data: { i, text: 'x'.repeat(200) },
    metadata: {
      recordedAt: new Date().toISOString(),
      recordedBy: 'bench',
      correlationId: id,
      causationId: id,
      schemaVersion: 1,
    },
  };
}

async function main(): Promise<void> {
  const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;
  if (!connectionString) {
    console.log('eventstoredb bench skipped: no server (set EVENTSTORE_CONNECTION_STRING)');
    return;
  }
  const store = EventStoreDbEventStore.connect(connectionString, { streamPrefix: `bench-${randomUUID()}/` });
  try {
    await store.headPosition(); // connect before measuring
    const rows: Record<string, unknown>[] = [];
    for (const size of BATCH_SIZES) {
      const streams: string[] = [];
      const appendMs: number[] = [];
      const started = performance.now();
      for (let n = 0; n < APPENDS; n++) {
        const stream = `s${size}-${n % 20}`; // 20 streams per size: appends also extend existing streams
        streams.push(stream);
        const batch = Array.from({ length: size }, (_, i) => benchEvent(i));
        const t = performance.now();
        await store.appendToStream(stream, batch, { expectedRevision: 'any' });
        appendMs.push(performance.now() - t);
      }
      rows.push({
        op: 'append',
        batch: size,
        ...summary(appendMs, size * APPENDS, performance.now() - started),
      });

      const readMs: number[] = [];
      let read = 0;
      const readStarted = performance.now();
      for (const stream of new Set(streams)) {
        const t = performance.now();
        for await (const _event of store.readStream(stream)) read += 1;
        readMs.push(performance.now() - t);
      }
      rows.push({ op: 'readStream', batch: size, ...summary(readMs, read, performance.now() - readStarted) });
    }
    const pageMs: number[] = [];
    let all = 0;
    const scanStarted = performance.now();
    let t = performance.now();
    for await (const _event of store.readAll()) {
      all += 1;
      if (all % 100 === 0) {
        pageMs.push(performance.now() - t);
        t = performance.now();
      }
    }
    rows.push({
      op: 'readAll (per 100 events)',
      batch: '-',
      ...summary(pageMs, all, performance.now() - scanStarted),
    });
    console.table(rows);
  } finally {
    await store.close();
  }
}

await main();
