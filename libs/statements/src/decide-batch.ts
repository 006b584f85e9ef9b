import {
  DomainError,
  StatementConflictError,
  decide,
  evolve,
  type ReferenceData,
  type StatementCommand,
  type StatementEvent,
} from '#domain';
import type { EventStore, ExpectedRevision } from '#event-store';
import {
  NO_STATEMENT,
  expectedRevisionOf,
  loadStatement,
  storedStatements,
  type LoadedStatement,
} from './statement-stream.js';

/**
 * One unit of work on one statement stream: a command, decided on the stream's state; then, only when the
 * command records something, `then` (e.g. an imported statement's response links, which go in the same
 * write), each decided on the state the previous ones leave.
 */
export interface CommandItem {
  command: StatementCommand;
  then?: readonly StatementCommand[];
  /** the caller's expected version of the statement (optimistic concurrency); none means any */
  expectedVersion?: number;
  /** the id of the command (the events' `causationId`), the same on every attempt */
  commandId: string;
}

/** Events to append to one statement stream, decided on the state read at `expectedRevision`. */
export interface Decision {
  id: string;
  events: StatementEvent[];
  expectedRevision: ExpectedRevision;
  causationId: string;
}

export type ItemOutcome =
  /** the item changes the stream: append `decision` */
  | { kind: 'decided'; decision: Decision }
  /** the command changes nothing (an idempotent repeat): `loaded` is the stream as it stands */
  | { kind: 'unchanged'; loaded: LoadedStatement }
  /** the domain refused the item; `earlier` is the index of an earlier item of the batch on the same statement */
  | { kind: 'refused'; error: DomainError; earlier: number | undefined };

/**
 * Decides a batch of items, in order, each on its stream's stored state and the batch's earlier items on the
 * same statement (so two items on one statement in a batch decide as if the first were stored). Streams are
 * read once each, and streams the store says are empty are not read. A domain refusal is the item's outcome;
 * any other error (the store's) ends the batch.
 *
 * A single command is a batch of one: the command handlers and the importer decide through this one function.
 */
export async function decideBatch(
  store: EventStore,
  reference: ReferenceData,
  items: readonly CommandItem[],
): Promise<ItemOutcome[]> {
  const stored = await storedStatements(
    store,
    items.map((item) => item.command.id),
  );
  /** each statement's state as the batch has left it so far, by lower-cased id (ids compare so) */
  const current = new Map<
    string,
    { index: number; loaded: LoadedStatement; expectedRevision: ExpectedRevision }
  >();
  const outcomes: ItemOutcome[] = [];
  for (const [index, item] of items.entries()) {
    const { id } = item.command;
    const key = id.toLowerCase();
    const earlier = current.get(key);
    let base = earlier;
    if (base === undefined) {
      const loaded = stored === undefined || stored.has(id) ? await loadStatement(store, id) : NO_STATEMENT;
      base = { index, loaded, expectedRevision: expectedRevisionOf(loaded) };
    }
    const decided = decideItem(item, base.loaded, base.expectedRevision, reference);
    if (decided.outcome.kind === 'refused') {
      outcomes.push({ ...decided.outcome, earlier: earlier?.index });
      continue;
    }
    outcomes.push(decided.outcome);
    if (decided.after !== undefined) current.set(key, { index, ...decided.after });
  }
  return outcomes;
}

/**
 * Decides one item on a stream that holds nothing, as `decideBatch` would when the store says the stream is
 * empty and no earlier item of the batch names the statement: pure, so a bulk importer can run it off the
 * writer's thread and keep the outcome for the items it finds to be so.
 */
export function decideOnNewStream(item: CommandItem, reference: ReferenceData): ItemOutcome {
  return decideItem(item, NO_STATEMENT, expectedRevisionOf(NO_STATEMENT), reference).outcome;
}

/** One item decided on `loaded`, and the stream as it leaves it (for a later item on the same statement). */
function decideItem(
  item: CommandItem,
  loaded: LoadedStatement,
  expectedRevision: ExpectedRevision,
  reference: ReferenceData,
): {
  outcome: ItemOutcome;
  after?: { loaded: LoadedStatement; expectedRevision: ExpectedRevision };
} {
  const { id } = item.command;
  try {
    const state = loaded.state;
    if (item.expectedVersion !== undefined && item.expectedVersion !== state.version) {
      throw staleVersion(id, item.expectedVersion, state.version);
    }
    const events = decide(item.command, state, reference);
    if (events.length === 0) return { outcome: { kind: 'unchanged', loaded } };
    let after = events.reduce(evolve, state);
    for (const next of item.then ?? []) {
      const more = decide(next, after, reference);
      events.push(...more);
      after = more.reduce(evolve, after);
    }
    const revision = loaded.revision + events.length;
    return {
      outcome: {
        kind: 'decided',
        decision: { id, events, expectedRevision, causationId: item.commandId },
      },
      after: {
        loaded: { state: after, revision, lastPosition: loaded.lastPosition },
        // a later item on the same statement goes in its own write, after this one's events
        expectedRevision: revision,
      },
    };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { outcome: { kind: 'refused', error, earlier: undefined } };
  }
}

/** The conflict of a command whose expected version is not the statement's. */
export function staleVersion(id: string, expected: number, actual: number): StatementConflictError {
  return new StatementConflictError(
    `statement ${id} is at version ${actual}, not the expected ${expected}`,
    expected,
    actual,
  );
}
