import { closeSync, existsSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { COUNTRY_ROLES, type CountryRole, type Statement, type StatementStatus } from '#domain';
import { encodeCursor } from './cursor.js';
import { sortKeyOf } from './partial-date.js';
import { BULK_LOAD_DEFERRED_INDEXES, DUMP_ORDER, SCHEMA, SCHEMA_VERSION } from './schema.js';
import { ReadModelUnusableError } from './errors.js';
import { ViewCache } from './view-cache.js';
import { buildSearchSql, encodeSearchCursor, type SearchSql } from './search.js';
import { buildActivitySql, buildRelationsSql, periodOf, Tally, type AggregateRow } from './dashboards.js';
import {
  buildTimelineSql,
  checkAsOf,
  checkFirst,
  STATEMENT_COLUMNS,
  MAX_TOPICS,
  validAt,
  type TimelineSource,
} from './timeline-query.js';
import type {
  ActivityBucket,
  ActivityRequest,
  CountryRelation,
  RelationsRequest,
  SearchRequest,
  CountryEntry,
  DumpRow,
  ReadModelDump,
  ReadModelWrite,
  StatementConnection,
  StatementView,
  TimelineRequest,
  TopicCount,
  TopicEntry,
} from './types.js';

/** A `statements` row as SQLite returns it (integers as bigint: every statement runs in safe-integer mode). */
interface StatementRow {
  id: string;
  valid_from: bigint;
  version: bigint;
  status: StatementStatus;
  recorded_position: bigint;
  recorded_at: string;
  updated_at: string;
  data: string;
}

interface TimelineRow extends StatementRow {
  entry_sort_key: string;
  entry_recorded_position: bigint;
  is_speaker?: bigint;
  is_target?: bigint;
  is_mentioned?: bigint;
}

type Prepared = Database.Statement<unknown[]>;

export interface ReadModelOpenOptions {
  /**
   * For a read model being rebuilt, which nobody reads until it is complete: no journal at all,
   * `synchronous=OFF`, a large page cache and the secondary indexes left out, so a crash or a failed batch
   * may leave it damaged (it is then thrown away and rebuilt). `closeDurably()` creates the indexes and makes it durable before it is put into
   * service; until then only primary-key reads (`statement`, `dump`, `rows`) are fast.
   */
  relaxedDurability?: boolean;
  /** open an existing file for reading only (no schema set-up, no writes) */
  readonly?: boolean;
  /**
   * Files up to this size get SQLite's `quick_check` (every page read) when opened; larger ones only the
   * checks that read no pages (header, size against the header's page count). Default
   * `FULL_CHECK_MAX_BYTES`.
   */
  fullCheckMaxBytes?: number;
}

/**
 * The largest read-model file whose every page is checked (`pragma quick_check`) at open: about 1 s of
 * start-up per 100 MB, so a 1M-statement file (2.4 GB) would wait minutes before serving. Above it a damaged
 * page is found by the first query that reads it (an SQLITE_CORRUPT error for that request), and the
 * operator rebuilds with `communique rebuild`; truncation is still caught at open from the header.
 */
export const FULL_CHECK_MAX_BYTES = 512 * 1024 * 1024;

/**
 * SQLite page cache per connection, in KiB: 1 GiB while rebuilding (bulk writes touch every index), 16 MiB
 * for a serving process, whose reads touch the few pages of the hot timeline pages (a larger cache only kept
 * the pages the start-up check had read resident).
 */
const REBUILD_CACHE_KIB = 1_048_576;
/** Parsed statement views kept per process (a view is ~2 KB: a few MB), so hot pages skip `JSON.parse`. */
const VIEW_CACHE_SIZE = 2_000;
const SERVING_CACHE_KIB = 16_384;

/**
 * The read store: one SQLite file per process (DESIGN §6), written only by the projection runner and read by
 * the API. All methods are synchronous (better-sqlite3); a query is one statement, prepared once and cached.
 *
 * Durability: WAL with `synchronous=NORMAL`. A power cut may lose the last few committed transactions, but
 * never tears one; since every batch commits its rows together with the checkpoint, a lost transaction only
 * means the runner re-applies those events from the log. The read model is disposable, the log is not (the
 * event store keeps `synchronous=FULL`).
 */
export class ReadModel {
  private readonly cache = new Map<string, Prepared>();
  private readonly views = new ViewCache<StatementView>(VIEW_CACHE_SIZE);

  private constructor(
    private db: Database.Database,
    /** the file this read model lives in */
    readonly file: string,
  ) {}

  static open(file: string, options: ReadModelOpenOptions = {}): ReadModel {
    if (options.readonly !== true) {
      const truncated = truncation(file);
      if (truncated !== undefined) throw new ReadModelUnusableError(file, `damaged (${truncated})`);
    }
    let db: Database.Database;
    try {
      db = new Database(file, {
        readonly: options.readonly === true,
        fileMustExist: options.readonly === true,
      });
      db.pragma('user_version', { simple: true }); // reads the header: fails at once on a file that is not SQLite
    } catch (error) {
      throw unusable(file, error);
    }
    if (options.readonly === true) {
      db.pragma('busy_timeout = 5000');
      return new ReadModel(db, file);
    }
    try {
      if (options.relaxedDurability === true) {
        // better-sqlite3 opens connections in SQLite's defensive mode, where `journal_mode = OFF` is ignored
        // (the file would keep a rollback journal on disk): lift it for this one pragma
        db.unsafeMode(true);
        db.pragma('journal_mode = OFF');
        db.unsafeMode(false);
      } else {
        db.pragma('journal_mode = WAL');
      }
      db.pragma(options.relaxedDurability === true ? 'synchronous = OFF' : 'synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      db.pragma('temp_store = MEMORY');
      // a rebuild inserts into B-trees keyed by random ids: the more of them stays cached, the fewer pages
      // are written and read back (SQLite takes the pages as it needs them, so a small rebuild uses little)
      db.pragma(
        `cache_size = -${options.relaxedDurability === true ? REBUILD_CACHE_KIB : SERVING_CACHE_KIB}`,
      );
      const version = db.pragma('user_version', { simple: true });
      if (version !== 0 && version !== SCHEMA_VERSION) {
        throw new ReadModelUnusableError(
          file,
          `schema version ${String(version)}, this code writes version ${SCHEMA_VERSION}`,
        );
      }
      // A truncated file or a damaged page can still have a readable header: check every page's structure
      // when the file is small enough for that to be quick (the size against the header is checked first).
      if (fileSize(file) <= (options.fullCheckMaxBytes ?? FULL_CHECK_MAX_BYTES)) {
        const check: unknown = db.pragma('quick_check', { simple: true });
        if (check !== 'ok') throw new ReadModelUnusableError(file, `damaged (quick_check: ${String(check)})`);
      }
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      if (options.relaxedDurability === true) {
        for (const index of BULK_LOAD_DEFERRED_INDEXES) db.exec(`DROP INDEX IF EXISTS ${index}`);
      }
    } catch (error) {
      db.close();
      throw unusable(file, error);
    }
    return new ReadModel(db, file);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Closes the file with everything on disk: WAL checkpointed into the main file (a relaxed rebuild has no
   * WAL), the file fsynced. After this the file can be renamed into service.
   */
  closeDurably(): void {
    if (!this.db.open) return;
    this.db.exec(SCHEMA); // creates the indexes a relaxed rebuild deferred
    if (String(this.db.pragma('journal_mode', { simple: true })) === 'wal') {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    }
    this.db.close();
    fsyncFile(this.file);
  }

  /**
   * Puts the (complete, durably closed) read model in `replacement` into service in place of this one,
   * between two queries: closes this file, renames `replacement` over it (an atomic rename in one folder),
   * fsyncs the folder and reopens. Synchronous, so no query or projection batch of this process runs in
   * between; the object stays the same, so every holder of it now reads the new file.
   */
  replaceWith(replacement: string): void {
    if (!existsSync(replacement)) throw new Error(`replacement read model ${replacement} does not exist`);
    if (dirname(replacement) !== dirname(this.file)) {
      throw new Error(`replacement read model ${replacement} is not in the folder of ${this.file}`);
    }
    this.close();
    this.cache.clear();
    this.views.clear();
    moveIntoPlace(replacement, this.file);
    const reopened = ReadModel.open(this.file);
    this.db = reopened.db;
  }

  /**
   * Every row of `table` in primary-key order, one at a time (for comparing large read models without
   * loading them). `table` must be one of `DUMP_ORDER`.
   */
  *rows(table: string): IterableIterator<DumpRow> {
    const order = DUMP_ORDER[table];
    if (order === undefined) throw new Error(`unknown read-model table ${table}`);
    const statement = this.db.prepare<unknown[], DumpRow>(`SELECT * FROM ${table} ORDER BY ${order}`);
    statement.safeIntegers(true);
    yield* statement.iterate();
  }

  /** The tables `rows` and `dump` cover, in their order. */
  static get tables(): string[] {
    return Object.keys(DUMP_ORDER);
  }

  /** Runs `fn` in one SQLite transaction (a savepoint when nested); rolls back if it throws. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- writes (the projection runner's side) ----

  /** Applies the writes one event produced at `position`. Call it inside `transaction`. */
  apply(position: bigint, writes: readonly ReadModelWrite[]): void {
    for (const write of writes) {
      switch (write.type) {
        case 'putStatement':
          this.putStatement(position, write.statement, write.replaces !== false);
          break;
        case 'putCountryEntry':
          this.putCountryEntry(position, write.entry, write.replaces !== false);
          break;
        case 'closeCountryEntry':
          this.run(
            'UPDATE country_entries SET valid_to = ? WHERE statement_id = ? AND country = ? AND valid_to IS NULL',
            position,
            write.statementId,
            write.country,
          );
          break;
        case 'putTopicEntry':
          this.putTopicEntry(position, write.entry, write.replaces !== false);
          break;
        case 'closeTopicEntry':
          this.run(
            'UPDATE topic_entries SET valid_to = ? WHERE statement_id = ? AND topic = ? AND valid_to IS NULL',
            position,
            write.statementId,
            write.topic,
          );
          break;
        case 'openResponseLink':
          this.run(
            'INSERT INTO response_links (statement_id, responds_to, valid_from, valid_to) VALUES (?, ?, ?, NULL)',
            write.statementId,
            write.respondsTo,
            position,
          );
          break;
        case 'adjustTopicCount':
          this.run(
            'INSERT INTO topic_counts (topic, count) VALUES (?, ?) ' +
              'ON CONFLICT (topic) DO UPDATE SET count = count + excluded.count',
            write.topic,
            write.delta,
          );
          // counts never go below 0, so only a decrement can leave a row at 0
          if (write.delta <= 0)
            this.run('DELETE FROM topic_counts WHERE topic = ? AND count = 0', write.topic);
          break;
        case 'adjustTimelineCount':
          this.run(
            'INSERT INTO timeline_counts (timeline, key, active, current) VALUES (?, ?, ?, ?) ' +
              'ON CONFLICT (timeline, key) DO UPDATE SET active = active + excluded.active, ' +
              'current = current + excluded.current',
            write.timeline,
            write.key,
            write.active,
            write.current,
          );
          this.run(
            'DELETE FROM timeline_counts WHERE timeline = ? AND key = ? AND current = 0',
            write.timeline,
            write.key,
          );
          break;
        case 'putSearchDocument':
          if (write.replaces) {
            this.run('DELETE FROM statement_search WHERE rowid = ?', write.document.recordedPosition);
          }
          this.run(
            'INSERT INTO statement_search (rowid, text, speaker, sources) VALUES (?, ?, ?, ?)',
            write.document.recordedPosition,
            write.document.text,
            write.document.speaker,
            write.document.sources,
          );
          break;
      }
    }
  }

  saveCheckpoint(name: string, position: bigint): void {
    this.run(
      'INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position',
      name,
      position,
    );
  }

  /** The last position a projection applied; 0n when it has applied nothing. */
  checkpoint(name: string): bigint {
    const row = this.get<{ position: bigint }>('SELECT position FROM checkpoints WHERE name = ?', name);
    return row?.position ?? 0n;
  }

  private putStatement(position: bigint, view: StatementView, replaces: boolean): void {
    const { status, version, recordedAt, updatedAt, recordedPosition, lastPosition, ...statement } = view;
    if (lastPosition !== position) {
      throw new Error(`statement ${view.id}: lastPosition ${lastPosition} written at position ${position}`);
    }
    if (replaces) {
      this.run('UPDATE statements SET valid_to = ? WHERE id = ? AND valid_to IS NULL', position, view.id);
    }
    this.run(
      'INSERT INTO statements (id, valid_from, valid_to, version, status, sort_key, recorded_position, ' +
        'recorded_at, updated_at, data) VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)',
      view.id,
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

  private putCountryEntry(position: bigint, entry: CountryEntry, replaces: boolean): void {
    if (replaces) {
      this.run(
        'UPDATE country_entries SET valid_to = ? WHERE statement_id = ? AND country = ? AND valid_to IS NULL',
        position,
        entry.statementId,
        entry.country,
      );
    }
    this.run(
      'INSERT INTO country_entries (statement_id, country, is_speaker, is_target, is_mentioned, sort_key, ' +
        'recorded_position, kind, status, valid_from, valid_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)',
      entry.statementId,
      entry.country,
      entry.roles.includes('SPEAKER') ? 1 : 0,
      entry.roles.includes('TARGET') ? 1 : 0,
      entry.roles.includes('MENTIONED') ? 1 : 0,
      sortKeyOf(entry.occurredOn),
      entry.recordedPosition,
      entry.kind,
      entry.status,
      position,
    );
  }

  private putTopicEntry(position: bigint, entry: TopicEntry, replaces: boolean): void {
    if (replaces) {
      this.run(
        'UPDATE topic_entries SET valid_to = ? WHERE statement_id = ? AND topic = ? AND valid_to IS NULL',
        position,
        entry.statementId,
        entry.topic,
      );
    }
    this.run(
      'INSERT INTO topic_entries (statement_id, topic, sort_key, recorded_position, kind, status, valid_from, ' +
        'valid_to) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)',
      entry.statementId,
      entry.topic,
      sortKeyOf(entry.occurredOn),
      entry.recordedPosition,
      entry.kind,
      entry.status,
      position,
    );
  }

  // ---- queries ----

  /** The statement (ACTIVE or RETRACTED) as it is now, or as it stood at position `asOf`. */
  statement(id: string, asOf?: bigint): StatementView | undefined {
    checkAsOf(asOf);
    const params: unknown[] = [id];
    const row = this.get<StatementRow>(
      `SELECT ${STATEMENT_COLUMNS} FROM statements s WHERE s.id = ? AND ${validAt('s', asOf, params)}`,
      ...params,
    );
    return row === undefined ? undefined : this.view(row);
  }

  /** Many statements in one query (for batched field resolvers); ids not found are absent from the map. */
  statements(ids: readonly string[], asOf?: bigint): Map<string, StatementView> {
    checkAsOf(asOf);
    const params: unknown[] = [JSON.stringify(ids)];
    const rows = this.all<StatementRow>(
      `SELECT ${STATEMENT_COLUMNS} FROM statements s ` +
        `WHERE s.id IN (SELECT value FROM json_each(?)) AND ${validAt('s', asOf, params)}`,
      ...params,
    );
    return new Map(rows.map((row) => [row.id, this.view(row)]));
  }

  /**
   * For each id, the ACTIVE statements that respond to it, in timeline order, in one query. Every requested
   * id is a key of the map (with an empty list when nothing responds to it). With `page`, at most
   * `page.first` per id, after the response `page.after` (an id; the order is date said, log position, id).
   */
  responsesTo(
    ids: readonly string[],
    asOf?: bigint,
    page?: { first: number; after?: string },
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
    const rows = this.all<StatementRow & { responds_to: string }>(sql, ...params);
    const result = new Map<string, StatementView[]>(ids.map((id) => [id, []]));
    for (const row of rows) result.get(row.responds_to)?.push(this.view(row));
    return result;
  }

  /** The statements a country speaks in, is addressed by, or is mentioned in (keyset-paginated). */
  countryTimeline(country: string, req: TimelineRequest): StatementConnection {
    return this.timeline({ table: 'country_entries', keyColumn: 'country', key: country }, req);
  }

  /** The statements tagged with a topic (keyset-paginated). */
  topicTimeline(topic: string, req: TimelineRequest): StatementConnection {
    return this.timeline({ table: 'topic_entries', keyColumn: 'topic', key: topic }, req);
  }

  /** Topics with their number of ACTIVE statements, most used first, then by name. */
  topics(prefix?: string, first = 100): TopicCount[] {
    checkFirst(first, 'first', MAX_TOPICS);
    const params: unknown[] = [];
    let where = 'count > 0';
    if (prefix !== undefined && prefix !== '') {
      where += ' AND substr(topic, 1, ?) = ?';
      params.push(prefix.length, prefix);
    }
    params.push(first);
    return this.all<{ topic: string; count: bigint }>(
      `SELECT topic, count FROM topic_counts WHERE ${where} ORDER BY count DESC, topic LIMIT ?`,
      ...params,
    ).map((row) => ({ topic: row.topic, count: Number(row.count) }));
  }

  /**
   * Statements whose text, speaker or sources match `query` (FTS5, bm25-ranked), with the timeline filters.
   * Edges carry no roles. Cursors are offsets into the ranked list.
   */
  search(req: SearchRequest): StatementConnection {
    const { pageSql, pageParams, countSql, countParams, offset, ranked } = buildSearchSql(req);
    const rows =
      (ranked && this.rankedSearchRows(ranked, offset, req.first + 1)) ??
      this.all<StatementRow>(pageSql, ...pageParams);
    const edges = rows.slice(0, req.first).map((row, i) => ({
      cursor: encodeSearchCursor(offset + i),
      node: this.view(row),
      roles: [],
    }));
    return withLazyCount(
      { edges, hasNextPage: rows.length > req.first, endCursor: edges.at(-1)?.cursor ?? null },
      () => Number(this.get<{ total: bigint }>(countSql, ...countParams)?.total ?? 0n),
    );
  }

  /**
   * A search page ranked in the FTS index alone: the top documents (with room for retracted statements),
   * then their statements by position, in rank order. Undefined when the room ran out before `count` rows
   * were found (many retracted statements among the best matches): the caller then runs the joined query.
   */
  private rankedSearchRows(
    ranked: NonNullable<SearchSql['ranked']>,
    offset: number,
    count: number,
  ): StatementRow[] | undefined {
    const wanted = offset + count;
    const limit = wanted + Math.ceil(wanted / 4) + 16;
    const docs = this.all<{ doc: bigint }>(ranked.rankSql, ranked.match, limit).map((row) => row.doc);
    const positions = JSON.stringify(docs.map((doc) => Number(doc)));
    const byPosition = new Map<bigint, StatementRow>();
    for (const row of this.all<StatementRow>(ranked.rowsSql, positions))
      byPosition.set(row.recorded_position, row);
    const listed: StatementRow[] = [];
    for (const doc of docs) {
      const row = byPosition.get(doc);
      if (row !== undefined && (!ranked.activeOnly || row.status === 'ACTIVE')) listed.push(row);
    }
    if (listed.length < wanted && docs.length === limit) return undefined;
    return listed.slice(offset, wanted);
  }

  /** Active statements of a country or topic timeline per month or year, by kind, with mean Goldstein. */
  activity(req: ActivityRequest): ActivityBucket[] {
    const { sql, params } = buildActivitySql(req);
    const buckets = new Map<string, Tally>();
    for (const row of this.all<AggregateRow & { period: string }>(sql, ...params)) {
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
  relations(req: RelationsRequest): CountryRelation[] {
    const { sql, params } = buildRelationsSql(req);
    const byCounterpart = new Map<string, { outgoing: number; incoming: number; tally: Tally }>();
    for (const row of this.all<AggregateRow & { counterpart: string; outgoing: bigint }>(sql, ...params)) {
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

  /** `EXPLAIN QUERY PLAN` of a search, activity or relations query (tests check the indexes they use). */
  explainAggregate(
    query: { search: SearchRequest } | { activity: ActivityRequest } | { relations: RelationsRequest },
  ): string[] {
    let sql: string;
    let params: unknown[];
    if ('search' in query) ({ pageSql: sql, pageParams: params } = buildSearchSql(query.search));
    else if ('activity' in query) ({ sql, params } = buildActivitySql(query.activity));
    else ({ sql, params } = buildRelationsSql(query.relations));
    return this.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, ...params).map((row) => row.detail);
  }

  /** `EXPLAIN QUERY PLAN` of a timeline page query: lets tests and benchmarks see that it is a range scan. */
  explainTimeline(
    timeline: 'country' | 'topic',
    key: string,
    req: TimelineRequest,
    query: 'page' | 'count' = 'page',
  ): string[] {
    const source: TimelineSource =
      timeline === 'country'
        ? { table: 'country_entries', keyColumn: 'country', key }
        : { table: 'topic_entries', keyColumn: 'topic', key };
    const { pageSql, pageParams, countSql, countParams } = buildTimelineSql(source, req);
    const [sql, params] = query === 'page' ? [pageSql, pageParams] : [countSql, countParams];
    return this.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, ...params).map((row) => row.detail);
  }

  /** Every row of every table in primary-key order (integers as bigint). For tests and rebuild checks. */
  dump(): ReadModelDump {
    const dump: ReadModelDump = {};
    for (const [table, order] of Object.entries(DUMP_ORDER)) {
      const rowid = table === 'statement_search' ? 'rowid AS doc, ' : '';
      dump[table] = this.all<DumpRow>(`SELECT ${rowid}* FROM ${table} ORDER BY ${order}`);
    }
    return dump;
  }

  private timeline(source: TimelineSource, req: TimelineRequest): StatementConnection {
    const { pageSql, pageParams, countSql, countParams, counter } = buildTimelineSql(source, req);
    const rows = this.all<TimelineRow>(pageSql, ...pageParams);
    const page = rows.slice(0, req.first);
    const edges = page.map((row) => ({
      cursor: encodeCursor({
        sortKey: row.entry_sort_key,
        recordedPosition: row.entry_recorded_position,
        statementId: row.id,
      }),
      node: this.view(row),
      roles: rolesOf(row),
    }));
    const count = (): number => {
      if (counter === undefined) {
        return Number(this.get<{ total: bigint }>(countSql, ...countParams)?.total ?? 0n);
      }
      const row = this.get<{ total: bigint }>(
        `SELECT ${counter} AS total FROM timeline_counts WHERE timeline = ? AND key = ?`,
        source.keyColumn,
        source.key,
      );
      return Number(row?.total ?? 0n);
    };
    return withLazyCount(
      { edges, hasNextPage: rows.length > req.first, endCursor: edges.at(-1)?.cursor ?? null },
      count,
    );
  }

  /** The view of a statement row, parsed once per (id, valid_from) while it stays in the cache. */
  private view(row: StatementRow): StatementView {
    return this.views.get(row.id, row.valid_from, () => toView(row));
  }

  private prepare(sql: string): Prepared {
    let statement = this.cache.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare<unknown[]>(sql);
      if (statement.reader) statement.safeIntegers(true);
      this.cache.set(sql, statement);
    }
    return statement;
  }

  private run(sql: string, ...params: unknown[]): void {
    this.prepare(sql).run(...params);
  }

  private get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.prepare(sql).get(...params) as T | undefined;
  }

  private all<T>(sql: string, ...params: unknown[]): T[] {
    return this.prepare(sql).all(...params) as T[];
  }
}

function toView(row: StatementRow): StatementView {
  const statement = JSON.parse(row.data) as Statement & { respondsTo: string[] };
  return {
    ...statement,
    status: row.status,
    version: Number(row.version),
    recordedAt: row.recorded_at,
    updatedAt: row.updated_at,
    recordedPosition: row.recorded_position,
    lastPosition: row.valid_from,
  };
}

/**
 * The page with `totalCount` as a getter that runs `count` the first time it is read: a client that does not
 * select the field costs no count. The count reads the read model when the getter runs, not when the page
 * was read (each is its own statement, as page and count always were).
 */
function withLazyCount(
  page: Omit<StatementConnection, 'totalCount'>,
  count: () => number,
): StatementConnection {
  let total: number | undefined;
  return Object.defineProperty(page, 'totalCount', {
    get: () => (total ??= count()),
    enumerable: true,
  }) as StatementConnection;
}

function rolesOf(row: TimelineRow): CountryRole[] {
  const held: Record<CountryRole, bigint | undefined> = {
    SPEAKER: row.is_speaker,
    TARGET: row.is_target,
    MENTIONED: row.is_mentioned,
  };
  return COUNTRY_ROLES.filter((role) => held[role] === 1n);
}

/** SQLite's answer for a file that is not a database or is damaged, as a ReadModelUnusableError. */
function unusable(file: string, error: unknown): unknown {
  if (error instanceof ReadModelUnusableError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new ReadModelUnusableError(file, error instanceof Error ? error.message : String(code));
  }
  return error;
}

/**
 * Renames `from` over `to` (atomically, same folder) after removing `to`'s WAL and shared-memory files, which
 * belong to the file being replaced and would otherwise be read as part of the new one; then fsyncs the folder
 * so the rename itself survives a power cut.
 */
export function moveIntoPlace(from: string, to: string): void {
  for (const suffix of ['-wal', '-shm']) rmSync(to + suffix, { force: true });
  renameSync(from, to);
  fsyncFile(dirname(to));
}

const fileSize = (file: string): number => (existsSync(file) ? statSync(file).size : 0);

/**
 * Why the main file is shorter than its header says, or undefined. The header's page count (offset 28) is
 * valid when its "version-valid-for" number (offset 92) equals the change counter (offset 24); the file may
 * then be longer than that count (pages freed but not yet cut off), never shorter. Not judged while a WAL
 * with frames is beside it: a checkpoint cut short may have written the header first, and SQLite completes it
 * from the WAL. Reads 100 bytes.
 */
function truncation(file: string): string | undefined {
  const size = fileSize(file);
  if (size < 100 || fileSize(`${file}-wal`) > 0) return undefined; // empty or new, or a WAL to replay
  const header = Buffer.alloc(100);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65_536 : rawPageSize;
  const pages = header.readUInt32BE(28);
  if (pages === 0 || header.readUInt32BE(92) !== header.readUInt32BE(24)) return undefined;
  const expected = pages * pageSize;
  return size < expected ? `${size} bytes, its header counts ${pages} pages of ${pageSize} bytes` : undefined;
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
