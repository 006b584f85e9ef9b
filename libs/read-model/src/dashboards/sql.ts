import type { StatementKind } from '#domain';
import { InvalidArgumentError } from '../errors.js';
import { overlapsFromTerm, sortKeyRange } from '../partial-date.js';
import type { ActivityRequest, RelationsRequest } from '../types.js';

/**
 * SQL aggregates for dashboards, over the current rows of the timeline indexes. Each one walks one timeline's
 * `_timeline` index range (country or topic, then date) and looks each statement up once by position for its
 * Goldstein score, so a country's cost grows with its own statements, not with the store.
 */

export interface AggregateSql {
  sql: string;
  params: unknown[];
}

const GOLDSTEIN = `json_extract(s.data, '$.goldstein')`;

function dateTerms(from: string | undefined, to: string | undefined, params: unknown[]): string {
  const { lower, upper } = sortKeyRange(from, to);
  let terms = '';
  if (lower !== undefined) terms += ` AND ${overlapsFromTerm('e.sort_key', lower, params)}`;
  if (upper !== undefined) {
    terms += ' AND e.sort_key <= ?';
    params.push(upper);
  }
  return terms;
}

export function buildActivitySql(req: ActivityRequest): AggregateSql {
  if (req.interval !== 'MONTH' && req.interval !== 'YEAR') {
    throw new InvalidArgumentError('interval', 'MONTH or YEAR');
  }
  const [table, column] =
    req.timeline === 'country' ? ['country_entries', 'country'] : (['topic_entries', 'topic'] as const);
  const params: unknown[] = [req.interval === 'MONTH' ? 7 : 4, req.key];
  const range = dateTerms(req.from, req.to, params);
  const sql =
    `SELECT substr(e.sort_key, 1, ?) AS period, e.kind AS kind, COUNT(*) AS n, ` +
    `TOTAL(${GOLDSTEIN}) AS goldstein_sum, COUNT(${GOLDSTEIN}) AS goldstein_n ` +
    `FROM ${table} e INDEXED BY ${table}_timeline ` +
    `JOIN statements s INDEXED BY statements_by_position ` +
    `ON s.recorded_position = e.recorded_position AND s.valid_to IS NULL ` +
    `WHERE e.${column} = ? AND e.valid_to IS NULL AND e.status = 'ACTIVE'${range} ` +
    `GROUP BY period, e.kind ORDER BY period, e.kind`;
  return { sql, params };
}

export function buildRelationsSql(req: RelationsRequest): AggregateSql {
  const params: unknown[] = [req.country];
  const range = dateTerms(req.from, req.to, params);
  const sql =
    `SELECT c.country AS counterpart, e.is_speaker AS outgoing, e.kind AS kind, COUNT(*) AS n, ` +
    `TOTAL(${GOLDSTEIN}) AS goldstein_sum, COUNT(${GOLDSTEIN}) AS goldstein_n ` +
    `FROM country_entries e INDEXED BY country_entries_timeline ` +
    `JOIN country_entries c ON c.recorded_position = e.recorded_position AND c.country <> e.country ` +
    `AND c.valid_to IS NULL ` +
    `JOIN statements s INDEXED BY statements_by_position ` +
    `ON s.recorded_position = e.recorded_position AND s.valid_to IS NULL ` +
    `WHERE e.country = ? AND e.valid_to IS NULL AND e.status = 'ACTIVE'${range} ` +
    `AND (e.is_speaker = 1 OR c.is_speaker = 1) ` +
    `GROUP BY c.country, e.is_speaker, e.kind`;
  return { sql, params };
}

export interface AggregateRow {
  kind: StatementKind;
  n: bigint;
  goldstein_sum: number;
  goldstein_n: bigint;
}

/** Running totals for one bucket or one counterpart. */
export class Tally {
  count = 0;
  private readonly kinds = new Map<StatementKind, number>();
  private goldsteinSum = 0;
  private goldsteinN = 0;

  add(row: AggregateRow): void {
    const n = Number(row.n);
    this.count += n;
    this.kinds.set(row.kind, (this.kinds.get(row.kind) ?? 0) + n);
    this.goldsteinSum += row.goldstein_sum;
    this.goldsteinN += Number(row.goldstein_n);
  }

  byKind(): { kind: StatementKind; count: number }[] {
    return [...this.kinds]
      .map(([kind, count]) => ({ kind, count }))
      .sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
  }

  meanGoldstein(): number | null {
    return this.goldsteinN === 0 ? null : Math.round((this.goldsteinSum / this.goldsteinN) * 1000) / 1000;
  }
}

/** '2019-05' stays; '2019-00' (a statement dated only to the year, in a MONTH series) becomes '2019'. */
export function periodOf(prefix: string): string {
  return prefix.endsWith('-00') ? prefix.slice(0, 4) : prefix;
}
