/**
 * Prepared data sets, cached under `bench/.data/seed-<seed>-n-<statements>/` so that reruns skip preparation:
 * `events.db` (the event store, written through the store's public API) and `read-model.db` (built by
 * `rebuildInto`; the rebuild scenario leaves its result there). Each file is stamped (`*.key`) with a hash of
 * the compiled code that wrote it, so a changed store, domain, projection or read model prepares it afresh.
 */
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteEventStore, type StreamWrite } from '#event-store';
import { rebuildInto } from '#projections';
import { DATA_DIR, ROOT, SCRATCH_DIR } from './config.js';
import { generateStreams } from './generator.js';

export interface DataSet {
  dir: string;
  statements: number;
  seed: number;
  eventsFile: string;
  readModelFile: string;
}

export function dataSet(seed: number, statements: number): DataSet {
  const dir = join(DATA_DIR, `seed-${seed}-n-${statements}`);
  return {
    dir,
    statements,
    seed,
    eventsFile: join(dir, 'events.db'),
    readModelFile: join(dir, 'read-model.db'),
  };
}

const SQLITE_SUFFIXES = ['', '-wal', '-shm'];

/** A hash of the compiled sources of these libraries (and the generator for the event store). */
function codeKey(libs: string[], files: string[] = []): string {
  const hash = createHash('sha256');
  const paths = [
    ...libs.flatMap((lib) => {
      const dir = join(ROOT, 'dist', 'libs', lib, 'src');
      return existsSync(dir)
        ? readdirSync(dir, { recursive: true, encoding: 'utf8' })
            .filter((file) => file.endsWith('.js'))
            .sort()
            .map((file) => join(dir, file))
        : [];
    }),
    ...files.map((file) => join(ROOT, 'dist', file)),
  ];
  // relative paths: the same code in another checkout (a worktree, a fresh clone) reuses the data set
  for (const path of paths) hash.update(relative(ROOT, path)).update(readFileSync(path));
  return hash.digest('hex').slice(0, 16);
}

/** The stamps the current build gives a prepared event store and read model. */
export const codeKeys = (): { events: string; readModel: string } => ({
  events: eventsKey(),
  readModel: readModelKey(),
});

const eventsKey = (): string => codeKey(['domain', 'reference', 'event-store'], ['bench/generator.js']);
const readModelKey = (): string => `${eventsKey()}-${codeKey(['projections', 'read-model'])}`;

/** Whether `file` exists and was written by the code of `key`; removes it (and its stamp) otherwise. */
function cached(file: string, key: string): boolean {
  const stamp = `${file}.key`;
  if (existsSync(file) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return true;
  if (existsSync(file)) console.log(`${file} was prepared by other code: preparing it again`);
  removeDatabase(file);
  rmSync(stamp, { force: true });
  return false;
}

export function removeDatabase(file: string): void {
  for (const suffix of SQLITE_SUFFIXES) rmSync(file + suffix, { force: true });
}

/** Writes the event store of the data set unless it is cached. Appends go to a RAM disk, then move. */
export async function ensureEvents(set: DataSet): Promise<void> {
  const key = eventsKey();
  if (cached(set.eventsFile, key)) return;
  mkdirSync(set.dir, { recursive: true });
  const scratch = join(SCRATCH_DIR, `communique-bench-${process.pid}-events.db`);
  removeDatabase(scratch);
  console.log(`preparing ${set.statements} statements (seed ${set.seed}) in ${set.eventsFile} ...`);
  const started = performance.now();
  const store = SqliteEventStore.open(scratch);
  // Batches of 1,000 statements, one transaction each (what `communique import` does).
  let done = 0;
  let batch: StreamWrite[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await store.appendToStreams(batch);
    done += batch.length;
    batch = [];
    if (done % 50_000 === 0) console.log(`  ${done} statements`);
  };
  for (const { stream, events } of generateStreams({ seed: set.seed, statements: set.statements })) {
    batch.push({ stream, events, expectedRevision: 'no_stream' });
    if (batch.length === 1000) await flush();
  }
  await flush();
  await store.close(); // checkpoints the WAL into the file
  copyFileSync(scratch, `${set.eventsFile}.partial`);
  renameSync(`${set.eventsFile}.partial`, set.eventsFile);
  writeFileSync(`${set.eventsFile}.key`, key);
  removeDatabase(scratch);
  console.log(`  prepared in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Builds the read model of the data set unless it is cached. */
export async function ensureReadModel(set: DataSet): Promise<void> {
  await ensureEvents(set);
  if (cached(set.readModelFile, readModelKey())) return;
  console.log(`preparing the read model ${set.readModelFile} ...`);
  const partial = `${set.readModelFile}.partial`;
  removeDatabase(partial);
  const store = SqliteEventStore.open(set.eventsFile);
  try {
    await rebuildInto(store, partial);
  } finally {
    await store.close();
  }
  keepAsReadModel(set, partial);
}

/** Makes a finished (closed) read-model file the data set's cached read model. */
export function keepAsReadModel(set: DataSet, file: string): void {
  removeDatabase(set.readModelFile);
  renameSync(file, set.readModelFile);
  writeFileSync(`${set.readModelFile}.key`, readModelKey());
  for (const suffix of ['-wal', '-shm']) rmSync(file + suffix, { force: true });
}
