import { RECORD, TestApi, statementInput } from './support/api.js';

/**
 * Relay connections through GraphQL (issue 13, item 4): 120 statements paged by 7 both ways on
 * countryTimeline, topicTimeline and searchStatements; hostile arguments; the involvesOtherCountry filter on
 * the connections and the exports.
 */

interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}
interface Page {
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: PageInfo;
  totalCount: number;
}

const ARGS = '$first: Int, $after: String, $last: Int, $before: String, $filter: TimelineFilter';
const PASS = 'first: $first, after: $after, last: $last, before: $before, filter: $filter';
const SELECT =
  '{ totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } } }';
const QUERIES = {
  countryTimeline: `query(${ARGS}, $order: SortOrder) { page: countryTimeline(country: "CN", order: $order, ${PASS}) ${SELECT} }`,
  topicTimeline: `query(${ARGS}) { page: topicTimeline(topic: "relay", ${PASS}) ${SELECT} }`,
  searchStatements: `query(${ARGS}) { page: searchStatements(query: "border", ${PASS}) ${SELECT} }`,
} as const;

const TOTAL = 120;
const BY = 7;

describe('Relay connections both ways', () => {
  let api: TestApi;
  const recorded: string[] = [];

  beforeAll(async () => {
    api = await TestApi.start();
    for (let i = 0; i < TOTAL; i += 1) {
      const month = String((i % 12) + 1).padStart(2, '0');
      const { recordStatement } = await api.ok<{ recordStatement: { statement: { id: string } } }>(RECORD, {
        input: statementInput({
          occurredOn: i % 10 === 0 ? '2019' : `2019-${month}-1${i % 3}`,
          text: `Border statement number ${i}`,
          topics: ['relay'],
          targets: i % 4 === 0 ? ['TR'] : [],
        }),
      });
      recorded.push(recordStatement.statement.id);
    }
  }, 120_000);

  afterAll(async () => {
    await api.stop();
  });

  const page = async (name: keyof typeof QUERIES, variables: Record<string, unknown>): Promise<Page> =>
    (await api.ok<{ page: Page }>(QUERIES[name], variables)).page;
  const ids = (p: Page): string[] => p.edges.map((edge) => edge.node.id);

  async function whole(name: keyof typeof QUERIES, extra: Record<string, unknown>): Promise<string[]> {
    const one = await page(name, { ...extra, first: 100 });
    const two = one.pageInfo.hasNextPage
      ? await page(name, { ...extra, first: 100, after: one.pageInfo.endCursor })
      : undefined;
    return [...ids(one), ...(two ? ids(two) : [])];
  }

  async function walk(
    name: keyof typeof QUERIES,
    extra: Record<string, unknown>,
    size: number,
  ): Promise<void> {
    const expected = await whole(name, extra);
    expect(expected).toHaveLength(size);
    const forward: string[] = [];
    let after: string | null = null;
    for (let step = 0; step <= size; step += 1) {
      const p = await page(name, { ...extra, first: BY, after });
      forward.push(...ids(p));
      expect(p.pageInfo.hasPreviousPage).toBe(step > 0);
      expect(p.pageInfo.hasNextPage).toBe(forward.length < size);
      expect(p.pageInfo.startCursor).toBe(p.edges[0]?.cursor ?? null);
      expect(p.pageInfo.endCursor).toBe(p.edges.at(-1)?.cursor ?? null);
      expect(p.totalCount).toBe(size);
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(forward).toEqual(expected);
    const backward: string[] = [];
    let before: string | null = null;
    for (let step = 0; step <= size; step += 1) {
      const p = await page(name, { ...extra, last: BY, before });
      backward.unshift(...ids(p));
      expect(p.edges).toHaveLength(Math.min(BY, size - step * BY));
      expect(p.pageInfo.hasNextPage).toBe(step > 0);
      expect(p.pageInfo.hasPreviousPage).toBe(backward.length < size);
      if (!p.pageInfo.hasPreviousPage) break;
      before = p.pageInfo.startCursor;
    }
    expect(backward).toEqual(expected);
    expect(new Set(backward).size).toBe(size);
  }

  it('countryTimeline, both orders', async () => {
    await walk('countryTimeline', { order: 'ASC' }, TOTAL);
    await walk('countryTimeline', { order: 'DESC' }, TOTAL);
  }, 120_000);

  it('topicTimeline and searchStatements', async () => {
    await walk('topicTimeline', {}, TOTAL);
    await walk('searchStatements', {}, TOTAL);
  }, 120_000);

  it('involvesOtherCountry on the connections and the exports', async () => {
    const involving = recorded.filter((_, i) => i % 4 === 0);
    await walk('countryTimeline', { order: 'ASC', filter: { involvesOtherCountry: true } }, involving.length);
    for (const name of ['countryTimeline', 'topicTimeline', 'searchStatements'] as const) {
      const yes = await whole(name, { filter: { involvesOtherCountry: true } });
      expect([...yes].sort()).toEqual([...involving].sort());
      const no = await whole(name, { filter: { involvesOtherCountry: false } });
      expect(no).toHaveLength(TOTAL - involving.length);
      expect(no.filter((id) => yes.includes(id))).toEqual([]);
    }
    const get = (url: string) => api.app.getHttpAdapter().getInstance().inject({ method: 'GET', url });
    const json = await get('/exports/timeline.json?topic=relay&involvesOtherCountry=true');
    expect(json.statusCode).toBe(200);
    const exported = json.json<{ statements: { id: string }[] }>().statements.map((s) => s.id);
    expect([...exported].sort()).toEqual([...involving].sort());
    const csv = await get('/exports/timeline.csv?country=CN&involvesOtherCountry=false');
    expect(csv.body.split('\r\n')).toHaveLength(1 + (TOTAL - involving.length) + 1);
    const bad = await get('/exports/timeline.csv?country=CN&involvesOtherCountry=maybe');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual(expect.objectContaining({ parameter: 'involvesOtherCountry' }));
  }, 120_000);

  it('the audit feed events(first, after, last, before), paged by 7 both ways', async () => {
    const FEED = `query($first: Int, $after: Position, $last: Int, $before: Position) {
      events(first: $first, after: $after, last: $last, before: $before) {
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { position }
      }
    }`;
    interface Feed {
      events: { pageInfo: PageInfo; edges: { position: string }[] };
    }
    const feed = async (variables: Record<string, unknown>) => (await api.ok<Feed>(FEED, variables)).events;
    const all: string[] = [];
    for (let after: string | null = null; ;) {
      const p = await feed({ first: 100, after });
      all.push(...p.edges.map((edge) => String(edge.position)));
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(all.length).toBeGreaterThanOrEqual(TOTAL);
    const forward: string[] = [];
    let after: string | null = null;
    for (let step = 0; step <= all.length; step += 1) {
      const p = await feed({ first: BY, after });
      forward.push(...p.edges.map((edge) => String(edge.position)));
      expect(p.pageInfo.hasPreviousPage).toBe(step > 0);
      expect(p.pageInfo.hasNextPage).toBe(forward.length < all.length);
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(forward).toEqual(all);
    const backward: string[] = [];
    let before: string | null = null;
    for (let step = 0; step <= all.length; step += 1) {
      const p = await feed({ last: BY, before });
      backward.unshift(...p.edges.map((edge) => String(edge.position)));
      expect(p.edges).toHaveLength(Math.min(BY, all.length - step * BY));
      expect(p.pageInfo.hasNextPage).toBe(step > 0);
      expect(p.pageInfo.hasPreviousPage).toBe(backward.length < all.length);
      expect(p.pageInfo.startCursor).toBe(p.edges[0] === undefined ? null : String(p.edges[0].position));
      if (!p.pageInfo.hasPreviousPage) break;
      before = p.pageInfo.startCursor;
    }
    expect(backward).toEqual(all);
    // between two cursors
    const between = await feed({ first: 100, after: all[10], before: all[20] });
    expect(between.edges.map((edge) => String(edge.position))).toEqual(all.slice(11, 20));
    // hostile
    for (const [variables, field] of [
      [{ first: 2, last: 2 }, 'last'],
      [{ last: -1 }, 'last'],
      [{ first: -1 }, 'first'],
    ] as const) {
      const response = await api.gql(FEED, variables);
      expect(response.errors?.[0]?.extensions).toEqual(
        expect.objectContaining({ code: 'BAD_USER_INPUT', field }),
      );
    }
    const garbage = await api.gql(FEED, { last: 2, before: 'garbage' });
    expect(garbage.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(garbage.errors?.[0])).toContain('before');
    expect((await feed({ last: 1000 })).edges).toHaveLength(100);
  }, 120_000);

  it('refuses hostile arguments with BAD_USER_INPUT naming them, and caps last like first', async () => {
    const topic = await page('topicTimeline', { first: 1 });
    const search = await page('searchStatements', { first: 1 });
    const refused = async (name: keyof typeof QUERIES, variables: Record<string, unknown>, field: string) => {
      const response = await api.gql(QUERIES[name], variables);
      expect(response.errors?.[0]?.extensions).toEqual(
        expect.objectContaining({ code: 'BAD_USER_INPUT', field }),
      );
    };
    for (const name of ['countryTimeline', 'topicTimeline', 'searchStatements'] as const) {
      await refused(name, { first: 3, last: 3 }, 'last');
      await refused(name, { last: -1 }, 'last');
      await refused(name, { last: 2, before: 'garbage!' }, 'before');
      await refused(name, { first: 2, after: 'e30' }, 'after');
    }
    await refused('countryTimeline', { last: 2, before: topic.pageInfo.startCursor }, 'before');
    await refused('countryTimeline', { first: 2, after: search.pageInfo.endCursor }, 'after');
    await refused('searchStatements', { last: 2, before: topic.pageInfo.startCursor }, 'before');
    // over the cap: answered with 100 items (DESIGN §8), as `first` is
    const capped = await page('countryTimeline', { last: 1000 });
    expect(capped.edges).toHaveLength(100);
    expect(capped.pageInfo.hasPreviousPage).toBe(true);
    // the service is still up
    expect((await page('countryTimeline', {})).edges).toHaveLength(50);
  }, 120_000);
});
