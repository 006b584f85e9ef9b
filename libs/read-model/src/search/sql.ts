import { COUNTRY_ROLES, STATEMENT_KINDS, type CountryRole } from '#domain';
import { InvalidArgumentError, InvalidCursorError } from '../errors.js';
import { overlapsFromTerm, sortKeyRange } from '../partial-date.js';
import { pageWindow, STATEMENT_COLUMNS } from '../query-args.js';
import { involvesOtherCountryTerm } from '../timelines/sql.js';
import type { SearchRequest } from '../types.js';

/**
 * Full-text search over the `statement_search` FTS5 table. A user's query never reaches FTS5 as syntax: it is
 * cut into words, "quoted phrases" and prefix* words, and each becomes an FTS5 string (double quotes doubled),
 * all of which must match (AND).
 *
 * Ranking ("best match", DESIGN §11): the `RANK_WINDOW` most recently recorded matches (after the filters) are
 * ranked by bm25, the text weighing most, then the speaker, then the sources, ties to the earlier recorded
 * statement; every older match follows them, newest first. A query with at most `RANK_WINDOW` matches is
 * therefore ranked by bm25 over all of them, and a common word costs `RANK_WINDOW` scores, not one per match
 * in the store.
 */

export const MAX_QUERY_LENGTH = 200;
const MAX_TERMS = 16;
/** bm25 column weights: text, speaker, sources */
const WEIGHTS = '10.0, 5.0, 1.0';
/** How many of the newest matches are ranked by relevance (see above). */
export const RANK_WINDOW = 1000;

const WORD = /[\p{L}\p{N}]/u;

/** The FTS5 MATCH expression for a user's query, or InvalidArgumentError naming `query`. */
export function toFtsQuery(query: string): string {
  if (typeof query !== 'string' || query.trim() === '') {
    throw new InvalidArgumentError('query', 'must not be empty');
  }
  if (query.length > MAX_QUERY_LENGTH) {
    throw new InvalidArgumentError('query', `longer than ${MAX_QUERY_LENGTH} characters`);
  }
  const terms: string[] = [];
  // a "phrase" (an unclosed quote runs to the end), or a run of non-space characters
  const pattern = /"([^"]*)"?|(\S+)/g;
  for (const match of query.matchAll(pattern)) {
    const phrase = match[1];
    if (phrase !== undefined) {
      if (WORD.test(phrase)) terms.push(quote(phrase));
      continue;
    }
    const word = match[2] ?? '';
    const prefix = word.endsWith('*');
    const bare = word.replace(/\*+$/, '');
    if (!WORD.test(bare)) continue;
    terms.push(prefix ? `${quote(bare)} *` : quote(bare));
  }
  if (terms.length === 0) throw new InvalidArgumentError('query', 'has no letters or digits to search for');
  if (terms.length > MAX_TERMS) throw new InvalidArgumentError('query', `more than ${MAX_TERMS} terms`);
  return terms.join(' AND ');
}

function quote(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/** Search cursors are an offset into the ranked list (ranks are not stable keys: they move as documents come). */
export function encodeSearchCursor(offset: number): string {
  return Buffer.from(JSON.stringify(['search', offset]), 'utf8').toString('base64url');
}

export function decodeSearchCursor(cursor: string, field = 'after'): number {
  try {
    const json = Buffer.from(cursor, 'base64url').toString('utf8');
    if (Buffer.from(json, 'utf8').toString('base64url') !== cursor) throw new InvalidCursorError(field);
    const tuple: unknown = JSON.parse(json);
    if (
      Array.isArray(tuple) &&
      tuple.length === 2 &&
      tuple[0] === 'search' &&
      Number.isSafeInteger(tuple[1]) &&
      (tuple[1] as number) >= 0
    ) {
      return tuple[1] as number;
    }
  } catch {
    // falls through to the error below
  }
  throw new InvalidCursorError(field);
}

export interface SearchSql {
  /**
   * The newest matches passing the filters, newest first, with their bm25 score (`?`s: `windowParams`, then
   * the limit): what the ranked part of the list is cut from.
   */
  windowSql: string;
  windowParams: unknown[];
  /** Matches older than a position, newest first (`?`s: `restParams`, the position, LIMIT and OFFSET). */
  restSql: string;
  restParams: unknown[];
  /** The current statement rows at the given positions (`?`: a JSON array of positions). */
  rowsSql: string;
  countSql: string;
  countParams: unknown[];
  backward: boolean;
  size: number;
  /** the first offset the page may start at: after `after` */
  low: number;
  /** the offset of `before` (exclusive end), if given */
  high?: number;
}

export function buildSearchSql(req: SearchRequest): SearchSql {
  const { backward, size } = pageWindow(req);
  const match = toFtsQuery(req.query);
  const low = req.after === undefined ? 0 : decodeSearchCursor(req.after, 'after') + 1;
  const high = req.before === undefined ? undefined : decodeSearchCursor(req.before, 'before');
  const filter = req.filter ?? {};

  const where = (params: unknown[]): string => {
    const terms = ['statement_search MATCH ?'];
    params.push(match);
    if (filter.includeRetracted !== true) terms.push(`s.status = 'ACTIVE'`);
    const { lower, upper } = sortKeyRange(filter.from, filter.to);
    if (lower !== undefined) terms.push(overlapsFromTerm('s.sort_key', lower, params));
    if (upper !== undefined) {
      terms.push('s.sort_key <= ?');
      params.push(upper);
    }
    if (filter.kinds !== undefined && filter.kinds.length > 0) {
      for (const kind of filter.kinds) {
        if (!STATEMENT_KINDS.includes(kind))
          throw new InvalidArgumentError('filter.kinds', `unknown kind ${kind}`);
      }
      terms.push(`json_extract(s.data, '$.kind') IN (SELECT value FROM json_each(?))`);
      params.push(JSON.stringify(filter.kinds));
    }
    if (filter.topics !== undefined && filter.topics.length > 0) {
      terms.push(
        'EXISTS (SELECT 1 FROM topic_entries t WHERE t.recorded_position = s.recorded_position' +
          ' AND t.valid_to IS NULL AND t.topic IN (SELECT value FROM json_each(?)))',
      );
      params.push(JSON.stringify(filter.topics));
    }
    if (filter.roles !== undefined && filter.roles.length > 0 && filter.counterpart === undefined) {
      throw new InvalidArgumentError('filter.roles', 'in a search, roles apply to the counterpart: give one');
    }
    if (filter.counterpart !== undefined) {
      let roles = '';
      if (filter.roles !== undefined && filter.roles.length > 0) {
        const held = COUNTRY_ROLES.filter((role) => filter.roles?.includes(role));
        if (held.length !== new Set(filter.roles).size) {
          throw new InvalidArgumentError('filter.roles', `unknown role in ${filter.roles.join(', ')}`);
        }
        roles = ` AND (${held.map((role) => `c.${ROLE_COLUMN[role]} = 1`).join(' OR ')})`;
      }
      terms.push(
        'EXISTS (SELECT 1 FROM country_entries c WHERE c.recorded_position = s.recorded_position' +
          ` AND c.country = ? AND c.valid_to IS NULL${roles})`,
      );
      params.push(filter.counterpart);
    }
    if (filter.involvesOtherCountry !== undefined) {
      terms.push(
        involvesOtherCountryTerm('s.recorded_position', filter.involvesOtherCountry, undefined, params),
      );
    }
    return terms.join(' AND ');
  };

  // the FTS table drives (so bm25 can be computed and rowids come newest first); each match's current row is one
  // seek of `statements_by_position`, which also holds the status
  const from =
    'statement_search JOIN statements s INDEXED BY statements_by_position ' +
    'ON s.recorded_position = statement_search.rowid AND s.valid_to IS NULL';
  const countParams: unknown[] = [];
  const countSql = `SELECT COUNT(*) AS total FROM ${from} WHERE ${where(countParams)}`;
  const windowParams: unknown[] = [];
  const windowSql =
    `SELECT statement_search.rowid AS doc, bm25(statement_search, ${WEIGHTS}) AS score FROM ${from} ` +
    `WHERE ${where(windowParams)} ORDER BY statement_search.rowid DESC LIMIT ?`;
  const restParams: unknown[] = [];
  const restSql =
    `SELECT statement_search.rowid AS doc FROM ${from} WHERE ${where(restParams)} ` +
    'AND statement_search.rowid < ? ORDER BY statement_search.rowid DESC LIMIT ? OFFSET ?';
  const rowsSql =
    `SELECT ${STATEMENT_COLUMNS} FROM statements s INDEXED BY statements_by_position ` +
    'WHERE s.recorded_position IN (SELECT value FROM json_each(?)) AND s.valid_to IS NULL';
  return {
    windowSql,
    windowParams,
    restSql,
    restParams,
    rowsSql,
    countSql,
    countParams,
    backward,
    size,
    low,
    high,
  };
}

const ROLE_COLUMN: Record<CountryRole, string> = {
  SPEAKER: 'is_speaker',
  TARGET: 'is_target',
  MENTIONED: 'is_mentioned',
};
