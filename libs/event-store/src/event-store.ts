import type { EventMetadata } from '#domain';
import type { StoredEvent } from './audit.js';
import { canonicalJson, computeChainHash, computeStoredEventHash, hashVersionOf } from './hash-chain.js';

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

/**
 * Event data that its writer has serialised already, as the canonical JSON text of a JSON object (what
 * `canonicalJson` makes of it): a bulk writer serialises on another thread and hands the text down, so the
 * value is not serialised a second time on the writer's thread. Every adapter takes it wherever it takes a
 * data object (`EventToAppend.data`): stores that keep canonical JSON (SQLite) store and hash the text as
 * given; the others parse it back. The text is trusted to be canonical: make one with `of`, or with
 * `fromCanonicalJson` from text that `canonicalJson` wrote (in another thread).
 */
export class SerializedEventData {
  private constructor(readonly json: string) {}

  /** The canonical JSON of `data`, which must be a JSON object (as `canonicalJson` accepts it). */
  static of(data: object): SerializedEventData {
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw new TypeError('event data must be a JSON object');
    return new SerializedEventData(canonicalJson(data));
  }

  /** Text that `canonicalJson` made of a JSON object elsewhere (another thread); not parsed again here. */
  static fromCanonicalJson(json: string): SerializedEventData {
    if (typeof json !== 'string' || !json.startsWith('{') || !json.endsWith('}'))
      throw new TypeError('serialised event data must be the canonical JSON of a JSON object');
    return new SerializedEventData(json);
  }

  /** The data as a value (parsed from the text), for adapters that send objects. */
  value(): JsonObject {
    return JSON.parse(this.json) as JsonObject;
  }
}

export interface EventToAppend {
  /** UUID; appending an id already stored in the stream is an idempotent no-op */
  id: string;
  type: string;
  /** a JSON object, or the same already serialised (`SerializedEventData`) */
  data: object | SerializedEventData;
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

export interface ReadAllBackwardsOptions {
  /** exclusive: events before this position; omitted means from the end of the log */
  beforePosition?: Position;
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

/**
 * What an adapter can do cheaply, so that callers choose their path by asking the port, never by testing
 * the adapter's class (DESIGN §5). Every method of the port works on every adapter; these say how.
 */
export interface EventStoreCapabilities {
  /**
   * `readStored` hands out the global chain hash the store wrote with each event (SQLite `chain_hash`).
   * False: the chain is computed from the read order when the log is read from its start (EventStoreDB).
   */
  storedChainHash: boolean;
  /** `importStored` keeps the positions it is given (SQLite); false: the store assigns new ones, in order */
  keepsImportedPositions: boolean;
  /**
   * `positionAt` answers from an index of the store. False: it reads the log from the start, and a caller
   * with another recorded-time index (the read model's) should ask that one first.
   */
  indexedPositionAt: boolean;
  /** `countEventsAfter` answers from an index without reading the events (it is still bounded) */
  indexedCount: boolean;
}

/** The event store port (DESIGN §5). An abstract class so Nest can use it as a DI token. */
export abstract class EventStore {
  /** Defaults: nothing is indexed, nothing stored beyond the events. Adapters say what they do better. */
  get capabilities(): EventStoreCapabilities {
    return {
      storedChainHash: false,
      keepsImportedPositions: false,
      indexedPositionAt: false,
      indexedCount: false,
    };
  }

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

  /**
   * The log newest first: at most `maxCount` events before `beforePosition` (the auditors' feed paged
   * backwards). The adapters override it with a backward read of their own (an index range, EventStoreDB's
   * BACKWARDS read); this default, for test doubles, reads forwards from the start keeping the last ones.
   */
  async *readAllBackwards(options: ReadAllBackwardsOptions = {}): AsyncIterable<RecordedEvent> {
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    assertAtMost(maxCount);
    const kept: RecordedEvent[] = [];
    for await (const event of this.readAll()) {
      if (options.beforePosition !== undefined && event.position >= options.beforePosition) break;
      kept.push(event);
      if (kept.length > maxCount) kept.shift();
    }
    yield* kept.reverse();
  }
  abstract subscribeToAll(options?: SubscribeOptions): Subscription;
  /** position of the last stored event, 0n for an empty store */
  abstract headPosition(): Promise<Position>;

  /**
   * How many events the log holds after `after` (exclusive; 0n: the whole log), counting at most `atMost`:
   * the answer is min(actual, atMost), a safe integer whatever the adapter's positions are (EventStoreDB's
   * count bytes). Lag, progress totals and "is the store empty" ask this, never `head - checkpoint`.
   * This default reads the events (at most `atMost` of them); an adapter with an index overrides it.
   */
  async countEventsAfter(after: Position = 0n, atMost: number = Number.MAX_SAFE_INTEGER): Promise<number> {
    assertAtMost(atMost);
    let count = 0;
    if (atMost === 0) return 0;
    for await (const _event of this.readAll({ fromPosition: after, maxCount: atMost })) count += 1;
    return count;
  }

  /**
   * How many events the store read but left out because they are not this service's, by kind (an
   * EventStoreDB cluster shared with other applications, the server's own `$` events). This default: none.
   */
  skippedEvents(): ReadonlyMap<string, number> {
    return new Map();
  }

  /**
   * The current revision of each of `streams` that holds events (streams without events are absent), when
   * the store can tell without reading the streams: lets a bulk writer skip reading streams that do not exist
   * yet. This default answers undefined ("cannot tell at once: read the streams you need"); the SQLite
   * adapter answers with one query, the EventStoreDB adapter with one one-event read per stream.
   */
  async streamRevisions(_streams: readonly string[]): Promise<Map<string, number> | undefined> {
    return undefined;
  }

  /**
   * The log exactly as stored, in global order, for `audit verify` and `events export`: each event's
   * canonical `data` and `metadata` texts (metadata with `prevHash`, without `hash`), its stored hash, and
   * the global chain hash. No upcasting (an upcasting wrapper hands this through to the store it wraps).
   *
   * This default reads `readAll` and writes each event's canonical texts; since the hash is recomputed
   * from them by the verifier, a changed byte still shows. The global chain is computed from the read order
   * (`computeChainHash`) when reading from the start, and null when starting after a position (the chain
   * before it is unknown). An adapter that stores the chain (`capabilities.storedChainHash`) overrides it.
   */
  async *readStored(options: ReadAllOptions = {}): AsyncIterable<StoredEvent> {
    let chainHash: string | null = null;
    const fromStart = (options.fromPosition ?? 0n) === 0n;
    for await (const event of this.readAll(options)) {
      const { hash, upcastFrom: _upcastFrom, ...metadata } = event.metadata;
      if (fromStart) chainHash = computeChainHash(chainHash, event.position, hash);
      yield {
        id: event.id,
        stream: event.stream,
        revision: event.revision,
        position: event.position,
        type: event.type,
        data: canonicalJson(event.data),
        metadata: canonicalJson(metadata),
        hash,
        chainHash: fromStart ? chainHash : null,
      };
    }
  }

  /**
   * Stores events exactly as given (ids, streams, revisions, types, data, metadata and hashes kept; the
   * order kept), after the events already stored: the restore side of `events import`, which verifies the
   * whole file with `LogVerifier` first. Each event's revision must follow its stream's head. Positions are
   * kept where the store can (`capabilities.keepsImportedPositions`); elsewhere the store gives new ones in
   * the same order, so the Merkle root over the event hashes is unchanged.
   *
   * This default appends each run of consecutive events of one stream with the exact expected revision.
   * The hash chain is the store's to compute, so before appending it checks that the store will compute the
   * given hashes (each event's hash matches its texts, and its `prevHash` is the hash of the stream's
   * head), and after appending it reads them back. It is not atomic across runs: a failure leaves the runs
   * before it stored, and a second import of the same file continues after them.
   */
  async importStored(events: readonly StoredEvent[]): Promise<void> {
    let index = 0;
    while (index < events.length) {
      const stream = events[index].stream;
      let end = index + 1;
      while (end < events.length && events[end].stream === stream) end += 1;
      const run = events.slice(index, end);
      const first = run[0].revision;
      for (let i = 1; i < run.length; i++) {
        if (run[i].revision !== first + i) {
          throw new Error(
            `event ${run[i].id} (stream ${stream}, revision ${run[i].revision}): the stream's next revision is ${first + i}`,
          );
        }
      }
      let prevHash: string | null = null;
      if (first > 0) {
        for await (const head of this.readStream(stream, { fromRevision: first - 1, maxCount: 1 })) {
          prevHash = head.metadata.hash;
        }
      }
      for (const event of run) {
        const where = `event ${event.id} (stream ${stream}, revision ${event.revision})`;
        const metadata = JSON.parse(event.metadata) as { prevHash?: unknown };
        if (metadata.prevHash !== prevHash) {
          throw new Error(`${where}: its prevHash does not link to the stream's stored head`);
        }
        // the store writes the current hash version only: an event of an older version cannot be re-appended
        // with its hash kept (the check after appending names it)
        const version = hashVersionOf(metadata);
        if (version === undefined)
          throw new Error(`${where}: its metadata.hashVersion is not a known version`);
        const hash = computeStoredEventHash(
          version,
          event.id,
          stream,
          event.revision,
          event.type,
          event.data,
          event.metadata,
          prevHash,
        );
        if (hash !== event.hash) throw new Error(`${where}: its content does not match its hash`);
        prevHash = hash;
      }
      const toAppend = run.map((event): EventToAppend => {
        const { prevHash: _prevHash, ...metadata } = JSON.parse(event.metadata) as Record<string, unknown>;
        return {
          id: event.id,
          type: event.type,
          data: JSON.parse(event.data) as object,
          metadata: metadata as EventToAppend['metadata'],
        };
      });
      await this.appendToStream(stream, toAppend, {
        expectedRevision: first === 0 ? 'no_stream' : first - 1,
      });
      let i = 0;
      for await (const stored of this.readStream(stream, { fromRevision: first, maxCount: run.length })) {
        if (stored.id !== run[i].id || stored.metadata.hash !== run[i].hash) {
          throw new Error(
            `event ${run[i].id} (stream ${stream}, revision ${run[i].revision}): the store computed hash ` +
              `${stored.metadata.hash} for it, not the imported ${run[i].hash}`,
          );
        }
        i += 1;
      }
      index = end;
    }
  }

  /**
   * The last position recorded at or before `recordedAt` (an ISO-8601 instant), 0n when none: the log as it
   * stood at that moment is `readAll` up to it. This default reads the log from the start
   * (`capabilities.indexedPositionAt` false); adapters with an index override it, and callers that keep
   * their own recorded-time index (the read model's) ask that one when the store has none.
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

function assertAtMost(atMost: number): void {
  if (!(Number.isSafeInteger(atMost) && atMost >= 0)) {
    throw new RangeError(`atMost must be an integer >= 0, got ${atMost}`);
  }
}

/**
 * A recorded-time → position index kept outside the store: the read model's as-of index (DESIGN §6), which
 * the projection fills as it applies events. An abstract class so Nest can use it as an (optional) DI token.
 */
export abstract class RecordedTimeIndex {
  /** as `EventStore.positionAt`, for the positions the index has seen */
  abstract positionAt(recordedAt: string): Promise<Position>;
}

/**
 * Where an `asOf` instant lies in the log: the store's own answer when it has an index
 * (`capabilities.indexedPositionAt`), else the outside `index` when there is one, so that no adapter reads
 * its whole log for an as-of query; the store's reading default only when neither exists.
 */
export function positionAtInstant(
  store: EventStore,
  recordedAt: string,
  index?: RecordedTimeIndex,
): Promise<Position> {
  if (store.capabilities.indexedPositionAt || index === undefined) return store.positionAt(recordedAt);
  return index.positionAt(recordedAt);
}
