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
  type StreamWrite,
  type SubscribeOptions,
  type Subscription,
} from '../event-store.js';
import { canonicalJson, computeEventHash, storedMetadata } from '../hash-chain.js';
import * as rules from '../append-rules.js';

interface PreparedEvent {
  id: string;
  type: string;
  data: JsonObject;
  dataJson: string;
  metadata: EventToAppend['metadata'];
}

/**
 * TEST DOUBLE: the event store port in memory, for tests of what sits on the port. It keeps the port's
 * promises (dense bigint positions from 1n, 0-based revisions, the append rules of append-rules.ts with their
 * typed errors, an all-or-nothing `appendToStreams`, catch-up-then-live subscriptions, plain-JSON copies on
 * the way in and out, the hash chain) but not its durability. It runs the whole contract suite the real
 * adapters run (but the cross-process test: memory is not shared with another process), so it cannot drift
 * from them.
 *
 * Extra test hooks: `failSubscriptions(error)` breaks every open subscription (to test resubscribing) and
 * `subscriptionsOpened` counts subscribeToAll calls.
 */
export class InMemoryEventStore extends EventStore {
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  /** every stored event by id, over all streams (the SQLite adapter's unique index) */
  private readonly byId = new Map<string, RecordedEvent>();
  private readonly live = new Set<InMemorySubscription>();
  subscriptionsOpened = 0;

  async appendToStream(
    stream: string,
    events: EventToAppend[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    const [result] = await this.appendToStreams([
      { stream, events, expectedRevision: options.expectedRevision },
    ]);
    return result;
  }

  /** All writes or none: every check runs on each write in turn, and a failure removes what the batch stored. */
  override async appendToStreams(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    const prepared = writes.map((write, index) => {
      rules.assertStreamName(write.stream);
      rules.assertExpectedRevision(write.expectedRevision);
      if (!Array.isArray(write.events))
        throw new TypeError(`write ${index} (${write.stream}): events must be an array`);
      const events = write.events.map(prepareEvent);
      rules.assertDistinctIds(write.stream, events);
      return { write, events };
    });
    const logLength = this.log.length;
    try {
      const results = prepared.map(({ write, events }) => this.appendOne(write, events));
      if (this.log.length > logLength) for (const subscription of this.live) subscription.wake();
      return results;
    } catch (error) {
      for (const event of this.log.splice(logLength)) {
        this.byId.delete(event.id);
        const stream = this.streams.get(event.stream);
        stream?.pop();
        if (stream?.length === 0) this.streams.delete(event.stream);
      }
      throw error;
    }
  }

  private appendOne({ stream, expectedRevision }: StreamWrite, events: PreparedEvent[]): AppendResult {
    const existing = this.streams.get(stream) ?? [];
    const retried = rules.findIdempotentRetry(stream, events, (id) => this.storedId(id));
    if (retried) return retried;
    const actual = existing.length - 1;
    rules.checkExpectedRevision(stream, expectedRevision, actual);
    if (events.length === 0) return { nextRevision: actual, position: existing.at(-1)?.position ?? 0n };

    for (const event of events) {
      const position = BigInt(this.log.length + 1);
      const prevHash = existing.at(-1)?.metadata.hash ?? null;
      const revision = existing.length;
      const metadata = storedMetadata(event.metadata, prevHash);
      const { id, data, type } = event;
      const hash = computeEventHash({ id, stream, revision, type, data, metadata, prevHash });
      const recorded: RecordedEvent = {
        id: event.id,
        stream,
        revision,
        position,
        type,
        data,
        metadata: { ...metadata, hash },
      };
      existing.push(recorded);
      this.log.push(recorded);
      this.byId.set(event.id, recorded);
    }
    this.streams.set(stream, existing);
    return { nextRevision: existing.length - 1, position: existing.at(-1)?.position ?? 0n };
  }

  private storedId(id: string): rules.StoredId | undefined {
    const event = this.byId.get(id);
    if (event === undefined) return undefined;
    const { stream, revision, position, type } = event;
    return { stream, revision, position, type, dataJson: canonicalJson(event.data) };
  }

  async *readStream(stream: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    const events = (this.streams.get(stream) ?? []).slice(options.fromRevision ?? 0);
    for (const event of events.slice(0, options.maxCount ?? events.length)) yield copy(event);
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    const events = this.log.slice(Number(options.fromPosition ?? 0n));
    for (const event of events.slice(0, options.maxCount ?? events.length)) yield copy(event);
  }

  override async *readAllBackwards(options: ReadAllBackwardsOptions = {}): AsyncIterable<RecordedEvent> {
    const { maxCount } = options;
    if (maxCount !== undefined && !(Number.isSafeInteger(maxCount) && maxCount >= 0)) {
      throw new RangeError(`maxCount must be an integer >= 0, got ${maxCount}`);
    }
    // position n is log[n - 1]
    const end = options.beforePosition === undefined ? this.log.length : Number(options.beforePosition) - 1;
    const events = this.log.slice(0, Math.max(0, end)).reverse();
    for (const event of events.slice(0, options.maxCount ?? events.length)) yield copy(event);
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.subscriptionsOpened += 1;
    const subscription = new InMemorySubscription(this.log, options.fromPosition ?? 0n, (s) =>
      this.live.delete(s),
    );
    this.live.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<Position> {
    return BigInt(this.log.length);
  }

  async close(): Promise<void> {
    await Promise.all([...this.live].map((s) => s.close()));
  }

  /** Test hook: every open subscription throws `error` from its pending or next read. */
  failSubscriptions(error: Error): void {
    for (const subscription of this.live) subscription.fail(error);
  }
}

class InMemorySubscription implements Subscription {
  private closed = false;
  private failure: Error | undefined;
  private waiting: (() => void) | undefined;

  constructor(
    private readonly log: readonly RecordedEvent[],
    private position: Position,
    private readonly onClose: (s: InMemorySubscription) => void,
  ) {}

  wake(): void {
    this.waiting?.();
  }

  fail(error: Error): void {
    this.failure = error;
    this.wake();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.onClose(this);
    this.wake();
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return {
      next: async (): Promise<IteratorResult<RecordedEvent>> => {
        for (;;) {
          if (this.failure !== undefined) {
            const failure = this.failure;
            this.failure = undefined;
            await this.close();
            throw failure;
          }
          if (this.closed) return { done: true, value: undefined };
          const next = this.log[Number(this.position)];
          if (next !== undefined) {
            this.position = next.position;
            return { done: false, value: copy(next) };
          }
          await new Promise<void>((resolve) => (this.waiting = resolve));
          this.waiting = undefined;
        }
      },
      return: async (): Promise<IteratorResult<RecordedEvent>> => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }
}

/** The port's checks (append-rules.ts), then plain-JSON copies of data and metadata, as a store keeps them. */
function prepareEvent(event: EventToAppend, index: number): PreparedEvent {
  const checked = rules.checkEvent(event, index);
  const dataJson = rules.canonicalDataJson(checked.data);
  canonicalJson(checked.metadata); // rejects what no store can keep (NaN, bigint, class instances, ...)
  return {
    id: checked.id,
    type: checked.type,
    data: JSON.parse(dataJson) as JsonObject,
    dataJson,
    metadata: JSON.parse(JSON.stringify(checked.metadata)) as EventToAppend['metadata'],
  };
}

/** A copy as the store would read it back: plain JSON data and metadata (structuredClone would keep another realm's prototypes under Jest). */
function copy(event: RecordedEvent): RecordedEvent {
  return {
    ...event,
    data: JSON.parse(JSON.stringify(event.data)) as JsonObject,
    metadata: JSON.parse(JSON.stringify(event.metadata)) as RecordedEvent['metadata'],
  };
}
