import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { SqliteEventStore, type RecordedEvent } from '#event-store';
import { statementIdOf } from '#domain';
import { ReadModel, describeDifference, firstDifference, type ReadModelWrite } from '#read-model';
import { ProjectionRunner } from './projection-runner.js';
import { rebuildInto } from './rebuild.js';
import { applyStatementEvents, projectStatementEvent } from './statement-projection.js';
import { StatementScenario } from './testing/statement-events.js';

/*
 * Property: however the log is cut into batches, and whether the read model is written live (WAL, every index
 * kept) or rebuilt (relaxed durability, indexes built at the end), the rows are the ones of applying one event
 * per transaction with every row closed before it is replaced. Batches keep statement views and search documents in memory and skip closing rows that
 * cannot exist; random histories with corrections, retractions, restores, tags and links check that this
 * changes nothing.
 */

const COUNTRIES = ['CN', 'TR', 'US', 'RU'] as const;
const TOPICS = ['xinjiang', 'trade', 'energy'] as const;
const DATES = ['2019', '2019-05', '2019-05-16', '2020-01-02'] as const;

type Op =
  | { kind: 'record'; targets: number[]; topics: number[]; date: number }
  | { kind: 'text'; target: number; text: string }
  | { kind: 'targets'; target: number; targets: number[] }
  | { kind: 'date'; target: number; date: number }
  | { kind: 'tag' | 'untag'; target: number; topics: number[] }
  | { kind: 'retract' | 'restore'; target: number }
  | { kind: 'source'; target: number; source: number }
  | { kind: 'link'; target: number; other: number };

const pick = (n: number) => fc.nat({ max: n - 1 });
const some = (n: number) => fc.uniqueArray(pick(n), { minLength: 1, maxLength: n });
const target = fc.nat({ max: 30 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('record' as const),
      targets: some(COUNTRIES.length),
      topics: some(TOPICS.length),
      date: pick(DATES.length),
    }),
  },
  fc.record({
    kind: fc.constant('text' as const),
    target,
    text: fc.constantFrom('alpha', 'beta words', 'gamma'),
  }),
  fc.record({ kind: fc.constant('targets' as const), target, targets: some(COUNTRIES.length) }),
  fc.record({ kind: fc.constant('date' as const), target, date: pick(DATES.length) }),
  fc.record({ kind: fc.constantFrom('tag' as const, 'untag' as const), target, topics: some(TOPICS.length) }),
  fc.record({ kind: fc.constantFrom('retract' as const, 'restore' as const), target }),
  fc.record({ kind: fc.constant('source' as const), target, source: fc.nat({ max: 2 }) }),
  fc.record({ kind: fc.constant('link' as const), target, other: target }),
);

async function play(scenario: StatementScenario, ops: readonly Op[]): Promise<void> {
  const ids: string[] = [];
  for (const o of ops) {
    if (o.kind === 'record') {
      const recorded = await scenario.record({
        targets: o.targets.map((i) => COUNTRIES[i]),
        topics: o.topics.map((i) => TOPICS[i]),
        occurredOn: DATES[o.date],
      });
      ids.push(recorded.id);
      continue;
    }
    if (ids.length === 0) continue;
    const id = ids[o.target % ids.length];
    switch (o.kind) {
      case 'text':
        await scenario.correct(id, { text: o.text });
        break;
      case 'targets':
        await scenario.correct(id, { targets: o.targets.map((i) => COUNTRIES[i]) });
        break;
      case 'date':
        await scenario.correct(id, { occurredOn: DATES[o.date] });
        break;
      case 'tag':
        await scenario.tag(
          id,
          o.topics.map((i) => TOPICS[i]),
        );
        break;
      case 'untag':
        await scenario.untag(
          id,
          o.topics.map((i) => TOPICS[i]),
        );
        break;
      case 'retract':
        await scenario.retract(id);
        break;
      case 'restore':
        await scenario.restore(id);
        break;
      case 'source':
        await scenario.addSource(id, { url: `https://example.org/extra/${o.source}`, outlet: 'Extra' });
        break;
      case 'link':
        await scenario.link(id, ids[o.other % ids.length]);
        break;
    }
  }
}

/**
 * The reference: one event at a time, the statement read back from the read model before each, and every
 * `put` closing the current row first (no `replaces: false` shortcut), search documents written in place.
 */
function applyOneByOne(readModel: ReadModel, events: readonly RecordedEvent[]): void {
  for (const event of events) {
    const id = statementIdOf(event.stream);
    if (id === undefined) continue;
    readModel.transaction(() => {
      const writes = projectStatementEvent(event, readModel.statement(id)).map((write): ReadModelWrite =>
        write.type === 'putStatement' || write.type === 'putCountryEntry' || write.type === 'putTopicEntry'
          ? { ...write, replaces: true }
          : write,
      );
      readModel.apply(event.position, writes);
    });
  }
}

function expectSameRows(expected: ReadModel, actual: ReadModel): void {
  const difference = firstDifference(expected, actual);
  expect(difference === undefined ? 'equal' : describeDifference(difference)).toBe('equal');
}

/** topic_counts holds, per topic, the number of ACTIVE statements currently tagged with it (no zero rows). */
function expectCountsMatchRows(readModel: ReadModel): void {
  const dump = readModel.dump();
  const counted = new Map<string, bigint>();
  for (const row of dump.topic_entries ?? []) {
    if (row.valid_to === null && row.status === 'ACTIVE') {
      const topic = String(row.topic);
      counted.set(topic, (counted.get(topic) ?? 0n) + 1n);
    }
  }
  const stored = new Map(
    (dump.topic_counts ?? []).map((row) => [String(row.topic), BigInt(String(row.count))]),
  );
  expect(stored).toEqual(counted);
}

describe('batched projection and rebuild (property)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'communique-batched-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let run = 0;

  it('give the rows of one event per transaction, for any batch size, live or rebuilt', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        async (ops, liveBatch, rebuildBatch) => {
          run += 1;
          const store = SqliteEventStore.open(join(dir, `events-${run}.db`));
          const single = ReadModel.open(join(dir, `single-${run}.db`));
          const live = ReadModel.open(join(dir, `live-${run}.db`));
          const rebuiltFile = join(dir, `rebuilt-${run}.db`);
          let rebuilt: ReadModel | undefined;
          try {
            await play(new StatementScenario(store), ops);
            const log: RecordedEvent[] = [];
            for await (const event of store.readAll()) log.push(event);
            applyOneByOne(single, log);

            await new ProjectionRunner(store, live, { batchSize: liveBatch }).catchUp();
            await rebuildInto(store, rebuiltFile, { batchSize: rebuildBatch });
            rebuilt = ReadModel.open(rebuiltFile);

            // the checkpoint row is the runner's, not the single-event model's
            const head = await store.headPosition();
            if (head > 0n) single.saveCheckpoint('statements', head);
            expectSameRows(single, live);
            expectSameRows(single, rebuilt);
            expectCountsMatchRows(rebuilt);
            expectCountsMatchRows(live);
            // the search index built in batches answers like the one built event by event
            for (const query of ['statement', 'beta', 'alpha', 'Wang']) {
              const request = { query, first: 100, filter: { includeRetracted: true } };
              expect(rebuilt.search(request)).toEqual(single.search(request));
              expect(live.search(request)).toEqual(single.search(request));
            }
          } finally {
            rebuilt?.close();
            single.close();
            live.close();
            await store.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a replayed batch changes nothing', async () => {
    run += 1;
    const store = SqliteEventStore.open(join(dir, `events-${run}.db`));
    const once = ReadModel.open(join(dir, `once-${run}.db`));
    const twice = ReadModel.open(join(dir, `twice-${run}.db`));
    try {
      const scenario = new StatementScenario(store);
      const a = await scenario.record();
      await scenario.correct(a.id, { text: 'beta words' });
      const b = await scenario.record({ topics: ['trade'] });
      await scenario.retract(b.id);
      await scenario.correct(a.id, { targets: ['US'] });
      const log: RecordedEvent[] = [];
      for await (const event of store.readAll()) log.push(event);
      applyStatementEvents(once, log);
      applyStatementEvents(twice, log);
      applyStatementEvents(twice, log);
      applyStatementEvents(twice, log.slice(2));
      expectSameRows(once, twice);
      expectCountsMatchRows(twice);
    } finally {
      once.close();
      twice.close();
      await store.close();
    }
  });
});
