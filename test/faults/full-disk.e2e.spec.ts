import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { statementStream } from '#domain';
import { SqliteEventStore } from '#event-store';
import { RECORD, statementInput } from '../support/api.js';
import { communique } from '../support/cli.js';
import {
  checkStore,
  generatedImportWriter,
  runWriter,
  storeBulkWriter,
  verifyLog,
} from '../support/fault-harness.js';
import { ServerProcess } from '../support/server-process.js';

/** Mounts a small tmpfs; undefined (with the reason) when this machine does not allow it. */
function mountSmallDisk(dir: string, size: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return (error as { stderr?: Buffer }).stderr?.toString().trim() || String(error);
  }
}

describe('a full disk during a bulk write', () => {
  let dir: string;
  let disk: string;
  let cannotMount: string | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'communique-full-'));
    disk = join(dir, 'small-disk');
    mkdirSync(disk);
    cannotMount = mountSmallDisk(disk, '512k');
    if (cannotMount) {
      console.log(`full-disk test skipped: cannot mount a small tmpfs here (${cannotMount})`);
    }
  });
  afterAll(() => {
    if (!cannotMount) execFileSync('umount', [disk]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the writer stops with a clear error, the store still opens and verifies, nothing acknowledged is lost; the API answers STORAGE_FULL and keeps serving reads', async () => {
    if (cannotMount) return;
    const eventsFile = join(disk, 'events.db');
    const run = await runWriter(storeBulkWriter, { eventsFile }, 'full-disk');
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/SQLITE_FULL database or disk is full/);
    expect(run.acknowledged.length).toBeGreaterThan(10);
    console.log(
      `full-disk test: 512 KiB tmpfs, ${run.acknowledged.length} batches acknowledged before the writer stopped with: ${run.stderr.trim()}`,
    );

    const store = SqliteEventStore.open(eventsFile);
    try {
      const log = await verifyLog(store);
      for (const id of run.acknowledged) expect(log.streams.get(statementStream(id))).toBe(3);
      expect([...log.streams.values()].every((n) => n === 3)).toBe(true);
    } finally {
      await store.close();
    }

    const server = await ServerProcess.start({
      COMMUNIQUE_DATA_DIR: dir,
      COMMUNIQUE_EVENTS_FILE: eventsFile,
      COMMUNIQUE_READ_MODEL_FILE: join(dir, 'read-model.db'),
      COMMUNIQUE_LOG: 'silent',
    });
    try {
      const refused = (await server.gql(RECORD, { input: statementInput({ text: 'x'.repeat(9000) }) })) as {
        errors?: { message: string; extensions: { code: string } }[];
      };
      expect(refused.errors?.[0]).toMatchObject({
        message: 'the disk holding the event store is full: nothing was recorded; free space and retry',
        extensions: { code: 'STORAGE_FULL' },
      });
      const read = (await server.gql('{ topicTimeline(topic: "bulk", first: 1) { totalCount } }')) as {
        data?: { topicTimeline: { totalCount: number } };
      };
      expect(read.data?.topicTimeline.totalCount).toBeGreaterThanOrEqual(run.acknowledged.length);
    } finally {
      await server.stop();
    }
  });
});

describe('a full disk during communique import', () => {
  let dir: string;
  let disk: string;
  let cannotMount: string | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'communique-full-import-'));
    disk = join(dir, 'small-disk');
    mkdirSync(disk);
    cannotMount = mountSmallDisk(disk, '512k');
    if (cannotMount) {
      console.log(`full-disk import test skipped: cannot mount a small tmpfs here (${cannotMount})`);
    }
  });
  afterAll(() => {
    if (!cannotMount) execFileSync('umount', [disk]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the import exits 1 naming the full disk and what was stored; the store opens and verifies, every acknowledged batch is there, and a re-run with space completes the file', async () => {
    if (cannotMount) return;
    // the data folder is on the small disk, the file to import is not
    const statements = 3000;
    const writer = await generatedImportWriter(dir, statements, 11, 50);
    const paths = { eventsFile: join(disk, 'events.db') };
    const run = await runWriter(writer, paths, 'full-disk');

    expect(run.exitCode).toBe(1);
    const message = run.stderr.trim();
    const acknowledgedBatches = run.lines.filter((line) => writer.acknowledged(line).length > 0).length;
    expect(message).toBe(
      `communique import: the disk holding ${paths.eventsFile} is full; ${acknowledgedBatches} batches ` +
        `(${run.acknowledged.length} statements) were stored, free space and re-run the import to continue`,
    );
    expect(acknowledgedBatches).toBeGreaterThan(1);
    console.log(
      `full-disk import test: 512 KiB tmpfs, ${acknowledgedBatches} batches (${run.acknowledged.length} statements) acknowledged, then: ${message}`,
    );

    // every acknowledged batch is stored whole, nothing else; the chains verify in process and by the CLI
    expect(await checkStore(writer, paths, run.acknowledged)).toBe(run.acknowledged.length);
    const verify = communique(disk, ['audit', 'verify']);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toContain(`events: ${run.acknowledged.length}`);

    // with space again, the same command completes the file and doubles nothing
    execFileSync('mount', ['-o', 'remount,size=16m', disk]);
    const rest = await runWriter(writer, paths, 'full-disk-rest');
    expect({ exitCode: rest.exitCode, stderr: rest.stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(JSON.parse(rest.lines[rest.lines.length - 1] ?? '{}')).toMatchObject({
      type: 'report',
      imported: statements - run.acknowledged.length,
      skipped: { 'already imported': run.acknowledged.length },
    });
    expect(await checkStore(writer, paths, [...run.acknowledged, ...rest.acknowledged])).toBe(statements);
  });
});
