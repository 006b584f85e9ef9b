import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InvalidUtf8Error, LineTooLongError, type EventStore } from '#event-store';
import type { ImportFormat } from '../formats.js';
import { DEFAULT_BATCH_SIZE, importStatements, type ImportOptions, type ImportReport } from '../importer.js';
import { ImportFormatError, type SourceRecord } from '../records.js';
import { DEFAULT_READER_LIMITS, type ReaderLimits } from '../text-source.js';
import {
  readChunk,
  type PreparedStatement,
  type SerialisedError,
  type StatementCommandInput,
  type WorkerInput,
  type WorkerMessage,
  type WriterMessage,
} from './chunks.js';

/** Records per chunk and chunks ahead: enough to keep the reading thread busy while a batch is written. */
const CHUNK_RECORDS = 1000;
const WINDOW = 4;

/** The reading thread failed (a crash, not a reader's verdict on the file): the import stops. */
export class ImportThreadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImportThreadError';
  }
}

export interface ImportFileOptions {
  /**
   * statement records per append batch of the import (`ImportOptions.batchSize`): the reading thread keeps
   * the commands of a batch and a window of chunks, for the records the writer decides again. Default 5000.
   */
  batchSize?: number;
  /** the reading thread's script (tests give one that fails); default the built `import-worker.js` */
  workerScript?: URL;
  chunkRecords?: number;
  window?: number;
}

/**
 * A file to import on two threads: `records` starts a worker thread that reads, parses and decides the file's
 * records as on new streams (`import-worker.ts`), and hands them over in order; `importStatements` takes
 * them like any reader's records, and appends. The outcomes are those of the same file's reader run in
 * process: the same records, rejections (line, field, reason) and errors (`ImportFormatError`,
 * `LineTooLongError`, `InvalidUtf8Error`, read errors with their `code` and `syscall`), at the same place in the
 * file. The worker decides with the project's reference data (`#reference`); `importStatements` uses its
 * decisions only when it is given the same.
 */
export class ImportFile {
  private read = 0;
  /** reading threads whose records may still be asked for their commands (until `close`) */
  private readonly workers = new Set<Worker>();

  private constructor(
    readonly file: string,
    /** the file's size in bytes */
    readonly size: number,
  ) {}

  /** A missing or unreadable file fails here, before any thread starts. */
  static open(file: string): ImportFile {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Error(`${file} is not a file`);
    return new ImportFile(file, stat.size);
  }

  /** Bytes of the file behind the records handed over so far. */
  bytesRead(): number {
    return this.read;
  }

  /**
   * `importStatements` over the file's records (`records`), then the reading thread ended (`close`), whether the
   * import succeeded or failed: what `communique import` runs.
   */
  async importInto(
    store: EventStore,
    format: ImportFormat,
    options: ImportOptions & Omit<ImportFileOptions, 'batchSize'> & { limits?: ReaderLimits },
  ): Promise<ImportReport> {
    try {
      const records = this.records(format, options.limits, {
        batchSize: options.batchSize,
        workerScript: options.workerScript,
        chunkRecords: options.chunkRecords,
        window: options.window,
      });
      return await importStatements(records, store, options);
    } finally {
      await this.close();
    }
  }

  /** Ends the reading threads that are still there (after the last batch has taken its commands). */
  async close(): Promise<void> {
    const workers = [...this.workers];
    this.workers.clear();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  /**
   * The file's records in `format`, read on a worker thread. Ending the iteration early (or an error of the
   * consumer, or of the thread) terminates the thread; a crash of the thread is an `ImportThreadError` after
   * the records it handed over before. After the last record the thread stays, unreferenced (it does not keep
   * the process alive), to answer for the commands of the last batch, until `close`.
   */
  async *records(
    format: ImportFormat,
    limits: ReaderLimits = DEFAULT_READER_LIMITS,
    options: ImportFileOptions = {},
  ): AsyncIterable<SourceRecord | PreparedStatement> {
    const chunkRecords = options.chunkRecords ?? CHUNK_RECORDS;
    const window = options.window ?? WINDOW;
    const input: WorkerInput = {
      file: this.file,
      format,
      limits: { maxLineBytes: limits.maxLineBytes, maxFieldBytes: limits.maxFieldBytes },
      chunkRecords,
      window,
      // The writer needs the commands of its unstored batch, which starts at most a batch before the chunk it
      // took last; the reading thread is at most the window and the chunk it is filling past that chunk.
      keepCommands: (options.batchSize ?? DEFAULT_BATCH_SIZE) + (window + 2) * chunkRecords,
    };
    const worker = new Worker(options.workerScript ?? defaultWorkerScript(), { workerData: input });
    this.workers.add(worker);
    let ended = false;
    const send = (message: WriterMessage): void => worker.postMessage(message);
    const inbox: WorkerMessage[] = [];
    const asked = new Map<
      number,
      { resolve: (commands: (StatementCommandInput | null)[]) => void; reject: (error: Error) => void }
    >();
    let requests = 0;
    /** statement numbers asked for in this turn of the event loop: one message for all of them */
    let wanted: {
      statement: number;
      resolve: (command: StatementCommandInput) => void;
      reject: (error: Error) => void;
    }[] = [];
    const command = (statement: number): Promise<StatementCommandInput> =>
      new Promise((resolve, reject) => {
        if (failure !== undefined || exited) {
          reject(failure ?? new ImportThreadError("the import's reading thread has stopped"));
          return;
        }
        if (wanted.length === 0) queueMicrotask(askForWanted);
        wanted.push({ statement, resolve, reject });
      });
    const askForWanted = (): void => {
      const these = wanted;
      wanted = [];
      const request = requests++;
      asked.set(request, {
        resolve: (commands) =>
          these.forEach((want, i) => {
            const found = commands[i];
            if (found === null || found === undefined)
              want.reject(
                new ImportThreadError(
                  `the import's reading thread no longer holds statement record ${want.statement}`,
                ),
              );
            else want.resolve(found);
          }),
        reject: (error) => these.forEach((want) => want.reject(error)),
      });
      send({ type: 'commands', request, statements: these.map((want) => want.statement) });
      holdWhileAsked();
    };
    /** an answer still to come keeps the process alive; after the last record, nothing else does */
    const holdWhileAsked = (): void => {
      if (asked.size > 0) worker.ref();
      else if (ended) worker.unref();
    };
    const failAsked = (): void => {
      const error = failure ?? new ImportThreadError("the import's reading thread has stopped");
      for (const pending of asked.values()) pending.reject(error);
      asked.clear();
    };
    let failure: Error | undefined;
    let exited = false;
    let notify: (() => void) | undefined;
    const wakeUp = (): void => {
      notify?.();
      notify = undefined;
    };
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'commands') {
        const pending = asked.get(message.request);
        asked.delete(message.request);
        holdWhileAsked();
        pending?.resolve(message.commands);
        return;
      }
      inbox.push(message);
      wakeUp();
    });
    worker.on('messageerror', (error: Error) => {
      failure ??= new ImportThreadError(`the import's reading thread sent a message that cannot be read`, {
        cause: error,
      });
      failAsked();
      wakeUp();
    });
    worker.on('error', (error: Error) => {
      failure ??= new ImportThreadError(`the import's reading thread failed: ${error.message}`, {
        cause: error,
      });
      failAsked();
      wakeUp();
    });
    worker.on('exit', (code) => {
      exited = true;
      if (code !== 0)
        failure ??= new ImportThreadError(`the import's reading thread stopped with exit code ${code}`);
      failAsked();
      wakeUp();
    });
    try {
      for (;;) {
        while (inbox.length === 0 && failure === undefined && !exited)
          await new Promise<void>((resolve) => (notify = resolve));
        const message = inbox.shift();
        if (message === undefined) {
          throw (
            failure ?? new ImportThreadError("the import's reading thread stopped before the end of the file")
          );
        }
        if (message.type === 'chunk') {
          send({ type: 'ack' });
          const records = readChunk(message, command);
          this.read = message.bytesRead;
          yield* records;
        } else if (message.type === 'error') {
          throw rebuildError(message.error);
        } else if (message.type === 'end') {
          this.read = message.bytesRead;
          ended = true;
          return;
        } else {
          throw new ImportThreadError(
            `the import's reading thread sent an unknown message: ${String((message as { type?: unknown }).type)}`,
          );
        }
      }
    } finally {
      if (ended) {
        worker.unref();
      } else {
        this.workers.delete(worker);
        await worker.terminate();
      }
    }
  }
}

/** The built worker next to this module; under the test runner (TypeScript sources), the one in dist/. */
function defaultWorkerScript(): URL {
  const here = import.meta.url;
  const script = here.endsWith('.ts')
    ? new URL('../../../../dist/libs/importers/src/pipeline/import-worker.js', here)
    : new URL('./import-worker.js', here);
  if (!existsSync(fileURLToPath(script)))
    throw new ImportThreadError(
      `the import's worker script is missing: ${fileURLToPath(script)} (npm run build)`,
    );
  return script;
}

/** The reader errors the import reports by class (the CLI names them); others keep their name and fields. */
const READER_ERRORS: Record<string, { prototype: Error }> = {
  ImportFormatError,
  LineTooLongError,
  InvalidUtf8Error,
};

/** The reading thread's error as the same class with the same message and fields (`code`, `syscall`, ...). */
function rebuildError(serialised: SerialisedError): Error {
  const error = new Error(serialised.message);
  const known = READER_ERRORS[serialised.name];
  if (known !== undefined) Object.setPrototypeOf(error, known.prototype);
  Object.assign(error, serialised.fields);
  error.name = serialised.name;
  if (serialised.stack !== undefined) error.stack = serialised.stack;
  return error;
}
