/*
 * TEST SUPPORT: the in-memory transaction log behind the wire-level KurrentDB test server (server.ts). It
 * holds what a KurrentDB node's log and index hold, as far as the gRPC Streams API shows it; every node of a
 * test cluster shares one instance (a real cluster replicates the log; here replication is instant, and a
 * killed leader loses nothing it acknowledged, as a real cluster that acknowledges after a quorum write).
 *
 * The rules below follow KurrentDB's behaviour as the gRPC API exposes it; each says where the real server
 * does it (file names from the KurrentDB repository as I know them; the code here is written from scratch).
 */

/** `long.MaxValue`: the revision of a tombstone, and the `$tb` of a soft-deleted stream. */
export const DELETED_STREAM = 2n ** 63n - 1n;

/** One record of the log: one event, at its own position. */
export interface LogRecord {
  stream: string;
  revision: bigint;
  /** lower-case, as the server returns ids (it stores a Guid; see `ids` below) */
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  metadata: Uint8Array;
  /** ticks of 100 ns since the Unix epoch, as the server reports `created` (the client divides by 10,000) */
  created: bigint;
  /** commit = prepare = this record's byte offset */
  position: bigint;
}

export interface ProposedEvent {
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  metadata: Uint8Array;
}

export type Expected =
  | { kind: 'any' }
  | { kind: 'no_stream' }
  | { kind: 'stream_exists' }
  | { kind: 'revision'; revision: bigint };

export type AppendOutcome =
  | { kind: 'success'; currentRevision: bigint; position: bigint }
  | { kind: 'wrong_expected_version'; current: bigint | undefined; expected: Expected }
  | { kind: 'stream_deleted' };

interface StreamState {
  /** revision of the last event written, -1 for none (a soft delete keeps it: revisions go on) */
  last: bigint;
  tombstoned: boolean;
  /** from the stream's latest `$metadata` event (`$$stream`) */
  truncateBefore: bigint | undefined;
  maxAgeSeconds: number | undefined;
  maxCount: number | undefined;
  /** the last metadata as written, to keep its other keys when the server rewrites `$tb` */
  rawMetadata: Record<string, unknown>;
}

/** Unix milliseconds as the 100-ns ticks since the Unix epoch in which the server sends `created`. */
export function toTicks(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * 10000n;
}

export class KurrentLog {
  readonly records: LogRecord[] = [];
  private readonly streams = new Map<string, StreamState>();
  private nextPosition: bigint;
  private readonly waiters = new Set<() => void>();
  private appendedSinceSystemEvent = 0;
  /** the server's clock (Unix ms); tests move it to age events past `$maxAge` */
  now: () => number = () => Date.now();
  /**
   * A `$statsCollected` event in `$stats-…` after every `systemEventEvery` records of clients (0: never). A
   * node writes its statistics to `$all` every 30 s by default (StatsCollectionPeriodSec in the node's
   * options; MonitoringService), so `$all` holds `$` events between anyone's.
   */
  systemEventEvery: number;

  constructor(options: { firstPosition?: bigint; systemEventEvery?: number } = {}) {
    this.nextPosition = options.firstPosition ?? 0n;
    this.systemEventEvery = options.systemEventEvery ?? 0;
    // A fresh node's first records: its settings and the default users and projections (SystemAccounts and
    // the projection subsystem write these at startup), all `$` streams and types.
    this.write('$settings', [systemEvent('$settings', { $userStreamAcl: {}, $systemStreamAcl: {} })]);
    this.write('$user-admin', [
      systemEvent('$User', { loginName: 'admin', fullName: 'Event Store Administrator' }),
    ]);
    this.write('$users', [systemEvent('$User', { loginName: 'admin' })]);
    this.write('$projections-$all', [systemEvent('$ProjectionsInitialized', {})]);
  }

  /** the position the next record will take */
  get head(): bigint {
    return this.nextPosition;
  }

  /**
   * Appends `events` to `stream` if `expected` holds, as the leader's write path does (IndexWriter's commit
   * check): exact revisions, `no_stream`, `stream_exists` and `any`; an idempotent retry (the same ids at the
   * same place) succeeds without writing again; a tombstoned stream refuses every write.
   */
  append(stream: string, events: readonly ProposedEvent[], expected: Expected): AppendOutcome {
    const state = this.streams.get(stream);
    if (state?.tombstoned) return { kind: 'stream_deleted' };
    const last = state?.last ?? -1n;
    const softDeleted = state !== undefined && state.truncateBefore === DELETED_STREAM;
    const current = last === -1n ? undefined : last;

    const idempotent = this.idempotentResult(stream, events, expected, last);
    if (idempotent !== undefined) return idempotent;

    const ok =
      expected.kind === 'any' ||
      // a soft-deleted stream still has its last revision: `no_stream` is refused, an exact revision or
      // `any` recreates it (IndexWriter checks the stream's last event number, which a soft delete keeps)
      (expected.kind === 'no_stream' && last === -1n) ||
      (expected.kind === 'stream_exists' && last !== -1n && !softDeleted) ||
      (expected.kind === 'revision' && expected.revision === last);
    if (!ok) return { kind: 'wrong_expected_version', current, expected };
    if (events.length === 0) {
      return { kind: 'success', currentRevision: last, position: this.nextPosition };
    }
    const first = this.write(stream, events);
    if (softDeleted && !stream.startsWith('$$')) {
      // Writing to a soft-deleted stream recreates it from the next revision: the server rewrites the
      // stream's metadata with `$tb` = the first new revision (StorageWriterService's soft-undelete).
      const metadata = { ...(state?.rawMetadata ?? {}), $tb: Number(last + 1n) };
      this.write(`$$${stream}`, [systemEvent('$metadata', metadata)]);
    }
    this.maybeWriteStatistics();
    return { kind: 'success', currentRevision: this.streams.get(stream)!.last, position: first };
  }

  /**
   * Soft delete (Streams.Delete): the stream's metadata gets `$tb` = `long.MaxValue`; its events stay in
   * `$all` until a scavenge (this server never scavenges) and reads of the stream answer "not found".
   */
  softDelete(stream: string, expected: Expected): AppendOutcome {
    const outcome = this.checkOnly(stream, expected);
    if (outcome !== undefined) return outcome;
    const state = this.streams.get(stream)!;
    const metadata = { ...state.rawMetadata, $tb: '__DELETED__' };
    const text = JSON.stringify(metadata).replace('"__DELETED__"', DELETED_STREAM.toString());
    const position = this.write(`$$${stream}`, [systemEventRaw('$metadata', text)]);
    return { kind: 'success', currentRevision: state.last, position };
  }

  /** Hard delete (Streams.Tombstone): a `$streamDeleted` record at revision `long.MaxValue`; for ever. */
  tombstone(stream: string, expected: Expected): AppendOutcome {
    const outcome = this.checkOnly(stream, expected);
    if (outcome !== undefined) return outcome;
    const position = this.nextPosition;
    this.push({ stream, revision: DELETED_STREAM, ...systemEvent('$streamDeleted', {}) });
    this.streamState(stream).tombstoned = true;
    this.notify();
    return { kind: 'success', currentRevision: DELETED_STREAM, position };
  }

  isTombstoned(stream: string): boolean {
    return this.streams.get(stream)?.tombstoned ?? false;
  }

  /**
   * The events of `stream` a read returns, oldest first, or undefined for "stream not found": none written,
   * or soft-deleted (`$tb` = `long.MaxValue`). Truncation hides events before `$tb`, older than `$maxAge`
   * and beyond the last `$maxCount` (the index reader applies the stream's metadata on every read; a scavenge
   * removes them for good later).
   */
  visibleEvents(stream: string): LogRecord[] | undefined {
    const state = this.streams.get(stream);
    if (state === undefined || state.last === -1n) return undefined;
    if (state.truncateBefore === DELETED_STREAM) return undefined;
    let events = this.records.filter((r) => r.stream === stream);
    if (state.truncateBefore !== undefined) {
      const tb = state.truncateBefore;
      events = events.filter((r) => r.revision >= tb);
    }
    if (state.maxAgeSeconds !== undefined) {
      const oldest = toTicks(this.now() - state.maxAgeSeconds * 1000);
      events = events.filter((r) => r.created >= oldest);
    }
    if (state.maxCount !== undefined) events = events.slice(Math.max(0, events.length - state.maxCount));
    return events;
  }

  /** Index in `records` of the first record at or after `position`. */
  indexAtOrAfter(position: bigint): number {
    let low = 0;
    let high = this.records.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.records[mid].position < position) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Resolves at the next write (or at once if `signal` is already aborted, or when it aborts). */
  nextWrite(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.add(done);
      signal.addEventListener('abort', done);
    });
  }

  /**
   * Changes the record at `index` in place, or removes it (`'delete'`), as someone with write access to the
   * server's files could: for audit tests. Nothing else changes (positions, the index).
   */
  tamper(index: number, change: (record: LogRecord) => void | 'delete'): void {
    const record = this.records[index];
    if (record === undefined) throw new RangeError(`the log holds no record at index ${index}`);
    if (change(record) === 'delete') this.records.splice(index, 1);
  }

  private checkOnly(stream: string, expected: Expected): AppendOutcome | undefined {
    const state = this.streams.get(stream);
    if (state?.tombstoned) return { kind: 'stream_deleted' };
    const last = state?.last ?? -1n;
    const current = last === -1n ? undefined : last;
    const ok =
      expected.kind === 'any' ||
      (expected.kind === 'no_stream' && last === -1n) ||
      (expected.kind === 'stream_exists' && last !== -1n) ||
      (expected.kind === 'revision' && expected.revision === last);
    if (!ok || state === undefined) {
      return { kind: 'wrong_expected_version', current, expected };
    }
    return undefined;
  }

  /**
   * The server's idempotent-write check (IndexWriter.CheckCommit: "idempotent" when every event id of the
   * write is already stored, in order, right after the expected revision, or for `any`, anywhere the first
   * id is): the write succeeds without a second copy.
   */
  private idempotentResult(
    stream: string,
    events: readonly ProposedEvent[],
    expected: Expected,
    last: bigint,
  ): AppendOutcome | undefined {
    if (events.length === 0 || last === -1n) return undefined;
    const stored = this.records.filter((r) => r.stream === stream);
    let start: number;
    if (expected.kind === 'any') {
      start = stored.findIndex((r) => r.id === events[0].id.toLowerCase());
    } else if (expected.kind === 'no_stream') {
      start = 0;
    } else if (expected.kind === 'revision') {
      start = stored.findIndex((r) => r.revision === expected.revision + 1n);
    } else {
      return undefined;
    }
    if (start < 0 || start + events.length > stored.length) return undefined;
    for (let i = 0; i < events.length; i++) {
      if (stored[start + i].id !== events[i].id.toLowerCase()) return undefined;
    }
    const lastOfWrite = stored[start + events.length - 1];
    return { kind: 'success', currentRevision: lastOfWrite.revision, position: stored[start].position };
  }

  /** Writes events at the stream's next revisions, each its own record; returns the first position. */
  private write(stream: string, events: readonly ProposedEvent[]): bigint {
    const state = this.streamState(stream);
    const first = this.nextPosition;
    for (const event of events) {
      state.last += 1n;
      this.push({ stream, revision: state.last, ...event });
      if (stream.startsWith('$$') && event.type === '$metadata') this.applyMetadata(stream.slice(2), event);
    }
    this.notify();
    return first;
  }

  /**
   * Every event is its own record with commit position = prepare position = its byte offset (KurrentDB's
   * log v2 writes each event of an implicit transaction as a prepare that is also its commit: `$all` has one
   * position per event, strictly increasing, with gaps the size of each record). Ids are stored as Guids and
   * come back in the lower-case "D" format, whatever case the client sent.
   */
  private push(event: Omit<LogRecord, 'position' | 'created'> & { created?: bigint }): void {
    const position = this.nextPosition;
    const record: LogRecord = {
      ...event,
      id: event.id.toLowerCase(),
      created: event.created ?? toTicks(this.now()),
      position,
    };
    this.records.push(record);
    // header (~80 bytes) + stream name + type + data + metadata, as a record's size on disk roughly is
    this.nextPosition +=
      80n +
      BigInt(
        utf8Length(record.stream) + utf8Length(record.type) + record.data.length + record.metadata.length,
      );
  }

  private applyMetadata(stream: string, event: ProposedEvent): void {
    const state = this.streamState(stream);
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(event.data).toString('utf8'));
    } catch {
      return; // the server stores metadata it cannot parse and ignores it
    }
    if (typeof parsed !== 'object' || parsed === null) return;
    const raw = Buffer.from(event.data).toString('utf8');
    const tbMatch = /"\$tb"\s*:\s*(\d+)/.exec(raw); // read as text: `long.MaxValue` does not fit a double
    const metadata = parsed as Record<string, unknown>;
    state.rawMetadata = metadata;
    state.truncateBefore = tbMatch ? BigInt(tbMatch[1]) : undefined;
    state.maxAgeSeconds = typeof metadata.$maxAge === 'number' ? metadata.$maxAge : undefined;
    state.maxCount = typeof metadata.$maxCount === 'number' ? metadata.$maxCount : undefined;
  }

  private streamState(stream: string): StreamState {
    let state = this.streams.get(stream);
    if (state === undefined) {
      state = {
        last: -1n,
        tombstoned: false,
        truncateBefore: undefined,
        maxAgeSeconds: undefined,
        maxCount: undefined,
        rawMetadata: {},
      };
      this.streams.set(stream, state);
    }
    return state;
  }

  private maybeWriteStatistics(): void {
    if (this.systemEventEvery <= 0) return;
    this.appendedSinceSystemEvent += 1;
    if (this.appendedSinceSystemEvent < this.systemEventEvery) return;
    this.appendedSinceSystemEvent = 0;
    this.write('$stats-127.0.0.1:2113', [systemEvent('$statsCollected', { 'proc-mem': 123456 })]);
  }

  private notify(): void {
    for (const wake of [...this.waiters]) wake();
  }
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function systemEvent(type: string, data: Record<string, unknown>): ProposedEvent {
  return systemEventRaw(type, JSON.stringify(data));
}

function systemEventRaw(type: string, json: string): ProposedEvent {
  return {
    id: crypto.randomUUID(),
    type,
    contentType: 'application/json',
    data: Buffer.from(json, 'utf8'),
    metadata: new Uint8Array(0),
  };
}
