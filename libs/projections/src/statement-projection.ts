import {
  evolve,
  initialStatementState,
  statementIdOf,
  type StatementEvent,
  type StatementState,
} from '#domain';
import type { RecordedEvent } from '#event-store';
import { decodeStatementEvent } from '#statements';
import {
  diffStatement,
  type ReadModel,
  type ReadModelWrite,
  type StatementView,
  type WriteBatch,
} from '#read-model';

/**
 * The statements projection as a pure fold: `projectStatementEvent(event, current)` returns the read-model
 * writes one event causes, given the statement's current view. No SQL here and nothing of SQLite (that is
 * the read model's), no I/O: the runner reads `current`, calls this, and hands the writes to the read model.
 *
 * What an event does to a statement is the domain's `evolve`; what the new view means for each table is the
 * read model's `diffStatement` (each question's module has its part).
 */

/**
 * The event as a statement event, or undefined when it is not one (other streams, unknown types). The data
 * (lifted to the current schema at the store boundary) is checked by the statements' one event codec.
 */
export function statementEventOf(event: RecordedEvent): StatementEvent | undefined {
  if (statementIdOf(event.stream) === undefined) return undefined;
  return decodeStatementEvent(event);
}

/**
 * The view after `event`, or undefined when the event changes nothing the read model keeps. The statement's
 * content follows the domain's own `evolve`, so the read model can never disagree with the decider about
 * what an event means; this adds only what the read model keeps besides (positions, times).
 */
export function evolveStatementView(
  current: StatementView | undefined,
  event: RecordedEvent,
): StatementView | undefined {
  const statementEvent = statementEventOf(event);
  const id = statementIdOf(event.stream);
  if (statementEvent === undefined || id === undefined) return undefined;
  // The decider never emits a change for a statement it has not recorded; a log that holds one anyway is
  // for `audit verify` to report, not for the projection to stop on.
  if (current === undefined && statementEvent.type !== 'StatementRecorded') return undefined;
  const state = evolve(stateOf(current), statementEvent);
  if (!state.exists) return undefined;
  return {
    ...state.statement,
    id,
    status: state.status,
    respondsTo: state.respondsTo,
    version: event.revision + 1,
    recordedAt: current?.recordedAt ?? event.metadata.recordedAt,
    updatedAt: event.metadata.recordedAt,
    recordedPosition: current?.recordedPosition ?? event.position,
    lastPosition: event.position,
  };
}

/** The decider state a view stands for (`recorded` is not kept by the read model and not needed here). */
function stateOf(view: StatementView | undefined): StatementState {
  if (view === undefined) return initialStatementState;
  const {
    status,
    version,
    respondsTo,
    recordedAt: _recordedAt,
    updatedAt: _updatedAt,
    recordedPosition: _recordedPosition,
    lastPosition: _lastPosition,
    ...statement
  } = view;
  return { exists: true, statement, status, version, respondsTo, recorded: statement };
}

/**
 * The writes `event` causes. Idempotent by construction: an event at or before the position the statement
 * was last changed at has been applied already and yields nothing, so replays leave rows and counters as
 * they are.
 */
export function projectStatementEvent(
  event: RecordedEvent,
  current: StatementView | undefined,
): ReadModelWrite[] {
  if (current !== undefined && event.position <= current.lastPosition) return [];
  const next = evolveStatementView(current, event);
  return next === undefined ? [] : diffStatement(current, next);
}

/**
 * Applies events to a read model in one transaction, WITHOUT touching any checkpoint: the runner wraps this
 * with its checkpoint; tests call it directly to show that a replay changes nothing. The read model's batch
 * writer (`ReadModel.writeBatch`) makes a batch cheap; the rows are those of one event at a time.
 */
export function applyStatementEvents(readModel: ReadModel, events: readonly RecordedEvent[]): void {
  readModel.writeBatch((batch) => projectStatementEvents(batch, events));
}

/** The statement events among `events`, projected into an open batch. */
export function projectStatementEvents(batch: WriteBatch, events: readonly RecordedEvent[]): void {
  for (const event of events) {
    const id = statementIdOf(event.stream);
    if (id === undefined) continue;
    batch.apply(event.position, projectStatementEvent(event, batch.statement(id)));
  }
}

export { countryEntriesOf, diffStatement, topicEntriesOf } from '#read-model';
