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
 * Positions. The server orders `$all` by a (commit, prepare) pair of transaction-file offsets. The events of
 * one append share the commit position of the append (the offset of its first event) and each has its own,
 * larger, prepare position; an event appended alone has commit = prepare. The port needs ONE bigint that is
 * strictly increasing along `$all` and fits the read model's 64-bit INTEGER checkpoints, so a position is
 *
 *     commit * 2^24 + (prepare - commit)
 *
 * which orders exactly like (commit, prepare) as long as an append spans less than 16 MiB of log (the
 * server's default maximum append size is 1 MiB) and the log stays under 2^39 bytes (512 GiB). Outside those
 * bounds `toPosition` throws rather than returning a position that could sort wrongly. To resume after a
 * position, a read starts at the append it belongs to, (commit, commit), and drops what it has already seen.
 */

export const OFFSET_BITS = 24n;
const OFFSET_LIMIT = 1n << OFFSET_BITS;
const COMMIT_LIMIT = 1n << (63n - OFFSET_BITS);

/** The port's position of an event the server reports at `position`. */
export function toPosition(position: ClientPosition): Position {
  const { commit, prepare } = position;
  const offset = prepare - commit;
  if (commit < 0n || offset < 0n || offset >= OFFSET_LIMIT || commit >= COMMIT_LIMIT) {
    throw new RangeError(
      `EventStoreDB position (commit ${commit}, prepare ${prepare}) cannot be encoded: ` +
        'the adapter needs 0 <= prepare - commit < 2^24 and commit < 2^39',
    );
  }
  return (commit << OFFSET_BITS) + offset;
}

/** Where to start reading or subscribing so as to see every event after `position`: its append's start. */
export function appendStartOf(position: Position): ClientPosition {
  const commit = position >> OFFSET_BITS;
  return { commit, prepare: commit };
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

export function isStreamNotFound(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { type?: unknown }).type === ErrorType.STREAM_NOT_FOUND
  );
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

/** `$`-prefixed streams and event types are the server's own (metadata, statistics, projections). */
export function isSystemEvent(event: { streamId: string; type: string }): boolean {
  return event.streamId.startsWith('$') || event.type.startsWith('$');
}
