import { AS_OF_TABLES } from './as-of.js';
import { DASHBOARD_DEFERRED_INDEXES, DASHBOARD_TABLES } from './dashboards/dashboards.js';
import { SEARCH_TABLES } from './search/search.js';
import { STATEMENT_DEFERRED_INDEXES, STATEMENT_TABLES } from './statement.js';
import { TIMELINE_DEFERRED_INDEXES, TIMELINE_TABLES } from './timelines/timelines.js';
import { STORY_TABLES } from './stories/stories.js';

/**
 * The read model's tables, each defined by the module of the question it answers. Every table but the
 * counters, the as-of index and `checkpoints` is bitemporal on the log: `valid_from` is the position of the
 * event that opened the row, `valid_to` the one that closed it (NULL = current). Current-state queries check
 * `valid_to IS NULL` (a statement by id through the partial index `statements_current`), as-of queries
 * `valid_from <= P AND (valid_to IS NULL OR valid_to > P)`; a timeline's one index serves both.
 *
 * Versions: 2 adds search, 3 the timeline counters, 4 the as-of index (`log_times`), 5 stories, 6 English
 * stemming in search (FTS5 `porter unicode61 remove_diacritics 2`), 7 the smaller layout (timeline entries keyed by
 * the statement's recorded position, one timeline index each instead of a current and a history one,
 * contentless search), 8 the statement's id no longer repeated inside `data`. A file of another
 * version is set aside and rebuilt from the log.
 */
export const SCHEMA_VERSION = 8;

const CHECKPOINT_TABLES = `
CREATE TABLE IF NOT EXISTS checkpoints (
  name     TEXT    NOT NULL PRIMARY KEY,
  position INTEGER NOT NULL
) WITHOUT ROWID;
`;

export const SCHEMA = [
  STATEMENT_TABLES,
  TIMELINE_TABLES,
  DASHBOARD_TABLES,
  SEARCH_TABLES,
  AS_OF_TABLES,
  STORY_TABLES,
  CHECKPOINT_TABLES,
].join('');

/**
 * Table name -> the query that lists its rows in primary-key order, for `rows()`, `dump()` and the row-for-row
 * comparison. Full-text search is contentless, so it is listed by what its index holds: every document with
 * its token count per column (`statement_search_docsize`, the size as hex), and every term with the number of
 * documents and occurrences per column (`statement_search_terms`): equal when the same words were indexed.
 */
export const DUMP_QUERIES: Readonly<Record<string, string>> = {
  statements: 'SELECT * FROM statements ORDER BY id, valid_from',
  country_entries: 'SELECT * FROM country_entries ORDER BY recorded_position, country, valid_from',
  topic_entries: 'SELECT * FROM topic_entries ORDER BY recorded_position, topic, valid_from',
  response_links: 'SELECT * FROM response_links ORDER BY statement_id, responds_to, valid_from',
  topic_counts: 'SELECT * FROM topic_counts ORDER BY topic',
  timeline_counts: 'SELECT * FROM timeline_counts ORDER BY timeline, key',
  statement_search_docsize: 'SELECT id AS doc, hex(sz) AS size FROM statement_search_docsize ORDER BY id',
  statement_search_terms: 'SELECT term, col, doc, cnt FROM statement_search_terms ORDER BY term, col',
  log_times: 'SELECT * FROM log_times ORDER BY recorded_at',
  stories: 'SELECT * FROM stories ORDER BY id',
  story_members: 'SELECT * FROM story_members ORDER BY statement_id, story_id',
  checkpoints: 'SELECT * FROM checkpoints ORDER BY name',
};

/** Tables of the log's bookkeeping rather than of a projection (see `ReadModel.logIndexTables`). */
export const LOG_INDEX_TABLES: readonly string[] = ['log_times'];

/**
 * Secondary indexes a rebuild creates only at the end (`ReadModel.closeDurably`): the projection's own
 * lookups use the primary keys (a statement's current row through `(id, valid_from)`), and building an index
 * once over sorted data is cheaper than keeping it up to date row by row.
 */
export const BULK_LOAD_DEFERRED_INDEXES = [
  ...STATEMENT_DEFERRED_INDEXES,
  ...TIMELINE_DEFERRED_INDEXES,
  ...DASHBOARD_DEFERRED_INDEXES,
] as const;
