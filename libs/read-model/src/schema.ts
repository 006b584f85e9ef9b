/**
 * The read model's tables. Every table but `topic_counts` and `checkpoints` is bitemporal on the log:
 * `valid_from` is the position of the event that opened the row, `valid_to` the one that closed it (NULL =
 * current). Current-state queries go through partial indexes `WHERE valid_to IS NULL`; as-of queries use
 * the full (history) indexes and check `valid_from <= P AND (valid_to IS NULL OR valid_to > P)`. Timeline
 * queries pin their index with INDEXED BY (see timeline-query.ts).
 *
 * The timeline indexes lead with the timeline key and then the sort tuple (sort_key, recorded_position,
 * statement_id), so a page is an index range scan in either direction with no sort step. The current ones
 * also carry the filter columns (status, kind, roles) and `valid_to` (SQLite still evaluates the partial
 * index's own `valid_to IS NULL` term, and without the column it would read the table for every row: 8x
 * slower counts), and the history ones the validity columns, so counts, filters and as-of checks are
 * answered from the index alone; the table is read only for the rows of a page.
 */
export const SCHEMA_VERSION = 3;

export const SCHEMA = `
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

CREATE TABLE IF NOT EXISTS country_entries (
  statement_id      TEXT    NOT NULL,
  country           TEXT    NOT NULL,
  is_speaker        INTEGER NOT NULL,
  is_target         INTEGER NOT NULL,
  is_mentioned      INTEGER NOT NULL,
  sort_key          TEXT    NOT NULL,
  recorded_position INTEGER NOT NULL,
  kind              TEXT    NOT NULL,
  status            TEXT    NOT NULL,
  valid_from        INTEGER NOT NULL,
  valid_to          INTEGER,
  PRIMARY KEY (statement_id, country, valid_from)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS country_entries_current
  ON country_entries (country, sort_key, recorded_position, statement_id, status, kind,
                      is_speaker, is_target, is_mentioned, valid_to)
  WHERE valid_to IS NULL;
CREATE INDEX IF NOT EXISTS country_entries_history
  ON country_entries (country, sort_key, recorded_position, statement_id, valid_from, valid_to, status, kind);

CREATE TABLE IF NOT EXISTS topic_entries (
  statement_id      TEXT    NOT NULL,
  topic             TEXT    NOT NULL,
  sort_key          TEXT    NOT NULL,
  recorded_position INTEGER NOT NULL,
  kind              TEXT    NOT NULL,
  status            TEXT    NOT NULL,
  valid_from        INTEGER NOT NULL,
  valid_to          INTEGER,
  PRIMARY KEY (statement_id, topic, valid_from)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS topic_entries_current
  ON topic_entries (topic, sort_key, recorded_position, statement_id, status, kind, valid_to)
  WHERE valid_to IS NULL;
CREATE INDEX IF NOT EXISTS topic_entries_history
  ON topic_entries (topic, sort_key, recorded_position, statement_id, valid_from, valid_to, status, kind);

CREATE TABLE IF NOT EXISTS response_links (
  statement_id TEXT    NOT NULL,
  responds_to  TEXT    NOT NULL,
  valid_from   INTEGER NOT NULL,
  valid_to     INTEGER,
  PRIMARY KEY (statement_id, responds_to, valid_from)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS response_links_by_target ON response_links (responds_to, valid_from);

CREATE TABLE IF NOT EXISTS topic_counts (
  topic TEXT    NOT NULL PRIMARY KEY,
  count INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS topic_counts_by_count ON topic_counts (count DESC, topic);

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

-- Full-text search (version 2): one document per statement, its rowid the statement's recorded_position
-- (stable for the statement's life), holding the current text, speaker and sources; status and the other
-- filters come from the current statements row it joins.
CREATE VIRTUAL TABLE IF NOT EXISTS statement_search
  USING fts5(text, speaker, sources, tokenize = 'unicode61 remove_diacritics 2');
-- (status and valid_to since version 3: a search's status check and count read this index alone)
CREATE INDEX IF NOT EXISTS statements_current_by_position
  ON statements (recorded_position, status, valid_to) WHERE valid_to IS NULL;

CREATE TABLE IF NOT EXISTS checkpoints (
  name     TEXT    NOT NULL PRIMARY KEY,
  position INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** Table name -> primary-key order, for `dump()`. */
export const DUMP_ORDER: Readonly<Record<string, string>> = {
  statements: 'id, valid_from',
  country_entries: 'statement_id, country, valid_from',
  topic_entries: 'statement_id, topic, valid_from',
  response_links: 'statement_id, responds_to, valid_from',
  topic_counts: 'topic',
  timeline_counts: 'timeline, key',
  statement_search: 'rowid',
  checkpoints: 'name',
};

/**
 * Secondary indexes a rebuild creates only at the end (`ReadModel.closeDurably`): the projection's own
 * lookups use the primary keys (a statement's current row through `(id, valid_from)`), and building an index once over sorted data is
 * cheaper than keeping it up to date row by row.
 */
export const BULK_LOAD_DEFERRED_INDEXES = [
  'statements_current',
  'statements_current_by_position',
  'country_entries_current',
  'country_entries_history',
  'topic_entries_current',
  'topic_entries_history',
  'response_links_by_target',
  'topic_counts_by_count',
] as const;
