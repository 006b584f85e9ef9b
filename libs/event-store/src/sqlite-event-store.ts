import Database from 'better-sqlite3';
import {
  EventStore,
  type AppendResult,
  type EventToAppend,
  type EventStoreCapabilities,
  type ExpectedRevision,
  type JsonObject,
  type Position,
  type ReadAllBackwardsOptions,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamWrite,
  type SubscribeOptions,
  type Subscription,
} from './event-store.js';
import type { StoredEvent } from './audit.js';
import {
  CURRENT_HASH_VERSION,
  canonicalJson,
  computeChainHash,
  computeStoredEventHash,
  storedMetadata,
} from './hash-chain.js';
import { UpcasterRegistry, upcastVerified } from './upcasting.js';
import * as rules from './append-rules.js';

export interface SqliteEventStoreOptions {
  /** how long a write waits for another connection's write lock before failing with SQLITE_BUSY; 5000 */
  busyTimeoutMs?: number;
  /** how often a waiting subscription looks for events appended by other connections or processes; 25 */
  pollIntervalMs?: number;
  /** rows fetched per query by reads and subscriptions, so a large log is never loaded at once; 500 */
  pageSize?: number;
  /**
   * lifts events stored in an older schema version to the current one when they are read (after checking
   * their stored hash); none unless given. The same as wrapping the store in `UpcastingEventStore`, which is
   * what the application does for every adapter (its composition root knows the domain)
   */
  upcasters?: UpcasterRegistry;
}

export interface SqlitePragmas {
  journalMode: string;
  synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';
  busyTimeoutMs: number;
}

/** 1: Core; 2: adds `chain_hash`, the global chain (hash-chain.ts `computeChainHash`) */
const SCHEMA_VERSION = 2;

/*
 * `metadata` holds the stored metadata without `hash`: exactly the metadata that was hashed (it carries
 * `prevHash`); `hash` has its own column. `data` and `metadata` are canonical JSON, so a row can be re-hashed
 * from its columns alone. `recorded_at` is `metadata.recordedAt` normalised to ISO-8601 UTC and clamped to be
 * non-decreasing in `position` (see `positionAt`). `chain_hash` links each event to the one stored before
 * it in the log (see `computeChainHash`), written in the same transaction. The triggers make the table
 * append-only.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position    INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    TEXT    NOT NULL UNIQUE,
    stream      TEXT    NOT NULL CHECK (stream <> ''),
    revision    INTEGER NOT NULL CHECK (revision >= 0),
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    hash        TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    chain_hash  TEXT    NOT NULL,
    UNIQUE (stream, revision)
  );
  CREATE INDEX IF NOT EXISTS events_recorded_at ON events (recorded_at, position);
  CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
  CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
`;

const COLUMNS = 'position, event_id, stream, revision, type, data, metadata, hash, chain_hash, recorded_at';

/*
 * Schema 1 -> 2: adds `chain_hash` and computes it for the events already stored, in position order. The
 * append-only triggers are dropped for the backfill and recreated by SCHEMA, all in the opening transaction.
 */
const MIGRATE_1_TO_2 = `
  ALTER TABLE events ADD COLUMN chain_hash TEXT NOT NULL DEFAULT '';
  DROP TRIGGER IF EXISTS events_no_update;
  DROP TRIGGER IF EXISTS events_no_delete;
`;

/** A row as better-sqlite3 returns it with safe integers on: every INTEGER is a bigint. */
interface EventRow {
  position: bigint;
  event_id: string;
  stream: string;
  revision: bigint;
  type: string;
  data: string;
  metadata: string;
  hash: string;
  chain_hash: string;
  recorded_at: string;
}

/**
 * An event checked and serialised once, before the transaction: `dataJson` is the canonical JSON that is both
 * stored and hashed; the stored metadata is the caller's metadata without `hash`, with `prevHash` set by the
 * transaction: its canonical JSON is `{` + `metadataBefore` + `"prevHash":<hash or null>` + `metadataAfter`
 * + `}` (the members that sort before and after `prevHash`, with their commas).
 */
interface PreparedEvent {
  id: string;
  type: string;
  dataJson: string;
  metadataBefore: string;
  metadataAfter: string;
  recordedAt: string;
}

interface PreparedWrite {
  stream: string;
  events: PreparedEvent[];
  expected: ExpectedRevision;
}

/** The last event of a stream as one append transaction sees it. */
interface StreamHead {
  revision: bigint;
  position: bigint;
  hash: string;
}

/**
 * What one append transaction knows of the log: the heads of the streams it writes and the stored events
 * with the ids it appends (each read with ONE query for the whole batch), and the log head (read when the
 * first event is written). Its own inserts keep all three up to date, so every write of a batch sees the
 * earlier writes exactly as it would by querying the table again.
 */
interface AppendContext {
  heads: Map<string, StreamHead>;
  ids: Map<string, rules.StoredId>;
  log?: { recordedFloor: string; chainHash: string | null; next: bigint };
}

type Statement = Database.Statement<unknown[], unknown>;

/**
 * The SQLite event store (DESIGN §5): one file in WAL mode with `synchronous=FULL`, one `BEGIN IMMEDIATE`
 * transaction per append so that appends from several connections or processes sharing the file serialise.
 * Positions are the table's AUTOINCREMENT rowid, read as bigint. Because writers are serialised and a
 * position is taken inside the writing transaction, positions become visible in increasing order: a reader
 * that has seen position p never later sees a new event below p, which is what makes `position > last` a
 * gap-free subscription cursor.
 *
 * better-sqlite3 is synchronous: an append blocks the event loop for its transaction (and, if another process
 * holds the write lock, for up to `busyTimeoutMs`).
 */
export class SqliteEventStore extends EventStore {
  private readonly subscriptions = new Set<SqliteSubscription>();
  private readonly waiting = new Set<SqliteSubscription>();
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private readonly sql: Record<
    | 'streamHeads'
    | 'logHeadRecordedAt'
    | 'byIds'
    | 'insert'
    | 'streamPage'
    | 'allPage'
    | 'allPageBefore'
    | 'headPosition'
    | 'count'
    | 'countAfter'
    | 'positionAt'
    | 'nextPosition'
    | 'streamHeadRevision',
    Statement
  >;
  private readonly appendTransaction: (writes: PreparedWrite[]) => (AppendResult & { written: boolean })[];

  private constructor(
    readonly file: string,
    private readonly db: Database.Database,
    private readonly options: Required<Omit<SqliteEventStoreOptions, 'upcasters'>>,
    private readonly upcasters: UpcasterRegistry,
  ) {
    super();
    const prepare = (source: string): Statement => db.prepare<unknown[], unknown>(source);
    this.sql = {
      // SQLite takes the bare columns of a max() aggregate from the row holding the maximum
      streamHeads: prepare(
        `SELECT stream, max(revision) AS revision, position, hash FROM events
         WHERE stream IN (SELECT value FROM json_each(?)) GROUP BY stream`,
      ),
      logHeadRecordedAt: prepare('SELECT recorded_at, chain_hash FROM events ORDER BY position DESC LIMIT 1'),
      nextPosition: prepare(
        `SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0) + 1 AS next`,
      ),
      streamHeadRevision: prepare('SELECT max(revision) AS revision FROM events WHERE stream = ?'),
      byIds: prepare(
        `SELECT event_id, stream, revision, position, type, data FROM events
         WHERE event_id IN (SELECT value FROM json_each(?))`,
      ),
      insert: prepare(
        `INSERT INTO events (position, event_id, stream, revision, type, data, metadata, hash, recorded_at,
                             chain_hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      streamPage: prepare(
        `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`,
      ),
      allPage: prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`),
      allPageBefore: prepare(
        `SELECT ${COLUMNS} FROM events WHERE position < ? ORDER BY position DESC LIMIT ?`,
      ),
      headPosition: prepare('SELECT coalesce(max(position), 0) AS head FROM events'),
      count: prepare('SELECT count(*) AS n FROM events'),
      countAfter: prepare(
        'SELECT count(*) AS n FROM (SELECT 1 FROM events WHERE position > ? ORDER BY position LIMIT ?)',
      ),
      positionAt: prepare(
        'SELECT position FROM events WHERE recorded_at <= ? ORDER BY recorded_at DESC, position DESC LIMIT 1',
      ),
    };
    const transaction = db.transaction((writes: PreparedWrite[]) => {
      const context = this.appendContext(writes);
      return writes.map((write) => this.appendInTransaction(write, context));
    });
    this.appendTransaction = (writes) => transaction.immediate(writes);
  }

  /** Opens (creating if needed) the event store in `file`. Several processes may open the same file. */
  static open(file: string, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    const resolved: Required<Omit<SqliteEventStoreOptions, 'upcasters'>> = {
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
      pollIntervalMs: options.pollIntervalMs ?? 25,
      pageSize: options.pageSize ?? 500,
    };
    for (const [name, value] of Object.entries(resolved)) {
      const min = name === 'busyTimeoutMs' ? 0 : 1;
      if (!Number.isInteger(value) || value < min) {
        throw new RangeError(`SqliteEventStore: option ${name} must be an integer >= ${min}, got ${value}`);
      }
    }
    const db = new Database(file, { timeout: resolved.busyTimeoutMs });
    try {
      db.pragma(`busy_timeout = ${resolved.busyTimeoutMs}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.defaultSafeIntegers(true);
      db.transaction(() => {
        const version = Number(db.pragma('user_version', { simple: true }));
        if (version > SCHEMA_VERSION) {
          throw new Error(`${file}: event store schema version ${version} is newer than this code knows`);
        }
        if (version === 1) migrateToChainHashes(db);
        db.exec(SCHEMA);
        if (version < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
      return new SqliteEventStore(file, db, resolved, options.upcasters ?? new UpcasterRegistry());
    } catch (error) {
      db.close();
      throw error;
    }
  }

  override async appendToStream(
    stream: string,
    events: EventToAppend[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    this.assertOpen();
    rules.assertStreamName(stream);
    rules.assertExpectedRevision(options.expectedRevision);
    const prepared = events.map(prepareEvent);
    rules.assertDistinctIds(stream, prepared);
    const [result] = this.appendTransaction([
      { stream, events: prepared, expected: options.expectedRevision },
    ]);
    if (result.written) this.wakeAll();
    return { nextRevision: result.nextRevision, position: result.position };
  }

  /**
   * All writes in ONE transaction: the batch is stored whole or not at all. A wrong expected revision or an
   * event id conflict in any write raises its typed error and rolls back every write of the batch.
   */
  override async appendToStreams(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    this.assertOpen();
    const prepared = writes.map((write, index) => {
      rules.assertStreamName(write.stream);
      rules.assertExpectedRevision(write.expectedRevision);
      if (!Array.isArray(write.events))
        throw new TypeError(`write ${index} (${write.stream}): events must be an array`);
      const events = write.events.map(prepareEvent);
      rules.assertDistinctIds(write.stream, events);
      return { stream: write.stream, events, expected: write.expectedRevision };
    });
    if (prepared.length === 0) return [];
    const results = this.appendTransaction(prepared);
    if (results.some((result) => result.written)) this.wakeAll();
    return results.map(({ nextRevision, position }) => ({ nextRevision, position }));
  }

  /** Reads, for a whole batch, the stream heads and the stored events with the batch's ids: two queries. */
  private appendContext(writes: readonly PreparedWrite[]): AppendContext {
    const streams = [...new Set(writes.map((write) => write.stream))];
    const heads = new Map<string, StreamHead>();
    for (const row of this.sql.streamHeads.all(JSON.stringify(streams)) as (StreamHead & {
      stream: string;
    })[])
      heads.set(row.stream, { revision: row.revision, position: row.position, hash: row.hash });
    const ids = new Map<string, rules.StoredId>();
    const eventIds = writes.flatMap((write) => write.events.map((event) => event.id));
    if (eventIds.length > 0) {
      for (const row of this.sql.byIds.all(JSON.stringify(eventIds)) as {
        event_id: string;
        stream: string;
        revision: bigint;
        position: bigint;
        type: string;
        data: string;
      }[])
        ids.set(row.event_id, {
          stream: row.stream,
          revision: Number(row.revision),
          position: row.position,
          type: row.type,
          dataJson: row.data,
        });
    }
    return { heads, ids };
  }

  private appendInTransaction(
    { stream, events, expected }: PreparedWrite,
    context: AppendContext,
  ): AppendResult & { written: boolean } {
    const head = context.heads.get(stream);
    const current = head === undefined ? -1 : Number(head.revision);

    const retried = rules.findIdempotentRetry(stream, events, (id) => context.ids.get(id));
    if (retried) return { ...retried, written: false };

    rules.checkExpectedRevision(stream, expected, current);
    if (events.length === 0) return { nextRevision: current, position: head?.position ?? 0n, written: false };

    const log = (context.log ??= this.readLogHead());
    let prevHash = head?.hash ?? null;
    let revision = current;
    let position = 0n;
    for (const event of events) {
      revision += 1;
      const metadataJson = `{${event.metadataBefore}"prevHash":${JSON.stringify(prevHash)}${event.metadataAfter}}`;
      const hash = computeStoredEventHash(
        CURRENT_HASH_VERSION,
        event.id,
        stream,
        revision,
        event.type,
        event.dataJson,
        metadataJson,
        prevHash,
      );
      if (event.recordedAt > log.recordedFloor) log.recordedFloor = event.recordedAt;
      position = log.next++;
      log.chainHash = computeChainHash(log.chainHash, position, hash);
      this.sql.insert.run(
        position,
        event.id,
        stream,
        revision,
        event.type,
        event.dataJson,
        metadataJson,
        hash,
        log.recordedFloor,
        log.chainHash,
      );
      context.ids.set(event.id, { stream, revision, position, type: event.type, dataJson: event.dataJson });
      prevHash = hash;
    }
    context.heads.set(stream, { revision: BigInt(revision), position, hash: prevHash ?? '' });
    return { nextRevision: revision, position, written: true };
  }

  /** The log head an append continues from: its recorded-at floor, its chain hash, the next position. */
  private readLogHead(): NonNullable<AppendContext['log']> {
    const logHead = this.sql.logHeadRecordedAt.get() as
      { recorded_at: string; chain_hash: string } | undefined;
    return {
      recordedFloor: logHead?.recorded_at ?? '',
      chainHash: logHead?.chain_hash ?? null,
      next: (this.sql.nextPosition.get() as { next: bigint }).next,
    };
  }

  /**
   * The current revision of each of `streams` that holds events (streams without events are absent), in one
   * query: lets a bulk writer skip reading streams that do not exist yet.
   */
  override async streamRevisions(streams: readonly string[]): Promise<Map<string, number>> {
    this.assertOpen();
    const revisions = new Map<string, number>();
    if (streams.length === 0) return revisions;
    for (const row of this.sql.streamHeads.all(JSON.stringify(streams)) as {
      stream: string;
      revision: bigint;
    }[])
      revisions.set(row.stream, Number(row.revision));
    return revisions;
  }

  override async *readStream(stream: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    let fromRevision = options.fromRevision ?? 0;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    assertCount('fromRevision', fromRevision);
    assertCount('maxCount', remaining);
    while (remaining > 0) {
      this.assertOpen();
      const limit = Math.min(this.options.pageSize, remaining);
      const rows = this.sql.streamPage.all(stream, fromRevision, limit) as EventRow[];
      for (const row of rows) yield this.toRecordedEvent(row);
      if (rows.length < limit) return;
      remaining -= rows.length;
      fromRevision = Number(rows[rows.length - 1].revision) + 1;
    }
  }

  override async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    let after = options.fromPosition ?? 0n;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    assertCount('maxCount', remaining);
    while (remaining > 0) {
      const limit = Math.min(this.options.pageSize, remaining);
      const rows = this.pageAfter(after, limit);
      for (const row of rows) yield row;
      if (rows.length < limit) return;
      remaining -= rows.length;
      after = rows[rows.length - 1].position;
    }
  }

  override async *readAllBackwards(options: ReadAllBackwardsOptions = {}): AsyncIterable<RecordedEvent> {
    let before = options.beforePosition ?? this.readHead() + 1n;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    assertCount('maxCount', remaining);
    while (remaining > 0) {
      this.assertOpen();
      const limit = Math.min(this.options.pageSize, remaining);
      const rows = (this.sql.allPageBefore.all(before, limit) as EventRow[]).map((row) =>
        this.toRecordedEvent(row),
      );
      for (const row of rows) yield row;
      if (rows.length < limit) return;
      remaining -= rows.length;
      before = rows[rows.length - 1].position;
    }
  }

  override subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    const subscription = new SqliteSubscription(options.fromPosition ?? 0n, {
      page: (after) => this.pageAfter(after, this.options.pageSize),
      waitForMore: (s, waiting) => this.setWaiting(s, waiting),
      closed: (s) => {
        this.setWaiting(s, false);
        this.subscriptions.delete(s);
      },
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  override async headPosition(): Promise<Position> {
    return this.readHead();
  }

  /** how many events the log holds */
  async eventCount(): Promise<number> {
    this.assertOpen();
    return Number((this.sql.count.get() as { n: bigint }).n);
  }

  /** The global chain is stored; imports keep positions; `positionAt` and counts use the table's indexes. */
  override get capabilities(): EventStoreCapabilities {
    return {
      storedChainHash: true,
      keepsImportedPositions: true,
      indexedPositionAt: true,
      indexedCount: true,
    };
  }

  /**
   * Counted on the primary key, at most `atMost` rows. Positions are dense for appended events but keep the
   * gaps of an imported EventStoreDB export, so the count is never `head - after`.
   */
  override async countEventsAfter(
    after: Position = 0n,
    atMost: number = Number.MAX_SAFE_INTEGER,
  ): Promise<number> {
    this.assertOpen();
    if (!(Number.isSafeInteger(atMost) && atMost >= 0)) {
      throw new RangeError(`atMost must be an integer >= 0, got ${atMost}`);
    }
    return Number((this.sql.countAfter.get(after, atMost) as { n: bigint }).n);
  }

  /**
   * The last position recorded at or before `recordedAt` (any ISO-8601 instant), 0n if none. The recorded
   * time of an event is its `metadata.recordedAt`, except that the store never lets it go backwards along
   * the log: an event stamped earlier than its predecessor (clock skew between writers) counts as recorded
   * at its predecessor's time. So `readAll` up to the returned position is exactly the log as it stood then.
   */
  override async positionAt(recordedAt: string): Promise<Position> {
    this.assertOpen();
    const row = this.sql.positionAt.get(toIsoInstant(recordedAt, 'recordedAt')) as
      { position: bigint } | undefined;
    return row?.position ?? 0n;
  }

  /**
   * The log exactly as stored, in global order (raw canonical texts, stored hashes, global chain hashes), for
   * `audit verify` and `events export`. No upcasting, no parsing.
   */
  override async *readStored(options: ReadAllOptions = {}): AsyncIterable<StoredEvent> {
    let after = options.fromPosition ?? 0n;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    assertCount('maxCount', remaining);
    const pageSize = Math.max(this.options.pageSize, 2000);
    while (remaining > 0) {
      this.assertOpen();
      const limit = Math.min(pageSize, remaining);
      const rows = this.sql.allPage.all(after, limit) as EventRow[];
      for (const row of rows) yield toStoredEvent(row);
      if (rows.length < limit) return;
      remaining -= rows.length;
      after = rows[rows.length - 1].position;
    }
  }

  /**
   * Stores events exactly as given (ids, revisions, positions, metadata and hashes kept): the restore side of
   * `events import`, which verifies the whole file with `LogVerifier` first. One transaction; each position
   * must be above the log head and each revision must follow its stream's head, or nothing is stored. The
   * global chain hash is recomputed here and must equal the given one when there is one.
   */
  override async importStored(events: readonly StoredEvent[]): Promise<void> {
    this.assertOpen();
    this.db
      .transaction(() => {
        const logHead = this.sql.logHeadRecordedAt.get() as
          { recorded_at: string; chain_hash: string } | undefined;
        let recordedFloor = logHead?.recorded_at ?? '';
        let chainHash = logHead?.chain_hash ?? null;
        let last = this.readHead();
        for (const event of events) {
          const where = `event ${event.id} (stream ${event.stream}, revision ${event.revision})`;
          if (event.position <= last) {
            throw new Error(`${where}: position ${event.position} is not above the log head ${last}`);
          }
          const head = (this.sql.streamHeadRevision.get(event.stream) as { revision: bigint | null })
            .revision;
          const expected = head === null ? 0 : Number(head) + 1;
          if (event.revision !== expected) {
            throw new Error(`${where}: the stream's next revision is ${expected}`);
          }
          const metadata = JSON.parse(event.metadata) as { recordedAt?: unknown };
          const recordedAt = toIsoInstant(metadata.recordedAt, `${where} metadata.recordedAt`);
          if (recordedAt > recordedFloor) recordedFloor = recordedAt;
          chainHash = computeChainHash(chainHash, event.position, event.hash);
          if (event.chainHash !== null && event.chainHash !== chainHash) {
            throw new Error(`${where}: its global chain hash does not follow the log it is appended to`);
          }
          this.sql.insert.run(
            event.position,
            event.id,
            event.stream,
            event.revision,
            event.type,
            event.data,
            event.metadata,
            event.hash,
            recordedFloor,
            chainHash,
          );
          last = event.position;
        }
      })
      .immediate();
    if (events.length > 0) this.wakeAll();
  }

  /** The connection's durability settings, for diagnostics and tests. */
  pragmas(): SqlitePragmas {
    this.assertOpen();
    const levels = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: levels[Number(this.db.pragma('synchronous', { simple: true }))],
      busyTimeoutMs: Number(this.db.pragma('busy_timeout', { simple: true })),
    };
  }

  /** Ends every open subscription, stops polling and closes the file. Idempotent. */
  override async close(): Promise<void> {
    if (this.closed) return;
    for (const subscription of [...this.subscriptions]) await subscription.close();
    this.stopPolling();
    this.closed = true;
    this.db.close();
  }

  private pageAfter(after: Position, limit: number): RecordedEvent[] {
    this.assertOpen();
    return (this.sql.allPage.all(after, limit) as EventRow[]).map((row) => this.toRecordedEvent(row));
  }

  private readHead(): Position {
    this.assertOpen();
    return (this.sql.headPosition.get() as { head: bigint }).head;
  }

  private setWaiting(subscription: SqliteSubscription, waiting: boolean): void {
    if (waiting) this.waiting.add(subscription);
    else this.waiting.delete(subscription);
    if (this.waiting.size > 0 && this.pollTimer === undefined && !this.closed) {
      this.pollTimer = setInterval(() => this.poll(), this.options.pollIntervalMs);
    } else if (this.waiting.size === 0) {
      this.stopPolling();
    }
  }

  /** Wakes the waiting subscriptions that are behind the head: it catches appends by other connections. */
  private poll(): void {
    if (this.closed) return this.stopPolling();
    const head = this.readHead();
    for (const subscription of [...this.waiting]) {
      if (subscription.lastPosition < head) subscription.wake();
    }
  }

  private stopPolling(): void {
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  /** In-process appends wake subscribers at once, without waiting for the poll. */
  private wakeAll(): void {
    for (const subscription of [...this.waiting]) subscription.wake();
  }

  /**
   * A stored row as the port hands it out. An event stored in an older schema version is lifted to the
   * current one, but only after its stored bytes have been checked against its hash: upcasting never
   * launders a tampered event (and hashes always cover what is stored, never the upcast form).
   */
  private toRecordedEvent(row: EventRow): RecordedEvent {
    return upcastVerified(this.upcasters, storedRecordedEvent(row));
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`SqliteEventStore(${this.file}) is closed`);
  }
}

interface SubscriptionSource {
  /** the next events after `after`, at most one page */
  page(after: Position): RecordedEvent[];
  waitForMore(subscription: SqliteSubscription, waiting: boolean): void;
  closed(subscription: SqliteSubscription): void;
}

/**
 * A pull-based catch-up subscription: each `next()` serves from a buffer of at most one page, and queries
 * `position > lastPosition` only when the buffer is empty, so catch-up and live delivery are the same loop and
 * the hand-over can neither skip nor repeat an event. With nothing new it waits for a wake-up (an in-process
 * append, or the store's poll seeing a higher head). A single consumer: `next()` calls are served in order.
 */
class SqliteSubscription implements Subscription, AsyncIterator<RecordedEvent> {
  private buffer: RecordedEvent[] = [];
  private isClosed = false;
  private wakeUp: (() => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    public lastPosition: Position,
    private readonly source: SubscriptionSource,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this;
  }

  next(): Promise<IteratorResult<RecordedEvent>> {
    const result = this.queue.then(() => this.pull());
    this.queue = result.catch(() => undefined);
    return result;
  }

  async return(): Promise<IteratorResult<RecordedEvent>> {
    await this.close();
    return { done: true, value: undefined };
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.buffer = [];
    this.source.closed(this);
    this.wake();
  }

  wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  private async pull(): Promise<IteratorResult<RecordedEvent>> {
    for (;;) {
      if (this.isClosed) return { done: true, value: undefined };
      const event = this.buffer.shift();
      if (event !== undefined) {
        this.lastPosition = event.position;
        return { done: false, value: event };
      }
      this.buffer = this.source.page(this.lastPosition);
      if (this.buffer.length > 0) continue;
      // Nothing after lastPosition. Registering the wake-up is synchronous with the query above, so no
      // in-process append can slip in between; appends by other connections are caught by the poll.
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        this.source.waitForMore(this, true);
      });
      if (!this.isClosed) this.source.waitForMore(this, false);
    }
  }
}

/** The port's checks (append-rules.ts), then the event serialised once: data and metadata as canonical JSON. */
function prepareEvent(event: EventToAppend, index: number): PreparedEvent {
  const checked = rules.checkEvent(event, index);
  const { id, type, data, recordedAt } = checked;
  const dataJson = rules.canonicalDataJson(data);
  const { prevHash: _prevHash, ...metadata } = storedMetadata(checked.metadata, null);
  const [metadataBefore, metadataAfter] = membersAroundPrevHash(metadata);
  return { id, type, dataJson, metadataBefore, metadataAfter, recordedAt };
}

/**
 * The canonical JSON members of `metadata` (which has no `prevHash`) that sort before `prevHash`, each
 * followed by a comma, and those that sort after it, each preceded by one (keys compared as canonical JSON
 * sorts them, by UTF-16 code units).
 */
function membersAroundPrevHash(metadata: Record<string, unknown>): [string, string] {
  let before = '';
  let after = '';
  try {
    for (const key of Object.keys(metadata).sort()) {
      const value = metadata[key];
      if (value === undefined) continue;
      const member = `${JSON.stringify(key)}:${canonicalJson(value)}`;
      if (key < 'prevHash') before += `${member},`;
      else after += `,${member}`;
    }
  } catch (error) {
    canonicalJson(metadata); // the same error, naming the member's path from the metadata's root
    throw error;
  }
  return [before, after];
}

function toIsoInstant(value: unknown, what: string): string {
  const millis = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(millis)) throw new TypeError(`${what} must be an ISO-8601 instant, got ${String(value)}`);
  return new Date(millis).toISOString();
}

function storedRecordedEvent(row: EventRow): RecordedEvent {
  const metadata = JSON.parse(row.metadata) as Omit<RecordedEvent['metadata'], 'hash'>;
  return {
    id: row.event_id,
    stream: row.stream,
    revision: Number(row.revision),
    position: row.position,
    type: row.type,
    data: JSON.parse(row.data) as JsonObject,
    metadata: { ...metadata, hash: row.hash },
  };
}

function assertCount(name: string, value: number): void {
  if (value !== Number.POSITIVE_INFINITY && !(Number.isSafeInteger(value) && value >= 0)) {
    throw new RangeError(`${name} must be an integer >= 0, got ${value}`);
  }
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row.event_id,
    stream: row.stream,
    revision: Number(row.revision),
    position: row.position,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    hash: row.hash,
    chainHash: row.chain_hash,
    recordedAt: row.recorded_at,
  };
}

/** Schema 1 -> 2 inside the opening transaction: the column, then the chain of the stored events. */
function migrateToChainHashes(db: Database.Database): void {
  db.exec(MIGRATE_1_TO_2);
  const update = db.prepare('UPDATE events SET chain_hash = ? WHERE position = ?');
  let chainHash: string | null = null;
  const rows = db.prepare('SELECT position, hash FROM events ORDER BY position').all() as {
    position: bigint;
    hash: string;
  }[];
  for (const row of rows) {
    chainHash = computeChainHash(chainHash, row.position, row.hash);
    update.run(chainHash, row.position);
  }
}
