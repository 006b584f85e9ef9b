import { RECORD, STATEMENT_FIELDS, TestApi, statementInput } from './support/api.js';

const TIMELINE = `query Timeline($country: CountryCode!, $first: Int!, $filter: TimelineFilter) {
  countryTimeline(country: $country, first: $first, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor roles node { ${STATEMENT_FIELDS} } }
  }
}`;

interface Timeline {
  countryTimeline: { totalCount: number; pageInfo: { hasNextPage: boolean }; edges: { cursor: string }[] };
}

describe('the read path over GraphQL', () => {
  let api: TestApi;
  const ids: string[] = [];

  beforeAll(async () => {
    api = await TestApi.start();
    for (let i = 0; i < 5; i++) {
      const recorded = await api.ok<{ recordStatement: { statement: { id: string } } }>(RECORD, {
        input: statementInput({ text: `statement ${i}`, kind: i % 2 === 0 ? 'STATEMENT' : 'DEMAND' }),
      });
      ids.push(recorded.recordStatement.statement.id);
    }
    await api.ok(`mutation($id: ID!) { retractStatement(id: $id, reason: "duplicate") { version } }`, {
      id: ids[0],
    });
  });
  afterAll(async () => {
    await api.stop();
  });

  it('answers a repeated query (compiled after its first use) exactly as the first time, errors included', async () => {
    const variables = { country: 'TR', first: 2 };
    const first = await api.gql(TIMELINE, variables);
    expect(first.errors).toBeUndefined();
    for (let i = 0; i < 3; i++) expect(await api.gql(TIMELINE, variables)).toEqual(first);

    const bad = { country: 'TR', first: 2, filter: { from: 'not a date' } };
    const refused = await api.gql(TIMELINE, bad);
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    for (let i = 0; i < 3; i++) expect(await api.gql(TIMELINE, bad)).toEqual(refused);
  });

  it('counts the whole timeline, from the counters or over the index with a filter', async () => {
    const page = async (filter?: Record<string, unknown>) =>
      (await api.ok<Timeline>(TIMELINE, { country: 'TR', first: 1, filter })).countryTimeline;
    expect((await page()).totalCount).toBe(4);
    expect((await page()).pageInfo.hasNextPage).toBe(true);
    expect((await page({ includeRetracted: true })).totalCount).toBe(5);
    expect((await page({ kinds: ['DEMAND'] })).totalCount).toBe(2);
    expect((await page({ kinds: ['STATEMENT'], includeRetracted: true })).totalCount).toBe(3);
    const cn = await api.ok<Timeline>(TIMELINE, { country: 'CN', first: 100 });
    expect(cn.countryTimeline.totalCount).toBe(cn.countryTimeline.edges.length);
  });
});
