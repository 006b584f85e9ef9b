import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  CURRENT_SCHEMA_VERSION,
  DomainError,
  decide,
  evolve,
  initialStatementState,
  statementStream,
  type StatementCommand,
  type StatementEvent,
  type StatementState,
} from '#domain';
import { SqliteEventStore, type RecordedEvent } from '#event-store';
import { ProjectionRunner, applyStatementEvents } from '#projections';
import { ReadModel, type TimelineRequest } from '#read-model';
import { referenceData } from '#reference';

/*
 * Property: for random command sequences run through the domain (decide), the SQLite event store and the
 * projection runner, the live read model's answer as of every position P equals the current answer of a read
 * model built from scratch from events 1..P - for statements, responses, country and topic timelines.
 */

const COUNTRIES = ['CN', 'TR', 'US', 'RU'] as const;
const TOPICS = ['xinjiang', 'trade', 'energy'] as const;
const DATES = ['2019', '2019-05', '2019-05-16', '2020-01-02', '2021-11'] as const;

type Step =
  | { kind: 'record'; speaker: number; targets: number[]; topics: number[]; date: number }
  | { kind: 'correctText'; target: number; text: string }
  | { kind: 'correctDate'; target: number; date: number }
  | { kind: 'tag' | 'untag'; target: number; topics: number[] }
  | { kind: 'retract' | 'restore'; target: number }
  | { kind: 'addSource'; target: number; source: number }
  | { kind: 'link'; target: number; other: number };

const index = (n: number) => fc.nat({ max: n - 1 });
const indexes = (n: number) => fc.uniqueArray(index(n), { minLength: 1, maxLength: n });
const target = fc.nat({ max: 50 });
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('record' as const),
      speaker: index(COUNTRIES.length),
      targets: indexes(COUNTRIES.length),
      topics: indexes(TOPICS.length),
      date: index(DATES.length),
    }),
  },
  fc.record({
    kind: fc.constant('correctText' as const),
    target,
    text: fc.string({ minLength: 1, maxLength: 12 }),
  }),
  fc.record({ kind: fc.constant('correctDate' as const), target, date: index(DATES.length) }),
  fc.record({
    kind: fc.constantFrom('tag' as const, 'untag' as const),
    target,
    topics: indexes(TOPICS.length),
  }),
  fc.record({ kind: fc.constantFrom('retract' as const, 'restore' as const), target }),
  fc.record({ kind: fc.constant('addSource' as const), target, source: fc.nat({ max: 3 }) }),
  fc.record({ kind: fc.constant('link' as const), target, other: target }),
);

function commandOf(s: Step, ids: string[], counter: number): StatementCommand | undefined {
  if (s.kind === 'record') {
    return {
      type: 'RecordStatement',
      id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
      input: {
        occurredOn: DATES[s.date],
        speaker: { name: 'Speaker', country: COUNTRIES[s.speaker] },
        targets: s.targets.map((i) => COUNTRIES[i]),
        topics: s.topics.map((i) => TOPICS[i]),
        kind: 'STATEMENT',
        text: `statement ${counter}`,
        attribution: 'PARAPHRASE',
        sources: [{ url: `https://example.org/${counter}` }],
      },
    };
  }
  if (ids.length === 0) return undefined;
  const id = ids[s.target % ids.length];
  switch (s.kind) {
    case 'correctText':
      return { type: 'CorrectStatement', id, changes: { text: s.text }, reason: 'fix' };
    case 'correctDate':
      return { type: 'CorrectStatement', id, changes: { occurredOn: DATES[s.date] }, reason: 'fix' };
    case 'tag':
      return { type: 'TagStatement', id, topics: s.topics.map((i) => TOPICS[i]) };
    case 'untag':
      return { type: 'UntagStatement', id, topics: s.topics.map((i) => TOPICS[i]) };
    case 'retract':
      return { type: 'RetractStatement', id, reason: 'duplicate' };
    case 'restore':
      return { type: 'RestoreStatement', id, reason: 'not a duplicate' };
    case 'addSource':
      return { type: 'AddStatementSource', id, source: { url: `https://example.org/extra/${s.source}` } };
    case 'link':
      return { type: 'LinkResponse', id, respondsTo: ids[s.other % ids.length] };
  }
}

/** Everything the read side answers at one moment, in a comparable form. */
function answers(readModel: ReadModel, ids: string[], asOf: bigint | undefined) {
  const request = (includeRetracted: boolean): TimelineRequest => ({
    first: 100,
    order: 'ASC',
    asOf,
    filter: { includeRetracted },
  });
  return {
    statements: ids.map((id) => readModel.statement(id, asOf) ?? null),
    responses: [...readModel.responsesTo(ids, asOf)],
    countries: COUNTRIES.flatMap((c) => [
      readModel.countryTimeline(c, request(false)),
      readModel.countryTimeline(c, request(true)),
    ]),
    topics: TOPICS.flatMap((t) => [
      readModel.topicTimeline(t, request(false)),
      readModel.topicTimeline(t, request(true)),
    ]),
  };
}

/**
 * The maintained timeline counters against a count over the entry rows themselves: the `timeline_counts`
 * table row for row, and the unfiltered `totalCount` (answered from the counter) of every timeline.
 */
function expectCountersToMatchRows(readModel: ReadModel): void {
  const dump = readModel.dump();
  const expected = new Map<string, { timeline: string; key: string; active: bigint; current: bigint }>();
  const tally = (timeline: string, rows: readonly Record<string, unknown>[], keyColumn: string): void => {
    for (const row of rows) {
      if (row.valid_to !== null) continue;
      const key = String(row[keyColumn]);
      const counts = expected.get(`${timeline}/${key}`) ?? { timeline, key, active: 0n, current: 0n };
      counts.current += 1n;
      if (row.status === 'ACTIVE') counts.active += 1n;
      expected.set(`${timeline}/${key}`, counts);
    }
  };
  tally('country', dump.country_entries ?? [], 'country');
  tally('topic', dump.topic_entries ?? [], 'topic');
  const sorted = [...expected.values()].sort(
    (a, b) => a.timeline.localeCompare(b.timeline) || a.key.localeCompare(b.key),
  );
  expect(dump.timeline_counts).toEqual(sorted);
  const count = (counts: { active: bigint; current: bigint } | undefined, includeRetracted: boolean) =>
    Number((includeRetracted ? counts?.current : counts?.active) ?? 0n);
  for (const includeRetracted of [false, true]) {
    const request: TimelineRequest = { first: 0, order: 'ASC', filter: { includeRetracted } };
    for (const c of COUNTRIES) {
      expect(readModel.countryTimeline(c, request).totalCount).toBe(
        count(expected.get(`country/${c}`), includeRetracted),
      );
    }
    for (const t of TOPICS) {
      expect(readModel.topicTimeline(t, request).totalCount).toBe(
        count(expected.get(`topic/${t}`), includeRetracted),
      );
    }
  }
}

describe('as-of answers (property)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'communique-asof-property-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let run = 0;

  it('equal, at every position P, the answers of a read model built from scratch from events 1..P', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        run += 1;
        const store = SqliteEventStore.open(join(dir, `events-${run}.db`));
        const live = ReadModel.open(join(dir, `live-${run}.db`));
        try {
          const runner = new ProjectionRunner(store, live);
          const ids: string[] = [];
          const states = new Map<string, { state: StatementState; revision: number }>();
          let clock = Date.parse('2026-01-01T00:00:00Z');
          for (const [i, s] of steps.entries()) {
            const command = commandOf(s, ids, i + 1);
            if (command === undefined) continue;
            const current = states.get(command.id) ?? { state: initialStatementState, revision: -1 };
            let events: StatementEvent[];
            try {
              events = decide(command, current.state, referenceData);
            } catch (error) {
              if (error instanceof DomainError) continue; // refused by the rules: nothing is stored
              throw error;
            }
            if (events.length === 0) continue;
            clock += 60_000;
            await store.appendToStream(
              statementStream(command.id),
              events.map((event, n) => ({
                id: `${command.id}-${current.revision + 1 + n}`,
                type: event.type,
                data: event.data,
                metadata: {
                  recordedAt: new Date(clock).toISOString(),
                  recordedBy: 'property',
                  correlationId: `c${i}`,
                  causationId: `c${i}`,
                  schemaVersion: CURRENT_SCHEMA_VERSION,
                },
              })),
              { expectedRevision: current.revision === -1 ? 'no_stream' : current.revision },
            );
            states.set(command.id, {
              state: events.reduce(evolve, current.state),
              revision: current.revision + events.length,
            });
            if (command.type === 'RecordStatement') ids.push(command.id);
            await runner.catchUp(); // as the API does after every mutation
          }

          const log: RecordedEvent[] = [];
          for await (const event of store.readAll()) log.push(event);
          for (let p = 1; p <= log.length; p++) {
            const scratch = ReadModel.open(':memory:');
            try {
              applyStatementEvents(scratch, log.slice(0, p));
              expect(answers(live, ids, BigInt(p))).toEqual(answers(scratch, ids, undefined));
              expectCountersToMatchRows(scratch);
            } finally {
              scratch.close();
            }
          }
          // and as of the head, the live answers are the current ones
          expect(answers(live, ids, BigInt(log.length))).toEqual(answers(live, ids, undefined));
          expectCountersToMatchRows(live);
        } finally {
          live.close();
          await store.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
