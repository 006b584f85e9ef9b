import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Statement } from '#domain';
import type { Position } from '#event-store';
import { InMemoryEventStore } from '#event-store/testing';
import {
  InvalidArgumentError,
  InvalidCursorError,
  ReadModel,
  type SearchRequest,
  type StatementConnection,
  type TimelineRequest,
} from '#read-model';
import { ProjectionRunner } from './projection-runner.js';
import { StatementScenario } from './testing/statement-events.js';

/**
 * Relay paging both ways (issue 13, item 4): 120 statements paged by 7, forward with first/after to the end
 * and backward with last/before to the start, on the country timeline (both orders, current and as of a past
 * position), the topic timeline and search.
 */

let dir: string;
let store: InMemoryEventStore;
let readModel: ReadModel;
let given: StatementScenario;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'communique-relay-'));
});

beforeEach(() => {
  store = new InMemoryEventStore();
  readModel = ReadModel.open(join(dir, `read-model-${Math.random().toString(36).slice(2)}.db`));
  given = new StatementScenario(store);
});

afterEach(() => readModel.close());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOTAL = 120;
const BY = 7;

/** 120 statements: dates with ties and partial dates, every third one involving the US too. */
async function statements(): Promise<{ ids: string[]; middle: Position }> {
  const ids: string[] = [];
  let middle = 0n;
  for (let i = 0; i < TOTAL; i += 1) {
    const month = String((i % 12) + 1).padStart(2, '0');
    const occurredOn = i % 10 === 0 ? '2019' : i % 5 === 0 ? `2019-${month}` : `2019-${month}-1${i % 3}`;
    const fields: Partial<Statement> = {
      occurredOn,
      text: `border statement number ${i}`,
      topics: ['xinjiang'],
      targets: i % 3 === 0 ? ['US'] : [],
    };
    const recorded = await given.record(fields);
    ids.push(recorded.id);
    if (i === 79) middle = recorded.position;
  }
  return { ids, middle };
}

type Pager = (window: {
  first?: number;
  after?: string;
  last?: number;
  before?: string;
}) => StatementConnection;

const idsOf = (page: StatementConnection): string[] => page.edges.map((edge) => edge.node.id);

/** Walks forward then backward in pages of BY, checking every page's flags; returns both walks' ids. */
function walk(pager: Pager, expected: string[]): void {
  expect(expected.length).toBeGreaterThan(BY * 3);
  const forward: string[] = [];
  let after: string | undefined;
  for (let step = 0; ; step += 1) {
    const page = pager({ first: BY, after });
    forward.push(...idsOf(page));
    expect(page.edges.length).toBe(Math.min(BY, expected.length - step * BY));
    expect(page.hasPreviousPage).toBe(step > 0);
    expect(page.hasNextPage).toBe(forward.length < expected.length);
    expect(page.startCursor).toBe(page.edges[0]?.cursor ?? null);
    expect(page.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
    if (!page.hasNextPage) break;
    after = page.endCursor ?? undefined;
    expect(step).toBeLessThan(expected.length);
  }
  expect(forward).toEqual(expected);
  expect(new Set(forward).size).toBe(expected.length);

  const backward: string[] = [];
  let before: string | undefined;
  for (let step = 0; ; step += 1) {
    const page = pager({ last: BY, before });
    backward.unshift(...idsOf(page));
    expect(page.edges.length).toBe(Math.min(BY, expected.length - step * BY));
    expect(page.hasNextPage).toBe(step > 0);
    expect(page.hasPreviousPage).toBe(backward.length < expected.length);
    // each backward page is the matching slice of the one big list, in the same order
    expect(idsOf(page)).toEqual(
      expected.slice(expected.length - backward.length).slice(0, page.edges.length),
    );
    if (!page.hasPreviousPage) break;
    before = page.startCursor ?? undefined;
    expect(step).toBeLessThan(expected.length);
  }
  expect(backward).toEqual(expected);
  expect(new Set(backward).size).toBe(expected.length);

  // after + before together: the items strictly between them (Relay's ApplyCursorsToEdges)
  const big = pager({ first: 100 });
  const from = big.edges[10]?.cursor;
  const to = big.edges[20]?.cursor;
  const between = pager({ first: 100, after: from, before: to });
  expect(idsOf(between)).toEqual(expected.slice(11, 20));
  expect(between.hasNextPage).toBe(false);
  expect(idsOf(pager({ last: 3, after: from, before: to }))).toEqual(expected.slice(17, 20));
}

const timeline =
  (kind: 'country' | 'topic', key: string, base: Partial<TimelineRequest>): Pager =>
  (window) => {
    const req = { order: 'ASC' as const, ...base, ...window } as TimelineRequest;
    return kind === 'country' ? readModel.countryTimeline(key, req) : readModel.topicTimeline(key, req);
  };

/** The whole list in one query (two pages of 100 for 120), as the reference order. */
function whole(pager: Pager): string[] {
  const first = pager({ first: 100 });
  const rest = first.hasNextPage ? pager({ first: 100, after: first.endCursor ?? undefined }) : undefined;
  return [...idsOf(first), ...(rest ? idsOf(rest) : [])];
}

describe('Relay paging both ways, 120 statements by 7', () => {
  beforeEach(async () => {
    await statements();
    await new ProjectionRunner(store, readModel, { batchSize: 50 }).catchUp();
  });

  it('country timeline, ascending and descending', () => {
    for (const order of ['ASC', 'DESC'] as const) {
      const pager = timeline('country', 'CN', { order });
      const expected = whole(pager);
      expect(expected).toHaveLength(TOTAL);
      walk(pager, expected);
    }
    // the two orders are each other's reverse
    expect(whole(timeline('country', 'CN', { order: 'DESC' }))).toEqual(
      whole(timeline('country', 'CN', { order: 'ASC' })).reverse(),
    );
  });

  it('topic timeline, and a filtered country timeline', () => {
    const topic = timeline('topic', 'xinjiang', {});
    expect(whole(topic)).toHaveLength(TOTAL);
    walk(topic, whole(topic));
    const filtered = timeline('country', 'CN', { order: 'DESC', filter: { involvesOtherCountry: true } });
    expect(whole(filtered)).toHaveLength(TOTAL / 3);
    walk(filtered, whole(filtered));
  });

  it('search', () => {
    const pager: Pager = (window) => readModel.search({ query: 'border', ...window } as SearchRequest);
    const expected = whole(pager);
    expect(expected).toHaveLength(TOTAL);
    walk(pager, expected);
    const filtered: Pager = (window) =>
      readModel.search({
        query: 'border',
        filter: { from: '2019-03', to: '2019-09' },
        ...window,
      } as SearchRequest);
    walk(filtered, whole(filtered));
  });
});

describe('Relay paging as of a past position', () => {
  it('pages both ways over the timeline as it stood, not as it is', async () => {
    const { ids, middle } = await statements();
    // after the middle: half of the first 80 are corrected to 2018, the rest retracted
    for (const [i, id] of ids.slice(0, 40).entries()) {
      if (i % 2 === 0) await given.correct(id, { occurredOn: '2018-01' });
      else await given.retract(id);
    }
    await new ProjectionRunner(store, readModel, { batchSize: 50 }).catchUp();
    const then = timeline('country', 'CN', { asOf: middle });
    const expected = whole(then);
    expect(expected).toHaveLength(80);
    walk(then, expected);
    const now = whole(timeline('country', 'CN', {}));
    expect(now).toHaveLength(TOTAL - 20);
  });
});

describe('Relay arguments refused', () => {
  beforeEach(async () => {
    await given.record({ topics: ['xinjiang'], text: 'border' });
    await given.record({ topics: ['xinjiang'], text: 'border', targets: ['TR'] });
    await new ProjectionRunner(store, readModel, { batchSize: 50 }).catchUp();
  });

  const field = (name: string) => expect.objectContaining({ field: name });

  it('first and last together, negative, over the cap, fractional: named', () => {
    const cn = (req: Partial<TimelineRequest>) => () =>
      readModel.countryTimeline('CN', { order: 'ASC', ...req } as TimelineRequest);
    expect(cn({ first: 2, last: 2 })).toThrow(field('last'));
    expect(cn({ last: -1 })).toThrow(field('last'));
    expect(cn({ last: 101 })).toThrow(field('last'));
    expect(cn({ last: 1.5 })).toThrow(field('last'));
    expect(cn({})).toThrow(field('first'));
    const s = (req: Partial<SearchRequest>) => () =>
      readModel.search({ query: 'border', ...req } as SearchRequest);
    expect(s({ first: 2, last: 2 })).toThrow(field('last'));
    expect(s({ last: -3 })).toThrow(field('last'));
    expect(s({ last: 101 })).toThrow(field('last'));
  });

  it('garbage cursors and cursors of another connection: named', () => {
    const country = readModel.countryTimeline('CN', { first: 1, order: 'ASC' });
    const topic = readModel.topicTimeline('xinjiang', { first: 1, order: 'ASC' });
    const found = readModel.search({ query: 'border', first: 1 });
    const countryCursor = country.endCursor ?? '';
    const topicCursor = topic.endCursor ?? '';
    const searchCursor = found.endCursor ?? '';
    for (const cursor of ['garbage!', 'e30', topicCursor, searchCursor, countryCursor.slice(0, -2)]) {
      expect(() => readModel.countryTimeline('CN', { last: 1, before: cursor, order: 'ASC' })).toThrow(
        InvalidCursorError,
      );
      expect(() => readModel.countryTimeline('CN', { last: 1, before: cursor, order: 'ASC' })).toThrow(
        field('before'),
      );
    }
    // another country's timeline is another connection
    expect(() => readModel.countryTimeline('TR', { first: 1, after: countryCursor, order: 'ASC' })).toThrow(
      expect.objectContaining({ field: 'after', reason: 'is a cursor of another connection' }),
    );
    expect(() =>
      readModel.topicTimeline('xinjiang', { first: 1, after: countryCursor, order: 'ASC' }),
    ).toThrow(field('after'));
    for (const cursor of ['garbage!', countryCursor, topicCursor]) {
      expect(() => readModel.search({ query: 'border', last: 1, before: cursor })).toThrow(field('before'));
    }
    expect(InvalidCursorError.prototype).toBeInstanceOf(InvalidArgumentError);
  });
});

describe('involvesOtherCountry', () => {
  it('keeps statements involving another country (or only the others) on timelines and in search', async () => {
    const alone = await given.record({ text: 'border alone', topics: ['xinjiang'], targets: [] });
    const targeted = await given.record({ text: 'border targeted', topics: ['xinjiang'], targets: ['TR'] });
    const mentioned = await given.record({
      text: 'border mentioned',
      topics: ['xinjiang'],
      targets: [],
      mentions: ['US'],
    });
    const other = await given.record({
      text: 'border other',
      topics: ['xinjiang'],
      speakerCountry: 'TR',
      speaker: { name: 'Mevlut Cavusoglu', country: 'TR' },
      targets: [],
      mentions: ['US'],
    });
    await new ProjectionRunner(store, readModel, { batchSize: 50 }).catchUp();
    const sorted = (list: string[]) => [...list].sort();
    const yes = { involvesOtherCountry: true };
    const no = { involvesOtherCountry: false };
    const cn = (filter: object) =>
      idsOf(readModel.countryTimeline('CN', { first: 50, order: 'ASC', filter }));
    expect(sorted(cn(yes))).toEqual(sorted([targeted.id, mentioned.id]));
    expect(cn(no)).toEqual([alone.id]);
    // on the US timeline, CN and TR are the other countries
    const us = idsOf(readModel.countryTimeline('US', { first: 50, order: 'ASC', filter: yes }));
    expect(sorted(us)).toEqual(sorted([mentioned.id, other.id]));
    const topic = (filter: object) =>
      idsOf(readModel.topicTimeline('xinjiang', { first: 50, order: 'ASC', filter }));
    expect(sorted(topic(yes))).toEqual(sorted([targeted.id, mentioned.id, other.id]));
    expect(topic(no)).toEqual([alone.id]);
    const found = (filter: object) => idsOf(readModel.search({ query: 'border', first: 50, filter }));
    expect(sorted(found(yes))).toEqual(sorted([targeted.id, mentioned.id, other.id]));
    expect(found(no)).toEqual([alone.id]);
    // counted with the filter, not from the maintained counter
    expect(readModel.countryTimeline('CN', { first: 0, order: 'ASC', filter: yes }).totalCount).toBe(2);
    // hostile: not a boolean
    expect(() =>
      readModel.countryTimeline('CN', {
        first: 5,
        order: 'ASC',
        filter: { involvesOtherCountry: 'yes' as unknown as boolean },
      }),
    ).toThrow(expect.objectContaining({ field: 'filter.involvesOtherCountry' }));
    // as of before the TR target existed, the statement was not yet recorded at all
    expect(
      idsOf(
        readModel.countryTimeline('CN', { first: 50, order: 'ASC', filter: yes, asOf: targeted.position }),
      ),
    ).toEqual([targeted.id]);
    await given.correct(targeted.id, { targets: [] });
    await new ProjectionRunner(store, readModel, { batchSize: 50 }).catchUp();
    expect(sorted(cn(no))).toEqual(sorted([alone.id, targeted.id]));
    // as of before the correction it still involved TR
    expect(
      idsOf(readModel.countryTimeline('CN', { first: 50, order: 'ASC', filter: yes, asOf: other.position })),
    ).toEqual(expect.arrayContaining([targeted.id, mentioned.id]));
  });
});

describe('backward pages use the same indexes, with no sort step', () => {
  it('plans', async () => {
    await statements();
    await new ProjectionRunner(store, readModel, { batchSize: 50 }).catchUp();
    const cursor = readModel.countryTimeline('CN', { first: 3, order: 'ASC' }).endCursor ?? '';
    const topicCursor = readModel.topicTimeline('xinjiang', { first: 3, order: 'ASC' }).endCursor ?? '';
    const cases: ['country' | 'topic', TimelineRequest, string][] = [
      ['country', { last: 7, order: 'ASC' }, 'country_entries_timeline'],
      ['country', { last: 7, before: cursor, order: 'DESC' }, 'country_entries_timeline'],
      ['country', { last: 7, before: cursor, after: cursor, order: 'ASC' }, 'country_entries_timeline'],
      ['country', { last: 7, before: cursor, order: 'ASC', asOf: 50n }, 'country_entries_timeline'],
      [
        'country',
        { last: 7, order: 'ASC', filter: { involvesOtherCountry: true, from: '2019-03' } },
        'country_entries_timeline',
      ],
      ['topic', { last: 7, before: topicCursor, order: 'ASC' }, 'topic_entries_timeline'],
      ['topic', { last: 7, before: topicCursor, order: 'DESC', asOf: 50n }, 'topic_entries_timeline'],
    ];
    for (const [kind, req, index] of cases) {
      const key = kind === 'country' ? 'CN' : 'xinjiang';
      for (const query of ['page', 'beyond'] as const) {
        const plan = readModel.explainTimeline(kind, key, req, query);
        if (query === 'beyond' && req.before === undefined) {
          expect(plan).toEqual([]);
          continue;
        }
        expect(plan[0]).toMatch(
          new RegExp(`^SEARCH e USING (COVERING )?INDEX ${index} \\((country|topic)=\\?`),
        );
        expect(plan.join('\n')).not.toMatch(/TEMP B-TREE|SCAN e\b|SCAN s\b/);
      }
    }
  });
});
