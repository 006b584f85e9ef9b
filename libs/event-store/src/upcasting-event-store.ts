import type { StoredEvent } from './audit.js';
import {
  EventStore,
  type AppendResult,
  type EventStoreCapabilities,
  type EventToAppend,
  type ExpectedRevision,
  type Position,
  type ReadAllBackwardsOptions,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamWrite,
  type SubscribeOptions,
  type Subscription,
} from './event-store.js';
import { upcastVerified, type UpcasterRegistry } from './upcasting.js';

/**
 * The upcasters of `registry` worn by any adapter (DESIGN §5): every event read through `readStream`,
 * `readAll` or a subscription is checked against its stored hash and lifted to the current schema version
 * when an upcaster applies (`upcastVerified`). Everything else goes to the wrapped store as it is:
 * appends, counts, `readStored` and `importStored` (the stored bytes, never the upcast form), `positionAt`
 * and the capabilities.
 */
export class UpcastingEventStore extends EventStore {
  constructor(
    private readonly inner: EventStore,
    private readonly registry: UpcasterRegistry,
  ) {
    super();
  }

  override get capabilities(): EventStoreCapabilities {
    return this.inner.capabilities;
  }

  override appendToStream(
    stream: string,
    events: EventToAppend[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    return this.inner.appendToStream(stream, events, options);
  }

  override appendToStreams(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    return this.inner.appendToStreams(writes);
  }

  override async *readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    for await (const event of this.inner.readStream(stream, options)) yield this.lift(event);
  }

  override async *readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    for await (const event of this.inner.readAll(options)) yield this.lift(event);
  }

  override async *readAllBackwards(options?: ReadAllBackwardsOptions): AsyncIterable<RecordedEvent> {
    for await (const event of this.inner.readAllBackwards(options)) yield this.lift(event);
  }

  override subscribeToAll(options?: SubscribeOptions): Subscription {
    const inner = this.inner.subscribeToAll(options);
    const iterator = inner[Symbol.asyncIterator]();
    const lift = (event: RecordedEvent): RecordedEvent => this.lift(event);
    return {
      close: () => inner.close(),
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          const result = await iterator.next();
          return result.done === true ? result : { done: false, value: lift(result.value) };
        },
        return: async () => {
          await inner.close();
          return { done: true, value: undefined };
        },
      }),
    };
  }

  override headPosition(): Promise<Position> {
    return this.inner.headPosition();
  }

  override skippedEvents(): ReadonlyMap<string, number> {
    return this.inner.skippedEvents();
  }

  override countEventsAfter(after?: Position, atMost?: number): Promise<number> {
    return this.inner.countEventsAfter(after, atMost);
  }

  override streamRevisions(streams: readonly string[]): Promise<Map<string, number> | undefined> {
    return this.inner.streamRevisions(streams);
  }

  override readStored(options?: ReadAllOptions): AsyncIterable<StoredEvent> {
    return this.inner.readStored(options);
  }

  override importStored(events: readonly StoredEvent[]): Promise<void> {
    return this.inner.importStored(events);
  }

  override positionAt(recordedAt: string): Promise<Position> {
    return this.inner.positionAt(recordedAt);
  }

  override close(): Promise<void> {
    return this.inner.close();
  }

  private lift(event: RecordedEvent): RecordedEvent {
    return upcastVerified(this.registry, event);
  }
}
