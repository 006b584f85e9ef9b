import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  excludeSystemEvents,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type AppendResult as ClientAppendResult,
  type Filter,
  type JSONEventData,
  type Position as ClientPosition,
  type ReadPosition,
  type ReadRevision,
  type RecordedEvent as ClientRecordedEvent,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
  EventStore,
  type AppendResult,
  type EventToAppend,
  type ExpectedRevision,
  type JsonObject,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '../event-store.js';
import { canonicalJson, computeEventHash, storedMetadata } from '../hash-chain.js';
import * as rules from '../append-rules.js';
import {
  isStreamNotFound,
  isSystemEvent,
  isWrongExpectedVersion,
  toClientPosition,
  toPosition,
  toWrongExpectedRevisionError,
} from './client-mapping.js';

/**
 * The part of `EventStoreDBClient` the adapter uses, with the client's own types: the real client satisfies
 * it, and tests fake it at this boundary.
 */
export interface EventStoreDbClientApi {
  appendToStream(
    streamName: string,
    events: JSONEventData[],
    options: { expectedRevision: AppendExpectedRevision },
  ): Promise<ClientAppendResult>;
  readStream(
    streamName: string,
    options: {
      fromRevision?: ReadRevision;
      maxCount?: number;
      direction?: typeof FORWARDS | typeof BACKWARDS;
    },
  ): AsyncIterable<ResolvedEvent>;
  /** (this client version takes no server-side filter on reads: the adapter filters what it reads) */
  readAll(options: {
    fromPosition?: ReadPosition;
    maxCount?: number;
    direction?: typeof FORWARDS | typeof BACKWARDS;
  }): AsyncIterable<AllStreamResolvedEvent>;
  subscribeToAll(options: {
    fromPosition?: ReadPosition;
    filter?: Filter;
  }): AsyncIterable<AllStreamResolvedEvent> & { unsubscribe(): Promise<void> };
  dispose(): Promise<void>;
}

export interface EventStoreDbEventStoreOptions {
  /**
   * Prepended to every stream name on the server, and `$all` is read through a server-side prefix filter:
   * several logs (or test runs) can share one cluster. Stream names in and out of the port never carry it.
   * Default: none.
   */
  streamPrefix?: string;
  /** events fetched per `$all` read request; default 500 (at least 2) */
  pageSize?: number;
  /** first delay before resubscribing after a dropped subscription; doubles up to `maxRetryDelayMs`. 100 */
  initialRetryDelayMs?: number;
  /** 5000 */
  maxRetryDelayMs?: number;
  /** how often an append re-reads and retries after losing a race to another writer; 10 */
  maxAppendAttempts?: number;
  /** told about every dropped subscription before it resubscribes (default: nothing) */
  onSubscriptionDropped?: (error: unknown, attempt: number, delayMs: number) => void;
}

type Required_ = Required<Omit<EventStoreDbEventStoreOptions, 'onSubscriptionDropped'>> &
  Pick<EventStoreDbEventStoreOptions, 'onSubscriptionDropped'>;

interface PreparedEvent {
  id: string;
  type: string;
  data: JsonObject;
  /** the canonical JSON of `data`, to compare with a stored event of the same id */
  dataJson: string;
  metadata: JsonObject;
}

/** EventStoreDB's own naming rules on top of the port's (append-rules.ts). */
const RULES = { eventStoreDbNames: true };

/**
 * The event store on EventStoreDB/KurrentDB (DESIGN §5), through `@eventstore/db-client`.
 *
 * - Appends read the stream first: that gives the previous event's hash for the hash chain, lets an
 *   idempotent retry (every id of the batch already stored, in order) answer with the stored result whatever
 *   its expected revision, and checks the expected revision with the actual one in hand. The append itself
 *   then goes to the server with the exact revision that was read, so the chain cannot fork: a writer that
 *   got in between makes the server refuse, and the append is decided again on the new state.
 * - Positions are the server's commit positions (see `client-mapping.ts`).
 * - `subscribeToAll` asks the server to leave out system events (or, with a `streamPrefix`, everything outside
 *   the prefix); `readAll` and `headPosition` cannot ask (this client's reads take no filter), so they, and the
 *   subscription again, drop such events here.
 * - A dropped subscription resubscribes from the last event it delivered, after a bounded exponential
 *   backoff, and drops what it had already delivered: consumers see no gap and no duplicate.
 *
 * Cost: an append reads its whole stream (statement streams are short). An id stored in ANOTHER stream is
 * not detected (the SQLite adapter refuses it); the server has no index by event id to ask.
 */
export class EventStoreDbEventStore extends EventStore {
  private readonly options: Required_;
  private readonly subscriptions = new Set<EventStoreDbSubscription>();
  private closed = false;

  constructor(
    private readonly client: EventStoreDbClientApi,
    options: EventStoreDbEventStoreOptions = {},
  ) {
    super();
    this.options = {
      streamPrefix: options.streamPrefix ?? '',
      pageSize: options.pageSize ?? 500,
      initialRetryDelayMs: options.initialRetryDelayMs ?? 100,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 5000,
      maxAppendAttempts: options.maxAppendAttempts ?? 10,
      onSubscriptionDropped: options.onSubscriptionDropped,
    };
    const minimums = { pageSize: 2, initialRetryDelayMs: 0, maxRetryDelayMs: 0, maxAppendAttempts: 1 };
    for (const [name, min] of Object.entries(minimums)) {
      const value = this.options[name as keyof typeof minimums];
      if (!Number.isInteger(value) || value < min) {
        throw new RangeError(
          `EventStoreDbEventStore: option ${name} must be an integer >= ${min}, got ${value}`,
        );
      }
    }
    if (this.options.streamPrefix.startsWith('$')) {
      throw new RangeError(
        'EventStoreDbEventStore: option streamPrefix must not start with $ (system streams)',
      );
    }
  }

  /**
   * Connects with a connection string: `esdb://host:2113?tls=false` for one insecure node,
   * `esdb://user:password@node1:2113,node2:2113,node3:2113?tls=true&tlsCAFile=/certs/ca.crt` for a secure
   * cluster, `esdb+discover://...` for DNS discovery. The client connects lazily, on the first request.
   */
  static connect(
    connectionString: string,
    options: EventStoreDbEventStoreOptions = {},
  ): EventStoreDbEventStore {
    if (!/^esdb(\+discover)?:\/\//.test(connectionString)) {
      throw new TypeError(
        'EventStoreDB connection string must start with esdb:// or esdb+discover://, got ' +
          JSON.stringify(connectionString.replace(/\/\/[^@/]*@/, '//***@')),
      );
    }
    const client = EventStoreDBClient.connectionString(connectionString);
    return new EventStoreDbEventStore(client, options);
  }

  override async appendToStream(
    stream: string,
    events: EventToAppend[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    this.assertOpen();
    rules.assertStreamName(stream, RULES);
    const expected = options.expectedRevision;
    rules.assertExpectedRevision(expected);
    const prepared = events.map(prepareEvent);
    rules.assertDistinctIds(stream, prepared);

    let conflict: unknown;
    for (let attempt = 0; attempt < this.options.maxAppendAttempts; attempt++) {
      const stored = await collect(this.readStream(stream));
      const retried = rules.findIdempotentRetry(stream, prepared, storedIds(stream, prepared, stored));
      if (retried) return retried;
      const last = stored.at(-1);
      const current = last?.revision ?? -1;
      rules.checkExpectedRevision(stream, expected, current);
      if (prepared.length === 0) return { nextRevision: current, position: last?.position ?? 0n };

      const data = chain(stream, prepared, current, last?.metadata.hash ?? null);
      try {
        const result = await this.client.appendToStream(this.serverName(stream), data, {
          expectedRevision: current === -1 ? NO_STREAM : BigInt(current),
        });
        const nextRevision = Number(result.nextExpectedRevision);
        return { nextRevision, position: await this.positionOf(stream, nextRevision) };
      } catch (error) {
        if (!isWrongExpectedVersion(error)) throw error;
        conflict = error; // another writer got in between: decide again on what is stored now
      }
    }
    if (isWrongExpectedVersion(conflict)) throw toWrongExpectedRevisionError(conflict, stream, expected);
    throw new Error(`stream ${stream}: append gave up after ${this.options.maxAppendAttempts} attempts`);
  }

  override async *readStream(stream: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    this.assertOpen();
    const fromRevision = options.fromRevision ?? 0;
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    assertCount('fromRevision', fromRevision);
    assertCount('maxCount', maxCount);
    if (maxCount === 0) return;
    const read = this.client.readStream(this.serverName(stream), {
      fromRevision: BigInt(fromRevision),
      maxCount,
      direction: FORWARDS,
    });
    try {
      for await (const resolved of read) {
        if (resolved.event === undefined) continue;
        yield this.toRecordedEvent(resolved.event, resolved.event.position);
      }
    } catch (error) {
      if (!isStreamNotFound(error)) throw error;
    }
  }

  override async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    this.assertOpen();
    let after = options.fromPosition ?? 0n;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    assertCount('maxCount', remaining);
    let from: ReadPosition = after === 0n ? START : toClientPosition(after);
    while (remaining > 0) {
      let received = 0;
      let lastRaw: ClientPosition | undefined;
      const page = this.client.readAll({
        fromPosition: from,
        maxCount: this.options.pageSize,
        direction: FORWARDS,
      });
      for await (const resolved of page) {
        received += 1;
        if (resolved.event === undefined) continue;
        lastRaw = resolved.event.position;
        const event = this.fromAll(resolved.event);
        if (event === undefined || event.position <= after) continue;
        after = event.position;
        yield event;
        if (--remaining === 0) return;
      }
      if (received < this.options.pageSize || lastRaw === undefined) return;
      from = lastRaw; // inclusive: the event there is dropped above as already seen
    }
  }

  override subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    const subscription = new EventStoreDbSubscription(options.fromPosition ?? 0n, {
      subscribe: (from) => this.client.subscribeToAll({ fromPosition: from, filter: this.filter() }),
      convert: (resolved) => (resolved.event === undefined ? undefined : this.fromAll(resolved.event)),
      initialDelayMs: this.options.initialRetryDelayMs,
      maxDelayMs: this.options.maxRetryDelayMs,
      onDropped: this.options.onSubscriptionDropped,
      closed: (s) => this.subscriptions.delete(s),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  /**
   * The position of the last event of this store, skipping the system events (statistics, metadata) that may
   * follow it: pages backwards from the end until it finds one.
   */
  override async headPosition(): Promise<Position> {
    this.assertOpen();
    let from: ReadPosition = END;
    for (;;) {
      let received = 0;
      let lastRaw: ClientPosition | undefined;
      const page = this.client.readAll({
        fromPosition: from,
        maxCount: this.options.pageSize,
        direction: BACKWARDS,
      });
      for await (const resolved of page) {
        received += 1;
        if (resolved.event === undefined) continue;
        lastRaw = resolved.event.position;
        const event = this.fromAll(resolved.event);
        if (event !== undefined) return event.position;
      }
      if (received < this.options.pageSize || lastRaw === undefined) return 0n;
      from = lastRaw; // backwards from an event's position reads the events before it
    }
  }

  /**
   * One backwards read of one event per stream (the server keeps each stream's head), instead of the
   * default's whole-stream reads. The other read-side capabilities are the port's defaults: `readStored`
   * computes the global chain from `$all` order, `countEventsAfter` reads at most `atMost` events,
   * `importStored` appends with exact expected revisions (the server assigns new positions), and
   * `positionAt` reads the log (there is no recorded-time index on the server: callers ask the read model's).
   */
  override async streamRevisions(streams: readonly string[]): Promise<Map<string, number>> {
    this.assertOpen();
    const revisions = new Map<string, number>();
    for (const stream of new Set(streams)) {
      rules.assertStreamName(stream, RULES);
      const read = this.client.readStream(this.serverName(stream), {
        fromRevision: END,
        maxCount: 1,
        direction: BACKWARDS,
      });
      try {
        for await (const resolved of read) {
          if (resolved.event !== undefined) revisions.set(stream, Number(resolved.event.revision));
        }
      } catch (error) {
        if (!isStreamNotFound(error)) throw error;
      }
    }
    return revisions;
  }

  /** Ends every open subscription and disposes of the client. Idempotent. */
  override async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of [...this.subscriptions]) await subscription.close();
    await this.client.dispose();
  }

  /** The position of the event at `revision` of `stream`, read back (the append result does not say it). */
  private async positionOf(stream: string, revision: number): Promise<Position> {
    for await (const event of this.readStream(stream, { fromRevision: revision, maxCount: 1 })) {
      return event.position;
    }
    throw new Error(`stream ${stream}: revision ${revision} is not readable right after its append`);
  }

  /** The server-side filter of subscriptions. */
  private filter(): Filter {
    const prefix = this.options.streamPrefix;
    return prefix === '' ? excludeSystemEvents() : streamNameFilter({ prefixes: [prefix] });
  }

  private serverName(stream: string): string {
    return this.options.streamPrefix + stream;
  }

  /** An event of `$all` as the port's, or undefined for a system event or one outside the prefix. */
  private fromAll(event: ClientRecordedEvent): RecordedEvent | undefined {
    if (isSystemEvent(event) || !event.streamId.startsWith(this.options.streamPrefix)) return undefined;
    return this.toRecordedEvent(event, event.position);
  }

  private toRecordedEvent(event: ClientRecordedEvent, position: ClientPosition | undefined): RecordedEvent {
    const where = `event ${event.id} (${event.streamId}@${event.revision})`;
    if (position === undefined) {
      throw new Error(`${where} has no log position: the adapter needs EventStoreDB 22.6 or newer`);
    }
    const data = event.data as unknown;
    const metadata = event.metadata as unknown;
    if (!isJsonObject(data) || !isJsonObject(metadata) || typeof metadata.hash !== 'string') {
      throw new TypeError(`${where} is not an event of this service (JSON data and hash-chained metadata)`);
    }
    return {
      id: event.id,
      stream: event.streamId.slice(this.options.streamPrefix.length),
      revision: Number(event.revision),
      position: toPosition(position),
      type: event.type,
      data,
      metadata: metadata as unknown as RecordedEvent['metadata'],
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('EventStoreDbEventStore is closed');
  }
}

interface SubscriptionSource {
  subscribe(from: ReadPosition): AsyncIterable<AllStreamResolvedEvent> & { unsubscribe(): Promise<void> };
  convert(resolved: AllStreamResolvedEvent): RecordedEvent | undefined;
  initialDelayMs: number;
  maxDelayMs: number;
  onDropped?: (error: unknown, attempt: number, delayMs: number) => void;
  closed(subscription: EventStoreDbSubscription): void;
}

const DONE: IteratorResult<RecordedEvent> = { done: true, value: undefined };

/**
 * A catch-up subscription to `$all` that survives drops: it remembers the position of the last event it
 * delivered and, when the server subscription errors or ends, subscribes again from that event (after
 * `initialDelayMs`, doubling up to `maxDelayMs`; the delay resets once events flow again), skipping anything
 * at or before it.
 */
export class EventStoreDbSubscription implements Subscription, AsyncIterator<RecordedEvent> {
  private isClosed = false;
  private current: { unsubscribe(): Promise<void> } | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly events: AsyncGenerator<RecordedEvent>;
  private readonly closedSignal: Promise<IteratorResult<RecordedEvent>>;
  private signalClosed!: () => void;

  constructor(
    private lastPosition: Position,
    private readonly source: SubscriptionSource,
  ) {
    this.closedSignal = new Promise((resolve) => (this.signalClosed = () => resolve(DONE)));
    this.events = this.pump();
  }

  /** The position of the last event delivered (the starting position before any). */
  get position(): Position {
    return this.lastPosition;
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this;
  }

  next(): Promise<IteratorResult<RecordedEvent>> {
    if (this.isClosed) return Promise.resolve(DONE);
    return Promise.race([this.events.next(), this.closedSignal]);
  }

  async return(): Promise<IteratorResult<RecordedEvent>> {
    await this.close();
    return DONE;
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.signalClosed();
    this.wakeUp?.();
    this.source.closed(this);
    await this.current?.unsubscribe().catch(() => undefined);
  }

  private async *pump(): AsyncGenerator<RecordedEvent> {
    let drops = 0;
    while (!this.isClosed) {
      const from: ReadPosition = this.lastPosition === 0n ? START : toClientPosition(this.lastPosition);
      let failure: unknown;
      const server = this.source.subscribe(from);
      this.current = server;
      try {
        for await (const resolved of server) {
          if (this.isClosed) return;
          const event = this.source.convert(resolved);
          if (event === undefined || event.position <= this.lastPosition) continue;
          drops = 0;
          this.lastPosition = event.position;
          yield event;
        }
      } catch (error) {
        failure = error;
      } finally {
        this.current = undefined;
        await server.unsubscribe().catch(() => undefined);
      }
      if (this.isClosed) return;
      const delay = Math.min(this.source.maxDelayMs, this.source.initialDelayMs * 2 ** drops);
      drops += 1;
      this.source.onDropped?.(failure ?? new Error('the server ended the subscription'), drops, delay);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, delay);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.wakeUp = done;
      });
      this.wakeUp = undefined;
    }
  }
}

/** The batch with metadata linked into the stream's hash chain, as the client sends it. */
function chain(
  stream: string,
  events: PreparedEvent[],
  current: number,
  previousHash: string | null,
): JSONEventData[] {
  let prevHash = previousHash;
  return events.map((event, index) => {
    const metadata = storedMetadata(event.metadata, prevHash);
    const hash = computeEventHash({
      id: event.id,
      stream,
      revision: current + 1 + index,
      type: event.type,
      data: event.data,
      metadata,
      prevHash,
    });
    prevHash = hash;
    return {
      id: event.id,
      contentType: 'application/json',
      type: event.type,
      data: event.data,
      metadata: { ...metadata, hash },
    };
  });
}

/**
 * The stored events of the stream among the batch's ids, for `findIdempotentRetry` (decided here because the
 * server only recognises a retry at the same expected revision). Only the stream is read: an id stored in
 * another stream is not found (the server has no index by event id to ask).
 */
function storedIds(
  stream: string,
  events: readonly PreparedEvent[],
  stored: readonly RecordedEvent[],
): (id: string) => rules.StoredId | undefined {
  const ids = new Set(events.map((event) => event.id));
  const byId = new Map<string, rules.StoredId>();
  for (const event of stored) {
    if (!ids.has(event.id)) continue;
    const { revision, position, type } = event;
    byId.set(event.id, { stream, revision, position, type, dataJson: canonicalJson(event.data) });
  }
  return (id) => byId.get(id);
}

/** The port's checks (append-rules.ts), then data and metadata as they will read back from the server. */
function prepareEvent(event: EventToAppend, index: number): PreparedEvent {
  const checked = rules.checkEvent(event, index, RULES);
  const where = `event ${index} (${checked.id})`;
  const data = toJsonObject(checked.data, `${where} data`);
  return {
    id: checked.id,
    type: checked.type,
    data,
    dataJson: canonicalJson(data),
    metadata: toJsonObject(checked.metadata, `${where} metadata`),
  };
}

/** The value as it reads back from the server (a JSON round trip), so the hash matches what is read. */
function toJsonObject(value: unknown, what: string): JsonObject {
  if (!isJsonObject(value)) throw new TypeError(`${what} must be a JSON object`);
  canonicalJson(value); // rejects NaN, Infinity, bigint, class instances, ...
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function assertCount(name: string, value: number): void {
  if (value !== Number.POSITIVE_INFINITY && !(Number.isSafeInteger(value) && value >= 0)) {
    throw new RangeError(`${name} must be an integer >= 0, got ${value}`);
  }
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
