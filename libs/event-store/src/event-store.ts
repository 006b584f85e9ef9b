import type { EventMetadata } from '#domain';

/** Global log position: bigint, strictly increasing, 1 for the first event ever stored. */
export type Position = bigint;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * `expectedRevision` as EventStoreDB means it: a number is the revision of the stream's last event
 * (0 for a stream holding one event); `no_stream` the stream must not exist; `stream_exists` it must;
 * `any` no check.
 */
export type ExpectedRevision = number | 'no_stream' | 'stream_exists' | 'any';

export interface EventToAppend {
  /** UUID; appending an id already stored in the stream is an idempotent no-op */
  id: string;
  type: string;
  data: object;
  /** everything but the hash chain, which the store adds */
  metadata: Omit<EventMetadata, 'prevHash' | 'hash'>;
}

export interface RecordedEvent {
  id: string;
  stream: string;
  /** 0-based revision within the stream */
  revision: number;
  position: Position;
  type: string;
  data: JsonObject;
  /**
   * with `prevHash` and `hash` set; `upcastFrom` is the stored schema version when the event was lifted to a
   * newer shape on reading (see upcasting.ts)
   */
  metadata: EventMetadata & { prevHash: string | null; hash: string; upcastFrom?: number };
}

export interface AppendResult {
  /** revision of the stream's last event after the append */
  nextRevision: number;
  /** position of the last event appended (or, for an idempotent retry, of the last matching stored event) */
  position: Position;
}

export interface ReadStreamOptions {
  fromRevision?: number;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** exclusive: events after this position; omitted means from the start */
  fromPosition?: Position;
  maxCount?: number;
}

export interface SubscribeOptions {
  /** exclusive: deliver events after this position (catch-up), then live ones */
  fromPosition?: Position;
}

/** A catch-up subscription: every event after `fromPosition` once, in order, then live events. */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

/** The wrong-expected-revision error of every adapter. `actual` is -1 when the stream does not exist. */
export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: number,
  ) {
    super(
      `stream ${stream}: expected revision ${String(expected)}, actual ${actual === -1 ? 'no stream' : actual}`,
    );
    this.name = 'WrongExpectedRevisionError';
  }
}

/**
 * An append that is not an idempotent retry although some of its event ids are already stored: only part of
 * the batch is stored, the stored events are not the batch in order at consecutive revisions, an id is stored
 * in another stream, or the batch repeats an id. Retrying will not help; the caller sent inconsistent ids.
 */
export class EventIdConflictError extends Error {
  constructor(
    readonly stream: string,
    readonly eventId: string,
    readonly reason: string,
  ) {
    super(`stream ${stream}: event id ${eventId} ${reason}`);
    this.name = 'EventIdConflictError';
  }
}

/** One write of a multi-stream append: what `appendToStream` takes, as one value. */
export interface StreamWrite {
  stream: string;
  events: EventToAppend[];
  expectedRevision: ExpectedRevision;
}

/** The event store port (DESIGN §5). An abstract class so Nest can use it as a DI token. */
export abstract class EventStore {
  abstract appendToStream(
    stream: string,
    events: EventToAppend[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult>;

  /**
   * Appends several writes in order, each with the meaning of `appendToStream` (a later write to the same
   * stream sees the earlier ones), and returns one result per write. Bulk importers use it.
   *
   * This default loops over `appendToStream`: it is NOT atomic (a failing write leaves the writes before it
   * stored). An adapter that can write the batch in one transaction overrides it so that a batch is stored
   * whole or not at all; the SQLite adapter does.
   */
  async appendToStreams(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    const results: AppendResult[] = [];
    for (const write of writes) {
      results.push(
        await this.appendToStream(write.stream, write.events, { expectedRevision: write.expectedRevision }),
      );
    }
    return results;
  }

  abstract readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  abstract readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  abstract subscribeToAll(options?: SubscribeOptions): Subscription;
  /** position of the last stored event, 0n for an empty store */
  abstract headPosition(): Promise<Position>;
  /**
   * The last position recorded at or before `recordedAt` (an ISO-8601 instant), 0n when none: the log as it
   * stood at that moment is `readAll` up to it. This default reads the log from the start; adapters override
   * it with an index lookup.
   */
  async positionAt(recordedAt: string): Promise<Position> {
    const at = Date.parse(recordedAt);
    if (Number.isNaN(at)) throw new TypeError(`recordedAt must be an ISO-8601 instant, got ${recordedAt}`);
    let found: Position = 0n;
    let floor = Number.NEGATIVE_INFINITY;
    for await (const event of this.readAll()) {
      floor = Math.max(floor, Date.parse(event.metadata.recordedAt));
      if (floor > at) break;
      found = event.position;
    }
    return found;
  }
  abstract close(): Promise<void>;
}
