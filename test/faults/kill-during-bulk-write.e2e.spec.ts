import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { statementStream } from '#domain';
import { SqliteEventStore } from '#event-store';
import {
  readModelAndRebuild,
  runWriter,
  seededRandom,
  storeBulkWriter,
  verifyLog,
  type BulkWriter,
} from '../support/fault-harness.js';

const ROUNDS = Number(process.env.COMMUNIQUE_FAULT_ROUNDS ?? 20);
const SEED = Number(process.env.COMMUNIQUE_FAULT_SEED ?? Date.now() % 2 ** 31);

/** Every writer the kill test runs against; another bulk writer (e.g. `communique import`) goes here. */
const WRITERS: BulkWriter[] = [storeBulkWriter];

describe.each(WRITERS)('SIGKILL during a bulk write: $name', (writer) => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'communique-kill-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`killed ${ROUNDS} times at random moments: every acknowledged batch is whole, none is half-written, chains verify and the read model equals a rebuild`, async () => {
    const random = seededRandom(SEED);
    const paths = { eventsFile: join(dir, 'events.db'), readModelFile: join(dir, 'read-model.db') };
    const acknowledged: string[] = [];
    const delays: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const delay = Math.floor(random() * 300);
      delays.push(delay);
      const run = await runWriter(writer, paths, `round-${round}`, delay);
      expect(run.signal).toBe('SIGKILL'); // it was killed, it did not stop by itself
      acknowledged.push(...run.acknowledged);
    }
    console.log(
      `kill test (${writer.name}): seed ${SEED} (COMMUNIQUE_FAULT_SEED), ${ROUNDS} SIGKILLs after ${delays.join(', ')} ms, ${acknowledged.length} batches acknowledged`,
    );
    expect(acknowledged.length).toBeGreaterThan(ROUNDS);

    const store = SqliteEventStore.open(paths.eventsFile);
    try {
      const log = await verifyLog(store);
      for (const id of acknowledged) expect(log.streams.get(statementStream(id))).toBe(writer.eventsPerBatch);
      const halfWritten = [...log.streams].filter(([, n]) => n % writer.eventsPerBatch !== 0);
      expect(halfWritten).toEqual([]);
      console.log(
        `kill test (${writer.name}): ${log.events} events in ${log.streams.size} streams, all chains verify, ${log.streams.size - acknowledged.length} batches stored but not acknowledged (killed after the commit reached the file, before the append returned)`,
      );
    } finally {
      await store.close();
    }
    const { live, rebuilt } = await readModelAndRebuild(paths.eventsFile, paths.readModelFile);
    expect(live).toEqual(rebuilt);
  });
});
