import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
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
  type ReadAllBackwardsOptions,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type StreamWrite,
  type Subscription,
  WrongExpectedRevisionError,
} from '../event-store.js';
import { canonicalJson, computeEventHash, storedMetadata } from '../hash-chain.js';
import * as rules from '../append-rules.js';
import {
  NO_COMMIT_POSITION,
  canonicalEventId,
  fromClientCurrentRevision,
  isLeaderChange,
  isMaxAppendSizeExceeded,
  isStreamDeleted,
  isStreamNotFound,
  isSystemEvent,
  isWrongExpectedVersion,
  toClientPosition,
  toPosition,
  toWrongExpectedRevisionError,
} from './client-mapping.js';

/** A read as the client returns it: iterable, and cancellable, which closes its HTTP/2 stream. */
export type ClientRead<T> = AsyncIterable<T> & { cancel(): Promise<void> };

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
  ): ClientRead<ResolvedEvent>;
  /** (this client version takes no server-side filter on reads: the adapter filters what it reads) */
  readAll(options: {
    fromPosition?: ReadPosition;
    maxCount?: number;
    direction?: typeof FORWARDS | typeof BACKWARDS;
  }): ClientRead<AllStreamResolvedEvent>;
  subscribeToAll(options: {
    fromPosition?: ReadPosition;
    filter?: Filter;
  }): AsyncIterable<AllStreamResolvedEvent> & { unsubscribe(): Promise<void> };
  dispose(): Promise<void>;
}

/**
 * Why an event the server handed out is not one of this service's, and is skipped (counted, never an error):
 * - `system`: a `$` stream or `$` event type (statistics, metadata, projections, scavenges);
 * - `outside-prefix`: a stream outside this store's `streamPrefix` (another deployment on the cluster);
 * - `not-json`: its data is not a JSON object (binary, malformed JSON, an array);
 * - `no-hash`: JSON, but its metadata has no `hash` (written by another application or the admin UI);
 * - `legacy-transaction`: written inside an explicit transaction of the legacy TCP API, so it shares its
 *   commit position with other events (this service never writes such events).
 */
export type SkippedEventKind = 'system' | 'outside-prefix' | 'not-json' | 'no-hash' | 'legacy-transaction';

export const SKIPPED_EVENT_KINDS: readonly SkippedEventKind[] = [
  'system',
  'outside-prefix',
  'not-json',
  'no-hash',
  'legacy-transaction',
];

/** Where a skipped event was, for the one log line per kind. */
export interface SkippedEvent {
  kind: SkippedEventKind;
  stream: string;
  id: string;
  type: string;
  revision: bigint;
}

/** KurrentDB's default `MaxAppendSize`: 1 MiB. */
export const DEFAULT_MAX_APPEND_SIZE = 1_048_576;

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
  /**
   * The server's `MaxAppendSize` in bytes (KurrentDB's default, 1 MiB, unless the cluster sets another):
   * an append whose events weigh more is refused before anything is sent. Measured as the server measures:
   * data bytes + metadata bytes + 2 bytes per character of the event type, summed over the append.
   */
  maxAppendSize?: number;
  /**
   * Wait before the one retry of an append or a read that met a leader change (`NotLeader`/`Unavailable`),
   * so the client has reconnected to the new leader; 250 ms.
   */
  failoverRetryDelayMs?: number;
  /** told about every dropped subscription before it resubscribes (default: nothing) */
  onSubscriptionDropped?: (error: unknown, attempt: number, delayMs: number) => void;
  /**
   * told the first time events of a kind are skipped (once per kind for the store's life; every skip is
   * counted in `skippedEvents()`); default: nothing
   */
  onEventSkipped?: (skipped: SkippedEvent) => void;
  /**
   * told before the one retry of an append or a read after a leader change, with the stream (`$all` for a
   * read of the log) and what was tried (default: nothing)
   */
  onFailover?: (error: unknown, stream: string, operation: 'append' | 'read') => void;
}

type Callbacks = 'onSubscriptionDropped' | 'onEventSkipped' | 'onFailover';
type Required_ = Required<Omit<EventStoreDbEventStoreOptions, Callbacks>> &
  Pick<EventStoreDbEventStoreOptions, Callbacks>;

interface PreparedEvent {
  /** lower-case, as the server stores and returns it */
  id: string;
  type: string;
  data: JsonObject;
  /** the canonical JSON of `data`, to compare with a stored event of the same id */
  dataJson: string;
  metadata: JsonObject;
}

/** An append refused before anything was written: its events weigh more than the server takes at once. */
export class AppendTooLargeError extends RangeError {
  constructor(
    readonly stream: string,
    readonly size: number,
    readonly maxAppendSize: number,
  ) {
    super(
      `stream ${stream}: the append weighs ${size} bytes, more than the server's MaxAppendSize of ` +
        `${maxAppendSize} bytes; nothing was written (an append to one stream is all or nothing, so it cannot ` +
        'be split: send fewer or smaller events, or raise MaxAppendSize on the cluster and the adapter option ' +
        'maxAppendSize with it)',
    );
    this.name = 'AppendTooLargeError';
  }
}

/** EventStoreDB's own naming rules on top of the port's (append-rules.ts). */
const RULES = { eventStoreDbNames: true };

/**
 * The expected revision of the revision probe: no stream reaches it, so the server always answers with a
 * wrong-expected-version error that carries the stream's actual revision, and writes nothing.
 */
const PROBE_REVISION = BigInt(Number.MAX_SAFE_INTEGER);

/** What an append reads of its stream before deciding. */
interface StreamHead {
  /** this service's events of the stream, in order */
  ours: RecordedEvent[];
  /** the revision of the stream's last readable event of any kind; -1 when none is readable */
  lastReadable: number;
}

/**
 * The event store on EventStoreDB/KurrentDB (DESIGN §5, §11.19), through `@eventstore/db-client`.
 *
 * - Appends read the stream first: that gives the previous event's hash for the hash chain, lets an
 *   idempotent retry (every id of the batch already stored, in order) answer with the stored result whatever
 *   its expected revision, and checks the expected revision with the actual one in hand. The append itself
 *   then goes to the server with the exact revision the server holds, so the chain cannot fork: a writer
 *   that got in between makes the server refuse, and the append is decided again on the new state.
 * - A stream whose events the server hides (soft-deleted, or truncated by `$tb` or `$maxAge`) still has its
 *   revisions: the next event goes to the revision after the hidden ones. When a read shows no event, a
 *   revision probe (an empty append with an expected revision no stream has) asks the server where the
 *   stream stands, so the hashes are computed for the revisions the server will store. For the port such a
 *   stream holds no events (`no_stream` holds); its chain restarts with `prevHash` null after the hidden ones.
 * - Positions are the server's commit positions (see `client-mapping.ts`).
 * - Every read the adapter stops before its end (`headPosition`, `readAll` with `maxCount`, a caller's
 *   `break`) is cancelled, which closes its HTTP/2 stream: a node takes 100 concurrent streams per
 *   connection, and a read left open would hold one for ever.
 * - Events that are not this service's (see `SkippedEventKind`) are skipped by every read and by
 *   subscriptions, counted by kind (`skippedEvents()`), and reported once per kind (`onEventSkipped`).
 * - `subscribeToAll` asks the server to leave out system events (or, with a `streamPrefix`, everything outside
 *   the prefix); `readAll` and `headPosition` cannot ask (this client's reads take no filter).
 * - A dropped subscription resubscribes from the last event it saw, after a bounded exponential backoff,
 *   and drops what it had already delivered: consumers see no gap and no duplicate.
 * - An append that meets a leader change (`NotLeader`, `Unavailable`) is tried once more, on the new leader,
 *   with the same event ids: its re-read finds the events if the first try stored them (an idempotent
 *   retry), and the exact expected revision keeps it from storing them twice. A read that meets one is
 *   tried once more as well, from where it stopped (reads go to the leader, and the first call after the
 *   leader dies is the one that finds out): every read, not only the first of a command, survives one
 *   leader change, and none delivers an event twice.
 *
 * Cost: an append reads its whole stream (statement streams are short), and an append to a stream that
 * reads empty costs one more request (the probe). An id stored in ANOTHER stream is not detected (the
 * SQLite adapter refuses it); the server has no index by event id to ask.
 */
export class EventStoreDbEventStore extends EventStore {
  private readonly options: Required_;
  private readonly subscriptions = new Set<EventStoreDbSubscription>();
  private readonly skipped = new Map<SkippedEventKind, number>();
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
      maxAppendSize: options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE,
      failoverRetryDelayMs: options.failoverRetryDelayMs ?? 250,
      onSubscriptionDropped: options.onSubscriptionDropped,
      onEventSkipped: options.onEventSkipped,
      onFailover: options.onFailover,
    };
    const minimums = {
      pageSize: 2,
      initialRetryDelayMs: 0,
      maxRetryDelayMs: 0,
      maxAppendAttempts: 1,
      maxAppendSize: 1,
      failoverRetryDelayMs: 0,
    };
    for (const [name, min] of Object.entries(minimums)) {
      const value = this.options[name as keyof typeof minimums];
      if (!Number.isSafeInteger(value) || value < min) {
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
   *
   * `throwOnAppendFailure` is always true here, whatever the string says: with false, this client version
   * reports a conflict as a result (`success: false`) whose revision is wrong on the batch-append path
   * (a boolean turned into 0 or 1), and the adapter needs the server's revision. The adapter checks
   * `success` as well, for a client built elsewhere.
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
    const client = EventStoreDBClient.connectionString(adapterConnectionString(connectionString));
    return new EventStoreDbEventStore(client, options);
  }

  /** How many events of each kind the store's reads and subscriptions skipped as not this service's. */
  override skippedEvents(): ReadonlyMap<string, number> {
    return new Map(this.skipped);
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
    this.assertAppendSize(stream, prepared);

    let conflict: unknown;
    let lastVisible = -1;
    let failedOver = false;
    for (let attempt = 0; attempt < this.options.maxAppendAttempts;) {
      try {
        const outcome = await this.tryAppend(stream, prepared, expected);
        if ('result' in outcome) return outcome.result;
        conflict = outcome.conflict;
        lastVisible = outcome.visible;
        attempt += 1;
      } catch (error) {
        if (isMaxAppendSizeExceeded(error)) {
          const limit = typeof error.maxAppendSize === 'number' ? error.maxAppendSize : Number.NaN;
          throw new AppendTooLargeError(stream, appendSize(prepared), limit);
        }
        if (!isLeaderChange(error) || failedOver) throw error;
        // one retry, on the new leader, with the same ids: the re-read sees a first try that was stored
        failedOver = true;
        await this.beforeFailover(error, stream, 'append');
      }
    }
    if (isWrongExpectedVersion(conflict)) throw toWrongExpectedRevisionError(conflict, stream, expected);
    throw new WrongExpectedRevisionError(stream, expected, lastVisible);
  }

  /**
   * Checks every write's size before any is sent: the port's loop (this adapter cannot write several
   * streams in one transaction) already sends each write as an append of its own, so a batch of many
   * writes may weigh more than `maxAppendSize` in all; a single write over it is refused with nothing written.
   */
  override async appendToStreams(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    this.assertOpen();
    for (const write of writes) {
      const prepared = write.events.map(prepareEvent);
      this.assertAppendSize(write.stream, prepared);
    }
    return super.appendToStreams(writes);
  }

  override async *readStream(stream: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    this.assertOpen();
    const fromRevision = options.fromRevision ?? 0;
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    assertCount('fromRevision', fromRevision);
    assertCount('maxCount', maxCount);
    let next = fromRevision;
    let left = maxCount;
    for (let failedOver = false; left > 0; failedOver = true) {
      const read = this.client.readStream(this.serverName(stream), {
        fromRevision: BigInt(next),
        maxCount: left,
        direction: FORWARDS,
      });
      try {
        for await (const resolved of cancelling(read)) {
          if (resolved.event === undefined) continue;
          next = Number(resolved.event.revision) + 1;
          left -= 1; // the server counts every event it reads, this service's or not
          const event = this.fromStream(resolved.event);
          if (event !== undefined) yield event;
        }
        return;
      } catch (error) {
        if (isStreamNotFound(error)) return;
        if (!isLeaderChange(error) || failedOver) throw error;
        await this.beforeFailover(error, stream, 'read'); // then on from the revision after the last one read
      }
    }
  }

  override async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    this.assertOpen();
    let after = options.fromPosition ?? 0n;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    assertCount('maxCount', remaining);
    let from: ReadPosition = after === 0n ? START : toClientPosition(after);
    let pageSize = firstPageSize(this.options.pageSize);
    let failedOver = false;
    while (remaining > 0) {
      // never ask for much more than is wanted, so a page read to its end needs no cancel (see `cancelling`);
      // one more than is wanted, because a page after the first starts at the event the last one ended with
      const requested = Math.min(pageSize, remaining + 1);
      let received = 0;
      let lastRaw: ClientPosition | undefined;
      const page = this.client.readAll({ fromPosition: from, maxCount: requested, direction: FORWARDS });
      try {
        for await (const resolved of cancelling(page, requested)) {
          received += 1;
          if (resolved.event === undefined || remaining === 0) continue; // the rest of the page is drained
          lastRaw = resolved.event.position;
          const event = this.fromAll(resolved.event);
          if (event === undefined || event.position <= after) continue;
          after = event.position;
          yield event;
          remaining -= 1;
        }
      } catch (error) {
        if (!isLeaderChange(error) || failedOver) throw error;
        failedOver = true;
        await this.beforeFailover(error, '$all', 'read');
        continue; // the page again, from where it started: what was delivered of it is at or before `after`
      }
      if (received < requested || lastRaw === undefined || remaining === 0) return;
      from = lastRaw; // inclusive: the event there is dropped above as already seen
      pageSize = Math.min(pageSize * 4, this.options.pageSize);
    }
  }

  /** A BACKWARDS read of `$all`, a page at a time, skipping other applications' events as `readAll` does. */
  override async *readAllBackwards(options: ReadAllBackwardsOptions = {}): AsyncIterable<RecordedEvent> {
    this.assertOpen();
    let before = options.beforePosition;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    assertCount('maxCount', remaining);
    let from: ReadPosition = before === undefined ? END : toClientPosition(before);
    let pageSize = firstPageSize(this.options.pageSize);
    let failedOver = false;
    while (remaining > 0) {
      // as `readAll`: never more than is wanted, so a page read to its end needs no cancel
      const requested = Math.min(pageSize, remaining);
      let received = 0;
      let lastRaw: ClientPosition | undefined;
      const page = this.client.readAll({ fromPosition: from, maxCount: requested, direction: BACKWARDS });
      try {
        for await (const resolved of cancelling(page, requested)) {
          received += 1;
          if (resolved.event === undefined) continue;
          lastRaw = resolved.event.position;
          const event = this.fromAll(resolved.event);
          if (event === undefined || (before !== undefined && event.position >= before)) continue;
          before = event.position;
          yield event;
          remaining -= 1;
        }
      } catch (error) {
        if (!isLeaderChange(error) || failedOver) throw error;
        failedOver = true;
        await this.beforeFailover(error, '$all', 'read');
        continue; // the page again, from where it started: what was delivered of it is at or after `before`
      }
      if (received < requested || lastRaw === undefined || remaining === 0) return;
      pageSize = Math.min(pageSize * 4, this.options.pageSize);
      from = lastRaw; // a backward read from a position gives the events before it
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
   * The position of the last event of this store, skipping the events of others (statistics, metadata,
   * foreign applications) that may follow it: pages backwards from the end until it finds one, and cancels
   * the page it stops in.
   */
  override async headPosition(): Promise<Position> {
    this.assertOpen();
    return this.failingOver('$all', () => this.findHeadPosition());
  }

  private async findHeadPosition(): Promise<Position> {
    let from: ReadPosition = END;
    let pageSize = 1; // the last event is nearly always this store's: one event, read to its end
    for (;;) {
      let received = 0;
      let lastRaw: ClientPosition | undefined;
      let found: Position | undefined;
      const page = this.client.readAll({ fromPosition: from, maxCount: pageSize, direction: BACKWARDS });
      for await (const resolved of cancelling(page, pageSize)) {
        received += 1;
        if (resolved.event === undefined) continue;
        lastRaw = resolved.event.position;
        const event = this.fromAll(resolved.event);
        if (event !== undefined) {
          found = event.position;
          break;
        }
      }
      if (found !== undefined) return found;
      if (received < pageSize || lastRaw === undefined) return 0n;
      from = lastRaw; // backwards from an event's position reads the events before it
      pageSize = Math.min(
        Math.max(pageSize * 4, firstPageSize(this.options.pageSize)),
        this.options.pageSize,
      );
    }
  }

  /**
   * One backwards read of one event per stream (the server keeps each stream's head), instead of the
   * default's whole-stream reads; a stream whose last event is not this service's is read whole. The other
   * read-side capabilities are the port's defaults: `readStored` computes the global chain from `$all`
   * order, `countEventsAfter` reads at most `atMost` events (so it counts events, never bytes),
   * `importStored` appends with exact expected revisions (the server assigns new positions), and
   * `positionAt` reads the log (there is no recorded-time index on the server: callers ask the read model's).
   */
  override async streamRevisions(streams: readonly string[]): Promise<Map<string, number>> {
    this.assertOpen();
    const revisions = new Map<string, number>();
    for (const stream of new Set(streams)) {
      rules.assertStreamName(stream, RULES);
      const lastIsOurs = await this.failingOver(stream, async () => {
        const read = this.client.readStream(this.serverName(stream), {
          fromRevision: END,
          maxCount: 1,
          direction: BACKWARDS,
        });
        try {
          for await (const resolved of cancelling(read)) {
            if (resolved.event === undefined) continue;
            if (this.fromStream(resolved.event) === undefined) return false;
            revisions.set(stream, Number(resolved.event.revision));
          }
        } catch (error) {
          if (!isStreamNotFound(error)) throw error;
        }
        return true;
      });
      if (!lastIsOurs) {
        const ours = await collect(this.readStream(stream));
        const last = ours.at(-1);
        if (last !== undefined) revisions.set(stream, last.revision);
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

  /** A read done in one call, done once more on the new leader when the first met a leader change. */
  private async failingOver<T>(stream: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (!isLeaderChange(error)) throw error;
      await this.beforeFailover(error, stream, 'read');
      return read();
    }
  }

  /** Tells `onFailover`, then gives the client the time to reconnect to the new leader. */
  private async beforeFailover(error: unknown, stream: string, operation: 'append' | 'read'): Promise<void> {
    this.options.onFailover?.(error, stream, operation);
    await delay(this.options.failoverRetryDelayMs);
  }

  /** One read-decide-append round; a lost race is a conflict to decide again on. */
  private async tryAppend(
    stream: string,
    prepared: PreparedEvent[],
    expected: ExpectedRevision,
  ): Promise<{ result: AppendResult } | { conflict: unknown; visible: number }> {
    const head = await this.readHead(stream);
    const retried = rules.findIdempotentRetry(stream, prepared, storedIds(stream, prepared, head.ours));
    if (retried) return { result: retried };
    const last = head.ours.at(-1);
    const visible = last?.revision ?? -1;
    rules.checkExpectedRevision(stream, expected, visible);
    if (prepared.length === 0) return { result: { nextRevision: visible, position: last?.position ?? 0n } };

    // The revision the server holds: the last readable event's, else (nothing readable: a new stream, or
    // one whose events are hidden) the probe's answer.
    const current = head.lastReadable >= 0 ? head.lastReadable : await this.probeRevision(stream);
    const data = chain(stream, prepared, current, last?.metadata.hash ?? null);
    let result: ClientAppendResult;
    try {
      result = await this.client.appendToStream(this.serverName(stream), data, {
        expectedRevision: current === -1 ? NO_STREAM : BigInt(current),
      });
    } catch (error) {
      if (!isWrongExpectedVersion(error)) throw error;
      return { conflict: error, visible }; // another writer got in between: decide again on what is stored now
    }
    // A client with throwOnAppendFailure=false answers a conflict with a result instead of an error.
    if (!result.success) return { conflict: undefined, visible };
    const nextRevision = Number(result.nextExpectedRevision);
    if (nextRevision !== current + prepared.length) {
      throw new Error(
        `stream ${stream}: the server stored the append ending at revision ${nextRevision}, not at ` +
          `${current + prepared.length} as its hashes say (expected revision ${current} was sent)`,
      );
    }
    return { result: { nextRevision, position: await this.positionOf(stream, nextRevision) } };
  }

  /** The stream as an append needs it: this service's events, and the revision of the last readable one. */
  private async readHead(stream: string): Promise<StreamHead> {
    const ours: RecordedEvent[] = [];
    let lastReadable = -1;
    const read = this.client.readStream(this.serverName(stream), {
      fromRevision: START,
      direction: FORWARDS,
    });
    try {
      for await (const resolved of cancelling(read)) {
        if (resolved.event === undefined) continue;
        lastReadable = Number(resolved.event.revision);
        const event = this.fromStream(resolved.event);
        if (event !== undefined) ours.push(event);
      }
    } catch (error) {
      if (isStreamDeleted(error)) throw tombstoned(stream);
      if (!isStreamNotFound(error)) throw error;
    }
    return { ours, lastReadable };
  }

  /**
   * The stream's revision on the server, hidden events included (-1: the stream never held an event): an
   * empty append with an expected revision no stream has, which the server refuses with the actual one
   * and which writes nothing.
   */
  private async probeRevision(stream: string): Promise<number> {
    let result: ClientAppendResult;
    try {
      result = await this.client.appendToStream(this.serverName(stream), [], {
        expectedRevision: PROBE_REVISION,
      });
    } catch (error) {
      if (isWrongExpectedVersion(error)) return fromClientCurrentRevision(error.actualVersion);
      if (isStreamDeleted(error)) throw tombstoned(stream);
      throw error;
    }
    throw new Error(
      `stream ${stream}: the revision probe was answered ${result.success ? 'with success' : 'with a failure result'} ` +
        'instead of a wrong-expected-version error; the adapter needs a client created with ' +
        'throwOnAppendFailure=true (EventStoreDbEventStore.connect sets it)',
    );
  }

  /** The position of the event at `revision` of `stream`, read back (the append result does not say it). */
  private async positionOf(stream: string, revision: number): Promise<Position> {
    for await (const event of this.readStream(stream, { fromRevision: revision, maxCount: 1 })) {
      return event.position; // leaves the read early: it is cancelled
    }
    throw new Error(`stream ${stream}: revision ${revision} is not readable right after its append`);
  }

  private assertAppendSize(stream: string, events: readonly PreparedEvent[]): void {
    const size = appendSize(events);
    if (size > this.options.maxAppendSize) {
      throw new AppendTooLargeError(stream, size, this.options.maxAppendSize);
    }
  }

  /** The server-side filter of subscriptions. */
  private filter(): Filter {
    const prefix = this.options.streamPrefix;
    return prefix === '' ? excludeSystemEvents() : streamNameFilter({ prefixes: [prefix] });
  }

  private serverName(stream: string): string {
    return this.options.streamPrefix + stream;
  }

  /** An event of `$all` as the port's, or undefined (counted) when it is not this service's. */
  private fromAll(event: ClientRecordedEvent): RecordedEvent | undefined {
    return this.toRecordedEvent(event, 'all');
  }

  /** An event read from one of this service's streams, or undefined (counted) when it is not this service's. */
  private fromStream(event: ClientRecordedEvent): RecordedEvent | undefined {
    return this.toRecordedEvent(event, 'stream');
  }

  private toRecordedEvent(event: ClientRecordedEvent, readFrom: 'all' | 'stream'): RecordedEvent | undefined {
    const data = event.data as unknown;
    const metadata = event.metadata as unknown;
    let kind: SkippedEventKind | undefined;
    if (isSystemEvent(event)) kind = 'system';
    else if (!event.streamId.startsWith(this.options.streamPrefix)) kind = 'outside-prefix';
    else if (!event.isJson || !isJsonObject(data)) kind = 'not-json';
    else if (!isJsonObject(metadata) || typeof metadata.hash !== 'string') kind = 'no-hash';
    if (kind !== undefined) return this.skip(kind, event);

    const position = event.position;
    const where = `event ${event.id} (${event.streamId}@${event.revision})`;
    if (position === undefined || position.commit === NO_COMMIT_POSITION) {
      // Only a server older than 22.6 reads this service's events from a stream without their position
      // (this service never writes inside explicit transactions, whose events have none either).
      throw new Error(
        `${where} was read from its stream without its log position (${readFrom === 'stream' ? 'a server older than 22.6' : 'an unexpected answer'}): ` +
          'the adapter needs EventStoreDB/KurrentDB 22.6 or newer',
      );
    }
    if (position.commit !== position.prepare) return this.skip('legacy-transaction', event);
    return {
      id: canonicalEventId(event.id),
      stream: event.streamId.slice(this.options.streamPrefix.length),
      revision: Number(event.revision),
      position: toPosition(position),
      type: event.type,
      data: data as JsonObject,
      metadata: metadata as unknown as RecordedEvent['metadata'],
    };
  }

  private skip(kind: SkippedEventKind, event: ClientRecordedEvent): undefined {
    const seen = this.skipped.get(kind) ?? 0;
    this.skipped.set(kind, seen + 1);
    if (seen === 0) {
      this.options.onEventSkipped?.({
        kind,
        stream: event.streamId,
        id: event.id,
        type: event.type,
        revision: event.revision,
      });
    }
    return undefined;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('EventStoreDbEventStore is closed');
  }
}

/** Pages up to this many events are drained, not cancelled, when their reader stops early. */
const DRAIN_AT_MOST = 64;

/** The first page of a read: small, so that a reader who stops after a few events leaves a page to drain. */
function firstPageSize(pageSize: number): number {
  return Math.min(pageSize, DRAIN_AT_MOST / 2);
}

/**
 * The client's read, ended properly when the consumer stops before the end (a `break`, a `return`, an
 * error). Leaving a `for await` over the client's read only destroys the client's own Transform stream: the
 * gRPC call under it stays open (holding one of the connection's HTTP/2 streams) and stays in the client's
 * `disposableStreams` set until `dispose()`. A read of at most `DRAIN_AT_MOST` events (`requested`) is read
 * to its end and the rest dropped: the call ends as any finished call does. A larger or unbounded read is
 * cancelled, which sends an HTTP/2 RST_STREAM; a cancel per call would be a reset storm on a busy
 * connection, and servers cut connections that reset streams too fast (HTTP/2 "rapid reset" limits: nghttp2
 * ends the session with INTERNAL_ERROR, Kestrel with ENHANCE_YOUR_CALM), so hot paths ask for small pages
 * that end by themselves.
 */
async function* cancelling<T>(
  read: ClientRead<T>,
  requested: number = Number.POSITIVE_INFINITY,
): AsyncGenerator<T> {
  let finished = false;
  const readable = read as ClientRead<T> & Partial<Readable>;
  const items = readable.iterator ? readable.iterator({ destroyOnReturn: false }) : read;
  try {
    for await (const item of items) yield item;
    finished = true;
  } finally {
    if (!finished) {
      if (requested <= DRAIN_AT_MOST) {
        await drain(read);
      } else {
        await read.cancel().catch(() => undefined);
        readable.on?.('error', () => undefined);
        readable.resume?.(); // read what the server already sent to its end, so the client lets the call go
      }
    }
  }
}

/**
 * Reads the rest of a small page and drops it. The stream itself is resumed (the iterator the reader left is
 * finished and yields nothing more); an error on the way ends the call as its end would, and the reader
 * already has its answer, so it is not the reader's error.
 */
async function drain<T>(read: ClientRead<T>): Promise<void> {
  if (read instanceof Readable) {
    read.resume();
    await finished(read).catch(() => undefined);
    return;
  }
  for await (const _item of read) {
    // dropped: the reader has what it wanted
  }
}

/**
 * The connection string as the adapter hands it to the client: with `throwOnAppendFailure=true` last (the
 * client's parser keeps the last value of a key, whatever its case).
 */
export function adapterConnectionString(connectionString: string): string {
  const trimmed = connectionString.trim().replace(/\/+$/, '');
  return `${trimmed}${trimmed.includes('?') ? '&' : '?'}throwOnAppendFailure=true`;
}

function tombstoned(stream: string): Error {
  return new Error(
    `stream ${stream} was deleted for good (tombstoned, a hard delete) on the server: it cannot be read or ` +
      'written again',
  );
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
  /** the server position of the last event seen, delivered or skipped: where a resubscription starts */
  private lastSeen: ClientPosition | undefined;
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
      const from: ReadPosition =
        this.lastSeen ?? (this.lastPosition === 0n ? START : toClientPosition(this.lastPosition));
      let failure: unknown;
      const server = this.source.subscribe(from);
      this.current = server;
      try {
        for await (const resolved of server) {
          if (this.isClosed) return;
          const event = this.source.convert(resolved);
          // skipped events (not this service's) are passed for good: a resubscription starts after them
          const seen = resolved.event?.position;
          if (
            seen !== undefined &&
            (this.lastSeen === undefined || comparePositions(seen, this.lastSeen) > 0)
          ) {
            this.lastSeen = seen;
          }
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

/**
 * The port's checks (append-rules.ts), then the event as it will read back from the server: the id
 * lower-case (the server's form; it is hashed), data and metadata through a JSON round trip.
 */
function prepareEvent(event: EventToAppend, index: number): PreparedEvent {
  const checked = rules.checkEvent(event, index, RULES);
  const where = `event ${index} (${checked.id})`;
  const data = toJsonObject(rules.dataValue(checked.data), `${where} data`);
  return {
    id: canonicalEventId(checked.id),
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

/** A stand-in for a stored hash when the previous one is not known yet: as long as any. */
const HASH_SIZED = '0'.repeat(64);

/**
 * The weight of an append as the server measures it against `MaxAppendSize` (KurrentDB `Event.SizeOnDisk`:
 * data bytes + metadata bytes + 2 per character of the type), with the metadata as the adapter sends it:
 * `hash` and `prevHash` counted at their full length whatever the stream's state, so one write weighs the
 * same wherever it lands.
 */
function appendSize(events: readonly PreparedEvent[]): number {
  let size = 0;
  for (const event of events) {
    const metadata = { ...storedMetadata(event.metadata, HASH_SIZED), hash: HASH_SIZED };
    size += Buffer.byteLength(JSON.stringify(event.data), 'utf8');
    size += Buffer.byteLength(JSON.stringify(metadata), 'utf8');
    size += event.type.length * 2;
  }
  return size;
}

function comparePositions(a: ClientPosition, b: ClientPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
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
