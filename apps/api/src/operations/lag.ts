import { SqliteEventStore, type EventStore, type Position } from '#event-store';

/**
 * How many events of the log come after `checkpoint`, counting at most `bound + 1`. On the SQLite store
 * positions are dense (1, 2, 3, ...), so it is `head - checkpoint`; on EventStoreDB positions have gaps, so
 * the events are counted with a bounded read (enough to say "more than `bound`").
 */
export async function lagInEvents(
  store: EventStore,
  checkpoint: Position,
  head: Position,
  bound: number,
): Promise<number> {
  if (head <= checkpoint) return 0;
  if (store instanceof SqliteEventStore) return Number(head - checkpoint);
  let count = 0;
  for await (const _event of store.readAll({ fromPosition: checkpoint, maxCount: bound + 1 })) count += 1;
  return count;
}
