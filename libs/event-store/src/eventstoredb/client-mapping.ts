import {
  ANY,
  ErrorType,
  NO_STREAM,
  STREAM_EXISTS,
  type AppendExpectedRevision,
  type CurrentRevision,
  type Position as ClientPosition,
} from '@eventstore/db-client';
import { WrongExpectedRevisionError, type ExpectedRevision, type Position } from '../event-store.js';

/*
 * The mapping between the port's values and @eventstore/db-client's, kept apart from the adapter so each rule
 * is tested on its own.
 *
 * Positions. The server reports a (commit, prepare) pair of transaction-file offsets and orders `$all` by it.
 * Every event written through the gRPC append (the only write this client has) is its own commit record:
 * commit = prepare = the offset of its record, so the commit position alone is unique and strictly increasing
 * along `$all`, and it fits the read model's 64-bit INTEGER checkpoints. It has gaps (it counts bytes).
 * Events written inside an explicit transaction of the legacy TCP API share the commit position of the
 * transaction's commit record; the adapter refuses them with an error rather than give two events one
 * position. To read after a position p, a read starts at (p, p), the event itself, and drops it.
 */

/**
 * The commit position a server older than 22.6 sends for an event read from a stream (not from `$all`):
 * it had none to give and sent -1 as an unsigned 64-bit number. Servers from 22.6 on send the real one for
 * every event appended outside an explicit transaction.
 */
export const NO_COMMIT_POSITION = 2n ** 64n - 1n;

/** The port's position of an event the server reports at `position`. */
export function toPosition(position: ClientPosition): Position {
  const { commit, prepare } = position;
  if (commit < 0n || prepare !== commit) {
    throw new RangeError(
      `EventStoreDB position (commit ${commit}, prepare ${prepare}) is not that of an event appended on its own ` +
        '(commit = prepare): events of explicit transactions (legacy TCP API) are not supported',
    );
  }
  return commit;
}

/** The client's position of the event at the port's `position`: where to read or subscribe from. */
export function toClientPosition(position: Position): ClientPosition {
  return { commit: position, prepare: position };
}

/** The port's expected revision as the client takes it. */
export function toClientExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

/** The client's expected revision (as in its errors) as the port says it. */
export function fromClientExpectedRevision(expected: AppendExpectedRevision): ExpectedRevision {
  if (expected === ANY || expected === NO_STREAM || expected === STREAM_EXISTS) return expected;
  return toSafeRevision(expected);
}

/** The client's current revision of a stream as the port says it: -1 for a stream that does not exist. */
export function fromClientCurrentRevision(current: CurrentRevision): number {
  return current === NO_STREAM ? -1 : toSafeRevision(current);
}

function toSafeRevision(revision: bigint): number {
  const value = Number(revision);
  if (!Number.isSafeInteger(value)) throw new RangeError(`stream revision ${revision} exceeds 2^53`);
  return value;
}

interface ClientWrongExpectedVersion {
  type: ErrorType.WRONG_EXPECTED_VERSION;
  streamName: string;
  expectedVersion: AppendExpectedRevision;
  actualVersion: CurrentRevision;
}

export function isWrongExpectedVersion(error: unknown): error is ClientWrongExpectedVersion {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { type?: unknown }).type === ErrorType.WRONG_EXPECTED_VERSION
  );
}

function hasErrorType(error: unknown, ...types: ErrorType[]): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    types.includes((error as { type?: unknown }).type as ErrorType)
  );
}

export function isStreamNotFound(error: unknown): boolean {
  return hasErrorType(error, ErrorType.STREAM_NOT_FOUND);
}

/** A hard-deleted (tombstoned) stream: it can never be read or written again. */
export function isStreamDeleted(error: unknown): boolean {
  return hasErrorType(error, ErrorType.STREAM_DELETED);
}

/**
 * The answers of a node that cannot take the command during a leader change: `NotLeader` (a follower; the
 * client reconnects to the leader it names), `Unavailable` (the node is gone or not yet in a cluster; the
 * client rediscovers) and a `Cancelled` the server sent (how the calls open on a node that goes down end;
 * a cancellation by this client is not one). The client reconnects on each of them, as its `shouldReconnect`
 * says, but the command itself failed, and the client does not retry it.
 */
export function isLeaderChange(error: unknown): boolean {
  return hasErrorType(error, ErrorType.NOT_LEADER, ErrorType.UNAVAILABLE, ErrorType.CANCELLED);
}

/** The server refused an append larger than its `MaxAppendSize`. */
export function isMaxAppendSizeExceeded(error: unknown): error is { maxAppendSize?: number } {
  return hasErrorType(error, ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED);
}

/** The client's wrong-expected-version error as the port's conflict, for `stream` as the caller named it. */
export function toWrongExpectedRevisionError(
  error: ClientWrongExpectedVersion,
  stream: string,
  expected?: ExpectedRevision,
): WrongExpectedRevisionError {
  return new WrongExpectedRevisionError(
    stream,
    expected ?? fromClientExpectedRevision(error.expectedVersion),
    fromClientCurrentRevision(error.actualVersion),
  );
}

/**
 * Canonical event id: the server parses an event id as a UUID and hands it back lower-case, so the adapter
 * hashes, compares and reports ids in that form (an upper-case retry is then the same id).
 */
export function canonicalEventId(id: string): string {
  return id.toLowerCase();
}

/** `$`-prefixed streams and event types are the server's own (metadata, statistics, projections). */
export function isSystemEvent(event: { streamId: string; type: string }): boolean {
  return event.streamId.startsWith('$') || event.type.startsWith('$');
}
