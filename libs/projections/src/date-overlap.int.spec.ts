import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryEventStore } from '#event-store/testing';
import { ReadModel, exportTimeline } from '#read-model';
import { ProjectionRunner } from './projection-runner.js';
import { StatementScenario } from './testing/statement-events.js';

/**
 * DESIGN §11.23: a statement is in a date range when its period overlaps the range, on every read that takes
 * one (timelines, search, activity, relations, exports). Each date below is said once, with its own text.
 */
const DATES = [
  '2018',
  '2019',
  '2019-04',
  '2019-04-30',
  '2019-05',
  '2019-05-15',
  '2019-05-16',
  '2019-06',
  '2020',
];

let dir: string;
let readModel: ReadModel;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'communique-overlap-'));
  const store = new InMemoryEventStore();
  readModel = ReadModel.open(join(dir, 'read-model.db'));
  const given = new StatementScenario(store);
  for (const occurredOn of DATES) await given.record({ occurredOn, text: `said ${occurredOn} overlap` });
  await new ProjectionRunner(store, readModel).catchUp();
});

afterAll(() => {
  readModel.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The dates a range keeps, by each read of the read model, which must all agree. */
function kept(from: string | undefined, to: string | undefined): string[] {
  const filter = { from, to };
  const topic = readModel.topicTimeline('xinjiang', { filter, first: 100, order: 'ASC' });
  const country = readModel.countryTimeline('TR', { filter, first: 100, order: 'ASC' });
  const search = readModel.search({ query: 'overlap', filter, first: 100 });
  const activity = readModel.activity({ timeline: 'topic', key: 'xinjiang', from, to, interval: 'YEAR' });
  const relations = readModel.relations({ country: 'CN', from, to });
  const exported = [
    ...exportTimeline(readModel, { timeline: 'topic', key: 'xinjiang', from, to }, 'json'),
  ].join('');
  const dates = topic.edges.map((edge) => edge.node.occurredOn);
  expect(country.edges.map((edge) => edge.node.occurredOn)).toEqual(dates);
  expect(search.edges.map((edge) => edge.node.occurredOn).sort()).toEqual([...dates].sort());
  expect(topic.totalCount).toBe(dates.length);
  expect(activity.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(dates.length);
  expect(relations.find((r) => r.counterpart === 'TR')?.outgoing ?? 0).toBe(dates.length);
  expect(
    (JSON.parse(exported) as { statements: { occurredOn: string }[] }).statements.map((s) => s.occurredOn),
  ).toEqual(dates);
  return dates;
}

describe('a date range keeps every statement whose period overlaps it', () => {
  it('the issue\'s example: May 2019 by days keeps the statement dated "2019-05" and the one dated "2019"', () => {
    expect(kept('2019-05-01', '2019-05-31')).toEqual(['2019', '2019-05', '2019-05-15', '2019-05-16']);
  });

  it('a day keeps that day and the month and year around it', () => {
    expect(kept('2019-05-16', '2019-05-16')).toEqual(['2019', '2019-05', '2019-05-16']);
  });

  it('open ranges: from a day on, up to a month', () => {
    expect(kept('2019-05-16', undefined)).toEqual(['2019', '2019-05', '2019-05-16', '2019-06', '2020']);
    expect(kept(undefined, '2019-04')).toEqual(['2018', '2019', '2019-04', '2019-04-30']);
  });

  it('a month keeps its days and its year; a year keeps all of itself', () => {
    expect(kept('2019-05', '2019-05')).toEqual(['2019', '2019-05', '2019-05-15', '2019-05-16']);
    expect(kept('2019', '2019')).toEqual(DATES.filter((d) => d.startsWith('2019')));
  });

  it('the timeline index still serves a day range as a range scan', () => {
    const plan = readModel
      .explainTimeline('topic', 'xinjiang', { filter: { from: '2019-05-16' }, first: 10, order: 'ASC' })
      .join('\n');
    expect(plan).toMatch(
      /SEARCH e USING (COVERING )?INDEX topic_entries_timeline \(topic=\? AND sort_key>\?\)/,
    );
  });
});
