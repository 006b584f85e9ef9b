import { COUNTRY_ROLES, type CountryRole } from '#domain';
import { encodeCursor } from '../cursor.js';
import { sortKeyOf } from '../partial-date.js';
import { withLazyCount } from '../query-args.js';
import type { Sql } from '../sql.js';
import type { Reader, StatementRow } from '../statement.js';
import type { CountryEntry, StatementConnection, TimelineRequest, TopicEntry } from '../types.js';
import { buildTimelineSql, cursorScope, type TimelineSource } from './sql.js';

/**
 * The question "what did a country say, hear or get mentioned in; what was said about a topic?": the
 * bitemporal `country_entries` and `topic_entries` (one row per statement and country or topic) with their
 * counters, the writes the projection makes to them (`projection.ts` decides which) and the timeline queries
 * (`sql.ts` builds them).
 *
 * The timeline indexes lead with the timeline key and then the sort tuple (sort_key, recorded_position,
 * statement_id), so a page is an index range scan in either direction with no sort step. The current ones
 * also carry the filter columns (status, kind, roles) and `valid_to` (SQLite still evaluates the partial
 * index's own `valid_to IS NULL` term, and without the column it would read the table for every row: 8x
 * slower counts), and the history ones the validity columns, so counts, filters and as-of checks are
 * answered from the index alone; the table is read only for the rows of a page.
 */
export const TIMELINE_TABLES = `
CREATE TABLE IF NOT EXISTS country_entries (
  recorded_position INTEGER NOT NULL,
  country           TEXT    NOT NULL,
  valid_from        INTEGER NOT NULL,
  valid_to          INTEGER,
  sort_key          TEXT    NOT NULL,
  kind              TEXT    NOT NULL,
  status            TEXT    NOT NULL,
  is_speaker        INTEGER NOT NULL,
  is_target         INTEGER NOT NULL,
  is_mentioned      INTEGER NOT NULL,
  PRIMARY KEY (recorded_position, country, valid_from)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS country_entries_timeline
  ON country_entries (country, sort_key, recorded_position, valid_to, valid_from, status, kind,
                      is_speaker, is_target, is_mentioned);

CREATE TABLE IF NOT EXISTS topic_entries (
  recorded_position INTEGER NOT NULL,
  topic             TEXT    NOT NULL,
  valid_from        INTEGER NOT NULL,
  valid_to          INTEGER,
  sort_key          TEXT    NOT NULL,
  kind              TEXT    NOT NULL,
  status            TEXT    NOT NULL,
  PRIMARY KEY (recorded_position, topic, valid_from)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS topic_entries_timeline
  ON topic_entries (topic, sort_key, recorded_position, valid_to, valid_from, status, kind);

-- Per-timeline counters (version 3): the unfiltered current count of each country and topic timeline, kept
-- by the projection in the same transaction as the entries, so a page's totalCount is one lookup. A row goes
-- when its timeline has no current entry left.
CREATE TABLE IF NOT EXISTS timeline_counts (
  timeline TEXT    NOT NULL CHECK (timeline IN ('country', 'topic')),
  key      TEXT    NOT NULL,
  active   INTEGER NOT NULL,
  current  INTEGER NOT NULL,
  PRIMARY KEY (timeline, key)
) WITHOUT ROWID;
`;

export const TIMELINE_DEFERRED_INDEXES = ['country_entries_timeline', 'topic_entries_timeline'] as const;

// ---- writes ----

export function putCountryEntry(sql: Sql, position: bigint, entry: CountryEntry, replaces: boolean): void {
  if (replaces) closeCountryEntry(sql, position, entry.recordedPosition, entry.country);
  sql.run(
    'INSERT INTO country_entries (recorded_position, country, valid_from, valid_to, sort_key, kind, status, ' +
      'is_speaker, is_target, is_mentioned) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)',
    entry.recordedPosition,
    entry.country,
    position,
    sortKeyOf(entry.occurredOn),
    entry.kind,
    entry.status,
    entry.roles.includes('SPEAKER') ? 1 : 0,
    entry.roles.includes('TARGET') ? 1 : 0,
    entry.roles.includes('MENTIONED') ? 1 : 0,
  );
}

export function closeCountryEntry(sql: Sql, position: bigint, statement: bigint, country: string): void {
  sql.run(
    'UPDATE country_entries SET valid_to = ? WHERE recorded_position = ? AND country = ? AND valid_to IS NULL',
    position,
    statement,
    country,
  );
}

export function putTopicEntry(sql: Sql, position: bigint, entry: TopicEntry, replaces: boolean): void {
  if (replaces) closeTopicEntry(sql, position, entry.recordedPosition, entry.topic);
  sql.run(
    'INSERT INTO topic_entries (recorded_position, topic, valid_from, valid_to, sort_key, kind, status) ' +
      'VALUES (?, ?, ?, NULL, ?, ?, ?)',
    entry.recordedPosition,
    entry.topic,
    position,
    sortKeyOf(entry.occurredOn),
    entry.kind,
    entry.status,
  );
}

export function closeTopicEntry(sql: Sql, position: bigint, statement: bigint, topic: string): void {
  sql.run(
    'UPDATE topic_entries SET valid_to = ? WHERE recorded_position = ? AND topic = ? AND valid_to IS NULL',
    position,
    statement,
    topic,
  );
}

export function adjustTimelineCount(
  sql: Sql,
  timeline: 'country' | 'topic',
  key: string,
  active: number,
  current: number,
): void {
  sql.run(
    'INSERT INTO timeline_counts (timeline, key, active, current) VALUES (?, ?, ?, ?) ' +
      'ON CONFLICT (timeline, key) DO UPDATE SET active = active + excluded.active, ' +
      'current = current + excluded.current',
    timeline,
    key,
    active,
    current,
  );
  sql.run('DELETE FROM timeline_counts WHERE timeline = ? AND key = ? AND current = 0', timeline, key);
}

// ---- queries ----

interface TimelineRow extends StatementRow {
  entry_sort_key: string;
  entry_recorded_position: bigint;
  is_speaker?: bigint;
  is_target?: bigint;
  is_mentioned?: bigint;
}

export const timelineSource = (timeline: 'country' | 'topic', key: string): TimelineSource =>
  timeline === 'country'
    ? { table: 'country_entries', keyColumn: 'country', key }
    : { table: 'topic_entries', keyColumn: 'topic', key };

/** One keyset-paginated page of a country's or a topic's timeline. */
export function timelinePage(
  read: Reader,
  source: TimelineSource,
  req: TimelineRequest,
): StatementConnection {
  const { pageSql, pageParams, countSql, countParams, counter, backward, size, beyondSql, beyondParams } =
    buildTimelineSql(source, req);
  const rows = read.sql.all<TimelineRow>(pageSql, ...pageParams);
  const more = rows.length > size;
  const page = rows.slice(0, size);
  if (backward) page.reverse();
  const scope = cursorScope(source);
  const edges = page.map((row) => ({
    cursor: encodeCursor(
      { sortKey: row.entry_sort_key, recordedPosition: row.entry_recorded_position, statementId: row.id },
      scope,
    ),
    node: read.view(row),
    roles: rolesOf(row),
  }));
  const beyond =
    beyondSql !== undefined &&
    read.sql.get<{ found: bigint }>(beyondSql, ...(beyondParams ?? [])) !== undefined;
  const count = (): number => {
    if (counter === undefined) {
      return Number(read.sql.get<{ total: bigint }>(countSql, ...countParams)?.total ?? 0n);
    }
    const row = read.sql.get<{ total: bigint }>(
      `SELECT ${counter} AS total FROM timeline_counts WHERE timeline = ? AND key = ?`,
      source.keyColumn,
      source.key,
    );
    return Number(row?.total ?? 0n);
  };
  return withLazyCount(
    {
      edges,
      hasNextPage: backward ? beyond : more,
      hasPreviousPage: backward ? more : beyond,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    count,
  );
}

/** `EXPLAIN QUERY PLAN` of a timeline's page or count query, or of the query that looks past the cursor. */
export function explainTimeline(
  sql: Sql,
  source: TimelineSource,
  req: TimelineRequest,
  query: 'page' | 'count' | 'beyond',
): string[] {
  const { pageSql, pageParams, countSql, countParams, beyondSql, beyondParams } = buildTimelineSql(
    source,
    req,
  );
  if (query === 'beyond') return beyondSql === undefined ? [] : sql.explain(beyondSql, beyondParams ?? []);
  return query === 'page' ? sql.explain(pageSql, pageParams) : sql.explain(countSql, countParams);
}

function rolesOf(row: TimelineRow): CountryRole[] {
  const held: Record<CountryRole, bigint | undefined> = {
    SPEAKER: row.is_speaker,
    TARGET: row.is_target,
    MENTIONED: row.is_mentioned,
  };
  return COUNTRY_ROLES.filter((role) => held[role] === 1n);
}
