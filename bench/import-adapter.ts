/**
 * How the import scenario writes one batch of statement streams into our store. The scenario only calls
 * `ourImport`; to measure the multi-stream batch append once the port has it, point `ourImport` at
 * `appendToStreamsImport` (below, in the comment) instead of `perStreamImport`.
 */
import type { SqliteEventStore } from '#event-store';
import type { StreamBatch } from './generator.js';

export interface ImportAdapter {
  name: string;
  /** how many statements one transaction holds: 1 for one append per stream, else the batch size */
  statementsPerTransaction: (batchSize: number) => number;
  append: (store: SqliteEventStore, batch: readonly StreamBatch[]) => Promise<void>;
}

/** Today's port: one `appendToStream` (one transaction, one fsync) per statement stream. */
export const perStreamImport: ImportAdapter = {
  name: 'appendToStream per stream',
  statementsPerTransaction: () => 1,
  append: async (store, batch) => {
    for (const { stream, events } of batch) {
      await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
    }
  },
};

/*
 * The multi-stream batch append, once `appendToStreams` is on the port (one transaction per batch):
 *
 * export const appendToStreamsImport: ImportAdapter = {
 *   name: 'appendToStreams per batch',
 *   statementsPerTransaction: (batchSize) => batchSize,
 *   append: async (store, batch) => {
 *     await store.appendToStreams(
 *       batch.map(({ stream, events }) => ({ stream, events, expectedRevision: 'no_stream' as const })),
 *     );
 *   },
 * };
 */

export const ourImport: ImportAdapter = perStreamImport;
