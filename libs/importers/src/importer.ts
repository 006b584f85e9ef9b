import { randomUUID } from 'node:crypto';
import {
  DomainError,
  StatementConflictError,
  ValidationError,
  statementStream,
  type ReferenceData,
  type StatementEvent,
} from '#domain';
import { SerializedEventData, type EventStore, type Position } from '#event-store';
import { referenceData } from '#reference';
import {
  appendWithRetries,
  decideBatch,
  prepareWrites,
  type CommandItem,
  type Decision,
  type ItemOutcome,
  type SerializedDecision,
} from '#statements';
import type { NewStreamOutcome, PreparedStatement } from './pipeline/chunks.js';
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
  records: AsyncIterable<SourceRecord | PreparedStatement>,
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
    batch: BatchRecord[],
  ): Promise<{ statements: number; already: number; lastPosition: Position | undefined }> => {
    const commandIds = batch.map(() => ids.newId());
    const commandItem = async (index: number): Promise<CommandItem> => {
      const record = batch[index];
      const { input, respondsTo } = record.kind === 'statement' ? record : await record.command();
      return {
        command: { type: 'RecordStatement', id: record.id, input },
        then: (respondsTo ?? []).map((link) => ({ type: 'LinkResponse', id: record.id, respondsTo: link })),
        commandId: commandIds[index],
      };
    };
    const { value: outcomes, results } = await appendWithRetries(store, MAX_BATCH_ATTEMPTS, async () => {
      const decidedBefore = await decidedOffThread(store, batch, options.reference);
      const inProcess = batch.flatMap((_, index) => (decidedBefore.has(index) ? [] : [index]));
      const decidedNow =
        inProcess.length === 0
          ? []
          : await decideBatch(store, options.reference, await Promise.all(inProcess.map(commandItem)));
      const byIndex = new Map(inProcess.map((index, k) => [index, decidedNow[k]]));
      const batchOutcomes: BatchOutcome[] = [];
      const decisions: (Decision | SerializedDecision)[] = [];
      batch.forEach((record, index) => {
        const before = decidedBefore.get(index);
        if (before?.kind === 'refused') {
          const { field, reason } = before;
          batchOutcomes.push({ kind: 'rejected', rejection: { line: record.line, field, reason } });
        } else if (before?.kind === 'decided') {
          const events = before.events.map((event) => ({
            type: event.type as StatementEvent['type'],
            data: SerializedEventData.fromCanonicalJson(event.dataJson),
          }));
          decisions.push({
            id: record.id,
            events,
            expectedRevision: 'no_stream',
            causationId: commandIds[index],
          });
          batchOutcomes.push({ kind: 'decided', events: events.length });
        } else {
          const outcome = byIndex.get(index) as ItemOutcome;
          if (outcome.kind === 'decided') {
            decisions.push(outcome.decision);
            batchOutcomes.push({ kind: 'decided', events: outcome.decision.events.length });
          } else if (outcome.kind === 'unchanged') {
            batchOutcomes.push({ kind: 'unchanged' });
          } else {
            const earlierLine =
              outcome.earlier === undefined ? undefined : batch[inProcess[outcome.earlier]].line;
            batchOutcomes.push({
              kind: 'rejected',
              rejection: rejectionOf(outcome.error, record.line, earlierLine),
            });
          }
        }
      });
      return { writes: prepareWrites(decisions, context, clock, ids), value: batchOutcomes };
    });
    let batchPosition: Position | undefined;
    for (const result of results)
      if (batchPosition === undefined || result.position > batchPosition) batchPosition = result.position;
    if (batchPosition !== undefined && batchPosition > report.lastPosition)
      report.lastPosition = batchPosition;

    let already = 0;
    let statements = 0;
    for (const outcome of outcomes) {
      // stored before, with the links it had then: the file's links are not added to it
      if (outcome.kind === 'unchanged') already += 1;
      else if (outcome.kind === 'rejected') addRejection(outcome.rejection);
      else {
        statements += 1;
        report.events += outcome.events;
      }
    }
    report.imported += statements;
    for (let i = 0; i < already; i++) countSkip(SKIP_ALREADY_IMPORTED);
    return { statements, already, lastPosition: batchPosition };
  };

  let batch: BatchRecord[] = [];
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

type BatchRecord = Extract<SourceRecord, { kind: 'statement' }> | PreparedStatement;

/** What became of one statement record of a batch. */
type BatchOutcome =
  { kind: 'decided'; events: number } | { kind: 'unchanged' } | { kind: 'rejected'; rejection: Rejection };

/**
 * The records of `batch` whose outcome the reading thread decided already (on a new stream), by index: those
 * whose stream the store says holds nothing and whose statement no other record of the batch names, which
 * `decideBatch` would decide on exactly that state. None when the store cannot tell which streams exist, or
 * when the import decides with other reference data than the reading thread's.
 */
async function decidedOffThread(
  store: EventStore,
  batch: readonly BatchRecord[],
  reference: ReferenceData,
): Promise<Map<number, Exclude<NewStreamOutcome, { kind: 'undecided' }>>> {
  const decided = new Map<number, Exclude<NewStreamOutcome, { kind: 'undecided' }>>();
  if (reference !== referenceData) return decided;
  const candidates = batch.flatMap((record, index) =>
    record.kind === 'prepared' && record.onNewStream.kind !== 'undecided' ? [index] : [],
  );
  if (candidates.length === 0) return decided;
  const revisions = await store.streamRevisions([
    ...new Set(candidates.map((index) => statementStream(batch[index].id))),
  ]);
  if (revisions === undefined) return decided;
  const named = new Map<string, number>();
  for (const record of batch) {
    const key = record.id.toLowerCase();
    named.set(key, (named.get(key) ?? 0) + 1);
  }
  for (const index of candidates) {
    const record = batch[index] as PreparedStatement;
    if (record.onNewStream.kind === 'undecided') continue;
    if (revisions.has(statementStream(record.id)) || named.get(record.id.toLowerCase()) !== 1) continue;
    decided.set(index, record.onNewStream);
  }
  return decided;
}

/** The report's rejection for a domain refusal of the record on `line`. */
export function rejectionOf(error: DomainError, line: number, earlierLine: number | undefined): Rejection {
  if (error instanceof ValidationError) {
    return { line, field: error.field.replace(/^input\./, ''), reason: error.reason };
  }
  if (error instanceof StatementConflictError) {
    const where = earlierLine === undefined ? 'in the store' : `by line ${earlierLine}`;
    return { line, field: 'id', reason: `${error.message} (${where})` };
  }
  return { line, field: 'input', reason: error.message };
}
