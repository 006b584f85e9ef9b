import { randomUUID } from 'node:crypto';
import {
  CURRENT_SCHEMA_VERSION,
  DomainError,
  StatementConflictError,
  ValidationError,
  decide,
  evolve,
  initialStatementState,
  statementStream,
  type ReferenceData,
  type StatementEvent,
  type StatementState,
} from '#domain';
import { WrongExpectedRevisionError, type EventStore, type Position, type StreamWrite } from '#event-store';
import type { SourceRecord } from './records.js';

export const DEFAULT_BATCH_SIZE = 5000;
/** Rejections listed one by one in a report; beyond that they are only counted. */
export const DEFAULT_MAX_LISTED_REJECTIONS = 1000;
/** Skip reason of a record whose statement is already stored with the same content (or earlier in the file). */
export const SKIP_ALREADY_IMPORTED = 'already imported';
/** Attempts at a batch that lost a race with another writer before the import fails. */
const MAX_BATCH_ATTEMPTS = 3;

export interface ImportOptions {
  reference: ReferenceData;
  /** `recordedBy` of every event, e.g. `import:events.csv` */
  recordedBy: string;
  /** statements per append transaction; default 5000 */
  batchSize?: number;
  /** rejections listed in the report (the others are counted); default 1000 */
  maxListedRejections?: number;
  clock?: () => Date;
  newId?: () => string;
  /** called after each stored batch with the records read so far */
  onBatch?: (progress: { records: number; imported: number }) => void;
  /**
   * called every `progressEvery` records read (default 1000), also while nothing is stored (a file of skipped
   * or rejected records), so a progress display keeps moving
   */
  onRecords?: (records: number) => void;
  progressEvery?: number;
  /**
   * called after each batch of statements is committed to the store (durably: the append has returned), in
   * file order, so a caller can tell an operator how far an interrupted import got
   */
  onCommit?: (commit: BatchCommit) => void;
}

/** A batch of statement records the store has committed (all or nothing), as told to `onCommit`. */
export interface BatchCommit {
  /** 1-based number of the batch in the file (every batch of `batchSize` statement records counts) */
  batch: number;
  /** the file lines the batch covers: from after the previous batch up to its last statement record */
  firstLine: number;
  lastLine: number;
  /** statements this batch appended (0 when they were all already imported or rejected) */
  statements: number;
  /** records of the batch skipped as already imported */
  alreadyImported: number;
  /** records of the batch rejected (by the reader or by the domain) since the previous batch */
  rejected: number;
  /** log position of the batch's last event; undefined when it appended nothing */
  lastPosition: Position | undefined;
  /** totals of the import so far */
  imported: number;
  records: number;
}

export interface Rejection {
  line: number;
  /** the field (or source column) that breaks a rule */
  field: string;
  reason: string;
}

export interface ImportReport {
  /** records read (statements, skipped and rejected) */
  records: number;
  /** statements recorded by this import */
  imported: number;
  /** records not imported on purpose, by reason */
  skipped: Record<string, number>;
  /** records that break a rule */
  rejected: number;
  /** the first `maxListedRejections` rejections, in file order */
  rejections: Rejection[];
  /** events appended (one per imported statement, plus one per response link) */
  events: number;
  /** log position of the last event appended, 0n if none */
  lastPosition: Position;
}

interface Pending {
  line: number;
  id: string;
  events: StatementEvent[];
}

/**
 * Records the statements of `records` in batches: each statement is decided by the domain (`decide` on its
 * stream's current state, so every rule of a hand-recorded statement holds), and each batch of new streams is
 * appended with `appendToStreams` in one call (one transaction on the SQLite store: a batch is stored whole or
 * not at all). A statement whose id is already stored with the same content is skipped as "already imported";
 * the same id with other content is a rejection. So re-importing a file adds nothing.
 *
 * Errors of the store (other than a lost race, which re-decides the batch) end the import: the batches before
 * are stored, the failing one is not.
 */
export async function importStatements(
  records: AsyncIterable<SourceRecord>,
  store: EventStore,
  options: ImportOptions,
): Promise<ImportReport> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be an integer >= 1, got ${batchSize}`);
  }
  const maxListed = options.maxListedRejections ?? DEFAULT_MAX_LISTED_REJECTIONS;
  const clock = options.clock ?? (() => new Date());
  const newId = options.newId ?? randomUUID;
  const correlationId = newId();
  const report: ImportReport = {
    records: 0,
    imported: 0,
    skipped: {},
    rejected: 0,
    rejections: [],
    events: 0,
    lastPosition: 0n,
  };
  const countSkip = (reason: string): void => {
    report.skipped[reason] = (report.skipped[reason] ?? 0) + 1;
  };
  const rejections: Rejection[] = [];
  const addRejection = (rejection: Rejection): void => {
    report.rejected += 1;
    rejections.push(rejection);
  };

  const storeBatch = async (
    batch: Extract<SourceRecord, { kind: 'statement' }>[],
  ): Promise<{ statements: number; already: number; lastPosition: Position | undefined }> => {
    for (let attempt = 1; ; attempt++) {
      const outcome = await decideBatch(batch, store, options.reference);
      const writes: StreamWrite[] = outcome.pending.map((p) => ({
        stream: statementStream(p.id),
        expectedRevision: 'no_stream',
        events: p.events.map((event) => ({
          id: newId(),
          type: event.type,
          data: event.data,
          metadata: {
            recordedAt: clock().toISOString(),
            recordedBy: options.recordedBy,
            correlationId,
            causationId: newId(),
            schemaVersion: CURRENT_SCHEMA_VERSION,
          },
        })),
      }));
      let batchPosition: Position | undefined;
      try {
        const results = await store.appendToStreams(writes);
        for (const result of results)
          if (batchPosition === undefined || result.position > batchPosition) batchPosition = result.position;
        if (batchPosition !== undefined && batchPosition > report.lastPosition)
          report.lastPosition = batchPosition;
      } catch (error) {
        if (error instanceof WrongExpectedRevisionError && attempt < MAX_BATCH_ATTEMPTS) continue;
        throw error;
      }
      report.imported += outcome.pending.length;
      report.events += writes.reduce((n, w) => n + w.events.length, 0);
      for (let i = 0; i < outcome.already; i++) countSkip(SKIP_ALREADY_IMPORTED);
      outcome.rejections.forEach(addRejection);
      return { statements: outcome.pending.length, already: outcome.already, lastPosition: batchPosition };
    }
  };

  let batch: Extract<SourceRecord, { kind: 'statement' }>[] = [];
  let batchNumber = 0;
  /** first line read since the previous batch, and the rejection count then */
  let rangeStart: number | undefined;
  let rejectedBefore = 0;
  const flush = async (): Promise<void> => {
    if (batch.length > 0) {
      const stored = await storeBatch(batch);
      batchNumber += 1;
      options.onCommit?.({
        batch: batchNumber,
        firstLine: rangeStart ?? batch[0].line,
        lastLine: batch[batch.length - 1].line,
        statements: stored.statements,
        alreadyImported: stored.already,
        rejected: report.rejected - rejectedBefore,
        lastPosition: stored.lastPosition,
        imported: report.imported,
        records: report.records,
      });
      rangeStart = undefined;
      rejectedBefore = report.rejected;
    }
    batch = [];
    // Rejections are reported in file order: those found while deciding come after the reader's own.
    rejections.sort((a, b) => a.line - b.line);
    report.rejections.push(
      ...rejections.splice(0).slice(0, Math.max(0, maxListed - report.rejections.length)),
    );
    options.onBatch?.({ records: report.records, imported: report.imported });
  };

  const progressEvery = options.progressEvery ?? 1000;
  for await (const record of records) {
    report.records += 1;
    rangeStart ??= record.line;
    if (report.records % progressEvery === 0) options.onRecords?.(report.records);
    if (record.kind === 'skip') countSkip(record.reason);
    else if (record.kind === 'reject')
      addRejection({ line: record.line, field: record.field, reason: record.reason });
    else {
      batch.push(record);
      if (batch.length >= batchSize) await flush();
    }
  }
  await flush();
  return report;
}

interface BatchOutcome {
  pending: Pending[];
  already: number;
  rejections: Rejection[];
}

/**
 * The streams of the batch that hold events, when the store can say so without reading them (the port's
 * `streamRevisions`); undefined means every statement's stream is read.
 */
async function storedStreams(
  batch: readonly Extract<SourceRecord, { kind: 'statement' }>[],
  store: EventStore,
): Promise<ReadonlySet<string> | undefined> {
  const revisions = await store.streamRevisions([...new Set(batch.map((r) => statementStream(r.id)))]);
  return revisions === undefined ? undefined : new Set(revisions.keys());
}

/** Decides every statement of a batch against its stream's stored state and the batch's earlier statements. */
async function decideBatch(
  batch: Extract<SourceRecord, { kind: 'statement' }>[],
  store: EventStore,
  reference: ReferenceData,
): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { pending: [], already: 0, rejections: [] };
  const inBatch = new Map<string, { line: number; state: StatementState }>();
  // a new statement's stream holds nothing: only the streams that exist are read
  const stored = await storedStreams(batch, store);
  for (const record of batch) {
    const key = record.id.toLowerCase();
    const earlier = inBatch.get(key);
    const state =
      earlier?.state ??
      (stored === undefined || stored.has(statementStream(record.id))
        ? await loadState(store, record.id)
        : initialStatementState);
    try {
      const events = decide(
        { type: 'RecordStatement', id: record.id, input: record.input },
        state,
        reference,
      );
      if (events.length === 0) {
        // stored before, with the links it had then: the file's links are not added to it
        outcome.already += 1;
        continue;
      }
      // response links go in the same append as the statement, so it is stored with them or not at all
      let linked = events.reduce(evolve, state);
      for (const respondsTo of record.respondsTo ?? []) {
        const link = decide({ type: 'LinkResponse', id: record.id, respondsTo }, linked, reference);
        events.push(...link);
        linked = link.reduce(evolve, linked);
      }
      outcome.pending.push({ line: record.line, id: record.id, events });
      inBatch.set(key, { line: record.line, state: events.reduce(evolve, state) });
    } catch (error) {
      outcome.rejections.push(rejectionOf(error, record.line, earlier?.line));
    }
  }
  return outcome;
}

async function loadState(store: EventStore, id: string): Promise<StatementState> {
  let state: StatementState = initialStatementState;
  for await (const event of store.readStream(statementStream(id))) {
    state = evolve(state, { type: event.type, data: event.data } as StatementEvent);
  }
  return state;
}

function rejectionOf(error: unknown, line: number, earlierLine: number | undefined): Rejection {
  if (error instanceof ValidationError) {
    return { line, field: error.field.replace(/^input\./, ''), reason: error.reason };
  }
  if (error instanceof StatementConflictError) {
    const where = earlierLine === undefined ? 'in the store' : `by line ${earlierLine}`;
    return { line, field: 'id', reason: `${error.message} (${where})` };
  }
  if (error instanceof DomainError) return { line, field: 'input', reason: error.message };
  throw error;
}
