import type { Statement, StatementStatus } from '#domain';
import { sortKeyOf } from './partial-date.js';
import { checkAsOf, checkFirst, STATEMENT_COLUMNS, validAt } from './query-args.js';
import type { Sql } from './sql.js';
import type { ReadModelWrite, StatementView } from './types.js';

/**
 * The question "what is (or was) this statement?": the bitemporal `statements` rows (one per version of a
 * statement, `valid_from`/`valid_to` the positions that opened and closed it) and the `response_links` between
 * statements; the projection's part that writes them, and the queries that read them.
 */

export const STATEMENT_TABLES = `
CREATE TABLE IF NOT EXISTS statements (
  id                TEXT    NOT NULL,
  valid_from        INTEGER NOT NULL,
  valid_to          INTEGER,
  version           INTEGER NOT NULL,
  status            TEXT    NOT NULL CHECK (status IN ('ACTIVE', 'RETRACTED')),
  sort_key          TEXT    NOT NULL,
  recorded_position INTEGER NOT NULL,
  recorded_at       TEXT    NOT NULL,
  updated_at        TEXT    NOT NULL,
  data              TEXT    NOT NULL,
  PRIMARY KEY (id, valid_from)
);
CREATE UNIQUE INDEX IF NOT EXISTS statements_current ON statements (id) WHERE valid_to IS NULL;
-- a statement's versions by the position that recorded it: the key the timeline entries and search documents
-- use; status and valid_to let a search's status check and count read this index alone
CREATE INDEX IF NOT EXISTS statements_by_position ON statements (recorded_position, valid_to, status, valid_from);

CREATE TABLE IF NOT EXISTS response_links (
  statement_id TEXT    NOT NULL,
  responds_to  TEXT    NOT NULL,
  valid_from   INTEGER NOT NULL,
  valid_to     INTEGER,
  PRIMARY KEY (statement_id, responds_to, valid_from)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS response_links_by_target ON response_links (responds_to, valid_from);
`;

export const STATEMENT_DEFERRED_INDEXES = [
  'statements_current',
  'statements_by_position',
  'response_links_by_target',
] as const;

// ---- the projection's part ----

/** The new version of the statement (`replaces: false` for a new one: no current row to close). */
export function statementWrites(before: StatementView | undefined, after: StatementView): ReadModelWrite[] {
  return [{ type: 'putStatement', statement: after, replaces: before !== undefined }];
}

/** A link for every statement `after` responds to that `before` did not. */
export function responseLinkWrites(
  before: StatementView | undefined,
  after: StatementView,
): ReadModelWrite[] {
  return after.respondsTo
    .filter((respondsTo) => !before?.respondsTo.includes(respondsTo))
    .map((respondsTo) => ({ type: 'openResponseLink', statementId: after.id, respondsTo }));
}

// ---- writes ----

export function putStatement(sql: Sql, position: bigint, view: StatementView, replaces: boolean): void {
  // `data` holds what no column holds (the id is a column: version 8 no longer stores it twice)
  const { id, status, version, recordedAt, updatedAt, recordedPosition, lastPosition, ...statement } = view;
  if (lastPosition !== position) {
    throw new Error(`statement ${view.id}: lastPosition ${lastPosition} written at position ${position}`);
  }
  if (replaces) {
    sql.run('UPDATE statements SET valid_to = ? WHERE id = ? AND valid_to IS NULL', position, view.id);
  }
  sql.run(
    'INSERT INTO statements (id, valid_from, valid_to, version, status, sort_key, recorded_position, ' +
      'recorded_at, updated_at, data) VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)',
    id,
    position,
    version,
    status,
    sortKeyOf(view.occurredOn),
    recordedPosition,
    recordedAt,
    updatedAt,
    JSON.stringify(statement),
  );
}

export function openResponseLink(sql: Sql, position: bigint, statementId: string, respondsTo: string): void {
  sql.run(
    'INSERT INTO response_links (statement_id, responds_to, valid_from, valid_to) VALUES (?, ?, ?, NULL)',
    statementId,
    respondsTo,
    position,
  );
}

/**
 * The view as the read model gives it back after storing it: the statement's content goes through JSON,
 * which drops keys holding `undefined` and so can change the key order of later versions' JSON. A batch that
 * keeps the views it wrote keeps this form, so its rows equal those of one-event-at-a-time projection.
 */
export function storedView(view: StatementView): StatementView {
  const { id, status, version, recordedAt, updatedAt, recordedPosition, lastPosition, ...statement } = view;
  const content = JSON.parse(JSON.stringify(statement)) as Omit<
    StatementView,
    'id' | 'status' | 'version' | 'recordedAt' | 'updatedAt' | 'recordedPosition' | 'lastPosition'
  >;
  return { ...content, id, status, version, recordedAt, updatedAt, recordedPosition, lastPosition };
}

// ---- queries ----

/** A `statements` row as SQLite returns it (integers as bigint: every statement runs in safe-integer mode). */
export interface StatementRow {
  id: string;
  valid_from: bigint;
  version: bigint;
  status: StatementStatus;
  recorded_position: bigint;
  recorded_at: string;
  updated_at: string;
  data: string;
}

export function toView(row: StatementRow): StatementView {
  const statement = JSON.parse(row.data) as Omit<Statement, 'id'> & { respondsTo: string[] };
  return {
    ...statement,
    id: row.id,
    status: row.status,
    version: Number(row.version),
    recordedAt: row.recorded_at,
    updatedAt: row.updated_at,
    recordedPosition: row.recorded_position,
    lastPosition: row.valid_from,
  };
}

/** The connection and the (cached) way from a row to a view that every question's queries read with. */
export interface Reader {
  sql: Sql;
  view(row: StatementRow): StatementView;
}

/** The statement (ACTIVE or RETRACTED) as it is now, or as it stood at position `asOf`. */
export function statementById(read: Reader, id: string, asOf?: bigint): StatementView | undefined {
  checkAsOf(asOf);
  const params: unknown[] = [id];
  const row = read.sql.get<StatementRow>(
    `SELECT ${STATEMENT_COLUMNS} FROM statements s WHERE s.id = ? AND ${validAt('s', asOf, params)}`,
    ...params,
  );
  return row === undefined ? undefined : read.view(row);
}

/** Many statements in one query (for batched field resolvers); ids not found are absent from the map. */
export function statementsById(
  read: Reader,
  ids: readonly string[],
  asOf?: bigint,
): Map<string, StatementView> {
  checkAsOf(asOf);
  const params: unknown[] = [JSON.stringify(ids)];
  const rows = read.sql.all<StatementRow>(
    `SELECT ${STATEMENT_COLUMNS} FROM statements s ` +
      `WHERE s.id IN (SELECT value FROM json_each(?)) AND ${validAt('s', asOf, params)}`,
    ...params,
  );
  return new Map(rows.map((row) => [row.id, read.view(row)]));
}

/** One page of responses per statement: at most `first`, after the response `after` (an id). */
export interface ResponsePage {
  first: number;
  after?: string;
}

/**
 * For each id, the ACTIVE statements that respond to it, in timeline order, in one query. Every requested
 * id is a key of the map (with an empty list when nothing responds to it). With `page`, at most
 * `page.first` per id, after the response `page.after` (an id; the order is date said, log position, id).
 */
export function responsesTo(
  read: Reader,
  ids: readonly string[],
  asOf?: bigint,
  page?: ResponsePage,
): Map<string, StatementView[]> {
  checkAsOf(asOf);
  if (page) checkFirst(page.first, 'first');
  const params: unknown[] = [];
  const linkValid = validAt('l', asOf, params);
  params.push(JSON.stringify(ids));
  const statementValid = validAt('s', asOf, params);
  let afterClause = '';
  if (page?.after !== undefined) {
    params.push(page.after);
    afterClause =
      ' AND (s.sort_key, s.recorded_position, s.id) > ' +
      `(SELECT a.sort_key, a.recorded_position, a.id FROM statements a WHERE a.id = ? AND ${validAt('a', asOf, params)})`;
  }
  const rank = page
    ? ', ROW_NUMBER() OVER (PARTITION BY l.responds_to ORDER BY s.sort_key, s.recorded_position, s.id) AS rank'
    : '';
  const select =
    `SELECT l.responds_to, ${STATEMENT_COLUMNS}${rank} FROM response_links l ` +
    `JOIN statements s ON s.id = l.statement_id AND ${linkValid} ` +
    `WHERE l.responds_to IN (SELECT value FROM json_each(?)) AND ${statementValid} AND s.status = 'ACTIVE'` +
    afterClause;
  let sql = `${select} ORDER BY l.responds_to, s.sort_key, s.recorded_position, s.id`;
  if (page) {
    // at most `first` per statement, counted by SQLite: a popular statement's responses are never all read
    params.push(page.first);
    sql = `SELECT * FROM (${select}) WHERE rank <= ? ORDER BY responds_to, rank`;
  }
  const rows = read.sql.all<StatementRow & { responds_to: string }>(sql, ...params);
  const result = new Map<string, StatementView[]>(ids.map((id) => [id, []]));
  for (const row of rows) result.get(row.responds_to)?.push(read.view(row));
  return result;
}
