import { randomUUID } from 'node:crypto';
import { DomainError, StatementConflictError, ValidationError, type ReferenceData } from '#domain';
import type { EventStore, Position } from '#event-store';
import { appendWithRetries, decideBatch, prepareWrites, type CommandItem } from '#statements';
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

/**
 * Records the statements of `records` in batches, through the application core (libs/statements) that the
 * statement commands use: each statement is a `RecordStatement` (with its response links after it) decided on
 * its stream's current state by `decideBatch`, so every rule of a hand-recorded statement holds, and each
 * batch is appended with `appendToStreams` in one call (one transaction on the SQLite store: a batch is stored
 * whole or not at all). A statement whose id is already stored with the same content is skipped as "already imported";
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
  const clock = { now: options.clock ?? (() => new Date()) };
  const ids = { newId: options.newId ?? randomUUID };
  // every event of this import run carries its id; each record is one command (its events' causationId)
  const context = { principal: options.recordedBy, correlationId: ids.newId() };
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
    const items: CommandItem[] = batch.map((record) => ({
      command: { type: 'RecordStatement', id: record.id, input: record.input },
      then: (record.respondsTo ?? []).map((respondsTo) => ({
        type: 'LinkResponse',
        id: record.id,
        respondsTo,
      })),
      commandId: ids.newId(),
    }));
    const { value: outcome, results } = await appendWithRetries(store, MAX_BATCH_ATTEMPTS, async () => {
      const outcomes = await decideBatch(store, options.reference, items);
      const decisions = outcomes.flatMap((o) => (o.kind === 'decided' ? [o.decision] : []));
      return { writes: prepareWrites(decisions, context, clock, ids), value: { outcomes, decisions } };
    });
    let batchPosition: Position | undefined;
    for (const result of results)
      if (batchPosition === undefined || result.position > batchPosition) batchPosition = result.position;
    if (batchPosition !== undefined && batchPosition > report.lastPosition)
      report.lastPosition = batchPosition;

    let already = 0;
    outcome.outcomes.forEach((o, index) => {
      // stored before, with the links it had then: the file's links are not added to it
      if (o.kind === 'unchanged') already += 1;
      if (o.kind === 'refused') {
        const earlierLine = o.earlier === undefined ? undefined : batch[o.earlier].line;
        addRejection(rejectionOf(o.error, batch[index].line, earlierLine));
      }
    });
    const statements = outcome.decisions.length;
    report.imported += statements;
    report.events += outcome.decisions.reduce((n, d) => n + d.events.length, 0);
    for (let i = 0; i < already; i++) countSkip(SKIP_ALREADY_IMPORTED);
    return { statements, already, lastPosition: batchPosition };
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

function rejectionOf(error: DomainError, line: number, earlierLine: number | undefined): Rejection {
  if (error instanceof ValidationError) {
    return { line, field: error.field.replace(/^input\./, ''), reason: error.reason };
  }
  if (error instanceof StatementConflictError) {
    const where = earlierLine === undefined ? 'in the store' : `by line ${earlierLine}`;
    return { line, field: 'id', reason: `${error.message} (${where})` };
  }
  return { line, field: 'input', reason: error.message };
}
