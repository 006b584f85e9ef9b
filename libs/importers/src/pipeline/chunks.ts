import type { StatementInput } from '#domain';
import type { SourceRecord } from '../records.js';

/**
 * A statement record as the reading thread hands it to the writer: already decided as it would be on a
 * statement stream that holds nothing (`onNewStream`), with the data of its events serialised once, as
 * canonical JSON. The writer uses that outcome when the store says the stream is empty and no other record of
 * the batch names the statement; otherwise it decides the record again on the stream's state, from
 * `command()`: the record's input and links, which the reading thread keeps and sends only when asked.
 */
export interface PreparedStatement {
  kind: 'prepared';
  line: number;
  id: string;
  onNewStream: NewStreamOutcome;
  command(): Promise<StatementCommandInput>;
}

/** A statement record's input and response links, as its reader made them. */
export interface StatementCommandInput {
  input: StatementInput;
  respondsTo?: string[];
}

export type NewStreamOutcome =
  /** the events to append, in order: type and the canonical JSON of the data */
  | { kind: 'decided'; events: { type: string; dataJson: string }[] }
  /** the domain refused the record: the field and the reason of the report's rejection */
  | { kind: 'refused'; field: string; reason: string }
  /** nothing to append on an empty stream (no command does this today); decided again by the writer */
  | { kind: 'undecided' };

/** What the reading thread makes of one record of the file. */
export type PipelineRecord =
  | Extract<SourceRecord, { kind: 'skip' | 'reject' }>
  | (Omit<PreparedStatement, 'command'> & { command: StatementCommandInput });

const SKIP = 0;
const REJECT = 1;
const DECIDED = 2;
const REFUSED = 3;
const UNDECIDED = 4;

/**
 * Records of the file in one message: its strings joined into one (`text`, cut at `ends`) and numbers in
 * typed arrays, so that the writer's thread receives a few large values instead of thousands of small objects
 * (a structured clone of those costs the receiver more than the decision saves). Statement records are
 * numbered across chunks from `firstStatement`, so the writer can ask for their commands.
 */
export interface Chunk {
  kinds: Uint8Array;
  lines: Float64Array;
  /** events per decided record, in record order */
  eventCounts: Uint32Array;
  text: string;
  ends: Uint32Array;
  /** the number of the chunk's first statement record (0 for the file's first) */
  firstStatement: number;
  /** bytes of the file read when the chunk was made */
  bytesRead: number;
}

export class ChunkWriter {
  private kinds: number[] = [];
  private lines: number[] = [];
  private eventCounts: number[] = [];
  private strings: string[] = [];
  private statements = 0;
  private textLength = 0;
  /** statement records added before this chunk */
  private statementsBefore = 0;

  /** records added since the last `take` */
  get size(): number {
    return this.kinds.length;
  }

  /** UTF-16 code units of their strings (a chunk is cut well before V8's limit on one string) */
  get textSize(): number {
    return this.textLength;
  }

  add(record: PipelineRecord): void {
    this.lines.push(record.line);
    if (record.kind === 'skip') {
      this.kinds.push(SKIP);
      this.push(record.reason);
      return;
    }
    if (record.kind === 'reject') {
      this.kinds.push(REJECT);
      this.push(record.field, record.reason);
      return;
    }
    this.push(record.id);
    const outcome = record.onNewStream;
    if (outcome.kind === 'decided') {
      this.kinds.push(DECIDED);
      this.eventCounts.push(outcome.events.length);
      for (const event of outcome.events) this.push(event.type, event.dataJson);
    } else if (outcome.kind === 'refused') {
      this.kinds.push(REFUSED);
      this.push(outcome.field, outcome.reason);
    } else {
      this.kinds.push(UNDECIDED);
    }
    this.statements += 1;
  }

  private push(...strings: string[]): void {
    for (const s of strings) {
      this.strings.push(s);
      this.textLength += s.length;
    }
  }

  /** The records added since the last `take`, as one message (its buffers can be transferred). */
  take(bytesRead: number): Chunk {
    const ends = new Uint32Array(this.strings.length);
    let end = 0;
    this.strings.forEach((s, i) => (ends[i] = end += s.length));
    const chunk: Chunk = {
      kinds: Uint8Array.from(this.kinds),
      lines: Float64Array.from(this.lines),
      eventCounts: Uint32Array.from(this.eventCounts),
      text: this.strings.join(''),
      ends,
      firstStatement: this.statementsBefore,
      bytesRead,
    };
    this.statementsBefore += this.statements;
    this.kinds = [];
    this.lines = [];
    this.eventCounts = [];
    this.strings = [];
    this.statements = 0;
    this.textLength = 0;
    return chunk;
  }
}

/** The buffers of a chunk, to transfer instead of copying. */
export const transferList = (chunk: Chunk): ArrayBuffer[] =>
  [chunk.kinds, chunk.lines, chunk.eventCounts, chunk.ends].map((array) => array.buffer as ArrayBuffer);

/**
 * The records of a chunk, in file order; `command(n)` fetches the command of statement record `n`. Throws
 * `TypeError` on a chunk that does not add up.
 */
export function readChunk(
  chunk: Chunk,
  command: (statement: number) => Promise<StatementCommandInput>,
): (SourceRecord | PreparedStatement)[] {
  const { kinds, lines, eventCounts, text, ends } = chunk;
  let stringIndex = 0;
  let start = 0;
  const next = (): string => {
    if (stringIndex >= ends.length) throw new TypeError('import chunk: fewer strings than its records need');
    const end = ends[stringIndex++];
    const value = text.slice(start, end);
    start = end;
    return value;
  };
  let eventIndex = 0;
  let statement = chunk.firstStatement;
  const records: (SourceRecord | PreparedStatement)[] = [];
  for (let i = 0; i < kinds.length; i++) {
    const line = lines[i];
    const kind = kinds[i];
    if (kind === SKIP) {
      records.push({ kind: 'skip', line, reason: next() });
      continue;
    }
    if (kind === REJECT) {
      records.push({ kind: 'reject', line, field: next(), reason: next() });
      continue;
    }
    const id = next();
    let onNewStream: NewStreamOutcome;
    if (kind === DECIDED) {
      const events: { type: string; dataJson: string }[] = [];
      for (let n = eventCounts[eventIndex++]; n > 0; n--) events.push({ type: next(), dataJson: next() });
      onNewStream = { kind: 'decided', events };
    } else if (kind === REFUSED) {
      onNewStream = { kind: 'refused', field: next(), reason: next() };
    } else if (kind === UNDECIDED) {
      onNewStream = { kind: 'undecided' };
    } else {
      throw new TypeError(`import chunk: unknown record kind ${kind}`);
    }
    const number = statement++;
    let fetched: Promise<StatementCommandInput> | undefined;
    records.push({ kind: 'prepared', line, id, onNewStream, command: () => (fetched ??= command(number)) });
  }
  if (stringIndex !== ends.length) throw new TypeError('import chunk: more strings than its records');
  return records;
}

/** What the writer's thread gives the reading thread when it starts it. */
export interface WorkerInput {
  file: string;
  format: string;
  limits: { maxLineBytes: number; maxFieldBytes: number };
  /** records per chunk (a chunk is also cut at `CHUNK_TEXT_LIMIT` characters) */
  chunkRecords: number;
  /** chunks the reading thread may send ahead of the writer's acknowledgements */
  window: number;
  /** statement records whose commands the reading thread keeps for the writer (at least a batch and a window) */
  keepCommands: number;
}

/** A chunk is cut once its strings reach this many UTF-16 code units (~8 MiB of text). */
export const CHUNK_TEXT_LIMIT = 4 * 1024 * 1024;

/** An error of the reading thread, as it crosses to the writer's: its class name, message and own fields. */
export interface SerialisedError {
  name: string;
  message: string;
  stack?: string;
  fields: Record<string, string | number | boolean | null>;
}

export type WorkerMessage =
  | ({ type: 'chunk' } & Chunk)
  /** the reader failed after the chunks before this message: the import stops there, as it would in process */
  | { type: 'error'; error: SerialisedError }
  | { type: 'end'; bytesRead: number }
  /** the answer to a `CommandsRequest`, in the order asked; null for a command no longer kept */
  | { type: 'commands'; request: number; commands: (StatementCommandInput | null)[] };

/** What the writer's thread sends: an acknowledgement of a chunk, or a request for commands. */
export type WriterMessage =
  /** the writer has taken a chunk: the reading thread may send one more */
  | { type: 'ack' }
  /** the commands of these statement records (numbers as in `Chunk.firstStatement`) */
  | { type: 'commands'; request: number; statements: number[] };

export function serialiseError(error: unknown): SerialisedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: SerialisedError['fields'] = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value))
      fields[key] = value as string | number | boolean | null;
  }
  return { name: error.name, message: error.message, stack: error.stack, fields };
}
