import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '#event-store';
import { communique } from '../support/cli.js';
import {
  checkStore,
  generatedImportWriter,
  readModelAndRebuild,
  runWriter,
  seededRandom,
  storeBulkWriter,
  type BulkWriter,
} from '../support/fault-harness.js';

const ROUNDS = Number(process.env.COMMUNIQUE_FAULT_ROUNDS ?? 20);
const SEED = Number(process.env.COMMUNIQUE_FAULT_SEED ?? Date.now() % 2 ** 31);
/** statements of the NDJSON file `communique import` is killed while importing, and its batch size */
const IMPORT_STATEMENTS = Number(process.env.COMMUNIQUE_FAULT_IMPORT_STATEMENTS ?? 4000);
const IMPORT_BATCH_SIZE = 20;

interface WriterCase {
  name: string;
  /** makes the writer; `dir` is the test's scratch folder (for a file to import) */
  make(dir: string): Promise<BulkWriter>;
}

/** Every writer the kill test runs against. */
const WRITERS: WriterCase[] = [
  { name: storeBulkWriter.name, make: () => Promise.resolve(storeBulkWriter) },
  {
    name: 'communique import',
    make: (dir) => generatedImportWriter(dir, IMPORT_STATEMENTS, SEED % 100000, IMPORT_BATCH_SIZE),
  },
];

describe.each(WRITERS)('SIGKILL during a bulk write: $name', ({ name, make }) => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'communique-kill-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`killed ${ROUNDS} times at random moments: after each kill every acknowledged batch is whole, none is half-written, chains verify; the read model equals a rebuild`, async () => {
    const writer = await make(dir);
    const random = seededRandom(SEED);
    const paths = { eventsFile: join(dir, 'events.db'), readModelFile: join(dir, 'read-model.db') };
    const acknowledged: string[] = [];
    const delays: string[] = [];
    let kills = 0;
    let stored = 0;
    let acknowledgedBatches = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const delay = Math.floor(random() * writer.killWindowMs);
      const afterBatches = writer.killAfterBatches ? Math.floor(random() * writer.killAfterBatches) : 0;
      delays.push(afterBatches > 0 ? `${afterBatches} batches + ${delay}` : `${delay}`);
      const run = await runWriter(writer, paths, `round-${round}`, delay, afterBatches);
      if (run.signal === 'SIGKILL') kills++;
      else {
        // only a writer of a bounded file may finish before the kill lands, and then it must succeed
        expect(writer.finite).toBe(true);
        expect({ exitCode: run.exitCode, stderr: run.stderr }).toEqual({ exitCode: 0, stderr: '' });
      }
      acknowledged.push(...run.acknowledged);
      acknowledgedBatches += run.lines.filter((line) => writer.acknowledged(line).length > 0).length;
      stored = await checkStore(writer, paths, acknowledged);
    }
    console.log(
      `kill test (${name}): seed ${SEED} (COMMUNIQUE_FAULT_SEED), ${kills} SIGKILLs in ${ROUNDS} rounds after ${delays.join(', ')} ms, ${acknowledgedBatches} batches acknowledged (${acknowledged.length} statements), ${stored} statements stored, none lost, none half-written`,
    );
    expect(kills).toBeGreaterThan(0);
    expect(acknowledged.length).toBeGreaterThan(0);

    if (writer.finite && writer.batches) {
      // an uninterrupted run completes the file: the rest is imported, what was stored is skipped, nothing doubles
      const total = writer.batches.reduce((n, ids) => n + ids.length, 0);
      const final = await runWriter(writer, paths, 'final');
      expect({ exitCode: final.exitCode, stderr: final.stderr }).toEqual({ exitCode: 0, stderr: '' });
      const report = JSON.parse(final.lines[final.lines.length - 1] ?? '{}') as {
        type: string;
        imported: number;
        skipped: Record<string, number>;
      };
      expect(report).toMatchObject({ type: 'report', imported: total - stored });
      expect(report.skipped['already imported'] ?? 0).toBe(stored);
      expect(await checkStore(writer, paths, acknowledged)).toBe(total);
      const store = SqliteEventStore.open(paths.eventsFile);
      try {
        expect(await store.eventCount()).toBe(total * writer.eventsPerStream);
      } finally {
        await store.close();
      }
      console.log(
        `kill test (${name}): the final import stored the other ${total - stored} of ${total} statements; ${total} events, nothing doubled`,
      );
    }

    const verify = communique(dir, ['audit', 'verify'], { COMMUNIQUE_EVENTS_FILE: paths.eventsFile });
    expect({ status: verify.status, stderr: verify.stderr.replace(/^verifying: .*$/gm, '').trim() }).toEqual({
      status: 0,
      stderr: '',
    });
    const { live, rebuilt } = await readModelAndRebuild(paths.eventsFile, paths.readModelFile);
    expect(live).toEqual(rebuilt);
  }, 600_000);
});
