import { evolve, initialStatementState, statementStream, type StatementState } from '#domain';
import type { EventStore, ExpectedRevision, Position } from '#event-store';
import { MalformedStatementEventError, decodeStatementEvent } from './event-codec.js';

/** A statement stream read into decider state. */
export interface LoadedStatement {
  state: StatementState;
  /** revision of the stream's last event, -1 when the stream does not exist */
  revision: number;
  /** position of the stream's last event, 0n when the stream does not exist */
  lastPosition: Position;
}

/** What a stream that holds nothing loads as. */
export const NO_STATEMENT: LoadedStatement = { state: initialStatementState, revision: -1, lastPosition: 0n };

/** Reads the statement's stream and folds it with the domain's `evolve`. */
export async function loadStatement(store: EventStore, id: string): Promise<LoadedStatement> {
  let loaded = NO_STATEMENT;
  for await (const stored of store.readStream(statementStream(id))) {
    const event = decodeStatementEvent(stored);
    if (event === undefined) throw new MalformedStatementEventError(stored.type, 'type');
    loaded = { state: evolve(loaded.state, event), revision: stored.revision, lastPosition: stored.position };
  }
  return loaded;
}

/** The expected revision of an append decided on `loaded`: the stream must not have moved since. */
export const expectedRevisionOf = (loaded: LoadedStatement): ExpectedRevision =>
  loaded.revision === -1 ? 'no_stream' : loaded.revision;

/**
 * The statement ids among `ids` whose streams hold events, when the store can tell without reading them (the
 * port's `streamRevisions`); undefined means it cannot, and every stream is read.
 */
export async function storedStatements(
  store: EventStore,
  ids: readonly string[],
): Promise<ReadonlySet<string> | undefined> {
  const revisions = await store.streamRevisions([...new Set(ids.map(statementStream))]);
  return revisions === undefined
    ? undefined
    : new Set(ids.filter((id) => revisions.has(statementStream(id))));
}
