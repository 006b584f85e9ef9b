/**
 * The import on two threads (`ImportFile`) against the same importer with its reader in process: the same
 * rows stored byte for byte, the same report, the same errors at the same place, on every format and through
 * every path of the writer (streams that are new, streams that exist, a statement named twice in a batch, a
 * store that cannot say which streams exist). The reading thread is the built one (`npm run build` first, as
 * for the e2e specs).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EventStoreDbEventStore, SqliteEventStore, type EventStore } from '#event-store';
import { KurrentWireCluster, collect } from '#event-store/testing';
import { referenceData } from '#reference';
import { FORMAT_READERS, type ImportFormat } from '../formats.js';
import { importStatements, type ImportOptions, type ImportReport } from '../importer.js';
import { ImportFormatError } from '../records.js';
import { InvalidUtf8Error, LineTooLongError, openTextFile, type ReaderLimits } from '../text-source.js';
import { ImportFile, ImportThreadError, type ImportFileOptions } from './import-file.js';

const FIXTURES = join(process.cwd(), 'test/fixtures/import');
const WORKERS = join(process.cwd(), 'test/fixtures/import-worker');
const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Options that make two runs write the same bytes: ids and instants from counters. */
function deterministic(batchSize: number): ImportOptions {
  let ids = 0;
  let millis = Date.parse('2026-03-04T05:06:07.000Z');
  return {
    reference: referenceData,
    recordedBy: 'import:test',
    batchSize,
    newId: () => `10000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
    clock: () => new Date((millis += 7)),
  };
}

const line = (id: string | undefined, text: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    ...(id === undefined ? {} : { id }),
    occurredOn: '2020-01-02',
    speaker: { name: 'Speaker', country: 'TR' },
    kind: 'STATEMENT',
    text,
    attribution: 'SUMMARY',
    sources: [{ url: 'https://example.org/s' }],
    ...extra,
  });

/** Every path of the writer in one file: batches of 3 put duplicates and links in one batch. */
const TRICKY = [
  line(ID(1), 'first, with an id'),
  line(undefined, 'no id: a UUID v5 of the content'),
  line(ID(1), 'first, with an id'), // the same statement again in the batch: already imported
  line(ID(2), 'links to the first', { respondsTo: [ID(1)] }),
  line(ID(2), 'the same id with other content'), // a conflict "by line 4"
  '{"occurredOn": "2020-01-02", not json',
  line(ID(3), 'an unknown field', { mood: 'angry' }),
  line(ID(4), 'a bad date', { occurredOn: '2020-13-45' }),
  '',
  line(ID(5), 'links to itself', { respondsTo: [ID(5)] }),
  line(ID(6), 'a negative zero where a string goes', { targets: [-0] }),
  line(ID(7), 'Ünïcödé “quotes” \u2028 and \\ backslashes'),
  line(undefined, 'no id: a UUID v5 of the content'),
  line(ID(8), 'links to a statement not stored (the domain allows it)', { respondsTo: [ID(99)] }),
  line(ID(9), 'the last line has no newline, and is cut', { topics: ['trade'] }).slice(0, 60),
].join('\n');

describe('ImportFile: the import on two threads', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'communique-import-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** the store of the two-thread side of the last `expectSameImports` */
  let stored: string;

  /** Every stored column of every event, in log order. */
  const rows = (file: string): unknown[] => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare('SELECT * FROM events ORDER BY position').all();
    } finally {
      db.close();
    }
  };

  type Outcome = { report?: ImportReport; error?: { name: string; message: string; proto: unknown } };
  const outcome = async (run: () => Promise<ImportReport>): Promise<Outcome> => {
    try {
      return { report: await run() };
    } catch (error) {
      const e = error as Error;
      return { error: { name: e.name, message: e.message, proto: Object.getPrototypeOf(e) } };
    }
  };

  /**
   * Imports `file` twice into each of two stores (the second run finds every stream), once per thread
   * layout, and expects the same outcomes and the same stored bytes. `wrap` may put a store in front.
   */
  async function expectSameImports(
    file: string,
    format: ImportFormat,
    batchSize: number,
    more: {
      limits?: ReaderLimits;
      file?: ImportFileOptions;
      wrap?: (store: SqliteEventStore) => EventStore;
    } = {},
  ): Promise<Outcome[]> {
    const outcomes: Outcome[][] = [[], []];
    const stores = mkdtempSync(join(dir, 'stores-'));
    stored = join(stores, 'two.db');
    for (const [side, name] of [
      [0, 'one.db'],
      [1, 'two.db'],
    ] as const) {
      const sqlite = SqliteEventStore.open(join(stores, name));
      const store = more.wrap?.(sqlite) ?? sqlite;
      const options = deterministic(batchSize);
      try {
        for (let run = 0; run < 2; run++) {
          outcomes[side].push(
            await outcome(() =>
              side === 0
                ? importStatements(
                    FORMAT_READERS[format](openTextFile(file).chunks, more.limits),
                    store,
                    options,
                  )
                : ImportFile.open(file).importInto(store, format, {
                    ...options,
                    limits: more.limits,
                    ...more.file,
                  }),
            ),
          );
        }
      } finally {
        await sqlite.close();
      }
    }
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(rows(join(stores, 'two.db'))).toEqual(rows(join(stores, 'one.db')));
    return outcomes[0];
  }

  it('stores the same bytes and reports the same as the reader in process, on every path of the writer', async () => {
    const file = join(dir, 'tricky.ndjson');
    writeFileSync(file, TRICKY);
    const [first, again] = await expectSameImports(file, 'ndjson', 3, { file: {} });
    // the file does exercise what it claims to
    expect(first.report).toMatchObject({ records: 14, imported: 5, skipped: { 'already imported': 2 } });
    expect(first.report?.rejections.map((r) => [r.line, r.field])).toEqual([
      [5, 'id'],
      [6, 'line'],
      [7, 'mood'],
      [8, 'occurredOn'],
      [10, 'respondsTo'],
      [11, 'targets.0'],
      [15, 'line'],
    ]);
    expect(first.report?.rejections[0].reason).toMatch(/by line 4/);
    expect(again.report).toMatchObject({ imported: 0, skipped: { 'already imported': 7 } });
  });

  it('the same with chunks of 2 records and 1 chunk ahead (the reading thread waits for the writer)', async () => {
    const file = join(dir, 'tricky.ndjson');
    writeFileSync(file, TRICKY);
    await expectSameImports(file, 'ndjson', 2, { file: { chunkRecords: 2, window: 1 } });
  });

  it('a re-import decides every record again from the commands the reading thread kept, at its tightest bound', async () => {
    // batches of 7 over chunks of 3 with 1 ahead: the thread keeps 7 + 3 * 3 commands and no more
    const file = join(dir, 'forty.ndjson');
    const lines = Array.from({ length: 40 }, (_, i) =>
      line(i % 5 === 0 ? undefined : ID(i), `statement ${i}`),
    );
    writeFileSync(file, lines.join('\n'));
    const [, again] = await expectSameImports(file, 'ndjson', 7, { file: { chunkRecords: 3, window: 1 } });
    expect(again.report).toMatchObject({ records: 40, imported: 0, skipped: { 'already imported': 40 } });
  });

  it('the same through a store that cannot say which streams exist (every record decided again)', async () => {
    const file = join(dir, 'tricky.ndjson');
    writeFileSync(file, TRICKY);
    const blind = (sqlite: SqliteEventStore): EventStore =>
      new Proxy(sqlite, {
        get: (target, key, receiver) =>
          key === 'streamRevisions'
            ? async () => undefined
            : (Reflect.get(target, key, receiver) as unknown as object),
      });
    await expectSameImports(file, 'ndjson', 3, { wrap: blind });
  });

  it.each([
    ['statements.ndjson', 'ndjson'],
    ['statements.csv', 'csv'],
    ['gdelt.export.CSV', 'gdelt'],
    ['gdelt-duplicates.export.CSV', 'gdelt'],
    ['icews.tab', 'icews'],
  ] as const)('the same for the fixture %s (%s)', async (name, format) => {
    const [first] = await expectSameImports(join(FIXTURES, name), format, 2);
    expect(first.report?.imported).toBeGreaterThan(0);
  });

  it('the reader errors arrive as the same class and message, after the same batches stored', async () => {
    const long = join(dir, 'long.ndjson');
    writeFileSync(
      long,
      [line(ID(1), 'short'), line(ID(2), 'short too'), line(ID(3), 'x'.repeat(600))].join('\n'),
    );
    const [tooLong] = await expectSameImports(long, 'ndjson', 1, {
      limits: { maxLineBytes: 500, maxFieldBytes: 500 },
    });
    expect(tooLong.error?.proto).toBe(LineTooLongError.prototype);
    expect(tooLong.error?.message).toMatch(/^line 3: /);
    expect(rows(stored)).toHaveLength(2);

    const utf8 = join(dir, 'latin1.ndjson');
    writeFileSync(
      utf8,
      Buffer.concat([Buffer.from(`${line(ID(1), 'fine')}\n`), Buffer.from([0x7b, 0xff, 0x7d, 0x0a])]),
    );
    const [invalid] = await expectSameImports(utf8, 'ndjson', 1);
    expect(invalid.error?.proto).toBe(InvalidUtf8Error.prototype);

    const notJson = join(dir, 'not.ndjson');
    writeFileSync(notJson, 'occurredOn,text\n2020,hello\n');
    const [format] = await expectSameImports(notJson, 'ndjson', 1);
    expect(format.error?.proto).toBe(ImportFormatError.prototype);
    expect(rows(stored)).toHaveLength(0);
  });

  it('an empty file imports nothing, and a missing one fails before any thread starts', async () => {
    const empty = join(dir, 'empty.ndjson');
    writeFileSync(empty, '');
    const [report] = await expectSameImports(empty, 'ndjson', 5);
    expect(report.report).toMatchObject({ records: 0, imported: 0 });
    expect(() => ImportFile.open(join(dir, 'nope.ndjson'))).toThrow(/ENOENT/);
    expect(() => ImportFile.open(dir)).toThrow(/is not a file/);
  });

  describe('a reading thread that fails', () => {
    const importWith = async (script: string, records = 8) => {
      const file = join(dir, 'some.ndjson');
      writeFileSync(
        file,
        Array.from({ length: records }, (_, i) => line(ID(i + 1), `statement ${i}`)).join('\n'),
      );
      const store = SqliteEventStore.open(join(dir, 'events.db'));
      try {
        const result = await outcome(() =>
          ImportFile.open(file).importInto(store, 'ndjson', {
            ...deterministic(2),
            workerScript: new URL(`file://${join(WORKERS, script)}`),
          }),
        );
        return { result, stored: rows(join(dir, 'events.db')).length };
      } finally {
        await store.close();
      }
    };

    it('a thread that throws: an ImportThreadError naming the cause, after the records it sent are stored', async () => {
      const { result, stored } = await importWith('throws-after-a-chunk.mjs');
      expect(result.error?.proto).toBe(ImportThreadError.prototype);
      expect(result.error?.message).toBe("the import's reading thread failed: boom in the reading thread");
      expect(stored).toBe(0); // it sent one skipped record, then threw
    });

    it('a thread that exits: an ImportThreadError with its exit code', async () => {
      const { result } = await importWith('exits.mjs');
      expect(result.error?.proto).toBe(ImportThreadError.prototype);
      expect(result.error?.message).toBe("the import's reading thread stopped with exit code 3");
    });

    it('a chunk that does not add up, or an unknown message: refused, nothing stored from it', async () => {
      const garbled = await importWith('garbled-chunk.mjs');
      expect(garbled.result.error?.message).toBe('import chunk: unknown record kind 9');
      expect(garbled.stored).toBe(0);
      const unknown = await importWith('unknown-message.mjs');
      expect(unknown.result.error?.message).toBe(
        "the import's reading thread sent an unknown message: surprise",
      );
    });

    it('a thread that does not answer for a command it no longer holds: the batch fails, naming the record', async () => {
      const { result } = await importWith('forgets-commands.mjs');
      expect(result.error?.message).toMatch(/no longer holds statement record 0/);
    });
  });

  it('through the EventStoreDB adapter (wire-level test server): the same events as the reader in process', async () => {
    const file = join(dir, 'tricky.ndjson');
    writeFileSync(file, TRICKY);
    const logs: unknown[][] = [];
    for (const threads of [1, 2]) {
      const cluster = await KurrentWireCluster.start();
      const store = EventStoreDbEventStore.connect(cluster.connectionString);
      try {
        const options = deterministic(3);
        for (let run = 0; run < 2; run++) {
          if (threads === 1)
            await importStatements(FORMAT_READERS.ndjson(openTextFile(file).chunks), store, options);
          else await ImportFile.open(file).importInto(store, 'ndjson', options);
        }
        // positions are the server's (they differ between servers); everything else is compared
        logs.push((await collect(store.readAll())).map(({ position: _position, ...event }) => event));
      } finally {
        await store.close();
        await cluster.close();
      }
    }
    expect(logs[0]).toHaveLength(7); // five statements, two of them with a response link
    expect(logs[1]).toEqual(logs[0]);
  });

  it('a store that fails ends the import with its error and the reading thread with it', async () => {
    const file = join(dir, 'many.ndjson');
    writeFileSync(file, Array.from({ length: 50 }, (_, i) => line(ID(i + 1), `statement ${i}`)).join('\n'));
    const sqlite = SqliteEventStore.open(join(dir, 'events.db'));
    let appends = 0;
    const failing = new Proxy(sqlite, {
      get: (target, key, receiver) =>
        key === 'appendToStreams'
          ? async (...args: Parameters<SqliteEventStore['appendToStreams']>) => {
              if (++appends === 2) throw new Error('disk on fire');
              return target.appendToStreams(...args);
            }
          : (Reflect.get(target, key, receiver) as unknown as object),
    });
    const source = ImportFile.open(file);
    try {
      await expect(
        source.importInto(failing, 'ndjson', { ...deterministic(10), chunkRecords: 5, window: 1 }),
      ).rejects.toThrow('disk on fire');
      expect(rows(join(dir, 'events.db'))).toHaveLength(10);
      // closed: a second close has no thread left to end
      await expect(source.close()).resolves.toBeUndefined();
    } finally {
      await sqlite.close();
    }
  });
});
