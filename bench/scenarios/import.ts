/**
 * Import: statements/s into the embedded store through its public API, in batches, against (a) raw
 * better-sqlite3 inserts of the same serialized events in the same transaction sizes (the floor) and (b) the
 * Emmett SQLite event store appending the same events (one transaction per batch, its best batched path).
 * A second line of ours measures the whole importer as `communique import` runs it (read and parse an NDJSON
 * file and decide each statement on a worker thread, append in batches) on a file written by
 * `test/support/generate-ndjson.mjs`, and a third the same importer on one thread (the reader in process).
 * Every store writes to its own new file in `bench/.data/import/`, with WAL and synchronous=FULL.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { SqliteEventStore, canonicalJson } from '#event-store';
import { ImportFile, importStatements, openTextFile, readNdjson } from '#importers';
import { referenceData } from '#reference';
import { DATA_DIR, ROOT, settings } from '../config.js';
import { removeDatabase } from '../dataset.js';
import { generateStreams, type StreamBatch } from '../generator.js';
import { ourImport } from '../import-adapter.js';
import { loadEmmett } from '../peers/emmett.js';
import { report, round, type Figures } from '../report.js';

/** The statements in batches of `size`; the events are generated before the timer of each batch starts. */
function* batches(size: number): Generator<StreamBatch[]> {
  let batch: StreamBatch[] = [];
  for (const stream of generateStreams({ seed: settings.seed, statements: settings.importStatements })) {
    batch.push(stream);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Runs `append` on every batch and returns statements per second over the time spent inside `append`. */
async function timed(size: number, append: (batch: StreamBatch[]) => Promise<void> | void): Promise<number> {
  let seconds = 0;
  let statements = 0;
  for (const batch of batches(size)) {
    const started = performance.now();
    await append(batch);
    seconds += (performance.now() - started) / 1000;
    statements += batch.length;
  }
  return statements / seconds;
}

const FLOOR_SCHEMA = `
  CREATE TABLE events (
    position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, stream TEXT NOT NULL,
    revision INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL,
    UNIQUE (stream, revision))`;

/** Raw inserts of pre-serialized rows, `perTransaction` statements to a transaction. */
async function floor(file: string, perTransaction: number): Promise<number> {
  removeDatabase(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(FLOOR_SCHEMA);
  const insert = db.prepare(
    'INSERT INTO events (event_id, stream, revision, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)',
  );
  type Row = [string, string, number, string, string, string];
  const write = db.transaction((rows: Row[]) => {
    for (const row of rows) insert.run(...row);
  });
  let seconds = 0;
  let statements = 0;
  for (const batch of batches(settings.importBatch)) {
    const rows = batch.map((s) =>
      s.events.map((e, revision): Row => [
        e.id,
        s.stream,
        revision,
        e.type,
        canonicalJson(e.data),
        canonicalJson(e.metadata),
      ]),
    );
    const started = performance.now();
    for (let i = 0; i < rows.length; i += perTransaction)
      write.immediate(rows.slice(i, i + perTransaction).flat());
    seconds += (performance.now() - started) / 1000;
    statements += batch.length;
  }
  db.close();
  return statements / seconds;
}

/** A generated NDJSON file of `importStatements` lines, the same for both runs of the whole importer. */
function ndjsonFile(dir: string): string {
  const ndjson = join(dir, 'statements.ndjson');
  execFileSync(process.execPath, [
    join(ROOT, 'test/support/generate-ndjson.mjs'),
    ndjson,
    String(settings.importStatements),
    String(settings.seed),
  ]);
  return ndjson;
}

/**
 * The whole importer on the NDJSON file, batches of `importBatch`: statements/s from opening the file to the
 * last batch stored (the CLI's start-up excluded). `threads: 2` is `communique import` (the file read, parsed
 * and decided on a worker thread, `ImportFile`); `threads: 1` the same importer with the reader in process,
 * as before the pipeline.
 */
async function importerPipeline(dir: string, ndjson: string, threads: 1 | 2): Promise<number> {
  const file = join(dir, 'importer.db');
  removeDatabase(file);
  const store = SqliteEventStore.open(file);
  try {
    const started = performance.now();
    const options = { reference: referenceData, recordedBy: 'import:bench', batchSize: settings.importBatch };
    const report =
      threads === 2
        ? await ImportFile.open(ndjson).importInto(store, 'ndjson', options)
        : await importStatements(readNdjson(openTextFile(ndjson).chunks), store, options);
    const seconds = (performance.now() - started) / 1000;
    if (report.imported !== settings.importStatements) {
      throw new Error(`the importer stored ${report.imported} of ${settings.importStatements} statements`);
    }
    return report.imported / seconds;
  } finally {
    await store.close();
    removeDatabase(file);
  }
}

/**
 * `communique import <file> --batch-size <importBatch>` as an operator runs it, in its own process, into a new
 * event store: statements/s from spawn to exit (start-up, the worker thread's start, the import, the exit).
 */
function wholeCommand(dir: string, ndjson: string): number {
  const file = join(dir, 'command.db');
  removeDatabase(file);
  try {
    const started = performance.now();
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'dist/apps/cli/src/main.js'),
        'import',
        ndjson,
        '--format',
        'ndjson',
        '--batch-size',
        String(settings.importBatch),
      ],
      {
        env: { ...process.env, COMMUNIQUE_EVENTS_FILE: file, COMMUNIQUE_DEMO: 'false' },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    return settings.importStatements / ((performance.now() - started) / 1000);
  } finally {
    removeDatabase(file);
  }
}

export async function importScenario(): Promise<Figures> {
  const dir = join(DATA_DIR, 'import');
  mkdirSync(dir, { recursive: true });
  const size = settings.importBatch;
  const notes: string[] = [];
  const figures: Figures = {
    statements: settings.importStatements,
    'batch (statements)': size,
    'our adapter': ourImport.name,
  };

  const ourFile = join(dir, 'ours.db');
  removeDatabase(ourFile);
  const store = SqliteEventStore.open(ourFile);
  const ours = await timed(size, (batch) => ourImport.append(store, batch));
  await store.close();
  const ourTransaction = ourImport.statementsPerTransaction(size);
  figures['ours, statements/s'] = round(ours);
  figures['ours, statements per transaction'] = ourTransaction;

  const floorBatched = await floor(join(dir, 'floor.db'), size);
  figures[`floor (raw inserts, ${size} per transaction), statements/s`] = round(floorBatched);
  const floorSame =
    ourTransaction === size ? floorBatched : await floor(join(dir, 'floor.db'), ourTransaction);
  figures[`floor (raw inserts, ${ourTransaction} per transaction), statements/s`] = round(floorSame);
  figures['ours / floor at our transaction size'] = round(ours / floorSame, 3);
  figures['ours / floor at the batch size'] = round(ours / floorBatched, 3);

  const ndjson = ndjsonFile(dir);
  const pipeline = await importerPipeline(dir, ndjson, 2);
  const oneThread = await importerPipeline(dir, ndjson, 1);
  const command = wholeCommand(dir, ndjson);
  rmSync(ndjson, { force: true });
  figures['communique import (whole command), statements/s'] = round(command);
  figures['communique import (whole command) / floor at the batch size'] = round(command / floorBatched, 3);
  figures['ours, whole importer (NDJSON file, decide, append), statements/s'] = round(pipeline);
  figures['whole importer / floor at the batch size'] = round(pipeline / floorBatched, 3);
  figures['whole importer on one thread (reader in process), statements/s'] = round(oneThread);
  figures['whole importer on one thread / floor at the batch size'] = round(oneThread / floorBatched, 3);

  const emmett = await loadEmmett();
  if (typeof emmett === 'string') {
    notes.push(`Emmett: not measured, ${emmett}`);
    figures['emmett, statements/s'] = null;
    figures['ours / emmett'] = null;
  } else {
    const file = join(dir, 'emmett.db');
    removeDatabase(file);
    const connection = emmett.sqliteConnection({ fileName: file });
    // the same durability as ours and the floor (Emmett sets WAL itself and leaves synchronous alone)
    await connection.command('PRAGMA synchronous = FULL');
    await emmett.createEventStoreSchema(connection);
    const rate = await timed(size, (batch) =>
      // withTransaction nests: the appends of the batch share one transaction
      connection.withTransaction(async () => {
        for (const { stream, events } of batch) {
          const result = await emmett.appendToStream(
            connection,
            stream,
            'statement',
            events.map((e) => ({ type: e.type, data: e.data, metadata: { ...e.metadata, eventId: e.id } })),
            { expectedStreamVersion: 'STREAM_DOES_NOT_EXIST' },
          );
          if (!result.success) throw new Error(`Emmett refused the append to ${stream}`);
        }
      }),
    );
    connection.close();
    figures[`emmett (${size} per transaction), statements/s`] = round(rate);
    figures['ours / emmett'] = round(ours / rate, 3);
  }
  removeDatabase(ourFile);
  report('import', figures, notes);
  return figures;
}
