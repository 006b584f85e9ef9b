import { statementStream, type StatementEvent } from '#domain';
import {
  WrongExpectedRevisionError,
  type SerializedEventData,
  type AppendResult,
  type EventStore,
  type StreamWrite,
} from '#event-store';
import type { Decision } from './decide-batch.js';
import { encodeStatementEvent, envelope } from './event-codec.js';

/**
 * A decision whose events' data is serialised already (decided off the writer's thread, e.g. by the import's
 * reading thread): written exactly as the `Decision` it was made from would be.
 */
export interface SerializedDecision extends Omit<Decision, 'events'> {
  events: { type: StatementEvent['type']; data: SerializedEventData }[];
}

/** Who asked, and within which request (or import run): the `recordedBy` and `correlationId` of the events. */
export interface CommandContext {
  principal: string;
  correlationId: string;
}

/** Time and identity, injected so the core stays deterministic under test. */
export interface Clock {
  now(): Date;
}
export interface IdGenerator {
  newId(): string;
}

/**
 * The stream writes of decided events, with the metadata envelope: `recordedAt` now (one instant per
 * decision), `recordedBy` the principal, `correlationId` the request's (or import run's) id, `causationId`
 * the id of the command that decided them, and a fresh id per event.
 */
export function prepareWrites(
  decisions: readonly (Decision | SerializedDecision)[],
  context: CommandContext,
  clock: Clock,
  ids: IdGenerator,
): StreamWrite[] {
  return decisions.map((decision) => {
    const metadata = envelope({
      recordedAt: clock.now().toISOString(),
      recordedBy: context.principal,
      correlationId: context.correlationId,
      causationId: decision.causationId,
    });
    return {
      stream: statementStream(decision.id),
      expectedRevision: decision.expectedRevision,
      events: decision.events.map((event) => encodeStatementEvent(event, ids.newId(), metadata)),
    };
  });
}

/** One attempt: the writes to append, decided on the state read now, and what the caller keeps of it. */
export interface Attempt<T> {
  writes: StreamWrite[];
  value: T;
}

/**
 * Appends what `attempt` decides, in one `appendToStreams` call (one transaction where the store has them),
 * each write with the expected revision it was decided on. A write that lost a race to another writer
 * (`WrongExpectedRevisionError`) makes the whole attempt run again on fresh state, up to `maxAttempts` times;
 * after that the error is thrown. `attempt` may throw to refuse (e.g. a stale expected version found on the
 * fresh state).
 */
export async function appendWithRetries<T>(
  store: EventStore,
  maxAttempts: number,
  attempt: (number: number) => Promise<Attempt<T>>,
): Promise<{ value: T; results: AppendResult[] }> {
  for (let number = 1; ; number++) {
    const { writes, value } = await attempt(number);
    try {
      const results = writes.length === 0 ? [] : await store.appendToStreams(writes);
      return { value, results };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError) || number >= maxAttempts) throw error;
    }
  }
}
