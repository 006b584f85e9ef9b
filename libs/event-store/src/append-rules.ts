import { canonicalJson } from './hash-chain.js';
import {
  EventIdConflictError,
  SerializedEventData,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventToAppend,
  type ExpectedRevision,
  type Position,
} from './event-store.js';

/**
 * The append rules of the event store port (DESIGN §5), written once and used by every adapter (SQLite,
 * EventStoreDB, the in-memory test double): what a stream name and an expected revision may be, how an
 * event is checked before it is stored, when a repeated append is an idempotent retry, and when ids that are
 * already stored make it an `EventIdConflictError`. The adapters keep only what is theirs: where the stored
 * ids and stream heads come from, and how the events are serialised and written.
 */

/** What an adapter adds to the common rules. */
export interface AppendRuleOptions {
  /**
   * EventStoreDB keeps `$`-names for itself (system streams and event types) and takes only UUID event ids;
   * an adapter on it sets this so that such an append fails before it reaches the server.
   */
  eventStoreDbNames?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function assertStreamName(stream: string, options: AppendRuleOptions = {}): void {
  if (typeof stream !== 'string' || stream.trim() === '') {
    throw new TypeError('stream name must be a non-empty string');
  }
  if (options.eventStoreDbNames && stream.startsWith('$'))
    throw new TypeError(`stream name must not start with $ (system streams): ${stream}`);
}

export function assertExpectedRevision(expected: ExpectedRevision): void {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return;
  throw new RangeError(
    `expectedRevision must be a revision (integer >= 0), 'no_stream', 'stream_exists' or 'any', got ${String(expected)}`,
  );
}

/** Throws `WrongExpectedRevisionError` unless `expected` holds for a stream whose last revision is `current` (-1: none). */
export function checkExpectedRevision(stream: string, expected: ExpectedRevision, current: number): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === -1) ||
    (expected === 'stream_exists' && current !== -1) ||
    expected === current;
  if (!ok) throw new WrongExpectedRevisionError(stream, expected, current);
}

/**
 * An event checked once, before any adapter work: a non-empty id (a UUID on EventStoreDB), a non-empty type,
 * data that is a JSON object, metadata whose `recordedAt` is an ISO-8601 instant (returned normalised, for the
 * adapters' recorded-time index) and without the hash-chain members, which the store sets.
 */
export interface CheckedEvent {
  id: string;
  type: string;
  /** a JSON object, or its canonical JSON (read it with `canonicalDataJson` or `dataValue`) */
  data: object | SerializedEventData;
  /** the caller's metadata without `prevHash` and `hash` */
  metadata: Record<string, unknown>;
  /** `metadata.recordedAt` as `Date.toISOString()` writes it */
  recordedAt: string;
}

export function checkEvent(
  event: EventToAppend,
  index: number,
  options: AppendRuleOptions = {},
): CheckedEvent {
  const where = `event ${index}`;
  if (options.eventStoreDbNames) {
    if (typeof event.id !== 'string' || !UUID.test(event.id)) {
      throw new TypeError(`${where}: id must be a UUID (EventStoreDB requires it), got ${String(event.id)}`);
    }
  } else if (typeof event.id !== 'string' || event.id === '') {
    throw new TypeError(`${where}: id must be non-empty`);
  }
  if (typeof event.type !== 'string' || event.type === '') {
    throw new TypeError(`${where} (${event.id}): type must be a non-empty string`);
  }
  if (options.eventStoreDbNames && event.type.startsWith('$')) {
    throw new TypeError(`${where} (${event.id}): type must be a non-empty string not starting with $`);
  }
  if (!isPlainObject(event.data)) throw new TypeError(`${where} (${event.id}) data must be a JSON object`);
  if (!isPlainObject(event.metadata)) {
    throw new TypeError(`${where} (${event.id}) metadata must be a JSON object`);
  }
  const { prevHash: _prevHash, hash: _hash, ...metadata } = event.metadata as Record<string, unknown>;
  const recordedAt = event.metadata.recordedAt;
  const millis = typeof recordedAt === 'string' ? Date.parse(recordedAt) : Number.NaN;
  if (Number.isNaN(millis)) {
    throw new TypeError(
      `${where} (${event.id}) metadata.recordedAt must be an ISO-8601 instant, got ${String(recordedAt)}`,
    );
  }
  return {
    id: event.id,
    type: event.type,
    data: event.data,
    metadata,
    recordedAt: new Date(millis).toISOString(),
  };
}

/** The canonical JSON of a checked event's data: the caller's text when it serialised it already. */
export function canonicalDataJson(data: object | SerializedEventData): string {
  return data instanceof SerializedEventData ? data.json : canonicalJson(data);
}

/** A checked event's data as a value: parsed from the caller's text when it serialised it already. */
export function dataValue(data: object | SerializedEventData): object {
  return data instanceof SerializedEventData ? data.value() : data;
}

/** Throws `EventIdConflictError` when a batch names one event id twice. */
export function assertDistinctIds(stream: string, events: readonly { id: string }[]): void {
  const seen = new Set<string>();
  for (const event of events) {
    if (seen.has(event.id)) throw new EventIdConflictError(stream, event.id, 'appears twice in the batch');
    seen.add(event.id);
  }
}

/**
 * Where an event id is stored, as an adapter finds it (by id over the whole log, or only in the stream
 * appended to where the store has no index by id), with the stored event's type and the canonical JSON of
 * its data, to tell a retry from a different event under a reused id.
 */
export interface StoredId {
  stream: string;
  revision: number;
  position: Position;
  type: string;
  dataJson: string;
}

/** An event of the batch as `findIdempotentRetry` compares it: `dataJson` is its data's canonical JSON. */
export interface AppendedId {
  id: string;
  type: string;
  dataJson: string;
}

/**
 * EventStoreDB's idempotent retry: when every id of the batch is already stored in this stream, with the
 * same type and data, in batch order at consecutive revisions, the append succeeds with the stored result
 * whatever its expected revision and stores nothing. Any other overlap with stored ids is an
 * `EventIdConflictError`: an id stored in another stream or with other content, part of the batch stored,
 * or stored out of order. Undefined when none of the batch's ids is stored (an ordinary append). Metadata is
 * not compared: the store sets part of it.
 */
export function findIdempotentRetry(
  stream: string,
  events: readonly AppendedId[],
  stored: (id: string) => StoredId | undefined,
): AppendResult | undefined {
  const found: StoredId[] = [];
  let missing: string | undefined;
  for (const event of events) {
    const row = stored(event.id);
    if (row === undefined) {
      missing ??= event.id;
      continue;
    }
    if (row.stream !== stream) {
      throw new EventIdConflictError(stream, event.id, `is already stored in stream ${row.stream}`);
    }
    if (row.type !== event.type || row.dataJson !== event.dataJson) {
      throw new EventIdConflictError(
        stream,
        event.id,
        `is already stored at revision ${row.revision} with another type or data: not an idempotent retry`,
      );
    }
    found.push(row);
  }
  if (found.length === 0) return undefined;
  if (missing !== undefined) {
    throw new EventIdConflictError(
      stream,
      missing,
      `is new but ${found.length} other event(s) of the batch are already stored: not an idempotent retry`,
    );
  }
  for (let i = 1; i < found.length; i++) {
    if (found[i].revision !== found[i - 1].revision + 1) {
      throw new EventIdConflictError(
        stream,
        events[i].id,
        'is stored, but not right after the previous event of the batch: not an idempotent retry',
      );
    }
  }
  const last = found[found.length - 1];
  return { nextRevision: last.revision, position: last.position };
}

function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
