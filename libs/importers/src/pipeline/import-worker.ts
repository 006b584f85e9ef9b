/**
 * The reading thread of `communique import` (started by `ImportFile.records`): reads and parses the file with
 * the format's reader, and decides each statement as it would be decided on a new stream (the domain's
 * validation and normalisation), serialising the events' data once, as canonical JSON. The writer's thread
 * only checks which streams exist, decides again the few records that need it, and appends.
 *
 * Protocol: `chunks.ts`. At most `window` chunks are in flight; each `ack` lets one more go. The commands
 * (input and links) of the last `keepCommands` statement records stay here, sent when the writer asks for
 * them (a stream that exists, a statement named twice in a batch). A reader error
 * is sent after the records read before it, and ends the thread's work; anything else that goes wrong here
 * (a bug) is an uncaught exception, which the writer's thread sees as the worker's `error` event.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SerializedEventData } from '#event-store';
import { referenceData } from '#reference';
import { decideOnNewStream } from '#statements';
import { FORMAT_READERS, isImportFormat } from '../formats.js';
import { rejectionOf } from '../importer.js';
import type { SourceRecord } from '../records.js';
import { openTextFile } from '../text-source.js';
import {
  CHUNK_TEXT_LIMIT,
  ChunkWriter,
  serialiseError,
  transferList,
  type NewStreamOutcome,
  type PipelineRecord,
  type StatementCommandInput,
  type WorkerInput,
  type WorkerMessage,
  type WriterMessage,
} from './chunks.js';

const port = parentPort;
if (port === null) throw new Error('import-worker runs as a worker thread (ImportFile.records starts it)');
const input = workerData as WorkerInput;

let credit = input.window;
let wake: (() => void) | undefined;
/** the commands of the last `keepCommands` statement records, by number (the oldest are dropped) */
const commands = new Map<number, StatementCommandInput>();
let statements = 0;
port.on('message', (message: WriterMessage) => {
  if (message.type === 'ack') {
    credit += 1;
    wake?.();
    wake = undefined;
  } else if (message.type === 'commands') {
    post({
      type: 'commands',
      request: message.request,
      commands: message.statements.map((n) => commands.get(n) ?? null),
    });
  }
});

const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(message, transfer);

async function send(writer: ChunkWriter, bytesRead: number): Promise<void> {
  while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
  credit -= 1;
  const chunk = writer.take(bytesRead);
  post({ type: 'chunk', ...chunk }, transferList(chunk));
}

/** A statement record decided on a new stream, with its command kept for the writer. */
function prepare(record: SourceRecord): PipelineRecord {
  if (record.kind !== 'statement') return record;
  const { line, id, input: statementInput, respondsTo } = record;
  const outcome = decideOnNewStream(
    {
      command: { type: 'RecordStatement', id, input: statementInput },
      then: (respondsTo ?? []).map((link) => ({ type: 'LinkResponse', id, respondsTo: link })),
      commandId: '',
    },
    referenceData,
  );
  let onNewStream: NewStreamOutcome;
  if (outcome.kind === 'decided') {
    onNewStream = {
      kind: 'decided',
      events: outcome.decision.events.map((event) => ({
        type: event.type,
        dataJson: SerializedEventData.of(event.data).json,
      })),
    };
  } else if (outcome.kind === 'refused') {
    const { field, reason } = rejectionOf(outcome.error, line, undefined);
    onNewStream = { kind: 'refused', field, reason };
  } else {
    onNewStream = { kind: 'undecided' };
  }
  const command =
    respondsTo === undefined ? { input: statementInput } : { input: statementInput, respondsTo };
  commands.set(statements, command);
  commands.delete(statements - input.keepCommands);
  statements += 1;
  return { kind: 'prepared', line, id, onNewStream, command };
}

async function run(): Promise<void> {
  if (!isImportFormat(input.format)) throw new Error(`import-worker: unknown format ${input.format}`);
  const source = openTextFile(input.file);
  const writer = new ChunkWriter();
  try {
    for await (const record of FORMAT_READERS[input.format](source.chunks, input.limits)) {
      writer.add(prepare(record));
      if (writer.size >= input.chunkRecords || writer.textSize >= CHUNK_TEXT_LIMIT)
        await send(writer, source.bytesRead());
    }
  } catch (error) {
    // the records read before the error are stored as they would be in process, then the import stops
    if (writer.size > 0) await send(writer, source.bytesRead());
    post({ type: 'error', error: serialiseError(error) });
    return;
  }
  if (writer.size > 0) await send(writer, source.bytesRead());
  post({ type: 'end', bytesRead: source.bytesRead() });
}

// The thread stays (answering requests for commands) until the writer terminates it, after the last batch.
await run();
