import { checkFirst, MAX_TOPICS } from '../query-args.js';
import type { Sql } from '../sql.js';
import type {
  ActivityBucket,
  ActivityRequest,
  CountryRelation,
  ReadModelWrite,
  RelationsRequest,
  StatementView,
  TopicCount,
} from '../types.js';
import { buildActivitySql, buildRelationsSql, periodOf, Tally, type AggregateRow } from './sql.js';

/**
 * The dashboards' questions: which topics are used (`topic_counts`, ACTIVE statements per topic, kept by the
 * projection), how active a country or topic is per period, and whom a country talks to and about
 * (aggregates over the timelines' current rows, built in `sql.ts`).
 */
export const DASHBOARD_TABLES = `
CREATE TABLE IF NOT EXISTS topic_counts (
  topic TEXT    NOT NULL PRIMARY KEY,
  count INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS topic_counts_by_count ON topic_counts (count DESC, topic);
`;

export const DASHBOARD_DEFERRED_INDEXES = ['topic_counts_by_count'] as const;

// ---- the projection's part ----

/** topic_counts counts ACTIVE statements per topic: +1 for a topic the statement joins, -1 for one it leaves. */
export function topicCountWrites(before: StatementView | undefined, after: StatementView): ReadModelWrite[] {
  const writes: ReadModelWrite[] = [];
  const activeBefore = new Set(before?.status === 'ACTIVE' ? before.topics : []);
  const activeAfter = new Set(after.status === 'ACTIVE' ? after.topics : []);
  for (const topic of activeAfter) {
    if (!activeBefore.has(topic)) writes.push({ type: 'adjustTopicCount', topic, delta: 1 });
  }
  for (const topic of activeBefore) {
    if (!activeAfter.has(topic)) writes.push({ type: 'adjustTopicCount', topic, delta: -1 });
  }
  return writes;
}

// ---- writes ----

export function adjustTopicCount(sql: Sql, topic: string, delta: number): void {
  sql.run(
    'INSERT INTO topic_counts (topic, count) VALUES (?, ?) ' +
      'ON CONFLICT (topic) DO UPDATE SET count = count + excluded.count',
    topic,
    delta,
  );
  // counts never go below 0, so only a decrement can leave a row at 0
  if (delta <= 0) sql.run('DELETE FROM topic_counts WHERE topic = ? AND count = 0', topic);
}

// ---- queries ----

/** Topics with their number of ACTIVE statements, most used first, then by name. */
export function topics(sql: Sql, prefix?: string, first = 100): TopicCount[] {
  checkFirst(first, 'first', MAX_TOPICS);
  const params: unknown[] = [];
  let where = 'count > 0';
  if (prefix !== undefined && prefix !== '') {
    where += ' AND substr(topic, 1, ?) = ?';
    params.push(prefix.length, prefix);
  }
  params.push(first);
  return sql
    .all<{ topic: string; count: bigint }>(
      `SELECT topic, count FROM topic_counts WHERE ${where} ORDER BY count DESC, topic LIMIT ?`,
      ...params,
    )
    .map((row) => ({ topic: row.topic, count: Number(row.count) }));
}

/** Active statements of a country or topic timeline per month or year, by kind, with mean Goldstein. */
export function activity(sql: Sql, req: ActivityRequest): ActivityBucket[] {
  const { sql: text, params } = buildActivitySql(req);
  const buckets = new Map<string, Tally>();
  for (const row of sql.all<AggregateRow & { period: string }>(text, ...params)) {
    const period = periodOf(row.period);
    const tally = buckets.get(period) ?? new Tally();
    tally.add(row);
    buckets.set(period, tally);
  }
  return [...buckets].map(([period, tally]) => ({
    period,
    count: tally.count,
    byKind: tally.byKind(),
    meanGoldstein: tally.meanGoldstein(),
  }));
}

/** Each country a country spoke to or about (outgoing) or was spoken to or about by (incoming). */
export function relations(sql: Sql, req: RelationsRequest): CountryRelation[] {
  const { sql: text, params } = buildRelationsSql(req);
  const byCounterpart = new Map<string, { outgoing: number; incoming: number; tally: Tally }>();
  for (const row of sql.all<AggregateRow & { counterpart: string; outgoing: bigint }>(text, ...params)) {
    const relation = byCounterpart.get(row.counterpart) ?? { outgoing: 0, incoming: 0, tally: new Tally() };
    if (row.outgoing === 1n) relation.outgoing += Number(row.n);
    else relation.incoming += Number(row.n);
    relation.tally.add(row);
    byCounterpart.set(row.counterpart, relation);
  }
  return [...byCounterpart]
    .map(([counterpart, { outgoing, incoming, tally }]) => ({
      counterpart,
      outgoing,
      incoming,
      byKind: tally.byKind(),
      meanGoldstein: tally.meanGoldstein(),
    }))
    .sort(
      (a, b) =>
        b.outgoing + b.incoming - (a.outgoing + a.incoming) || a.counterpart.localeCompare(b.counterpart),
    );
}

export function explainDashboard(
  sql: Sql,
  query: { activity: ActivityRequest } | { relations: RelationsRequest },
): string[] {
  const { sql: text, params } =
    'activity' in query ? buildActivitySql(query.activity) : buildRelationsSql(query.relations);
  return sql.explain(text, params);
}
