import { COUNTRY_ROLES, STATEMENT_KINDS, type CountryRole } from '#domain';
import { InvalidArgumentError, InvalidCursorError } from '../errors.js';
import { overlapsFromTerm, sortKeyRange } from '../partial-date.js';
import { pageWindow, STATEMENT_COLUMNS } from '../query-args.js';
import { involvesOtherCountryTerm } from '../timelines/sql.js';
import type { SearchRequest } from '../types.js';

/**
 * Full-text search over the `statement_search` FTS5 table. A user's query never reaches FTS5 as syntax: it is
 * cut into words, "quoted phrases" and prefix* words, and each becomes an FTS5 string (double quotes doubled),
 * all of which must match (AND). Ranking is bm25 with the text weighing most, then the speaker, then the
 * sources; ties go to the earlier recorded statement.
 */

export const MAX_QUERY_LENGTH = 200;
const MAX_TERMS = 16;
/** bm25 column weights: text, speaker, sources */
const WEIGHTS = '10.0, 5.0, 1.0';

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
  pageSql: string;
  pageParams: unknown[];
  countSql: string;
  countParams: unknown[];
  /** the page query's parameters end with its LIMIT and OFFSET, which `search` appends */
  backward: boolean;
  size: number;
  /** the first offset the page may start at: after `after` */
  low: number;
  /** the offset of `before` (exclusive end), if given */
  high?: number;
  /**
   * Set when no filter but `includeRetracted` applies: the page can then be ranked in the FTS index alone
   * (`rankSql`: the top documents, `?` the match and the limit) and its statements read by position
   * (`rowsSql`, `?` a JSON array of positions), instead of joining every matching document to its statement
   * before the sort. `activeOnly` drops retracted statements from the ranked documents.
   */
  ranked?: { rankSql: string; match: string; rowsSql: string; activeOnly: boolean };
}

/** Whether a search filter narrows anything beyond the statement's status. */
function narrows(filter: SearchRequest['filter']): boolean {
  if (filter === undefined) return false;
  const some = (list: readonly unknown[] | undefined): boolean => list !== undefined && list.length > 0;
  return (
    filter.from !== undefined ||
    filter.to !== undefined ||
    some(filter.kinds) ||
    some(filter.topics) ||
    some(filter.roles) ||
    filter.counterpart !== undefined ||
    filter.involvesOtherCountry !== undefined
  );
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
          ' AND t.valid_to IS NULL' +
          ' AND t.topic IN (SELECT value FROM json_each(?)))',
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
          ' AND c.country = ?' +
          ` AND c.valid_to IS NULL${roles})`,
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

  const from =
    'statement_search JOIN statements s INDEXED BY statements_by_position ' +
    'ON s.recorded_position = statement_search.rowid AND s.valid_to IS NULL';
  const countParams: unknown[] = [];
  const countSql = `SELECT COUNT(*) AS total FROM ${from} WHERE ${where(countParams)}`;
  const pageParams: unknown[] = [];
  const pageSql =
    `SELECT ${STATEMENT_COLUMNS} FROM ${from} WHERE ${where(pageParams)} ` +
    `ORDER BY bm25(statement_search, ${WEIGHTS}), s.recorded_position LIMIT ? OFFSET ?`;
  const ranked = narrows(req.filter)
    ? undefined
    : {
        rankSql:
          'SELECT rowid AS doc FROM statement_search WHERE statement_search MATCH ? ' +
          `ORDER BY bm25(statement_search, ${WEIGHTS}), rowid LIMIT ?`,
        match,
        rowsSql:
          `SELECT ${STATEMENT_COLUMNS} FROM statements s INDEXED BY statements_by_position ` +
          'WHERE s.recorded_position IN (SELECT value FROM json_each(?)) AND s.valid_to IS NULL',
        activeOnly: req.filter?.includeRetracted !== true,
      };
  return { pageSql, pageParams, countSql, countParams, backward, size, low, high, ranked };
}

const ROLE_COLUMN: Record<CountryRole, string> = {
  SPEAKER: 'is_speaker',
  TARGET: 'is_target',
  MENTIONED: 'is_mentioned',
};
