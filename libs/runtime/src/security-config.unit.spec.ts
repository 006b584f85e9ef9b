import { SecurityConfigError, isLoopbackHost, loadSecurityConfig } from './security-config.js';

describe('security configuration', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host)).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'example.org', '128.0.0.1']) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });

  it('has the documented defaults', () => {
    const config = loadSecurityConfig({}, '127.0.0.1');
    expect(config.publicReads).toBe(true);
    expect(config.apiKeys).toEqual([]);
    expect(config.limits).toEqual({
      maxDepth: 10,
      maxAliases: 15,
      maxCost: 50000,
      maxTokens: 2000,
      maxDocumentChars: 20000,
      maxBatch: 10,
      queryTimeoutMs: 15000,
      bodyLimitBytes: 1048576,
      maxNodes: 20000,
    });
    expect(config.rateLimit).toEqual({ burst: 600, perSecond: 200 });
    expect(config.ws).toEqual({
      allowedOrigins: [],
      maxConnectionsPerClient: 16,
      maxSubscriptionsPerConnection: 20,
      maxMessageBytes: 65536,
      maxBufferedBytes: 131072,
      maxReplayEvents: 10000,
      sharedExecution: true,
      flushDelayMs: 0,
    });
  });

  it('reads the WebSocket Origin allow-list as origins, or *, and refuses anything else naming the entry', () => {
    const origins = (value: string) =>
      loadSecurityConfig({ COMMUNIQUE_WS_ALLOWED_ORIGINS: value }, 'localhost').ws.allowedOrigins;
    expect(origins('https://Desk.example.org, http://localhost:3000/')).toEqual([
      'https://desk.example.org',
      'http://localhost:3000',
    ]);
    expect(origins('*')).toBe('*');
    expect(() => origins('https://desk.example.org/path')).toThrow(
      /^COMMUNIQUE_WS_ALLOWED_ORIGINS: "https:\/\/desk.example.org\/path" is not an origin/,
    );
    expect(() => origins('desk.example.org')).toThrow(/^COMMUNIQUE_WS_ALLOWED_ORIGINS: "desk.example.org"/);
    expect(() => origins('ftp://desk.example.org')).toThrow(/COMMUNIQUE_WS_ALLOWED_ORIGINS/);
  });

  it('names the variable and the rule of a bad value', () => {
    expect(() => loadSecurityConfig({ COMMUNIQUE_GRAPHQL_MAX_DEPTH: '0' }, 'localhost')).toThrow(
      new SecurityConfigError('COMMUNIQUE_GRAPHQL_MAX_DEPTH', 'expected an integer from 1 to 100, got "0"'),
    );
    expect(() => loadSecurityConfig({ COMMUNIQUE_PUBLIC_READS: 'maybe' }, 'localhost')).toThrow(
      'COMMUNIQUE_PUBLIC_READS: expected true or false, got "maybe"',
    );
    expect(() => loadSecurityConfig({ COMMUNIQUE_API_KEYS: 'x:y' }, 'localhost')).toThrow(
      /^COMMUNIQUE_API_KEYS: entry 1: expected name:role:key/,
    );
  });
});
