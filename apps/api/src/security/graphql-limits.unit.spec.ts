import { buildSchema, parse, specifiedRules, validate, type ValidationRule } from 'graphql';
import { limitsRule, withoutSuggestions } from './graphql-limits.js';
import type { LimitsConfig } from '#runtime';

const schema = buildSchema(`
  type Item { id: ID!  children: [Item!]!  parent: Item }
  type Page { edges: [Edge!]! }
  type Edge { node: Item! }
  type Query { item: Item  page(first: Int = 50): Page!  all(first: Int): [Item!]! }
`);

const limits = (overrides: Partial<LimitsConfig> = {}): LimitsConfig => ({
  maxDepth: 10,
  maxAliases: 15,
  maxCost: 20_000,
  maxTokens: 2000,
  maxDocumentChars: 20_000,
  maxBatch: 10,
  queryTimeoutMs: 1000,
  bodyLimitBytes: 1024 * 1024,
  maxNodes: 20_000,
  ...overrides,
});

const check = (query: string, config: LimitsConfig = limits()): string[] => {
  const rules: ValidationRule[] = [...specifiedRules, limitsRule(config)];
  return validate(schema, parse(query), rules).map((e) => e.message);
};

describe('GraphQL limits', () => {
  it('depth counts fields from the root; the limit is inclusive', () => {
    expect(check('{ item { parent { parent { id } } } }', limits({ maxDepth: 4 }))).toEqual([]);
    expect(check('{ item { parent { parent { parent { id } } } } }', limits({ maxDepth: 4 }))).toEqual([
      'query depth 5 exceeds the limit of 4 (COMMUNIQUE_GRAPHQL_MAX_DEPTH)',
    ]);
  });

  it('cost multiplies a selection by the page asked for, or the argument default, or 100 for other lists', () => {
    // page(first: 10): 1 + 10 * (edges 1 + 1 * (node 1 + 1 * id 1)) = 31
    expect(check('{ page(first: 10) { edges { node { id } } } }', limits({ maxCost: 30 }))).toEqual([
      'estimated query cost 31 exceeds the limit of 30 (COMMUNIQUE_GRAPHQL_MAX_COST)',
    ]);
    // default first 50: 1 + 50 * 3 = 151
    expect(check('{ page { edges { node { id } } } }', limits({ maxCost: 150 }))).toHaveLength(1);
    expect(check('{ page { edges { node { id } } } }', limits({ maxCost: 151 }))).toEqual([]);
    // a list without first and without a known bound is never assumed small: 100 each;
    // item { children { children { id } } } = 1 + (1 + 100 * (1 + 100 * 1)) = 10102
    expect(check('{ item { children { children { id } } } }', limits({ maxCost: 10101 }))).toHaveLength(1);
    expect(check('{ item { children { children { id } } } }', limits({ maxCost: 10102 }))).toEqual([]);
    // a variable first counts as the cap (100); a huge literal too
    expect(check('query($n: Int) { all(first: $n) { id } }', limits({ maxCost: 100 }))).toHaveLength(1);
    expect(check('{ all(first: 100000) { id } }', limits({ maxCost: 101 }))).toEqual([]);
  });

  it('nested statement lists are estimated with their real caps (LIST_CAPS), so the link attack costs what it does', () => {
    const statements = buildSchema(`
      type Statement { id: ID!  responses(first: Int = 20, after: ID): [Statement!]!  respondsTo(first: Int = 20): [Statement!]! }
      type Query { statement(id: ID!): Statement }
    `);
    const cost = (query: string): string[] =>
      validate(statements, parse(query), [limitsRule(limits({ maxCost: 1, maxDepth: 100 }))]).map(
        (e) => e.message,
      );
    // responses { responses { id } }: 1 + (1 + 20 * (1 + 20 * 1)) = 422
    expect(cost('{ statement(id: "x") { responses { responses { id } } } }')).toEqual([
      'estimated query cost 422 exceeds the limit of 1 (COMMUNIQUE_GRAPHQL_MAX_COST)',
    ]);
    // respondsTo is capped at 20 by the domain: first: 1000 counts 20; responses(first: 1000) counts 100
    expect(cost('{ statement(id: "x") { respondsTo(first: 1000) { id } } }')[0]).toMatch(/cost 22 /);
    expect(cost('{ statement(id: "x") { responses(first: 1000) { id } } }')[0]).toMatch(/cost 102 /);
    // the issue's depth-9 query: far over the default limit of 20,000
    let selection = '{ id }';
    for (let i = 0; i < 8; i++) selection = `{ responses ${selection} }`;
    const [message] = cost(`{ statement(id: "x") ${selection} }`);
    expect(Number(/cost (\d+)/.exec(message)?.[1])).toBeGreaterThan(20_000);
  });

  it('fragments spread many times are measured once each, so a fragment bomb is cheap to refuse', () => {
    const levels = 30;
    const fragments = Array.from(
      { length: levels },
      (_, i) =>
        `fragment F${i} on Item { ${i + 1 < levels ? `a: parent { ...F${i + 1} } b: parent { ...F${i + 1} }` : 'id'} }`,
    ).join('\n');
    const messages = check(`{ item { ...F0 } } ${fragments}`);
    expect(messages.some((m) => m.startsWith('number of aliases'))).toBe(true);
    expect(messages.some((m) => m.startsWith('query depth'))).toBe(true);
  });

  it('introspection fields are not counted', () => {
    expect(
      check(
        '{ __schema { types { fields { type { ofType { ofType { name } } } } } } }',
        limits({ maxDepth: 1 }),
      ),
    ).toEqual([]);
  });

  it('production messages lose their "Did you mean" hints', () => {
    expect(withoutSuggestions('Cannot query field "itme" on type "Query". Did you mean "item"?')).toBe(
      'Cannot query field "itme" on type "Query".',
    );
  });
});
