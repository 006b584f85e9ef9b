import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore, verifyEventHash, type RecordedEvent } from '#event-store';
import { ProjectionRunner, rebuildInto } from '#projections';
import { ReadModel } from '#read-model';
import { ROOT, assertBuilt } from './server-process.js';

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
  /** events per acknowledged batch; every stream it writes must end up holding a multiple of it */
  eventsPerBatch: number;
  start(paths: FaultPaths, label: string): ChildProcess;
  /** the statement id a line of its stdout acknowledges, if it is an acknowledgement */
  acknowledged(line: string): string | undefined;
  /** whether a line says it is ready to write (the kill delay counts from then) */
  ready(line: string): boolean;
}

/** `test/support/bulk-append.mjs`: three events per statement in one append, projected after each. */
export const storeBulkWriter: BulkWriter = {
  name: 'bulk append through the event store',
  eventsPerBatch: 3,
  start: (paths, label) =>
    spawn(
      process.execPath,
      [join(ROOT, 'test/support/bulk-append.mjs'), paths.eventsFile, paths.readModelFile ?? '-', label],
      { env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  acknowledged: (line) => /^ack ([0-9a-f-]{36})$/.exec(line)?.[1],
  ready: (line) => line === 'ready',
};

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
  stderr: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Starts the writer; `killAfterMs` after it says it is ready, kills it with SIGKILL (undefined: lets it run
 * until it exits by itself). Only complete stdout lines count: a line cut by the kill is no acknowledgement.
 */
export async function runWriter(
  writer: BulkWriter,
  paths: FaultPaths,
  label: string,
  killAfterMs?: number,
): Promise<WriterRun> {
  assertBuilt();
  const child = writer.start(paths, label);
  const acknowledged: string[] = [];
  let stdout = '';
  let stderr = '';
  let timer: NodeJS.Timeout | undefined;
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    let newline: number;
    while ((newline = stdout.indexOf('\n')) >= 0) {
      const line = stdout.slice(0, newline);
      stdout = stdout.slice(newline + 1);
      const id = writer.acknowledged(line);
      if (id) acknowledged.push(id);
      if (writer.ready(line) && killAfterMs !== undefined && timer === undefined) {
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    }
  });
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) =>
    child.once('close', (code, sig) => done([code, sig])),
  );
  if (timer) clearTimeout(timer);
  return { acknowledged, stderr, exitCode, signal };
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
