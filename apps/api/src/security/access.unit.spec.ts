import { GraphQLError } from 'graphql';
import { parseApiKeys } from '#runtime';
import { authenticate, decideAccess, type RequestAuth } from './access.js';
import type { SecurityConfig } from '#runtime';

const config = (overrides: Partial<SecurityConfig> = {}): SecurityConfig => ({
  apiKeys: parseApiKeys('rob:reader:reader-key-0123456789,eve:editor:editor-key-0123456789'),
  publicReads: true,
  loopback: true,
  limits: {
    maxDepth: 10,
    maxAliases: 15,
    maxCost: 20000,
    maxTokens: 2000,
    maxDocumentChars: 20000,
    maxBatch: 10,
    queryTimeoutMs: 1000,
    bodyLimitBytes: 1024,
    maxNodes: 20000,
  },
  ws: {
    allowedOrigins: [],
    maxConnectionsPerClient: 16,
    maxSubscriptionsPerConnection: 20,
    maxMessageBytes: 65536,
    maxBufferedBytes: 131072,
    maxReplayEvents: 10000,
    sharedExecution: true,
    flushDelayMs: 0,
  },
  rateLimit: { burst: 0, perSecond: 1 },
  metrics: { host: '127.0.0.1' },
  ...overrides,
});

/** The code of the error `decideAccess` throws, or 'ok'. */
function outcome(...args: Parameters<typeof decideAccess>): string {
  try {
    decideAccess(...args);
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    return String((error as GraphQLError).extensions.code);
  }
}

describe('access decisions', () => {
  const withKeys = config();
  const reader = authenticate('Bearer reader-key-0123456789', withKeys);
  const editor = authenticate('Bearer editor-key-0123456789', withKeys);
  const none: RequestAuth = {};

  it('with keys: mutations need editor, public queries need nothing, marked fields need their role', () => {
    expect(outcome(withKeys, none, 'mutation', undefined)).toBe('UNAUTHENTICATED');
    expect(outcome(withKeys, reader, 'mutation', undefined)).toBe('FORBIDDEN');
    expect(outcome(withKeys, editor, 'mutation', undefined)).toBe('ok');
    expect(outcome(withKeys, none, 'query', undefined)).toBe('ok');
    expect(outcome(withKeys, none, 'subscription', undefined)).toBe('ok');
    expect(outcome(withKeys, editor, 'query', 'auditor')).toBe('FORBIDDEN');
    expect(outcome(withKeys, none, 'query', 'auditor')).toBe('UNAUTHENTICATED');
  });

  it('private reads need a reader key for queries and subscriptions', () => {
    const closed = config({ publicReads: false });
    expect(outcome(closed, none, 'query', undefined)).toBe('UNAUTHENTICATED');
    expect(outcome(closed, none, 'subscription', undefined)).toBe('UNAUTHENTICATED');
    expect(outcome(closed, reader, 'query', undefined)).toBe('ok');
  });

  it('a wrong key is refused even for a public query', () => {
    expect(outcome(withKeys, authenticate('Bearer nope', withKeys), 'query', undefined)).toBe(
      'UNAUTHENTICATED',
    );
    expect(outcome(withKeys, authenticate('Token x', withKeys), 'query', undefined)).toBe('UNAUTHENTICATED');
  });

  it('without keys: loopback allows everything, any other address refuses mutations and marked fields', () => {
    const local = config({ apiKeys: [] });
    expect(outcome(local, none, 'mutation', undefined)).toBe('ok');
    expect(outcome(local, none, 'query', 'auditor')).toBe('ok');
    const exposed = config({ apiKeys: [], loopback: false });
    expect(outcome(exposed, none, 'mutation', undefined)).toBe('FORBIDDEN');
    expect(outcome(exposed, none, 'query', 'auditor')).toBe('FORBIDDEN');
    expect(outcome(exposed, none, 'query', undefined)).toBe('ok');
  });
});
