import { InvalidCursorError } from './errors.js';
import { isSortKey } from './partial-date.js';

/** The keyset a timeline is ordered by: sort key of `occurredOn`, position of `StatementRecorded`, id. */
export interface TimelineKey {
  sortKey: string;
  recordedPosition: bigint;
  statementId: string;
}

/** Opaque to clients: base64url of the JSON tuple `[sortKey, recordedPosition, statementId]`. */
export function encodeCursor(key: TimelineKey): string {
  const tuple = [key.sortKey, key.recordedPosition.toString(), key.statementId];
  return Buffer.from(JSON.stringify(tuple), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, field = 'after'): TimelineKey {
  let tuple: unknown;
  try {
    // Node's base64url decoder skips characters outside the alphabet, so a round trip proves the input was
    // exactly a cursor we could have produced.
    const json = Buffer.from(cursor, 'base64url').toString('utf8');
    if (Buffer.from(json, 'utf8').toString('base64url') !== cursor) throw new InvalidCursorError(field);
    tuple = JSON.parse(json);
  } catch {
    throw new InvalidCursorError(field);
  }
  if (
    !Array.isArray(tuple) ||
    tuple.length !== 3 ||
    typeof tuple[0] !== 'string' ||
    !isSortKey(tuple[0]) ||
    typeof tuple[1] !== 'string' ||
    !/^(?:0|[1-9]\d{0,18})$/.test(tuple[1]) ||
    typeof tuple[2] !== 'string' ||
    tuple[2].length === 0
  ) {
    throw new InvalidCursorError(field);
  }
  return { sortKey: tuple[0], recordedPosition: BigInt(tuple[1]), statementId: tuple[2] };
}
