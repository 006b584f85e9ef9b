import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  InvalidArgumentError,
  ReadModel,
  toFtsQuery,
  type SearchRequest,
  type StatementConnection,
} from '#read-model';
import { ProjectionRunner } from './projection-runner.js';
import { InMemoryEventStore } from '#event-store/testing';
import { StatementScenario } from './testing/statement-events.js';

let dir: string;
let store: InMemoryEventStore;
let readModel: ReadModel;
let runner: ProjectionRunner;
let given: StatementScenario;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'communique-search-'));
  store = new InMemoryEventStore();
  readModel = ReadModel.open(join(dir, 'read-model.db'));
  runner = new ProjectionRunner(store, readModel, { batchSize: 3 });
  given = new StatementScenario(store);
});

afterEach(() => {
  readModel.close();
  rmSync(dir, { recursive: true, force: true });
});

const search = (query: string, req: Partial<SearchRequest> = {}): StatementConnection =>
  readModel.search({ query, first: 50, ...req });
const texts = (connection: StatementConnection): string[] => connection.edges.map((edge) => edge.node.text);

describe('searchStatements over the read model', () => {
  it('finds words in text, speaker and sources, and follows corrections, new sources and retractions', async () => {
    const a = await given.record({ text: 'We firmly oppose interference in Xinjiang affairs' });
    const b = await given.record({
      text: 'Turkey calls on China to respect the rights of Uyghurs',
      speaker: { name: 'Hami Aksoy', role: 'Spokesperson', organization: 'Ministry of Foreign Affairs' },
      speakerCountry: 'TR',
      targets: ['CN'],
    });
    await runner.catchUp();
    expect(texts(search('xinjiang'))).toEqual([a.text]);
    expect(texts(search('aksoy'))).toEqual([b.text]);
    expect(texts(search('ministry foreign'))).toEqual([b.text]);
    expect(texts(search('example.org'))).toHaveLength(2);

    await given.correct(a.id, { text: 'We oppose meddling in internal affairs' });
    await given.addSource(b.id, { url: 'https://news.example.com/uyghur-rights', outlet: 'Daily Sabah' });
    await runner.catchUp();
    expect(search('xinjiang').totalCount).toBe(0);
    expect(texts(search('meddling'))).toEqual(['We oppose meddling in internal affairs']);
    expect(texts(search('sabah'))).toEqual([b.text]);

    await given.retract(b.id, 'duplicate');
    await runner.catchUp();
    expect(search('uyghurs').totalCount).toBe(0);
    expect(texts(search('uyghurs', { filter: { includeRetracted: true } }))).toEqual([b.text]);
    expect(search('uyghurs', { filter: { includeRetracted: true } }).edges[0]?.node.status).toBe('RETRACTED');
  });

  it('ranks by relevance, pages with cursors and applies the timeline filters', async () => {
    await given.record({ text: 'sovereignty', occurredOn: '2019-02-01', kind: 'REJECT' });
    await given.record({ text: 'territorial integrity and sovereignty matter', occurredOn: '2020-03' });
    await given.record({
      text: 'sovereignty sovereignty sovereignty',
      occurredOn: '2021',
      topics: ['hong-kong'],
    });
    await given.record({ text: 'trade', occurredOn: '2019-02-01', targets: ['US'] });
    await runner.catchUp();

    const all = search('sovereignty');
    expect(all.totalCount).toBe(3);
    expect(texts(all)[2]).toBe('territorial integrity and sovereignty matter');

    const first = search('sovereignty', { first: 2 });
    expect(first.hasNextPage).toBe(true);
    const second = search('sovereignty', { first: 2, after: first.endCursor ?? undefined });
    expect(second.hasNextPage).toBe(false);
    expect([...texts(first), ...texts(second)]).toEqual(texts(all));

    expect(texts(search('sovereignty', { filter: { from: '2020', to: '2020' } }))).toEqual([
      'territorial integrity and sovereignty matter',
    ]);
    expect(texts(search('sovereignty', { filter: { kinds: ['REJECT'] } }))).toEqual(['sovereignty']);
    expect(texts(search('sovereignty', { filter: { topics: ['hong-kong'] } }))).toHaveLength(1);
    expect(search('sovereignty', { filter: { counterpart: 'TR' } }).totalCount).toBe(3);
    expect(search('trade', { filter: { counterpart: 'TR' } }).totalCount).toBe(0);
    expect(search('trade', { filter: { counterpart: 'US', roles: ['TARGET'] } }).totalCount).toBe(1);
    expect(search('trade', { filter: { counterpart: 'US', roles: ['SPEAKER'] } }).totalCount).toBe(0);
  });

  it('ranks the newest matches by relevance and lists older ones after them, newest first, on every page', async () => {
    readModel.searchRankWindow = 6;
    const recorded = [];
    for (let i = 0; i < 20; i++) {
      // 1-4 repetitions of the word: many ties in score, broken by position
      recorded.push(await given.record({ text: `${'border '.repeat(1 + (i % 4))}statement ${i}` }));
    }
    for (const [i, statement] of recorded.entries()) if (i % 5 === 3) await given.retract(statement.id);
    await runner.catchUp();
    for (const includeRetracted of [false, true]) {
      const full = search('border', { first: 100, filter: { includeRetracted } });
      const matching = recorded.filter((_, i) => includeRetracted || i % 5 !== 3).map((s) => s.text);
      expect(full.totalCount).toBe(matching.length);
      const newest = matching.slice(-6);
      const listed = texts(full);
      // the window: the six newest matches, best first (more repetitions of the word rank higher)
      expect([...listed.slice(0, 6)].sort()).toEqual([...newest].sort());
      const repetitions = (text: string): number => text.split('border').length - 1;
      const scores = listed.slice(0, 6).map(repetitions);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      // then every older match, newest first
      expect(listed.slice(6)).toEqual(matching.slice(0, -6).reverse());
      // a filter that excludes nothing gives the same list; so does walking it in pages either way
      expect(texts(search('border', { first: 100, filter: { from: '1900', includeRetracted } }))).toEqual(
        listed,
      );
      for (const first of [1, 2, 5, 7]) {
        const walked: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = search('border', { first, after, filter: { includeRetracted } });
          walked.push(...texts(page));
          if (!page.hasNextPage) break;
          after = page.endCursor ?? undefined;
        }
        expect(walked).toEqual(listed);
        const back: string[] = [];
        let before: string | undefined;
        for (;;) {
          const page = search('border', {
            first: undefined,
            last: first,
            before,
            filter: { includeRetracted },
          });
          back.unshift(...texts(page));
          if (!page.hasPreviousPage) break;
          before = page.startCursor ?? undefined;
        }
        expect(back).toEqual(listed);
      }
    }
    // with a window larger than the matches, the whole list is ranked by relevance
    readModel.searchRankWindow = 1000;
    const scores = texts(search('border', { first: 100 })).map((text) => text.split('border').length - 1);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('ranks within the window of matches that pass the filters, not of all matches', async () => {
    readModel.searchRankWindow = 2;
    await given.record({ text: 'border border', occurredOn: '2019' });
    await given.record({ text: 'border border border', occurredOn: '2019' });
    await given.record({ text: 'border', occurredOn: '2019' });
    await given.record({ text: 'border', occurredOn: '2021' });
    await given.record({ text: 'border border border border', occurredOn: '2021' });
    await runner.catchUp();
    // the window is the two newest of 2019 (ranked), then the oldest; a window over every match would hold
    // only 2021's and list 2019's newest first: border, border border border, border border
    expect(texts(search('border', { filter: { to: '2019' } }))).toEqual([
      'border border border',
      'border',
      'border border',
    ]);
  });

  it('supports "exact phrases" and prefix* words', async () => {
    await given.record({ text: 'internal affairs of China' });
    await given.record({ text: 'affairs internal to the region' });
    await runner.catchUp();
    expect(search('"internal affairs"').totalCount).toBe(1);
    expect(search('intern*').totalCount).toBe(2);
    // with English stemming (issue 13) "intern" is the stem of "internal" and matches it; a fragment that is no
    // word's stem still matches nothing without `*`
    expect(search('intern').totalCount).toBe(2);
    expect(search('inter').totalCount).toBe(0);
  });

  it('never passes FTS syntax through: operators and quotes are searched as words or dropped', async () => {
    await given.record({ text: 'NOT a column: near(this) AND that' });
    await runner.catchUp();
    for (const query of ['NOT', 'near(this)', 'text:foo', '"unclosed', 'a AND OR', '^x', '-1', 'x"y', '*']) {
      if (query === '*') {
        expect(() => search(query)).toThrow(InvalidArgumentError);
        continue;
      }
      expect(() => search(query)).not.toThrow();
    }
    expect(search('NOT').totalCount).toBe(1);
    expect(search('near(this)').totalCount).toBe(1);
    expect(toFtsQuery('x"y')).toBe('"x""y"');
    expect(toFtsQuery('say "no more" now*')).toBe('"say" AND "no more" AND "now" *');
  });

  it('rejects an empty or too long query naming the field', () => {
    for (const query of ['', '   ', '!!!', 'a'.repeat(201)]) {
      let error: unknown;
      try {
        search(query);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).field).toBe('query');
    }
  });

  it('uses the FTS index and the current-row index for a search', async () => {
    const plan = readModel.explainAggregate({ search: { query: 'x', first: 10 } }).join('\n');
    expect(plan).toMatch(/VIRTUAL TABLE INDEX/);
    expect(plan).toMatch(/statements_by_position/);
  });
});

describe('activity and relations', () => {
  it('counts active statements per month and year, by kind, with the mean Goldstein score', async () => {
    await given.record({ occurredOn: '2019-05-16', kind: 'DISAPPROVE', goldstein: -2 });
    await given.record({ occurredOn: '2019-05-20', kind: 'DISAPPROVE', goldstein: -4 });
    await given.record({ occurredOn: '2019-05', kind: 'APPEAL' });
    await given.record({ occurredOn: '2019', kind: 'STATEMENT', goldstein: 1 });
    await given.record({ occurredOn: '2020-01-02', kind: 'REJECT', goldstein: -4 });
    const gone = await given.record({ occurredOn: '2020-01-03', kind: 'REJECT', goldstein: -4 });
    await given.record({
      occurredOn: '2019-07-01',
      speakerCountry: 'US',
      targets: ['CN'],
      topics: ['trade'],
    });
    await given.retract(gone.id, 'duplicate');
    await runner.catchUp();

    expect(readModel.activity({ timeline: 'country', key: 'TR', interval: 'MONTH' })).toEqual([
      { period: '2019', count: 1, byKind: [{ kind: 'STATEMENT', count: 1 }], meanGoldstein: 1 },
      {
        period: '2019-05',
        count: 3,
        byKind: [
          { kind: 'DISAPPROVE', count: 2 },
          { kind: 'APPEAL', count: 1 },
        ],
        meanGoldstein: -3,
      },
      { period: '2020-01', count: 1, byKind: [{ kind: 'REJECT', count: 1 }], meanGoldstein: -4 },
    ]);
    const years = readModel.activity({ timeline: 'country', key: 'TR', interval: 'YEAR' });
    expect(years.map((b) => [b.period, b.count])).toEqual([
      ['2019', 4],
      ['2020', 1],
    ]);
    expect(years[0]?.meanGoldstein).toBeCloseTo(-5 / 3, 3);
    expect(
      readModel
        .activity({
          timeline: 'country',
          key: 'TR',
          interval: 'MONTH',
          from: '2019-05',
          to: '2019-12',
        })
        .map((bucket) => bucket.period),
      // the statement dated "2019" overlaps May to December 2019 (DESIGN §11.23)
    ).toEqual(['2019', '2019-05']);
    expect(readModel.activity({ timeline: 'topic', key: 'trade', interval: 'YEAR' })).toEqual([
      { period: '2019', count: 1, byKind: [{ kind: 'STATEMENT', count: 1 }], meanGoldstein: null },
    ]);
  });

  it('relations count both directions per counterpart and skip statements where neither speaks', async () => {
    await given.record({ speakerCountry: 'CN', targets: ['TR'], kind: 'DISAPPROVE', goldstein: -2 });
    await given.record({
      speakerCountry: 'CN',
      targets: ['TR'],
      mentions: ['US'],
      kind: 'REJECT',
      goldstein: -4,
    });
    await given.record({ speakerCountry: 'TR', targets: ['CN'], kind: 'APPEAL', goldstein: 3 });
    await given.record({ speakerCountry: 'US', targets: ['CN', 'TR'], kind: 'STATEMENT', goldstein: 0 });
    await runner.catchUp();

    const cn = readModel.relations({ country: 'CN' });
    expect(cn).toEqual([
      {
        counterpart: 'TR',
        outgoing: 2,
        incoming: 1,
        byKind: [
          { kind: 'APPEAL', count: 1 },
          { kind: 'DISAPPROVE', count: 1 },
          { kind: 'REJECT', count: 1 },
        ],
        meanGoldstein: -1,
      },
      {
        counterpart: 'US',
        outgoing: 1,
        incoming: 1,
        byKind: [
          { kind: 'REJECT', count: 1 },
          { kind: 'STATEMENT', count: 1 },
        ],
        meanGoldstein: -2,
      },
    ]);
    // in the US statement CN and TR are both targets: it relates each to US, not TR to CN
    const tr = readModel.relations({ country: 'TR' });
    expect(tr.find((r) => r.counterpart === 'US')).toEqual(
      expect.objectContaining({ outgoing: 0, incoming: 1 }),
    );
    expect(tr.find((r) => r.counterpart === 'CN')).toEqual(
      expect.objectContaining({ outgoing: 1, incoming: 2 }),
    );
  });

  it('walk the current timeline index (EXPLAIN)', () => {
    const activity = readModel.explainAggregate({
      activity: { timeline: 'country', key: 'CN', interval: 'MONTH', from: '2019' },
    });
    expect(activity.join('\n')).toMatch(
      /SEARCH e USING (COVERING )?INDEX country_entries_timeline \(country=\? AND sort_key>\?\)/,
    );
    const relations = readModel.explainAggregate({ relations: { country: 'CN' } }).join('\n');
    expect(relations).toMatch(/SEARCH e USING (COVERING )?INDEX country_entries_timeline \(country=\?\)/);
    expect(relations).toMatch(/SEARCH c USING PRIMARY KEY \(recorded_position=\?/);
    expect(relations).not.toMatch(/SCAN/);
  });
});

describe('search with English stemming and diacritic folding (issue 13, item 4)', () => {
  it('finds a word in its other forms, folds diacritics, and ranks words of the text above a source URL', async () => {
    const plural = await given.record({ text: 'Concern about the Uyghurs in camps' });
    const urlOnly = await given.record({
      text: 'A statement on the region',
      sources: [{ url: 'https://example.org/uighur-report' }],
    });
    const inText = await given.record({ text: 'The Uighur community abroad protested' });
    const accented = await given.record({ text: 'Talks with Türkiye resumed' });
    await runner.catchUp();
    expect(search('Uyghur').edges.map((e) => e.node.id)).toEqual([plural.id]);
    expect(search('Uyghurs').edges.map((e) => e.node.id)).toEqual([plural.id]);
    // "Uighur" matches the text of one statement and the URL of another: the text comes first
    expect(search('Uighur').edges.map((e) => e.node.id)).toEqual([inText.id, urlOnly.id]);
    expect(search('protesting').edges.map((e) => e.node.id)).toEqual([inText.id]);
    expect(search('Turkiye').edges.map((e) => e.node.id)).toEqual([accented.id]);
  });
});
