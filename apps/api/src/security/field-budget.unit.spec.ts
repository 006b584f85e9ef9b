import { GraphQLError, GraphQLScalarType, type GraphQLFieldResolver, type GraphQLResolveInfo } from 'graphql';
import type { SecurityConfig } from '#runtime';
import { budgetedFields, budgetFieldResolvers } from './field-budget.js';
import { GraphQLGate } from './graphql-gate.js';

type Resolver = GraphQLFieldResolver<unknown, unknown>;

const config = (maxNodes: number, queryTimeoutMs = 1000): SecurityConfig =>
  ({
    apiKeys: [],
    publicReads: true,
    loopback: true,
    limits: {
      maxDepth: 10,
      maxAliases: 10,
      maxCost: 1000,
      maxTokens: 1000,
      maxDocumentChars: 1000,
      maxBatch: 10,
      queryTimeoutMs,
      bodyLimitBytes: 1024,
      maxNodes,
    },
    rateLimit: { burst: 2, perSecond: 1 },
  }) as unknown as SecurityConfig;

/** What a field resolver below the root sees of the operation. */
const info = (operation: 'query' | 'mutation' | 'subscription', rootValue?: object): GraphQLResolveInfo =>
  ({
    operation: { operation },
    rootValue,
    path: { prev: { prev: undefined, key: 'statement' }, key: 'sources' },
  }) as unknown as GraphQLResolveInfo;

const refusal = async (run: () => unknown): Promise<Record<string, unknown> | undefined> => {
  try {
    await run();
    return undefined;
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    return { message: error.message, ...error.extensions };
  }
};

describe('the operation budget on field resolvers (budgetFieldResolvers)', () => {
  it('wraps the field resolvers of object types, and leaves root fields, scalars and __resolveType alone', () => {
    const gate = new GraphQLGate(config(10), false);
    const query: Resolver = () => 1;
    const sources: Resolver = () => [];
    const resolveType = () => 'Statement';
    const scalar = new GraphQLScalarType({ name: 'CountryCode' });
    const map = {
      Query: { statement: query },
      Mutation: { tagStatement: query },
      Subscription: { statementChanged: { subscribe: query } },
      Statement: { sources, __resolveType: resolveType },
      CountryCode: scalar,
    };
    expect(budgetFieldResolvers(map, gate)).toBe(map);
    expect(map.Query.statement).toBe(query);
    expect(map.Mutation.tagStatement).toBe(query);
    expect(map.CountryCode).toBe(scalar);
    expect(map.Statement.__resolveType).toBe(resolveType);
    expect(map.Statement.sources).not.toBe(sources);
    expect(budgetedFields(gate)).toEqual(['Statement.sources']);
  });

  it('charges what a resolver produced (a list item by item), and refuses past the limit with BUDGET_EXCEEDED', async () => {
    const gate = new GraphQLGate(config(10), false);
    const map = { Statement: { sources: (() => [1, 2, 3, 4]) as Resolver } };
    budgetFieldResolvers(map, gate);
    const context = {};
    const root = {};
    expect(map.Statement.sources({}, {}, context, info('query', root))).toEqual([1, 2, 3, 4]);
    expect(map.Statement.sources({}, {}, context, info('query', root))).toEqual([1, 2, 3, 4]);
    // 8 spent of 10: four more are two too many
    expect(await refusal(() => map.Statement.sources({}, {}, context, info('query', root)))).toEqual({
      message:
        'the query resolved more than 10 values (COMMUNIQUE_GRAPHQL_MAX_NODES); ask for fewer or smaller lists',
      code: 'BUDGET_EXCEEDED',
      limit: 'nodes',
      max: 10,
    });
    // another operation (another context) has a budget of its own
    expect(map.Statement.sources({}, {}, {}, info('query', root))).toHaveLength(4);
  });

  it('charges an asynchronous resolver when its value arrives, and says a mutation was applied', async () => {
    const gate = new GraphQLGate(config(10), false);
    const map = { Statement: { history: (async () => Array.from({ length: 11 }, (_, i) => i)) as Resolver } };
    budgetFieldResolvers(map, gate);
    const refused = await refusal(() => map.Statement.history({}, {}, {}, info('mutation', {})));
    expect(refused).toEqual(expect.objectContaining({ code: 'BUDGET_EXCEEDED', max: 10 }));
    expect(refused?.message).toMatch(/the mutation itself was applied/);
  });

  it('does not start a field resolver once the operation is out of time (TIMEOUT)', async () => {
    let now = 0;
    const gate = new GraphQLGate(config(10, 100), false, () => now);
    let calls = 0;
    const map = {
      Statement: {
        sources: (() => {
          calls += 1;
          return [];
        }) as Resolver,
      },
    };
    budgetFieldResolvers(map, gate);
    const context = {};
    const root = {};
    map.Statement.sources({}, {}, context, info('query', root));
    now = 101;
    expect(await refusal(() => map.Statement.sources({}, {}, context, info('query', root)))).toEqual(
      expect.objectContaining({ code: 'TIMEOUT', timeoutMs: 100 }),
    );
    expect(calls).toBe(1);
  });

  it('gives each execution of a subscription (each root value) a budget of its own', () => {
    const gate = new GraphQLGate(config(10), false);
    const map = { Statement: { sources: (() => Array.from({ length: 10 }, (_, i) => i)) as Resolver } };
    budgetFieldResolvers(map, gate);
    const connection = {};
    for (let execution = 0; execution < 3; execution++) {
      expect(map.Statement.sources({}, {}, connection, info('subscription', {}))).toHaveLength(10);
    }
  });

  it('runs a resolver called without a context unbudgeted, as the interceptor did', () => {
    const gate = new GraphQLGate(config(10), false);
    const map = { Statement: { sources: (() => Array.from({ length: 50 }, (_, i) => i)) as Resolver } };
    budgetFieldResolvers(map, gate);
    expect(map.Statement.sources({}, {}, undefined, info('query', {}))).toHaveLength(50);
  });
});
