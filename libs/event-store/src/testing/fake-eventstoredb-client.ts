import {
  ANY,
  BACKWARDS,
  END,
  MaxAppendSizeExceededError,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamRecordedEvent,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type AppendResult,
  type Filter,
  type JSONEventData,
  type Position,
  type ReadPosition,
  type ReadRevision,
  type ResolvedEvent,
} from '@eventstore/db-client';
import type { ClientRead, EventStoreDbClientApi } from '../eventstoredb/eventstoredb-event-store.js';

/** `$tb` of a soft-deleted stream (EventNumber.DeletedStream, long.MaxValue). */
const SOFT_DELETED = 2n ** 63n - 1n;

/** What a fake subscription was asked for, for tests to inspect. */
export interface FakeSubscriptionRequest {
  fromPosition: ReadPosition | undefined;
  filter: Filter | undefined;
}

/**
 * An in-memory stand-in for `EventStoreDBClient` at its public API, answering as the server does (as far as
 * the adapter relies on it): each appended event is its own commit record, at commit = prepare = its byte
 * offset in the log (so positions have gaps); `readAll` forwards includes its start position, backwards
 * starts before it, and takes no filter (as in this client version); a subscription starts after its
 * position and applies its filter unless `ignoreFilters` is set (to show the adapter filters again itself);
 * reading a missing stream throws `StreamNotFoundError`; a wrong expected revision throws
 * `WrongExpectedVersionError`. Tests can also store system events and drop live subscriptions.
 *
 * Also as the server does: event ids are stored lower-case; a soft-deleted stream (`softDelete`) reads as not
 * found, takes `no_stream` or its last revision and continues at the revision after its hidden events; a
 * truncated stream (`truncateBefore`) hides the events before a revision, reads empty when all are hidden and
 * keeps its revision; an append heavier than `maxAppendSize` (data + metadata bytes + 2 per type character) is
 * refused with `MaxAppendSizeExceededError`; an empty append checks the expected revision only. A read holds
 * one of `maxConcurrentStreams` (as a node's HTTP/2 connection does) until it has been read to its end or
 * cancelled: a read beyond the limit waits for a free one, and so does an append. `throwOnAppendFailure`
 * false answers a conflict as the client then does (a result with `success: false`), and `failNextAppend`
 * makes an append fail as during a leader change, before or after storing its events.
 */
export class FakeEventStoreDbClient implements EventStoreDbClientApi {
  readonly log: AllStreamRecordedEvent[] = [];
  readonly subscriptionRequests: FakeSubscriptionRequest[] = [];
  ignoreFilters = false;
  /** subscriptions deliver the event AT their start position too (a server re-sending the checkpoint) */
  subscriptionsIncludeStart = false;
  /** called before each append reaches the log: a test can append something "concurrently" here */
  beforeAppend: ((streamName: string) => Promise<void>) | undefined;
  disposed = false;
  /** HTTP/2 streams of the one connection: reads and appends in flight beyond it wait */
  maxConcurrentStreams = Number.POSITIVE_INFINITY;
  /** KurrentDB's default MaxAppendSize */
  maxAppendSize = 1_048_576;
  /** as the client with `throwOnAppendFailure=false`: a conflict is a result, not an error */
  throwOnAppendFailure = true;
  /** reads started and not yet read to their end or cancelled */
  openReads = 0;
  /** the most streams (reads and appends) open at once */
  peakStreams = 0;
  /** reads and appends so far */
  calls = { reads: 0, appends: 0, emptyAppends: 0 };
  private openStreams = 0;
  private readonly waitingForStream: (() => void)[] = [];
  private offset = 1000n;
  private readonly live = new Set<FakeSubscription>();
  /** `$tb` per stream: events before it are hidden from stream reads */
  private readonly truncatedBefore = new Map<string, bigint>();
  private appendFailure: { error: Error; afterStoring: boolean } | undefined;

  constructor(options: { startOffset?: bigint } = {}) {
    if (options.startOffset !== undefined) this.offset = options.startOffset;
  }

  async appendToStream(
    streamName: string,
    events: JSONEventData[],
    options: { expectedRevision: AppendExpectedRevision },
  ): Promise<AppendResult> {
    const hook = this.beforeAppend;
    if (hook) {
      this.beforeAppend = undefined;
      await hook(streamName);
    }
    await this.takeStream();
    try {
      await Promise.resolve();
      this.calls.appends += 1;
      if (events.length === 0) this.calls.emptyAppends += 1;
      const failure = this.appendFailure;
      this.appendFailure = undefined;
      if (failure !== undefined && !failure.afterStoring) throw failure.error;
      let result: AppendResult;
      try {
        result = this.appendNow(streamName, events, options.expectedRevision);
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError) || this.throwOnAppendFailure) throw error;
        // as the client's batch append does then: the current revision is lost (a boolean turned bigint)
        return { success: false, nextExpectedRevision: 1n, position: undefined };
      }
      if (failure !== undefined) throw failure.error; // stored, but the answer is lost
      return result;
    } finally {
      this.releaseStream();
    }
  }

  /** The next append fails with `error` (e.g. NotLeader, Unavailable), before or after storing its events. */
  failNextAppend(error: Error, options: { afterStoring: boolean }): void {
    this.appendFailure = { error, afterStoring: options.afterStoring };
  }

  /** Soft-deletes a stream as the server does: `$tb` set to the deleted-stream marker. */
  softDelete(streamName: string): void {
    this.truncatedBefore.set(streamName, SOFT_DELETED);
  }

  /** Sets a stream's `$tb`: its events before `revision` are hidden (as `$maxAge` hides expired ones). */
  truncateBefore(streamName: string, revision: bigint): void {
    this.truncatedBefore.set(streamName, revision);
  }

  /**
   * Stores events at once; system events (`$` streams or types) too, and events of other applications
   * (`contentType: 'application/octet-stream'`, `data` a Uint8Array, stored as not JSON).
   */
  appendNow(
    streamName: string,
    events: (JSONEventData | BinaryEvent)[],
    expected: AppendExpectedRevision = ANY,
  ): AppendResult {
    const stream = this.log.filter((e) => e.streamId === streamName);
    const current = stream.length === 0 ? NO_STREAM : stream[stream.length - 1].revision;
    const tb = this.truncatedBefore.get(streamName);
    const softDeleted = tb === SOFT_DELETED;
    const ok =
      expected === ANY ||
      (expected === NO_STREAM && (current === NO_STREAM || softDeleted)) ||
      (expected === STREAM_EXISTS && current !== NO_STREAM && !softDeleted) ||
      expected === current;
    if (!ok) throw new WrongExpectedVersionError(undefined, { streamName, expected, current });
    let size = 0;
    for (const event of events) {
      size +=
        bytes(event.data) +
        (event.metadata === undefined ? 0 : bytes(event.metadata)) +
        event.type.length * 2;
    }
    if (size > this.maxAppendSize) throw MaxAppendSizeExceededError.fromMaxAppendSize(this.maxAppendSize);
    const first = this.offset;
    let revision = current === NO_STREAM ? -1n : current;
    if (softDeleted && events.length > 0) this.truncatedBefore.set(streamName, revision + 1n);
    for (const event of events) {
      revision += 1n;
      const offset = this.offset;
      this.offset += 100n + BigInt(bytes(event.data));
      const isJson = event.contentType === 'application/json';
      this.log.push({
        streamId: streamName,
        id: event.id?.toLowerCase(),
        isJson,
        revision,
        type: event.type,
        created: new Date(),
        data: isJson
          ? (JSON.parse(JSON.stringify(event.data)) as AllStreamRecordedEvent['data'])
          : event.data,
        metadata: JSON.parse(JSON.stringify(event.metadata ?? {})) as AllStreamRecordedEvent['metadata'],
        position: { commit: offset, prepare: offset },
      } as AllStreamRecordedEvent);
    }
    for (const subscription of this.live) subscription.wake();
    return { success: true, nextExpectedRevision: revision, position: { commit: first, prepare: first } };
  }

  readStream(
    streamName: string,
    options: { fromRevision?: ReadRevision; maxCount?: number; direction?: string } = {},
  ): ClientRead<ResolvedEvent> {
    const log = this.log;
    const tb = this.truncatedBefore.get(streamName);
    return this.openRead(async function* () {
      await Promise.resolve();
      let events = log.filter((e) => e.streamId === streamName);
      if (events.length === 0 || tb === SOFT_DELETED) throw new StreamNotFoundError(undefined, streamName);
      if (tb !== undefined) events = events.filter((e) => e.revision >= tb);
      if (options.direction === BACKWARDS) events = events.reverse();
      const from = options.fromRevision ?? (options.direction === BACKWARDS ? END : START);
      if (from !== START && from !== END) {
        events = events.filter((e) =>
          options.direction === BACKWARDS ? e.revision <= from : e.revision >= from,
        );
      }
      for (const event of events.slice(0, options.maxCount ?? events.length)) yield { event };
    });
  }

  readAll(
    options: { fromPosition?: ReadPosition; maxCount?: number; direction?: string } = {},
  ): ClientRead<AllStreamResolvedEvent> {
    const selected = (): AllStreamRecordedEvent[] => {
      const from = options.fromPosition ?? (options.direction === BACKWARDS ? END : START);
      let events = [...this.log];
      if (options.direction === BACKWARDS) {
        events = events.reverse();
        if (from !== END && from !== START) events = events.filter((e) => compare(e.position, from) < 0);
      } else if (from !== START && from !== END) {
        events = events.filter((e) => compare(e.position, from) >= 0);
      } else if (from === END) {
        events = [];
      }
      return events.slice(0, options.maxCount ?? events.length);
    };
    return this.openRead(async function* () {
      await Promise.resolve();
      for (const event of selected()) yield { event };
    });
  }

  /**
   * A read as the client makes it: the call starts at once (taking one of the connection's streams, or
   * waiting for one) and holds it until the last item has been taken or the read is cancelled. Leaving a
   * `for await` early without `cancel()` leaves it open, as the client's Transform does with its gRPC call.
   */
  private openRead<T>(items: () => AsyncGenerator<T>): ClientRead<T> {
    this.calls.reads += 1;
    this.openReads += 1;
    const started = this.takeStream();
    let open = true;
    const close = () => {
      if (!open) return;
      open = false;
      this.openReads -= 1;
      this.releaseStream();
    };
    return {
      cancel: async () => {
        await started;
        close();
      },
      [Symbol.asyncIterator]: () => {
        const inner = items();
        return {
          next: async () => {
            await started;
            if (!open) return { done: true, value: undefined };
            try {
              const step = await inner.next();
              if (step.done === true) close();
              return step;
            } catch (error) {
              close(); // the server ended the call with an error
              throw error;
            }
          },
          // leaving the loop destroys the client's Transform only: the call stays open
          return: async () => ({ done: true, value: undefined }),
        };
      },
    };
  }

  private async takeStream(): Promise<void> {
    while (this.openStreams >= this.maxConcurrentStreams) {
      await new Promise<void>((resolve) => this.waitingForStream.push(resolve));
    }
    this.openStreams += 1;
    this.peakStreams = Math.max(this.peakStreams, this.openStreams);
  }

  private releaseStream(): void {
    this.openStreams -= 1;
    this.waitingForStream.shift()?.();
  }

  subscribeToAll(
    options: { fromPosition?: ReadPosition; filter?: Filter } = {},
  ): AsyncIterable<AllStreamResolvedEvent> & { unsubscribe(): Promise<void> } {
    this.subscriptionRequests.push({ fromPosition: options.fromPosition, filter: options.filter });
    let includeStart = this.subscriptionsIncludeStart;
    const subscription = new FakeSubscription(
      (after) =>
        this.log.filter(
          (e) =>
            (after === undefined || compare(e.position, after) > (includeStart ? -1 : 0)) &&
            this.passes(e, options.filter),
        ),
      options.fromPosition,
      (s) => this.live.delete(s),
      () => (includeStart = false),
    );
    this.live.add(subscription);
    return subscription;
  }

  /**
   * Changes the stored event at `index` of the log in place (or removes it when `change` returns
   * 'delete'), as someone with write access to the server's files could: for audit tests.
   */
  tamper(index: number, change: (event: AllStreamRecordedEvent) => void | 'delete'): void {
    const event = this.log[index];
    if (event === undefined) throw new RangeError(`the log holds no event at index ${index}`);
    if (change(event) === 'delete') this.log.splice(index, 1);
  }

  /** The open subscriptions fail with `error` once each has delivered `after` more events. */
  dropSubscriptions(error: Error, after = 0): void {
    for (const subscription of this.live) subscription.failAfter(error, after);
  }

  get openSubscriptions(): number {
    return this.live.size;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const subscription of [...this.live]) await subscription.unsubscribe();
  }

  private passes(event: AllStreamRecordedEvent, filter: Filter | undefined): boolean {
    if (filter === undefined || this.ignoreFilters) return true;
    const subject = filter.filterOn === 'streamName' ? event.streamId : event.type;
    if ('prefixes' in filter) return filter.prefixes.some((prefix) => subject.startsWith(prefix));
    return new RegExp(filter.regex).test(subject);
  }
}

class FakeSubscription implements AsyncIterable<AllStreamResolvedEvent> {
  private after: Position | undefined;
  private closed = false;
  private failure: { error: Error; remaining: number } | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly eventsAfter: (after: Position | undefined) => AllStreamRecordedEvent[],
    from: ReadPosition | undefined,
    private readonly ended: (s: FakeSubscription) => void,
    private readonly delivered: () => void,
  ) {
    this.after = from === undefined || from === START ? undefined : from === END ? maxPosition() : from;
  }

  failAfter(error: Error, remaining: number): void {
    this.failure = { error, remaining };
    this.wake();
  }

  wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  async unsubscribe(): Promise<void> {
    this.closed = true;
    this.ended(this);
    this.wake();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<AllStreamResolvedEvent> {
    while (!this.closed) {
      if (this.failure !== undefined && this.failure.remaining === 0) {
        this.closed = true;
        this.ended(this);
        throw this.failure.error;
      }
      const next = this.eventsAfter(this.after)[0];
      if (next === undefined) {
        await new Promise<void>((resolve) => (this.wakeUp = resolve));
        continue;
      }
      this.after = next.position;
      this.delivered();
      if (this.failure !== undefined) this.failure.remaining -= 1;
      yield { event: next };
    }
  }
}

/** An event of another application: not JSON. */
export interface BinaryEvent {
  id?: string;
  contentType: 'application/octet-stream';
  type: string;
  data: Uint8Array;
  metadata?: Uint8Array;
}

function bytes(value: unknown): number {
  if (value instanceof Uint8Array) return value.byteLength;
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

function compare(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

function maxPosition(): Position {
  return { commit: 2n ** 63n, prepare: 2n ** 63n };
}
