import { GraphQLGate } from '../apps/api/src/security/graphql-gate.js';
import { budgetedFields } from '../apps/api/src/security/field-budget.js';
import { TestApi, statementInput, type GraphQLResponse } from './support/api.js';

/**
 * The operation budget (COMMUNIQUE_GRAPHQL_MAX_NODES) charges field resolvers as it charges root fields: since
 * field resolvers no longer run behind Nest's interceptors, a plain wrapper on the schema does it
 * (`budgetFieldResolvers`). These figures are the ones the interceptor produced (a root field's object or
 * connection, then each field resolver's list), so the limit falls exactly where it fell before.
 */
const SOURCES = Array.from({ length: 12 }, (_, i) => i + 1).map((n) => ({
  url: `https://example.org/news/${n}`,
  outlet: `Outlet ${n}`,
}));

const byId = (id: string) => `{ statement(id: "${id}") { id sources { url } } }`;
/** one edge (1 for the connection, 1 for the edge) and its statement's twelve sources */
const onePage = '{ countryTimeline(country: "MX", first: 1) { edges { node { id sources { url } } } } }';

const RECORD = `mutation($input: RecordStatementInput!) { recordStatement(input: $input) { statement { id } } }`;

const codes = (response: GraphQLResponse): unknown[] =>
  (response.errors ?? []).map((e) => e.extensions?.code);

async function withStatement(maxNodes: number): Promise<{ api: TestApi; id: string }> {
  const api = await TestApi.start({ COMMUNIQUE_GRAPHQL_MAX_NODES: String(maxNodes) });
  const recorded = await api.ok<{ recordStatement: { statement: { id: string } } }>(RECORD, {
    input: statementInput({ targets: ['MX'], sources: SOURCES }),
  });
  return { api, id: recorded.recordStatement.statement.id };
}

describe('the operation budget on field resolvers', () => {
  let api: TestApi | undefined;

  afterEach(async () => {
    await api?.stop();
    api = undefined;
  });

  it('wraps every @ResolveField resolver, and neither root fields nor fields read off their parent', async () => {
    api = await TestApi.start();
    const fields = budgetedFields(api.app.get(GraphQLGate));
    expect(fields).toEqual(
      expect.arrayContaining([
        'Statement.sources',
        'Statement.respondsTo',
        'Statement.responses',
        'Statement.history',
        'StatementEvent.proof',
        'Story.items',
        'Story.draft',
        'Story.embedHtml',
        'StoryItem.published',
        'StoryItem.current',
        'StoryItem.changes',
      ]),
    );
    expect(fields.filter((field) => /^(Query|Mutation|Subscription)\./.test(field))).toEqual([]);
    for (const plain of ['Statement.id', 'Statement.speaker', 'Source.url', 'StatementEdge.node']) {
      expect(fields).not.toContain(plain);
    }
  });

  it('counts a field resolver list item by item: the statement and its twelve sources are 13 values', async () => {
    let id: string;
    ({ api, id } = await withStatement(13));
    const answered = await api.gql<{ statement: { sources: unknown[] } }>(byId(id));
    expect(answered.errors).toBeUndefined();
    expect(answered.data?.statement.sources).toHaveLength(12);
    await api.stop();

    ({ api, id } = await withStatement(12));
    const refused = await api.gql(byId(id));
    expect(codes(refused)).toEqual(['BUDGET_EXCEEDED']);
    expect(refused.errors?.[0]).toEqual(
      expect.objectContaining({
        path: ['statement', 'sources'],
        message:
          'the query resolved more than 12 values (COMMUNIQUE_GRAPHQL_MAX_NODES); ask for fewer or smaller lists',
        extensions: expect.objectContaining({ code: 'BUDGET_EXCEEDED', limit: 'nodes', max: 12 }),
      }),
    );
  });

  it('charges the field resolvers under a connection: two for the page and its edge, twelve for the sources', async () => {
    ({ api } = await withStatement(14));
    const answered = await api.gql(onePage);
    expect(answered.errors).toBeUndefined();
    await api.stop();

    ({ api } = await withStatement(13));
    const refused = await api.gql(onePage);
    expect(codes(refused)).toEqual(['BUDGET_EXCEEDED']);
    expect(refused.errors?.[0]?.path).toEqual(['countryTimeline', 'edges', 0, 'node', 'sources']);
  });

  it('charges the field resolvers of every operation of a batch', async () => {
    let id: string;
    ({ api, id } = await withStatement(12));
    const response = await api.app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'POST', url: '/graphql', payload: [{ query: byId(id) }, { query: byId(id) }] });
    const answers = response.json() as GraphQLResponse[];
    expect(answers.map(codes)).toEqual([['BUDGET_EXCEEDED'], ['BUDGET_EXCEEDED']]);
  });
});
