import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { LogTimes, positionAt, type PositionAtTime } from './as-of.js';
import { activity, explainDashboard, relations, topics } from './dashboards/dashboards.js';
import {
  checkpointOf,
  closeDurably,
  moveIntoPlace,
  openReadModelFile,
  saveCheckpoint,
  type ReadModelOpenOptions,
} from './read-model-file.js';
import { dumpTables, tableRows } from './dump.js';
import { DUMP_QUERIES, LOG_INDEX_TABLES } from './schema.js';
import { explainSearch, search } from './search/search.js';
import { RANK_WINDOW } from './search/sql.js';
import { Sql } from './sql.js';
import {
  responsesTo,
  statementById,
  statementsById,
  toView,
  type Reader,
  type ResponsePage,
  type StatementRow,
} from './statement.js';
import { explainTimeline, timelinePage, timelineSource } from './timelines/timelines.js';
import type {
  ActivityBucket,
  ActivityRequest,
  CountryRelation,
  DumpRow,
  ReadModelDump,
  ReadModelWrite,
  RelationsRequest,
  SearchRequest,
  StatementConnection,
  StatementView,
  TimelineRequest,
  TopicCount,
} from './types.js';
import { ViewCache } from './view-cache.js';
import {
  storiesWithStatement,
  storyById,
  storyPage,
  type StoryPage,
  type StoryPageRequest,
  type StoryView,
} from './stories/stories.js';
import { applyWrite, WriteBatch } from './writer.js';

/** Parsed statement views kept per process (a view is ~2 KB: a few MB), so hot pages skip `JSON.parse`. */
const VIEW_CACHE_SIZE = 2_000;

/**
 * The read store: one SQLite file per process (DESIGN §6), written only by the projection runner and read by
 * the API. All methods are synchronous (better-sqlite3); a query is one statement, prepared once and cached.
 *
 * This class only puts the parts together: the file (`read-model-file.ts`: open, health, durability, swap,
 * checkpoints), the writer (`writer.ts`), and one module per question, each with its tables, its part of the
 * projection and its queries: `statement.ts`, `timelines/`, `search/`, `dashboards/`, `as-of.ts`.
 */
export class ReadModel {
  private sql: Sql;
  private changes = 0;
  private readonly views = new ViewCache<StatementView>(VIEW_CACHE_SIZE);
  /** the view of a statement row, parsed once per (id, valid_from) while it stays in the cache */
  private readonly cachedView = (row: StatementRow): StatementView =>
    this.views.get(row.id, row.valid_from, () => toView(row));

  private constructor(
    private db: Database.Database,
    /** the file this read model lives in */
    readonly file: string,
  ) {
    this.sql = new Sql(db);
  }

  /** what the question modules' queries read with */
  private get reader(): Reader {
    return { sql: this.sql, view: this.cachedView };
  }

  static open(file: string, options: ReadModelOpenOptions = {}): ReadModel {
    return new ReadModel(openReadModelFile(file, options), file);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Closes the file with everything on disk (see `closeDurably` in read-model-file.ts): after this the file
   * can be renamed into service.
   */
  closeDurably(): void {
    closeDurably(this.db, this.file);
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
    this.views.clear();
    this.changes += 1;
    moveIntoPlace(replacement, this.file);
    this.db = openReadModelFile(this.file);
    this.sql = new Sql(this.db);
  }

  /** Every row of `table` (one of `DUMP_QUERIES`) in primary-key order, one at a time; see `tableRows`. */
  rows(table: string): IterableIterator<DumpRow> {
    return tableRows(this.db, table);
  }

  /**
   * The tables the projection of statements writes, and the checkpoints, in `dump` order: what
   * `firstDifference` compares by default. `rows` and `dump` also cover `logIndexTables`.
   */
  static get tables(): string[] {
    return Object.keys(DUMP_QUERIES).filter((table) => !LOG_INDEX_TABLES.includes(table));
  }

  /**
   * The as-of index (`log_times`): written by the projection runner for every event of the log, whatever
   * its stream, so a model built by applying statement events alone has none. A rebuild compares it too.
   */
  static get logIndexTables(): string[] {
    return [...LOG_INDEX_TABLES];
  }

  /**
   * Moves whenever the file's content may have changed: after every transaction (committed or rolled back)
   * and when the file is replaced. Two reads that see the same generation read the same content, so an
   * answer computed between them may be kept for as long as the generation stays (DESIGN §11.22).
   */
  get generation(): number {
    return this.changes;
  }

  /** Runs `fn` in one SQLite transaction (a savepoint when nested); rolls back if it throws. */
  transaction<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn)();
    } finally {
      this.changes += 1;
    }
  }

  // ---- writes (the projection runner's side) ----

  /** Applies the writes one event produced at `position`, each at once. Call it inside `transaction`. */
  apply(position: bigint, writes: readonly ReadModelWrite[]): void {
    const times = new LogTimes(this.sql);
    for (const write of writes) applyWrite(this.sql, position, write, times);
    times.flush();
  }

  /**
   * Runs `fn` with a batch writer in one transaction: what the batch holds back (counters, search documents,
   * as-of times) is written at its end. See `WriteBatch`.
   */
  writeBatch<T>(fn: (batch: WriteBatch) => T): T {
    return this.transaction(() => {
      const batch = new WriteBatch(
        this.sql,
        (id) => this.statement(id),
        (position, writes) => this.apply(position, writes),
        (id) => this.story(id),
      );
      const result = fn(batch);
      batch.finish();
      return result;
    });
  }

  saveCheckpoint(name: string, position: bigint): void {
    saveCheckpoint(this.sql, name, position);
  }

  /** The last position a projection applied; 0n when it has applied nothing. */
  checkpoint(name: string): bigint {
    return checkpointOf(this.sql, name);
  }

  // ---- queries, each answered by its question's module ----

  /** The statement (ACTIVE or RETRACTED) as it is now, or as it stood at position `asOf`. */
  statement(id: string, asOf?: bigint): StatementView | undefined {
    return statementById(this.reader, id, asOf);
  }

  /** The story as it is now (drafts included: the API decides who sees them). */
  story(id: string): StoryView | undefined {
    return storyById(this.sql, id);
  }

  /** Stories, newest first, as a Relay page (see `storyPage`). */
  stories(req: StoryPageRequest): StoryPage {
    return storyPage(this.sql, req);
  }

  /** Ids of the published stories whose published snapshot holds the statement. */
  storiesWithStatement(statementId: string): string[] {
    return storiesWithStatement(this.sql, statementId);
  }

  /** Many statements in one query (for batched field resolvers); ids not found are absent from the map. */
  statements(ids: readonly string[], asOf?: bigint): Map<string, StatementView> {
    return statementsById(this.reader, ids, asOf);
  }

  /**
   * For each id, the ACTIVE statements that respond to it, in timeline order (every id is a key). With
   * `page`, at most `page.first` per id, after the response `page.after` (counted in SQL, per statement).
   */
  responsesTo(ids: readonly string[], asOf?: bigint, page?: ResponsePage): Map<string, StatementView[]> {
    return responsesTo(this.reader, ids, asOf, page);
  }

  /** The statements a country speaks in, is addressed by, or is mentioned in (keyset-paginated). */
  countryTimeline(country: string, req: TimelineRequest): StatementConnection {
    return timelinePage(this.reader, timelineSource('country', country), req);
  }

  /** The statements tagged with a topic (keyset-paginated). */
  topicTimeline(topic: string, req: TimelineRequest): StatementConnection {
    return timelinePage(this.reader, timelineSource('topic', topic), req);
  }

  /** Topics with their number of ACTIVE statements, most used first, then by name. */
  topics(prefix?: string, first = 100): TopicCount[] {
    return topics(this.sql, prefix, first);
  }

  /**
   * How many of a search's newest matches are ranked by relevance (`search/sql.ts`); only tests change it, to
   * reach past the window with a few statements.
   */
  searchRankWindow = RANK_WINDOW;

  /** Statements whose text, speaker or sources match `query` (FTS5), with the timeline filters. */
  search(req: SearchRequest): StatementConnection {
    return search(this.reader, req, this.searchRankWindow);
  }

  /** Active statements of a country or topic timeline per month or year, by kind, with mean Goldstein. */
  activity(req: ActivityRequest): ActivityBucket[] {
    return activity(this.sql, req);
  }

  /** Each country a country spoke to or about (outgoing) or was spoken to or about by (incoming). */
  relations(req: RelationsRequest): CountryRelation[] {
    return relations(this.sql, req);
  }

  /**
   * The log position as it stood at the moment `recordedAt`, from the as-of index the projection keeps (no
   * read of the log); see `PositionAtTime.final` for when the answer still needs the read model to catch up.
   */
  positionAt(recordedAt: string): PositionAtTime {
    return positionAt(this.sql, recordedAt);
  }

  /** `EXPLAIN QUERY PLAN` of a search, activity or relations query (tests check the indexes they use). */
  explainAggregate(
    query: { search: SearchRequest } | { activity: ActivityRequest } | { relations: RelationsRequest },
  ): string[] {
    return 'search' in query ? explainSearch(this.sql, query.search) : explainDashboard(this.sql, query);
  }

  /** `EXPLAIN QUERY PLAN` of a timeline page query: lets tests and benchmarks see that it is a range scan. */
  explainTimeline(
    timeline: 'country' | 'topic',
    key: string,
    req: TimelineRequest,
    query: 'page' | 'count' | 'beyond' = 'page',
  ): string[] {
    return explainTimeline(this.sql, timelineSource(timeline, key), req, query);
  }

  /** Every row of every table in primary-key order (integers as bigint). For tests and rebuild checks. */
  dump(): ReadModelDump {
    return dumpTables(this.sql);
  }
}

export { moveIntoPlace, type ReadModelOpenOptions };
