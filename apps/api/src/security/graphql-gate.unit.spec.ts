import { createHash } from 'node:crypto';
import { buildSchema, GraphQLError } from 'graphql';
import { GraphQLGate, OperationBudget, valuesIn } from './graphql-gate.js';
import type { SecurityConfig } from '#runtime';
import { originAllowed, withCodes } from './websocket-door.js';

const config = (overrides: Partial<SecurityConfig['limits']> = {}): SecurityConfig => ({
  apiKeys: [],
  publicReads: true,
  loopback: true,
  limits: {
    maxDepth: 3,
    maxAliases: 2,
    maxCost: 1000,
    maxTokens: 50,
    maxDocumentChars: 200,
    maxBatch: 10,
    queryTimeoutMs: 1000,
    bodyLimitBytes: 1024,
    maxNodes: 10,
    ...overrides,
  },
  rateLimit: { burst: 2, perSecond: 1 },
  ws: {
    allowedOrigins: ['https://desk.example.org'],
    maxConnectionsPerClient: 2,
    maxSubscriptionsPerConnection: 2,
    maxMessageBytes: 1024,
    maxBufferedBytes: 65536,
    maxReplayEvents: 10000,
    sharedExecution: true,
    flushDelayMs: 0,
  },
  metrics: { host: '127.0.0.1' },
});

const schema = buildSchema(`
  type Item { id: ID!  parent: Item }
  type Query { item: Item }
  type Subscription { changed: Item }
`);

const refusal = (run: () => unknown): Record<string, unknown> | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    return { message: error.message, ...error.extensions };
  }
};

describe('the GraphQL gate', () => {
  const gate = new GraphQLGate(config(), false);

  it('admits a valid document and refuses by size, tokens, syntax and every validation rule', () => {
    expect(gate.admit(schema, 'subscription { changed { id } }').kind).toBe('Document');
    expect(refusal(() => gate.admit(schema, `{ item { id } } #${'x'.repeat(300)}`))).toEqual(
      expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'documentSize' }),
    );
    expect(refusal(() => gate.admit(schema, `{ item { ${'id '.repeat(60)} } }`))).toEqual(
      expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'tokens', max: 50 }),
    );
    expect(refusal(() => gate.admit(schema, '{ item { id '))?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(refusal(() => gate.admit(schema, '{ item { parent { parent { parent { id } } } } }'))).toEqual(
      expect.objectContaining({ limit: 'depth', actual: 5 }),
    );
    expect(
      refusal(() =>
        gate.admit(
          schema,
          '{ item { ...A } } fragment A on Item { parent { ...B } } fragment B on Item { parent { ...A } }',
        ),
      )?.message,
    ).toMatch(/within itself/);
    expect(refusal(() => gate.admit(schema, '{ nope }'))?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(refusal(() => gate.admit(schema, { kind: 'Document' }))).toEqual(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'query' }),
    );
    expect(
      refusal(() => gate.admit(schema, 'query A { item { id } } query B { item { id } }', 'C'))?.code,
    ).toBe('BAD_USER_INPUT');
  });

  it('counts a known key by its name and anyone else by address, as the HTTP rate limiter does', () => {
    const keyed = new GraphQLGate(
      {
        ...config(),
        apiKeys: [
          {
            name: 'rob',
            role: 'reader',
            sha256: createHash('sha256').update('reader-key-0123456789').digest(),
          },
        ],
      },
      false,
    );
    expect(keyed.client('Bearer reader-key-0123456789', '10.0.0.1')).toBe('key:rob');
    expect(keyed.client('Bearer unknown-key-0123456789', '10.0.0.1')).toBe('address:10.0.0.1');
    expect(keyed.client(undefined, '10.0.0.2')).toBe('address:10.0.0.2');
  });

  it('gives each operation, and each execution of a subscription, its own budget', () => {
    const context = {};
    const first = gate.budget(context, {});
    expect(gate.budget(context, undefined)).not.toBe(first);
    const root = {};
    expect(gate.budget(context, root)).toBe(gate.budget(context, root));
    expect(gate.budget({}, root)).not.toBe(gate.budget(context, root));
  });
});

describe('an operation budget', () => {
  it('refuses values past the limit with BUDGET_EXCEEDED, and says so for a mutation', () => {
    const budget = new OperationBudget(10, 1000, () => 0);
    budget.charge(10, 'query');
    expect(refusal(() => budget.charge(1, 'query'))).toEqual(
      expect.objectContaining({ code: 'BUDGET_EXCEEDED', limit: 'nodes', max: 10 }),
    );
    expect(refusal(() => budget.charge(1, 'mutation'))?.message).toMatch(/the mutation itself was applied/);
  });

  it('refuses to start a resolver after the deadline with TIMEOUT', () => {
    let now = 0;
    const budget = new OperationBudget(1000, 100, () => now);
    budget.checkTime('subscription');
    expect(budget.remainingMs()).toBe(100);
    now = 101;
    expect(budget.remainingMs()).toBe(0);
    expect(refusal(() => budget.checkTime('subscription'))).toEqual(
      expect.objectContaining({ code: 'TIMEOUT', timeoutMs: 100 }),
    );
    expect(refusal(() => budget.charge(1, 'query'))?.code).toBe('TIMEOUT');
  });

  it('counts the items of a list and the edges of a connection', () => {
    expect(valuesIn([1, 2, 3])).toBe(3);
    expect(valuesIn([])).toBe(1);
    expect(valuesIn({ edges: [1, 2], pageInfo: {} })).toBe(3);
    expect(valuesIn('x')).toBe(1);
  });
});

describe('the WebSocket door', () => {
  const ws = config().ws;
  it('allows no Origin, the allowed ones and the service itself; refuses others, "null" and garbage', () => {
    expect(originAllowed(undefined, 'api.example.org', ws)).toBe(true);
    expect(originAllowed('https://desk.example.org', 'api.example.org', ws)).toBe(true);
    expect(originAllowed('https://DESK.example.org:443', 'api.example.org', ws)).toBe(true);
    expect(originAllowed('http://api.example.org:4000', 'api.example.org:4000', ws)).toBe(true);
    expect(originAllowed('https://evil.example', 'api.example.org', ws)).toBe(false);
    expect(originAllowed('http://desk.example.org', 'api.example.org', ws)).toBe(false);
    expect(originAllowed('null', 'api.example.org', ws)).toBe(false);
    expect(originAllowed('not a url', 'api.example.org', ws)).toBe(false);
    expect(originAllowed('https://evil.example', undefined, { ...ws, allowedOrigins: '*' })).toBe(true);
  });

  it('gives every error message a code and leaves other messages alone', () => {
    const error = JSON.stringify({ type: 'error', id: '1', payload: [{ message: 'Invalid payload type' }] });
    expect(JSON.parse(withCodes(error))).toEqual({
      type: 'error',
      id: '1',
      payload: [{ message: 'Invalid payload type', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }],
    });
    const typed = JSON.stringify({
      type: 'error',
      id: '2',
      payload: [{ message: 'x', extensions: { code: 'UNAUTHENTICATED' } }],
    });
    expect(withCodes(typed)).toBe(typed);
    const next = JSON.stringify({ type: 'next', id: '1', payload: { data: {} } });
    expect(withCodes(next)).toBe(next);
  });
});
