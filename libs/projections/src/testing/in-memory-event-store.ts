import {
  EventStore,
  WrongExpectedRevisionError,
  computeEventHash,
  storedMetadata,
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
} from '#event-store';

/**
 * TEST DOUBLE: the event store port in memory, for projection tests. It keeps the port's promises (dense
 * bigint positions from 1n, 0-based revisions, EventStoreDB expected-revision rules, idempotent retries,
 * catch-up-then-live subscriptions, plain-JSON copies on the way in and out, the hash chain) but not its
 * durability. It runs the same contract suite as the real adapters, so it cannot drift from them.
 *
 * Extra test hooks: `failSubscriptions(error)` breaks every open subscription (to test resubscribing) and
 * `subscriptionsOpened` counts subscribeToAll calls.
 */
export class InMemoryEventStore extends EventStore {
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly live = new Set<InMemorySubscription>();
  subscriptionsOpened = 0;

  async appendToStream(
    stream: string,
    events: EventToAppend[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    const existing = this.streams.get(stream) ?? [];
    const actual = existing.length - 1;
    const stored = events.map((event) => existing.find((e) => e.id === event.id));
    if (events.length > 0 && stored.every((e) => e !== undefined)) {
      const last = stored.at(-1);
      return { nextRevision: last?.revision ?? actual, position: last?.position ?? 0n };
    }
    if (stored.some((e) => e !== undefined)) {
      throw new Error(`stream ${stream}: only part of the batch is already stored`);
    }
    const { expectedRevision } = options;
    const ok =
      expectedRevision === 'any' ||
      (expectedRevision === 'no_stream' && actual === -1) ||
      (expectedRevision === 'stream_exists' && actual >= 0) ||
      expectedRevision === actual;
    if (!ok) throw new WrongExpectedRevisionError(stream, expectedRevision, actual);

    for (const event of events) {
      const position = BigInt(this.log.length + 1);
      const prevHash = existing.at(-1)?.metadata.hash ?? null;
      const revision = existing.length;
      const data = JSON.parse(JSON.stringify(event.data)) as JsonObject;
      const metadata = storedMetadata(
        JSON.parse(JSON.stringify(event.metadata)) as EventToAppend['metadata'],
        prevHash,
      );
      const hash = computeEventHash({
        id: event.id,
        stream,
        revision,
        type: event.type,
        data,
        metadata,
        prevHash,
      });
      const recorded: RecordedEvent = {
        id: event.id,
        stream,
        revision,
        position,
        type: event.type,
        data,
        metadata: { ...metadata, hash },
      };
      existing.push(recorded);
      this.log.push(recorded);
    }
    this.streams.set(stream, existing);
    for (const subscription of this.live) subscription.wake();
    return { nextRevision: existing.length - 1, position: existing.at(-1)?.position ?? 0n };
  }

  async *readStream(stream: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    const events = (this.streams.get(stream) ?? []).slice(options.fromRevision ?? 0);
    for (const event of events.slice(0, options.maxCount ?? events.length)) yield copy(event);
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    const events = this.log.slice(Number(options.fromPosition ?? 0n));
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

/** A copy as the store would read it back: plain JSON data and metadata (structuredClone would keep another realm's prototypes under Jest). */
function copy(event: RecordedEvent): RecordedEvent {
  return {
    ...event,
    data: JSON.parse(JSON.stringify(event.data)) as JsonObject,
    metadata: JSON.parse(JSON.stringify(event.metadata)) as RecordedEvent['metadata'],
  };
}
