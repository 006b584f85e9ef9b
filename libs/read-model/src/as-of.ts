import { InvalidArgumentError } from './errors.js';
import type { Sql } from './sql.js';
import type { ReadModelWrite } from './types.js';

/**
 * The question "which log position was current at this moment?" (`asOf: DateTime`), answered from an index
 * the projection keeps while it applies the log, never by reading the log: `log_times` holds, for each
 * recorded time, the last position recorded then. A recorded time is the event's `metadata.recordedAt` in
 * UTC (ISO-8601 with milliseconds), except that it never goes back along the log: an event stamped earlier
 * than its predecessor (clock skew between writers) counts as recorded at its predecessor's time, as in the
 * SQLite event store's own index. So the times grow with the positions, and the log as it stood at a moment
 * is everything up to the position found.
 */
export const AS_OF_TABLES = `
-- (version 4) recorded time -> the last position recorded at that time; both grow along the log
CREATE TABLE IF NOT EXISTS log_times (
  recorded_at TEXT    NOT NULL PRIMARY KEY,
  position    INTEGER NOT NULL
) WITHOUT ROWID;
`;

// ---- the projection's part ----

/** What every event of the log adds to the index, whatever its stream. */
export function asOfWrites(recordedAt: string): ReadModelWrite[] {
  return [{ type: 'indexRecordedAt', recordedAt }];
}

// ---- writes ----

/** ISO-8601 UTC with milliseconds (the form the index compares as text), or undefined when not a time. */
export function isoInstant(value: string): string | undefined {
  const millis = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(millis) ? undefined : new Date(millis).toISOString();
}

/**
 * The index rows of a run of events, written one row per recorded time (a bulk import stamps thousands of
 * events with one time): `add` each event in log order, then `flush`. Re-adding events already indexed
 * changes nothing (a row's position only grows).
 */
export class LogTimes {
  private floor: string | undefined;
  private loaded = false;
  private pending: { recordedAt: string; position: bigint } | undefined;
  private lastText: string | undefined;
  private lastIso: string | undefined;

  constructor(private readonly sql: Sql) {}

  add(position: bigint, recordedAt: string): void {
    if (!this.loaded) {
      this.floor = this.sql.get<{ recorded_at: string }>(
        'SELECT recorded_at FROM log_times ORDER BY recorded_at DESC LIMIT 1',
      )?.recorded_at;
      this.loaded = true;
    }
    // a batch's events often carry one time (a bulk import stamps a whole batch): parse each text once
    if (recordedAt !== this.lastText) {
      this.lastText = recordedAt;
      this.lastIso = isoInstant(recordedAt);
    }
    const own = this.lastIso;
    // an event without a readable time counts as recorded with its predecessor
    const at = own === undefined || (this.floor !== undefined && own < this.floor) ? this.floor : own;
    if (at === undefined) return;
    this.floor = at;
    if (this.pending?.recordedAt === at) {
      if (position > this.pending.position) this.pending.position = position;
      return;
    }
    this.flush();
    this.pending = { recordedAt: at, position };
  }

  flush(): void {
    if (this.pending === undefined) return;
    this.sql.run(
      'INSERT INTO log_times (recorded_at, position) VALUES (?, ?) ' +
        'ON CONFLICT (recorded_at) DO UPDATE SET position = max(position, excluded.position)',
      this.pending.recordedAt,
      this.pending.position,
    );
    this.pending = undefined;
  }
}

// ---- queries ----

export interface PositionAtTime {
  /** the last position recorded at or before the moment; 0n before the first event */
  position: bigint;
  /**
   * whether the answer is final: an event recorded after the moment has been applied, so no event still to
   * be applied can be recorded at or before it. When false, bring the read model up to the log head first
   * (its answer then reads "as of now" for a moment still to come).
   */
  final: boolean;
}

/** The position the log stood at at `recordedAt` (any ISO-8601 instant), as far as the read model has seen. */
export function positionAt(sql: Sql, recordedAt: string, field = 'asOf'): PositionAtTime {
  const at = isoInstant(recordedAt);
  if (at === undefined) throw new InvalidArgumentError(field, `not an ISO-8601 instant: ${recordedAt}`);
  const row = sql.get<{ position: bigint }>(
    'SELECT position FROM log_times WHERE recorded_at <= ? ORDER BY recorded_at DESC LIMIT 1',
    at,
  );
  const later = sql.get<{ one: bigint }>('SELECT 1 AS one FROM log_times WHERE recorded_at > ? LIMIT 1', at);
  return { position: row?.position ?? 0n, final: later !== undefined };
}
