import { withLazyCount } from '../query-args.js';
import type { Sql } from '../sql.js';
import type { Reader, StatementRow } from '../statement.js';
import type {
  ReadModelWrite,
  SearchDocument,
  SearchRequest,
  StatementConnection,
  StatementView,
} from '../types.js';
import { buildSearchSql, encodeSearchCursor, RANK_WINDOW, type SearchSql } from './sql.js';

/**
 * The question "which statements say this?": `statement_search`, an FTS5 table with one document per
 * statement (its rowid the statement's `recorded_position`, which never changes) indexing the current text,
 * speaker and sources (contentless: the words are indexed, not stored a second time); status and the other filters come from the current `statements` row it joins. The
 * projection writes a document only when one of those fields changes; `sql.ts` turns a user's words into a
 * query that is never FTS syntax.
 */
export const SEARCH_TABLES = `
-- contentless (version 7): the index alone, without a second copy of the text; a document is found by rowid
-- and read from \`statements\`, and \`contentless_delete\` lets a changed document be deleted and written again
CREATE VIRTUAL TABLE IF NOT EXISTS statement_search
  USING fts5(text, speaker, sources, tokenize = 'porter unicode61 remove_diacritics 2',
             content = '', contentless_delete = 1);
-- what the index holds, term by term (no storage of its own): what a rebuild compares
CREATE VIRTUAL TABLE IF NOT EXISTS statement_search_terms USING fts5vocab(statement_search, col);
`;

// ---- the projection's part ----

/** The searchable text of a statement: what `putSearchDocument` stores. */
export function searchDocumentOf(view: StatementView): SearchDocument {
  const { name, role, organization } = view.speaker;
  return {
    recordedPosition: view.recordedPosition,
    text: view.text,
    speaker: [name, role, organization].filter((part) => part !== undefined && part !== '').join(' \n '),
    sources: view.sources.map((source) => [source.outlet, source.url].filter(Boolean).join(' ')).join(' \n '),
  };
}

export function sameSearchDocument(a: SearchDocument | undefined, b: SearchDocument): boolean {
  return a !== undefined && a.text === b.text && a.speaker === b.speaker && a.sources === b.sources;
}

/** The document, only when text, speaker or sources change (most events touch none of them). */
export function searchDocumentWrites(
  before: StatementView | undefined,
  after: StatementView,
): ReadModelWrite[] {
  const document = searchDocumentOf(after);
  const previous = before && searchDocumentOf(before);
  if (sameSearchDocument(previous, document)) return [];
  return [{ type: 'putSearchDocument', document, replaces: previous !== undefined }];
}

// ---- writes ----

export function putSearchDocument(sql: Sql, document: SearchDocument, replaces: boolean): void {
  if (replaces) sql.run('DELETE FROM statement_search WHERE rowid = ?', document.recordedPosition);
  sql.run(
    'INSERT INTO statement_search (rowid, text, speaker, sources) VALUES (?, ?, ?, ?)',
    document.recordedPosition,
    document.text,
    document.speaker,
    document.sources,
  );
}

/**
 * Orders a batch's documents by rowid. FTS5 keeps a transaction's new entries in memory only while rowids
 * grow; replacing a document out of order (a statement corrected after later ones were recorded) makes it
 * write them all out first, which made such replacements cost over a millisecond each.
 */
export function inRowidOrder<T extends { document: SearchDocument }>(writes: Iterable<T>): T[] {
  return [...writes].sort((a, b) => (a.document.recordedPosition < b.document.recordedPosition ? -1 : 1));
}

// ---- queries ----

/**
 * Statements whose text, speaker or sources match `query` (FTS5), ranked as `sql.ts` says: the `window` newest
 * matches by bm25, then the older ones newest first. Edges carry no roles. Cursors are offsets into the ranked
 * list (ranks are not keys), so a page either way is an offset window: `first` items from `after`, or `last`
 * items up to `before` (up to the end without it, which needs the count).
 */
export function search(read: Reader, req: SearchRequest, window = RANK_WINDOW): StatementConnection {
  const query = buildSearchSql(req);
  const { countSql, countParams, backward, size, low, high } = query;
  let total: number | undefined;
  const count = (): number =>
    (total ??= Number(read.sql.get<{ total: bigint }>(countSql, ...countParams)?.total ?? 0n));
  // [start, end): the page's offsets; `probe` more rows are read to learn what lies beyond it
  let start: number;
  let end: number;
  if (backward) {
    end = Math.max(low, high ?? count());
    start = Math.max(low, end - size);
  } else {
    start = low;
    end = Math.max(low, Math.min(high ?? Number.MAX_SAFE_INTEGER, low + size));
  }
  // forward: one more row says whether a next page exists (within `before`); backward with `before`: the row
  // at `before` says whether anything follows the page
  const probe = backward ? (high === undefined ? 0 : 1) : high === undefined || end < high ? 1 : 0;
  const rows = rankedRows(read.sql, query, window, start, end - start + probe);
  const page = rows.slice(0, end - start);
  const edges = page.map((row, i) => ({
    cursor: encodeSearchCursor(start + i),
    node: read.view(row),
    roles: [],
  }));
  const beyond = rows.length > end - start;
  return withLazyCount(
    {
      edges,
      hasNextPage: beyond,
      // forward after a cursor: the cursor's own item lies before; backward: items between `after` and the page
      hasPreviousPage: backward ? start > low : low > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    count,
  );
}

/**
 * The rows at offsets [offset, offset + count) of the ranked list: the window's matches sorted by score (then
 * position), followed, when the window is full, by the older matches newest first.
 */
function rankedRows(
  sql: Sql,
  query: SearchSql,
  window: number,
  offset: number,
  count: number,
): StatementRow[] {
  if (count <= 0) return [];
  const ranked = sql.all<{ doc: bigint; score: number }>(query.windowSql, ...query.windowParams, window);
  const oldest = ranked.at(-1)?.doc;
  ranked.sort((a, b) => a.score - b.score || (a.doc < b.doc ? -1 : a.doc > b.doc ? 1 : 0));
  const docs = ranked.slice(offset, offset + count).map((row) => row.doc);
  if (ranked.length === window && oldest !== undefined && offset + count > window) {
    const skip = Math.max(0, offset - window);
    const more = offset + count - Math.max(offset, window);
    const older = sql.all<{ doc: bigint }>(query.restSql, ...query.restParams, oldest, more, skip);
    docs.push(...older.map((row) => row.doc));
  }
  if (docs.length === 0) return [];
  const byPosition = new Map<bigint, StatementRow>();
  for (const row of sql.all<StatementRow>(query.rowsSql, JSON.stringify(docs.map(Number)))) {
    byPosition.set(row.recorded_position, row);
  }
  return docs.flatMap((doc) => byPosition.get(doc) ?? []);
}

/** `EXPLAIN QUERY PLAN` of the query that reads a search's window of newest matches. */
export function explainSearch(sql: Sql, req: SearchRequest): string[] {
  const { windowSql, windowParams } = buildSearchSql(req);
  return sql.explain(windowSql, [...windowParams, RANK_WINDOW]);
}
