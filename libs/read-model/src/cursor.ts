import { InvalidCursorError } from './errors.js';
import { isSortKey } from './partial-date.js';

/** The keyset a timeline is ordered by: sort key of `occurredOn`, position of `StatementRecorded`, id. */
export interface TimelineKey {
  sortKey: string;
  recordedPosition: bigint;
  statementId: string;
}

/**
 * Opaque to clients: base64url of the JSON tuple `[sortKey, recordedPosition, statementId]`, with the
 * connection it belongs to as a fourth member when `scope` is given (`country:US`, `topic:xinjiang`), so a
 * cursor of one timeline given to another is refused instead of silently starting somewhere.
 */
export function encodeCursor(key: TimelineKey, scope?: string): string {
  const tuple = [key.sortKey, key.recordedPosition.toString(), key.statementId];
  if (scope !== undefined) tuple.push(scope);
  return Buffer.from(JSON.stringify(tuple), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, field = 'after', scope?: string): TimelineKey {
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
    tuple.length !== (scope === undefined ? 3 : 4) ||
    typeof tuple[0] !== 'string' ||
    !isSortKey(tuple[0]) ||
    typeof tuple[1] !== 'string' ||
    !/^(?:0|[1-9]\d{0,18})$/.test(tuple[1]) ||
    typeof tuple[2] !== 'string' ||
    tuple[2].length === 0
  ) {
    throw new InvalidCursorError(field);
  }
  if (scope !== undefined && tuple[3] !== scope)
    throw new InvalidCursorError(field, 'is a cursor of another connection');
  return { sortKey: tuple[0], recordedPosition: BigInt(tuple[1]), statementId: tuple[2] };
}
