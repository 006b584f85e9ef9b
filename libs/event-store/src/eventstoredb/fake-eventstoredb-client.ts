import {
  ANY,
  BACKWARDS,
  END,
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
import type { EventStoreDbClientApi } from './eventstoredb-event-store.js';

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
  private offset = 1000n;
  private readonly live = new Set<FakeSubscription>();

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
    return this.appendNow(streamName, events, options.expectedRevision);
  }

  /** Stores events at once; system events (`$` streams or types) too. */
  appendNow(
    streamName: string,
    events: JSONEventData[],
    expected: AppendExpectedRevision = ANY,
  ): AppendResult {
    const stream = this.log.filter((e) => e.streamId === streamName);
    const current = stream.length === 0 ? NO_STREAM : stream[stream.length - 1].revision;
    const ok =
      expected === ANY ||
      (expected === NO_STREAM && current === NO_STREAM) ||
      (expected === STREAM_EXISTS && current !== NO_STREAM) ||
      expected === current;
    if (!ok) throw new WrongExpectedVersionError(undefined, { streamName, expected, current });
    const first = this.offset;
    let revision = current === NO_STREAM ? -1n : current;
    for (const event of events) {
      revision += 1n;
      const offset = this.offset;
      this.offset += 100n + BigInt(JSON.stringify(event.data).length);
      this.log.push({
        streamId: streamName,
        id: event.id,
        isJson: true,
        revision,
        type: event.type,
        created: new Date(),
        data: JSON.parse(JSON.stringify(event.data)) as AllStreamRecordedEvent['data'],
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
  ): AsyncIterable<ResolvedEvent> {
    const log = this.log;
    return (async function* () {
      await Promise.resolve();
      let events = log.filter((e) => e.streamId === streamName);
      if (events.length === 0) throw new StreamNotFoundError(undefined, streamName);
      if (options.direction === BACKWARDS) events = events.reverse();
      const from = options.fromRevision ?? (options.direction === BACKWARDS ? END : START);
      if (from !== START && from !== END) {
        events = events.filter((e) =>
          options.direction === BACKWARDS ? e.revision <= from : e.revision >= from,
        );
      }
      for (const event of events.slice(0, options.maxCount ?? events.length)) yield { event };
    })();
  }

  readAll(
    options: { fromPosition?: ReadPosition; maxCount?: number; direction?: string } = {},
  ): AsyncIterable<AllStreamResolvedEvent> {
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
    return (async function* () {
      await Promise.resolve();
      for (const event of selected()) yield { event };
    })();
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

function compare(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

function maxPosition(): Position {
  return { commit: 2n ** 63n, prepare: 2n ** 63n };
}
