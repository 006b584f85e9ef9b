import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  SqliteEventStore,
  describeBroken,
  verifyEventHash,
  verifyLog as auditLog,
  type RecordedEvent,
} from '#event-store';
import { statementStream } from '#domain';
import { openTextFile, readNdjson } from '#importers';
import { ProjectionRunner, rebuildInto } from '#projections';
import { ReadModel } from '#read-model';
import { CLI, ROOT, assertBuilt } from './server-process.js';

/**
 * Machinery of the fault tests: a child process that writes in bulk (a parameter, so another writer, such
 * as `communique import`, can be put under the same test), killed at reproducible random moments, and the
 * checks that follow (nothing acknowledged lost, no batch half-written, hash chains intact, read model equal
 * to a rebuild).
 */

export interface FaultPaths {
  eventsFile: string;
  /** the writer's read model, or undefined when it does not keep one */
  readModelFile?: string;
}

/** A process that writes in bulk and says on stdout what the store acknowledged. */
export interface BulkWriter {
  name: string;
  /** events each statement stream it writes holds once its batch is stored: every stream must hold exactly that */
  eventsPerStream: number;
  start(paths: FaultPaths, label: string): ChildProcess;
  /** the statement ids a line of its stdout acknowledges (none when it is not an acknowledgement) */
  acknowledged(line: string): string[];
  /** whether a line says it is ready to write (the kill delay counts from then) */
  ready(line: string): boolean;
  /** the kill moments are drawn from 0 to this many ms after it is ready (and after `killAfterBatches`) */
  killWindowMs: number;
  /**
   * When set, each kill also waits for a random number (0 to this, exclusive) of acknowledgements after
   * the ready line, so a writer whose batches are quick still gets killed in the middle of its work however
   * fast the machine is.
   */
  killAfterBatches?: number;
  /**
   * When one batch spans several streams (`communique import`): the statement ids of each batch it may
   * commit; each must be stored whole or not at all. Undefined when a batch is one stream.
   */
  batches?: string[][];
  /**
   * Whether it writes a bounded amount (a file) and may so finish before a kill lands; such a writer is
   * also run once to completion at the end, which must store exactly `batches`, nothing doubled.
   */
  finite: boolean;
  /** whether it keeps the read model itself; otherwise it is brought up to the log after each round */
  keepsReadModel: boolean;
}

/** `test/support/bulk-append.mjs`: three events per statement in one append, projected after each. */
export const storeBulkWriter: BulkWriter = {
  name: 'bulk append through the event store',
  eventsPerStream: 3,
  killWindowMs: 300,
  finite: false,
  keepsReadModel: true,
  start: (paths, label) =>
    spawn(
      process.execPath,
      [join(ROOT, 'test/support/bulk-append.mjs'), paths.eventsFile, paths.readModelFile ?? '-', label],
      { env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  acknowledged: (line) => /^ack ([0-9a-f-]{36})$/.exec(line)?.slice(1) ?? [],
  ready: (line) => line === 'ready',
};

/**
 * `communique import <file> --format ndjson --json --batch-size <batchSize>`: acknowledges each committed
 * batch with a "batch" line naming the file lines it covers. `lineIds` gives the statement id of each line of
 * the file (every line a valid statement, so the batches are the same fixed runs of lines in every run);
 * it is ready once it has committed its first new batch, so the kills land while it writes.
 */
export function importBulkWriter(file: string, lineIds: Map<number, string>, batchSize: number): BulkWriter {
  const lines = [...lineIds.keys()].sort((a, b) => a - b);
  const batches: string[][] = [];
  for (let i = 0; i < lines.length; i += batchSize) {
    batches.push(lines.slice(i, i + batchSize).map((line) => lineIds.get(line) as string));
  }
  const batchLine = (line: string): { lines: [number, number]; statements: number } | undefined => {
    if (!line.startsWith('{')) return undefined;
    const value = JSON.parse(line) as { type?: string; lines?: [number, number]; statements?: number };
    return value.type === 'batch' && value.lines && value.statements !== undefined
      ? { lines: value.lines, statements: value.statements }
      : undefined;
  };
  return {
    name: 'communique import',
    eventsPerStream: 1,
    killWindowMs: 20,
    killAfterBatches: 8,
    batches,
    finite: true,
    keepsReadModel: false,
    start: (paths) =>
      spawn(
        process.execPath,
        [
          CLI,
          'import',
          file,
          '--format',
          'ndjson',
          '--json',
          '--no-progress',
          '--batch-size',
          String(batchSize),
        ],
        {
          env: {
            ...process.env,
            NODE_OPTIONS: '',
            COMMUNIQUE_DATA_DIR: dirname(paths.eventsFile),
            COMMUNIQUE_EVENTS_FILE: paths.eventsFile,
            COMMUNIQUE_DEMO: 'false',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      ),
    acknowledged: (line) => {
      const batch = batchLine(line);
      if (!batch || batch.statements === 0) return []; // a batch stored by an earlier run
      const [from, to] = batch.lines;
      return lines.filter((n) => n >= from && n <= to).map((n) => lineIds.get(n) as string);
    },
    ready: (line) => (batchLine(line)?.statements ?? 0) > 0,
  };
}

/** A small seeded generator (mulberry32), so a failing run can be repeated with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface WriterRun {
  acknowledged: string[];
  /** every complete line of its stdout */
  lines: string[];
  stderr: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Starts the writer; `killAfterMs` after it says it is ready and then acknowledges `killAfterBatches` more
 * batches, kills it with SIGKILL (undefined: lets it run until it exits by itself). Only complete stdout lines
 * count: a line cut by the kill is no acknowledgement.
 */
export async function runWriter(
  writer: BulkWriter,
  paths: FaultPaths,
  label: string,
  killAfterMs?: number,
  killAfterBatches = 0,
): Promise<WriterRun> {
  assertBuilt();
  const child = writer.start(paths, label);
  const acknowledged: string[] = [];
  const lines: string[] = [];
  let stdout = '';
  let stderr = '';
  let timer: NodeJS.Timeout | undefined;
  let ready = false;
  let batchesToWait = killAfterBatches;
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    let newline: number;
    while ((newline = stdout.indexOf('\n')) >= 0) {
      const line = stdout.slice(0, newline);
      stdout = stdout.slice(newline + 1);
      lines.push(line);
      const acks = writer.acknowledged(line);
      acknowledged.push(...acks);
      if (ready && acks.length > 0) batchesToWait--;
      ready ||= writer.ready(line);
      if (ready && batchesToWait <= 0 && killAfterMs !== undefined && timer === undefined) {
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    }
  });
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) =>
    child.once('close', (code, sig) => done([code, sig])),
  );
  if (timer) clearTimeout(timer);
  return { acknowledged, lines, stderr, exitCode, signal };
}

export interface LogCheck {
  events: number;
  streams: Map<string, number>;
}

/**
 * Reads the whole log: every event's hash recomputes, every `prevHash` is the hash of the stream's previous
 * event, revisions are consecutive. Throws naming the first broken event.
 */
export async function verifyLog(store: SqliteEventStore): Promise<LogCheck> {
  const last = new Map<string, RecordedEvent>();
  const streams = new Map<string, number>();
  let events = 0;
  for await (const event of store.readAll()) {
    events++;
    const previous = last.get(event.stream);
    const where = `${event.stream}@${event.revision} (position ${event.position})`;
    if (!verifyEventHash(event)) throw new Error(`hash of ${where} does not match its content`);
    if ((previous?.metadata.hash ?? null) !== event.metadata.prevHash)
      throw new Error(`${where}: prevHash breaks the chain`);
    if (event.revision !== (previous ? previous.revision + 1 : 0)) throw new Error(`${where}: revision gap`);
    last.set(event.stream, event);
    streams.set(event.stream, (streams.get(event.stream) ?? 0) + 1);
  }
  return { events, streams };
}

/**
 * The check of `communique audit verify` (every event hash, stream chain and the global chain), run in
 * process; throws naming the first broken event.
 */
export async function auditVerify(store: SqliteEventStore): Promise<number> {
  const report = await auditLog(store.readStored());
  if (report.broken) throw new Error(`audit verify: ${describeBroken(report.broken)}`);
  return report.eventCount;
}

/** Brings the read model up to the log, as a service starting on it does. */
export async function catchUpReadModel(store: SqliteEventStore, readModelFile: string): Promise<void> {
  const readModel = ReadModel.open(readModelFile);
  try {
    await new ProjectionRunner(store, readModel).catchUp();
  } finally {
    readModel.close();
  }
}

/**
 * Brings the read model up to the log as the service does at start-up, then compares it row for row with
 * one rebuilt from position 0 into a scratch file.
 */
export async function readModelAndRebuild(
  eventsFile: string,
  readModelFile: string,
): Promise<{ live: unknown; rebuilt: unknown }> {
  const store = SqliteEventStore.open(eventsFile);
  const scratch = `${readModelFile}.rebuild-check`;
  rmSync(scratch, { force: true });
  try {
    const live = ReadModel.open(readModelFile);
    try {
      await new ProjectionRunner(store, live).catchUp();
      await rebuildInto(store, scratch);
      const rebuilt = ReadModel.open(scratch);
      try {
        return { live: live.dump(), rebuilt: rebuilt.dump() };
      } finally {
        rebuilt.close();
      }
    } finally {
      live.close();
    }
  } finally {
    await store.close();
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(scratch + suffix)) rmSync(scratch + suffix);
  }
}

/** `communique import` of a generated NDJSON file (`test/support/generate-ndjson.mjs`), its ids read back. */
export async function generatedImportWriter(
  dir: string,
  statements: number,
  seed: number,
  batchSize: number,
): Promise<BulkWriter> {
  const file = join(dir, 'statements.ndjson');
  const generated = spawnSync(
    process.execPath,
    [join(ROOT, 'test/support/generate-ndjson.mjs'), file, String(statements), String(seed)],
    { encoding: 'utf8' },
  );
  if (generated.status !== 0) throw new Error(`generate-ndjson failed: ${generated.stderr}`);
  const lineIds = new Map<number, string>();
  for await (const record of readNdjson(openTextFile(file).chunks)) {
    if (record.kind !== 'statement')
      throw new Error(`line ${record.line} of the generated file is not a statement`);
    lineIds.set(record.line, record.id);
  }
  return importBulkWriter(file, lineIds, batchSize);
}

/**
 * What must hold after every kill: the log verifies as `communique audit verify` checks it, every statement
 * of every acknowledged batch is stored whole, every stream holds exactly one batch's events, and (when a
 * batch spans streams) the stored statements are exactly a union of whole batches. Returns the streams stored.
 */
export async function checkStore(
  writer: BulkWriter,
  paths: FaultPaths,
  acknowledged: string[],
): Promise<number> {
  const store = SqliteEventStore.open(paths.eventsFile);
  try {
    await auditVerify(store);
    const log = await verifyLog(store);
    const notWhole = acknowledged.filter(
      (id) => log.streams.get(statementStream(id)) !== writer.eventsPerStream,
    );
    expect(notWhole).toEqual([]);
    const halfWritten = [...log.streams].filter(([, n]) => n !== writer.eventsPerStream);
    expect(halfWritten).toEqual([]);
    if (writer.batches) {
      let inBatches = 0;
      const partial: string[] = [];
      for (const [index, ids] of writer.batches.entries()) {
        const stored = ids.filter((id) => log.streams.has(statementStream(id))).length;
        if (stored !== 0 && stored !== ids.length)
          partial.push(`batch ${index + 1}: ${stored} of ${ids.length}`);
        inBatches += stored;
      }
      expect(partial).toEqual([]);
      expect(inBatches).toBe(log.streams.size); // nothing stored that is not in a batch of the file
    }
    if (!writer.keepsReadModel && paths.readModelFile) await catchUpReadModel(store, paths.readModelFile);
    return log.streams.size;
  } finally {
    await store.close();
  }
}
