import { changesOf, emptyDraft, inputOf, type Draft } from './drafts.js';
import { pageVariables, prefetchResults } from './results-request.js';
import { emptySearch, formatRoute, parseRoute, type Route } from './routes.js';
import { goldsteinWord, niceTicks, sqrtScale } from './scale.js';
import { plan } from './search-plan.js';

describe('the explorer keeps its views in the URL fragment', () => {
  const routes: Route[] = [
    { view: 'search', params: { ...emptySearch(), q: 'Xinjiang', country: 'TR', after: 'abc=' } },
    { view: 'search', params: emptySearch() },
    { view: 'statement', id: '6f1c2f0e-2b4a-4f51-9a63-1f1e0b8f2d11' },
    { view: 'country', country: 'TR', interval: 'YEAR' },
    { view: 'country', country: 'US', interval: 'MONTH' },
    { view: 'record' },
    { view: 'correct', id: 'x/y' },
    { view: 'stories' },
    { view: 'story', id: 'a b' },
    { view: 'key' },
  ];
  it.each(routes.map((r) => [formatRoute(r), r]))('%s round-trips', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it('reads anything else as the search view, ignoring unknown parameters and bad escapes', () => {
    expect(parseRoute('')).toEqual({ view: 'search', params: emptySearch() });
    expect(parseRoute('#/nowhere?evil=1&q=a')).toEqual({
      view: 'search',
      params: { ...emptySearch(), q: 'a' },
    });
    expect(parseRoute('#/statement/%E0%A4%A')).toEqual({ view: 'statement', id: '%E0%A4%A' });
    expect(parseRoute('#/statement/')).toEqual({ view: 'search', params: emptySearch() });
  });
});

describe('a search form becomes one query', () => {
  it('words search, with the country as the counterpart filter and the role applied to it', () => {
    expect(plan({ ...emptySearch(), q: ' Xinjiang ', country: 'TR', role: 'TARGET', from: '2019' })).toEqual({
      kind: 'search',
      query: 'Xinjiang',
      filter: { counterpart: 'TR', roles: ['TARGET'], from: '2019' },
    });
  });
  it('no words and a country: that country timeline, the counterpart as its filter', () => {
    expect(
      plan({ ...emptySearch(), country: 'CN', counterpart: 'TR', kind: 'APPEAL', topic: 'xinjiang' }),
    ).toEqual({
      kind: 'country',
      country: 'CN',
      filter: { counterpart: 'TR', kinds: ['APPEAL'], topics: ['xinjiang'] },
    });
  });
  it('only a topic: the topic timeline', () => {
    expect(plan({ ...emptySearch(), topic: 'xinjiang', to: '2020-05' })).toEqual({
      kind: 'topic',
      topic: 'xinjiang',
      filter: { to: '2020-05' },
    });
  });
  it('says why when it cannot ask anything', () => {
    expect(plan(emptySearch())).toMatchObject({
      kind: 'none',
      reason: expect.stringMatching(/words|country|topic/),
    });
    expect(plan({ ...emptySearch(), q: 'a', country: 'CN', counterpart: 'TR' })).toMatchObject({
      kind: 'none',
    });
    expect(plan({ ...emptySearch(), q: 'a', role: 'SPEAKER' })).toMatchObject({
      kind: 'none',
      reason: expect.stringMatching(/role/),
    });
  });
});

describe("the editor's form", () => {
  const filled: Draft = {
    ...emptyDraft(),
    occurredOn: '2019-05-16',
    speakerName: ' Wang Yi ',
    speakerCountry: 'CN',
    targets: ['TR'],
    topics: 'xinjiang, , sovereignty',
    cameoCode: '0214',
    text: 'A quote.',
    sources: [
      { url: ' https://example.org/a ', outlet: '' },
      { url: '', outlet: 'dropped' },
    ],
  };
  it('records the fields it holds, a CAMEO code in place of a kind, blank sources left out', () => {
    expect(inputOf(filled)).toEqual({
      occurredOn: '2019-05-16',
      speaker: { name: 'Wang Yi', role: null, organization: null, country: 'CN' },
      speakerCountry: 'CN',
      targets: ['TR'],
      mentions: [],
      topics: ['xinjiang', 'sovereignty'],
      cameoCode: '0214',
      text: 'A quote.',
      attribution: 'DIRECT_QUOTE',
      language: null,
      sources: [{ url: 'https://example.org/a', outlet: null }],
    });
    expect(inputOf({ ...filled, cameoCode: '', kind: '' })).toMatchObject({ kind: 'STATEMENT' });
  });
  it('a correction sends only what changed, never the sources', () => {
    expect(changesOf(filled, { ...filled, text: 'The corrected quote.' })).toEqual({
      text: 'The corrected quote.',
    });
    expect(changesOf(filled, { ...filled, sources: [] })).toEqual({});
    expect(changesOf(filled, filled)).toEqual({});
    expect(changesOf(filled, { ...filled, cameoCode: '', kind: 'DEMAND' })).toEqual({ kind: 'DEMAND' });
  });
});

describe("the activity chart's scale", () => {
  it('keeps a quiet period visible beside a busy one (square root, at least 2 px)', () => {
    const scale = sqrtScale(10000, 160);
    expect(scale.height(10000)).toBe(160);
    expect(scale.height(100)).toBe(16);
    expect(scale.height(1)).toBe(2);
    expect(scale.height(0)).toBe(0);
  });
  it('labels round counts and the maximum, at least 12 px apart', () => {
    const labelled = sqrtScale(433, 160).ticks;
    expect(labelled[labelled.length - 1]).toEqual({ count: 433, y: 160 });
    labelled.slice(1).forEach((t, i) => expect(t.y - (labelled[i]?.y ?? 0)).toBeGreaterThanOrEqual(12));
    expect(niceTicks(1)).toEqual([1]);
    const ticks = niceTicks(447);
    expect(ticks[ticks.length - 1]).toBe(447);
    expect(ticks.length).toBeLessThanOrEqual(6);
    expect([...ticks].sort((a, b) => a - b)).toEqual(ticks);
  });
  it('names a Goldstein mean', () => {
    expect([-7, -2, 0, 2, 7, null].map(goldsteinWord)).toEqual([
      'hostile',
      'critical',
      'neutral',
      'cooperative',
      'very cooperative',
      'no score',
    ]);
  });
});

describe('prefetchResults', () => {
  const sent: { name: string | undefined; variables: unknown }[] = [];
  const client = {
    query: (document: { definitions: { name?: { value: string } }[] }, variables: unknown) => {
      sent.push({ name: document.definitions[0]?.name?.value, variables });
      return { toPromise: () => Promise.resolve() };
    },
  } as unknown as Parameters<typeof prefetchResults>[0];
  beforeEach(() => (sent.length = 0));

  it('asks what the result list will ask, in the direction the link pages', () => {
    prefetchResults(client, '#/search?country=CN&counterpart=RU&kind=APPEAL&after=abc');
    prefetchResults(client, '#/search?q=Xinjiang&country=TR&before=xyz&page=3');
    prefetchResults(client, '#/search?topic=xinjiang');
    const tr = plan({ ...emptySearch(), q: 'Xinjiang', country: 'TR' });
    expect(sent).toEqual([
      {
        name: 'ExplorerCountry',
        variables: {
          country: 'CN',
          filter: { counterpart: 'RU', kinds: ['APPEAL'] },
          first: 20,
          after: 'abc',
          last: null,
          before: null,
        },
      },
      {
        name: 'ExplorerSearch',
        variables: {
          query: 'Xinjiang',
          ...pageVariables(tr as Exclude<typeof tr, { kind: 'none' }>, '', 'xyz'),
        },
      },
      {
        name: 'ExplorerTopic',
        variables: { topic: 'xinjiang', filter: {}, first: 20, after: null, last: null, before: null },
      },
    ]);
    expect(sent[1]?.variables).toMatchObject({ last: 20, before: 'xyz', first: null });
  });

  it('asks nothing for a view without a result list or a search that asks nothing', () => {
    for (const hash of [
      '#/statement/1',
      '#/country/US',
      '#/stories',
      '#/search',
      '#/search?q=a&role=SPEAKER',
    ]) {
      prefetchResults(client, hash);
    }
    expect(sent).toEqual([]);
  });
});
