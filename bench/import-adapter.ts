/**
 * How the import scenario writes one batch of statement streams into our store. The scenario only calls
 * `ourImport`: the multi-stream batch append, one transaction per batch, as `communique import` does;
 * `perStreamImport` (one transaction per statement) is kept for comparison.
 */
import type { SqliteEventStore } from '#event-store';
import type { StreamBatch } from './generator.js';

export interface ImportAdapter {
  name: string;
  /** how many statements one transaction holds: 1 for one append per stream, else the batch size */
  statementsPerTransaction: (batchSize: number) => number;
  append: (store: SqliteEventStore, batch: readonly StreamBatch[]) => Promise<void>;
}

/** One `appendToStream` (one transaction, one fsync) per statement stream. */
export const perStreamImport: ImportAdapter = {
  name: 'appendToStream per stream',
  statementsPerTransaction: () => 1,
  append: async (store, batch) => {
    for (const { stream, events } of batch) {
      await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
    }
  },
};

/** The multi-stream batch append, as `communique import` uses it: one transaction (one fsync) per batch. */
export const appendToStreamsImport: ImportAdapter = {
  name: 'appendToStreams per batch',
  statementsPerTransaction: (batchSize) => batchSize,
  append: async (store, batch) => {
    await store.appendToStreams(
      batch.map(({ stream, events }) => ({ stream, events, expectedRevision: 'no_stream' as const })),
    );
  },
};

export const ourImport: ImportAdapter = appendToStreamsImport;
