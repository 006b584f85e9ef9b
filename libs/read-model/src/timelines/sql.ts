import { COUNTRY_ROLES, STATEMENT_KINDS, type CountryRole } from '#domain';
import { decodeCursor } from '../cursor.js';
import { InvalidArgumentError } from '../errors.js';
import { overlapsFromTerm, sortKeyRange } from '../partial-date.js';
import { checkAsOf, pageWindow, STATEMENT_COLUMNS, validAt } from '../query-args.js';
import type { TimelineRequest } from '../types.js';

/**
 * SQL for one timeline page and its count. The SQL text depends only on the *shape* of the request (which
 * filters are present, the order, as-of or current), never on values, so the prepared-statement cache stays
 * small; values go in positional parameters, pushed in the order their `?` appear in the text.
 */

export interface TimelineSource {
  table: 'country_entries' | 'topic_entries';
  keyColumn: 'country' | 'topic';
  key: string;
}

/**
 * The timeline index a query walks, current or as of a position: one index holds every version of every
 * entry in timeline order with the filter and validity columns, so a page, a count or a filter is answered from
 * it alone (most entries are current, so skipping the closed ones costs little). Pinned with INDEXED BY, which
 * turns a query that could not use it into an error instead of a silent full scan.
 */
const timelineIndex = (source: TimelineSource): string => `${source.table}_timeline`;

export interface TimelineSql {
  pageSql: string;
  pageParams: unknown[];
  countSql: string;
  countParams: unknown[];
  /** `last` was given: the page query reads in the reverse order, and its rows are turned round */
  backward: boolean;
  /** `first` or `last` */
  size: number;
  /**
   * When paging forward after a cursor: is there an item at or before it? When paging backward before a
   * cursor: is there one at or beyond it? (Relay's hasPreviousPage / hasNextPage on the far side of the
   * cursor.) One row at most, a range scan of the same index.
   */
  beyondSql?: string;
  beyondParams?: unknown[];
  /**
   * The `timeline_counts` column that answers the count when the request is the whole current timeline
   * (no filter but `includeRetracted`, no `asOf`): `active`, or `current` with retracted entries included.
   */
  counter?: 'active' | 'current';
}

/** Which maintained counter counts `req`'s timeline, or undefined when a filter or `asOf` needs the index. */
export function counterFor(req: TimelineRequest): 'active' | 'current' | undefined {
  if (req.asOf !== undefined) return undefined;
  const filter = req.filter ?? {};
  const none = (list: readonly unknown[] | undefined): boolean => list === undefined || list.length === 0;
  const unfiltered =
    filter.from === undefined &&
    filter.to === undefined &&
    none(filter.kinds) &&
    none(filter.roles) &&
    none(filter.topics) &&
    filter.counterpart === undefined &&
    filter.involvesOtherCountry === undefined;
  if (!unfiltered) return undefined;
  return filter.includeRetracted === true ? 'current' : 'active';
}

const ROLE_COLUMN: Record<CountryRole, string> = {
  SPEAKER: 'e.is_speaker',
  TARGET: 'e.is_target',
  MENTIONED: 'e.is_mentioned',
};

export function buildTimelineSql(source: TimelineSource, req: TimelineRequest): TimelineSql {
  const { backward, size } = pageWindow(req);
  checkAsOf(req.asOf);
  if (req.order !== 'ASC' && req.order !== 'DESC') throw new InvalidArgumentError('order', 'ASC or DESC');
  const scope = cursorScope(source);
  const after = req.after === undefined ? undefined : decodeCursor(req.after, 'after', scope);
  const before = req.before === undefined ? undefined : decodeCursor(req.before, 'before', scope);

  const where = (params: unknown[]): string[] => {
    const filter = req.filter ?? {};
    const asOf = req.asOf;
    const terms = [`e.${source.keyColumn} = ?`];
    params.push(source.key);
    terms.push(validAt('e', asOf, params));
    if (filter.includeRetracted !== true) terms.push(`e.status = 'ACTIVE'`);
    const { lower, upper } = sortKeyRange(filter.from, filter.to);
    if (lower !== undefined) terms.push(overlapsFromTerm('e.sort_key', lower, params));
    if (upper !== undefined) {
      terms.push('e.sort_key <= ?');
      params.push(upper);
    }
    if (filter.kinds !== undefined && filter.kinds.length > 0) {
      for (const kind of filter.kinds) {
        if (!STATEMENT_KINDS.includes(kind))
          throw new InvalidArgumentError('filter.kinds', `unknown kind ${kind}`);
      }
      terms.push('e.kind IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(filter.kinds));
    }
    if (filter.roles !== undefined && filter.roles.length > 0) {
      if (source.table !== 'country_entries') {
        throw new InvalidArgumentError('filter.roles', 'roles filter only country timelines');
      }
      const columns = COUNTRY_ROLES.filter((role) => filter.roles?.includes(role)).map((r) => ROLE_COLUMN[r]);
      if (columns.length !== new Set(filter.roles).size) {
        throw new InvalidArgumentError('filter.roles', `unknown role in ${filter.roles.join(', ')}`);
      }
      terms.push(`(${columns.map((column) => `${column} = 1`).join(' OR ')})`);
    }
    if (filter.topics !== undefined && filter.topics.length > 0) {
      const topicParams: unknown[] = [JSON.stringify(filter.topics)];
      const valid = validAt('t', asOf, topicParams);
      terms.push(
        `EXISTS (SELECT 1 FROM topic_entries t WHERE t.recorded_position = e.recorded_position` +
          ` AND t.topic IN (SELECT value FROM json_each(?)) AND ${valid})`,
      );
      params.push(...topicParams);
    }
    if (filter.counterpart !== undefined) {
      const counterpartParams: unknown[] = [filter.counterpart];
      const valid = validAt('c', asOf, counterpartParams);
      terms.push(
        `EXISTS (SELECT 1 FROM country_entries c WHERE c.recorded_position = e.recorded_position` +
          ` AND c.country = ? AND ${valid})`,
      );
      params.push(...counterpartParams);
    }
    if (filter.involvesOtherCountry !== undefined) {
      terms.push(
        involvesOtherCountryTerm('e.recorded_position', filter.involvesOtherCountry, asOf, params, source),
      );
    }
    return terms;
  };

  const countParams: unknown[] = [];
  const from = `${source.table} e INDEXED BY ${timelineIndex(source)}`;
  const countSql = `SELECT COUNT(*) AS total FROM ${from} WHERE ${where(countParams).join(' AND ')}`;

  const pageParams: unknown[] = [];
  const join =
    'JOIN statements s INDEXED BY statements_by_position ON s.recorded_position = e.recorded_position AND ' +
    validAt('s', req.asOf, pageParams);
  const terms = where(pageParams);
  // (sort_key, recorded_position) is unique within a timeline at any position: one valid entry per statement
  const keys = '(e.sort_key, e.recorded_position)';
  // "later in the requested order": > when ascending, < when descending
  const later = req.order === 'ASC' ? '>' : '<';
  const earlier = req.order === 'ASC' ? '<' : '>';
  if (after !== undefined) {
    terms.push(`${keys} ${later} (?, ?)`);
    pageParams.push(after.sortKey, after.recordedPosition);
  }
  if (before !== undefined) {
    terms.push(`${keys} ${earlier} (?, ?)`);
    pageParams.push(before.sortKey, before.recordedPosition);
  }
  // a backward page is the same keyset walked from the other end (then turned round by the caller)
  const flip = (order: 'ASC' | 'DESC'): 'ASC' | 'DESC' => (order === 'ASC' ? 'DESC' : 'ASC');
  const direction = backward ? flip(req.order) : req.order;
  const roleColumns = source.table === 'country_entries' ? ', e.is_speaker, e.is_target, e.is_mentioned' : '';
  const pageSql =
    `SELECT e.sort_key AS entry_sort_key, e.recorded_position AS entry_recorded_position${roleColumns}, ` +
    `${STATEMENT_COLUMNS} FROM ${from} ${join} WHERE ${terms.join(' AND ')} ` +
    `ORDER BY e.sort_key ${direction}, e.recorded_position ${direction} LIMIT ?`;
  pageParams.push(size + 1);

  // the far side of the cursor the page starts from (the other cursor does not bound it: Relay's edges
  // beyond `after` / `before` in the whole connection)
  const far = backward ? before : after;
  let beyondSql: string | undefined;
  let beyondParams: unknown[] | undefined;
  if (far !== undefined) {
    beyondParams = [];
    const beyondTerms = where(beyondParams);
    beyondTerms.push(`${keys} ${backward ? later : earlier}= (?, ?)`);
    beyondParams.push(far.sortKey, far.recordedPosition);
    beyondSql = `SELECT 1 AS found FROM ${from} WHERE ${beyondTerms.join(' AND ')} LIMIT 1`;
  }

  return {
    pageSql,
    pageParams,
    countSql,
    countParams,
    backward,
    size,
    beyondSql,
    beyondParams,
    counter: counterFor(req),
  };
}

/** What a timeline's cursors are tagged with, so that one timeline refuses another's cursor. */
export const cursorScope = (source: TimelineSource): string => `${source.keyColumn}:${source.key}`;

/**
 * `filter.involvesOtherCountry`: the statement at `positionColumn` (its recorded position) involves a country other than the timeline's (on a
 * country timeline), or at least two countries (elsewhere), in any role, as of `asOf`; `false` negates it.
 * A lookup by the entries' primary key (the statement's position leads), a few rows per statement.
 */
export function involvesOtherCountryTerm(
  positionColumn: string,
  wanted: boolean,
  asOf: bigint | undefined,
  params: unknown[],
  source?: TimelineSource,
): string {
  if (typeof wanted !== 'boolean') {
    throw new InvalidArgumentError('filter.involvesOtherCountry', 'must be true or false');
  }
  let term: string;
  if (source?.table === 'country_entries') {
    term =
      `EXISTS (SELECT 1 FROM country_entries o WHERE o.recorded_position = ${positionColumn}` +
      ` AND o.country <> e.country` +
      ` AND ${validAt('o', asOf, params)})`;
  } else {
    const first = validAt('o', asOf, params);
    const second = validAt('p', asOf, params);
    term =
      `EXISTS (SELECT 1 FROM country_entries o JOIN country_entries p ON p.recorded_position = o.recorded_position` +
      ` AND p.country > o.country WHERE o.recorded_position = ${positionColumn} AND ${first} AND ${second})`;
  }
  return wanted ? term : `NOT ${term}`;
}
