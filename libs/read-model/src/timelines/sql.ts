import { COUNTRY_ROLES, STATEMENT_KINDS, type CountryRole } from '#domain';
import { decodeCursor } from '../cursor.js';
import { InvalidArgumentError } from '../errors.js';
import { overlapsFromTerm, sortKeyRange } from '../partial-date.js';
import { checkAsOf, checkFirst, STATEMENT_COLUMNS, validAt } from '../query-args.js';
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
 * The timeline index a query walks. Pinned with INDEXED BY: the partial `_current` index holds exactly the
 * open rows (and the filter columns), but without `ANALYZE` statistics SQLite may pick the full history
 * index instead and check `valid_to` row by row. INDEXED BY also turns a query that could not use its index
 * into an error instead of a silent full scan.
 */
const timelineIndex = (source: TimelineSource, asOf: bigint | undefined): string =>
  `${source.table}_${asOf === undefined ? 'current' : 'history'}`;

export interface TimelineSql {
  pageSql: string;
  pageParams: unknown[];
  countSql: string;
  countParams: unknown[];
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
    filter.counterpart === undefined;
  if (!unfiltered) return undefined;
  return filter.includeRetracted === true ? 'current' : 'active';
}

const ROLE_COLUMN: Record<CountryRole, string> = {
  SPEAKER: 'e.is_speaker',
  TARGET: 'e.is_target',
  MENTIONED: 'e.is_mentioned',
};

export function buildTimelineSql(source: TimelineSource, req: TimelineRequest): TimelineSql {
  checkFirst(req.first);
  checkAsOf(req.asOf);
  if (req.order !== 'ASC' && req.order !== 'DESC') throw new InvalidArgumentError('order', 'ASC or DESC');
  const after = req.after === undefined ? undefined : decodeCursor(req.after);

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
        `EXISTS (SELECT 1 FROM topic_entries t WHERE t.statement_id = e.statement_id` +
          ` AND t.topic IN (SELECT value FROM json_each(?)) AND ${valid})`,
      );
      params.push(...topicParams);
    }
    if (filter.counterpart !== undefined) {
      const counterpartParams: unknown[] = [filter.counterpart];
      const valid = validAt('c', asOf, counterpartParams);
      terms.push(
        `EXISTS (SELECT 1 FROM country_entries c WHERE c.statement_id = e.statement_id` +
          ` AND c.country = ? AND ${valid})`,
      );
      params.push(...counterpartParams);
    }
    return terms;
  };

  const countParams: unknown[] = [];
  const from = `${source.table} e INDEXED BY ${timelineIndex(source, req.asOf)}`;
  const countSql = `SELECT COUNT(*) AS total FROM ${from} WHERE ${where(countParams).join(' AND ')}`;

  const pageParams: unknown[] = [];
  const join = `JOIN statements s ON s.id = e.statement_id AND ${validAt('s', req.asOf, pageParams)}`;
  const terms = where(pageParams);
  const direction = req.order;
  if (after !== undefined) {
    terms.push(
      `(e.sort_key, e.recorded_position, e.statement_id) ${direction === 'ASC' ? '>' : '<'} (?, ?, ?)`,
    );
    pageParams.push(after.sortKey, after.recordedPosition, after.statementId);
  }
  const roleColumns = source.table === 'country_entries' ? ', e.is_speaker, e.is_target, e.is_mentioned' : '';
  const pageSql =
    `SELECT e.sort_key AS entry_sort_key, e.recorded_position AS entry_recorded_position${roleColumns}, ` +
    `${STATEMENT_COLUMNS} FROM ${from} ${join} WHERE ${terms.join(' AND ')} ` +
    `ORDER BY e.sort_key ${direction}, e.recorded_position ${direction}, e.statement_id ${direction} LIMIT ?`;
  pageParams.push(req.first + 1);

  return { pageSql, pageParams, countSql, countParams, counter: counterFor(req) };
}
