import { createHash } from 'node:crypto';
import { ApiKeyConfigError, parseApiKeys, type ApiKeyEntry } from './api-keys.js';

/** GraphQL limits (docs/SECURITY.md), each from an environment variable. */
export interface LimitsConfig {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  maxTokens: number;
  maxDocumentChars: number;
  /** operations in one batched request (a JSON array body); 1 turns batching off */
  maxBatch: number;
  /** how long a query's resolver may run before it is answered with TIMEOUT, in ms */
  queryTimeoutMs: number;
  /** largest request body, in bytes */
  bodyLimitBytes: number;
  /** values the resolvers of one operation may produce (list items count one each) before BUDGET_EXCEEDED */
  maxNodes: number;
}

/** The WebSocket door (subscriptions), docs/SECURITY.md. */
export interface WebSocketConfig {
  /**
   * Origins a browser may open a WebSocket from (`COMMUNIQUE_WS_ALLOWED_ORIGINS`, e.g.
   * `https://desk.example.org`). Always allowed: no `Origin` header (not a browser) and the service's own
   * origin (its `Host`). `*` allows any origin.
   */
  allowedOrigins: string[] | '*';
  /** open WebSocket connections per API key (per client address without a known key) */
  maxConnectionsPerClient: number;
  /** live subscriptions on one connection */
  maxSubscriptionsPerConnection: number;
  /** largest WebSocket message, in bytes (a larger one closes the connection with 1009) */
  maxMessageBytes: number;
  /**
   * what may wait in a connection's send buffer, in bytes (`bufferedAmount`); a subscriber past it is told
   * `SUBSCRIBER_FELL_BEHIND` and disconnected (DESIGN §11.20)
   */
  maxBufferedBytes: number;
  /** the most log events a resumed subscription (`after`) may replay; more is refused, naming `after` */
  maxReplayEvents: number;
  /**
   * subscribers with the same document, variables and caller share one execution per change (default);
   * `COMMUNIQUE_WS_SHARED_EXECUTION=false` executes for each subscriber alone (for comparison, §11.20)
   */
  sharedExecution: boolean;
  /**
   * milliseconds live messages are held to leave a connection in one write (0: those of one turn of the event
   * loop only); `COMMUNIQUE_WS_FLUSH_MS`, at most 1000 (DESIGN §11.20)
   */
  flushDelayMs: number;
}

export interface RateLimitConfig {
  /** requests a client may send at once (the bucket's size); 0 turns rate limiting off */
  burst: number;
  /** requests per second the bucket refills with */
  perSecond: number;
}

/**
 * Who may scrape `/metrics` (docs/SECURITY.md, "Metrics"). With `port` set, metrics are served only on their own
 * listener at `host:port` and the main listener answers 404 for them; with `key` set, a scrape must send
 * `Authorization: Bearer <key>`; with neither, the main listener answers them only while it listens on a
 * loopback address and the request did not come through a proxy.
 */
export interface MetricsAccessConfig {
  /** `COMMUNIQUE_METRICS_PORT`: a listener of its own for `/metrics` */
  port?: number;
  /** `COMMUNIQUE_METRICS_HOST`: the address of that listener (default 127.0.0.1) */
  host: string;
  /** `COMMUNIQUE_METRICS_KEY`: the bearer key a scrape must send, as its SHA-256 */
  keySha256?: Buffer;
}

export interface SecurityConfig {
  apiKeys: ApiKeyEntry[];
  /** queries without a key (`COMMUNIQUE_PUBLIC_READS`) */
  publicReads: boolean;
  /** the address the service listens on is a loopback address */
  loopback: boolean;
  limits: LimitsConfig;
  rateLimit: RateLimitConfig;
  ws: WebSocketConfig;
  metrics: MetricsAccessConfig;
}

export class SecurityConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly reason: string,
  ) {
    super(`${variable}: ${reason}`);
    this.name = 'SecurityConfigError';
  }
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SecurityConfigError(name, `expected an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new SecurityConfigError(name, `expected true or false, got "${raw}"`);
}

/**
 * A comma-separated list of origins (`scheme://host[:port]`, as browsers send them in `Origin`), or `*`.
 * Each is normalised through URL so that `https://Example.org:443` and `https://example.org` are one origin.
 */
function origins(env: NodeJS.ProcessEnv, name: string): string[] | '*' {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [];
  if (raw.trim() === '*') return '*';
  return raw.split(',').map((part) => {
    const entry = part.trim();
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new SecurityConfigError(name, `"${entry}" is not an origin such as https://desk.example.org`);
    }
    const originOnly = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    if (!/^https?:$/.test(url.protocol) || !originOnly) {
      throw new SecurityConfigError(
        name,
        `"${entry}" is not an origin such as https://desk.example.org (scheme, host and port only)`,
      );
    }
    return url.origin;
  });
}

/** `localhost`, `127.x.x.x` and `::1` (also as `[::1]` or `::ffff:127.x.x.x`). */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(h);
}

/** The shortest metrics key accepted, as for API keys. */
export const MIN_METRICS_KEY_LENGTH = 16;

function metricsAccess(env: NodeJS.ProcessEnv): MetricsAccessConfig {
  const rawPort = env.COMMUNIQUE_METRICS_PORT;
  const port =
    rawPort === undefined || rawPort === ''
      ? undefined
      : integer(env, 'COMMUNIQUE_METRICS_PORT', 0, 1, 65535);
  const host = env.COMMUNIQUE_METRICS_HOST?.trim() || '127.0.0.1';
  if (env.COMMUNIQUE_METRICS_HOST && port === undefined) {
    throw new SecurityConfigError(
      'COMMUNIQUE_METRICS_HOST',
      'set only together with COMMUNIQUE_METRICS_PORT',
    );
  }
  const key = env.COMMUNIQUE_METRICS_KEY;
  if (key === undefined || key === '') return { port, host };
  if (key.length < MIN_METRICS_KEY_LENGTH || /\s/.test(key)) {
    throw new SecurityConfigError(
      'COMMUNIQUE_METRICS_KEY',
      `the key must be at least ${MIN_METRICS_KEY_LENGTH} characters, without spaces`,
    );
  }
  return { port, host, keySha256: createHash('sha256').update(key).digest() };
}

export function loadSecurityConfig(env: NodeJS.ProcessEnv, host: string): SecurityConfig {
  let apiKeys: ApiKeyEntry[];
  try {
    apiKeys = parseApiKeys(env.COMMUNIQUE_API_KEYS);
  } catch (error) {
    if (error instanceof ApiKeyConfigError)
      throw new SecurityConfigError('COMMUNIQUE_API_KEYS', error.message);
    throw error;
  }
  return {
    apiKeys,
    publicReads: flag(env, 'COMMUNIQUE_PUBLIC_READS', true),
    loopback: isLoopbackHost(host),
    limits: {
      maxDepth: integer(env, 'COMMUNIQUE_GRAPHQL_MAX_DEPTH', 10, 1, 100),
      maxAliases: integer(env, 'COMMUNIQUE_GRAPHQL_MAX_ALIASES', 15, 0, 1000),
      maxCost: integer(env, 'COMMUNIQUE_GRAPHQL_MAX_COST', 50_000, 1, 10_000_000),
      maxTokens: integer(env, 'COMMUNIQUE_GRAPHQL_MAX_TOKENS', 2_000, 10, 1_000_000),
      maxDocumentChars: integer(env, 'COMMUNIQUE_GRAPHQL_MAX_DOCUMENT_CHARS', 20_000, 100, 10_000_000),
      maxBatch: integer(env, 'COMMUNIQUE_GRAPHQL_MAX_BATCH', 10, 1, 1000),
      queryTimeoutMs: integer(env, 'COMMUNIQUE_QUERY_TIMEOUT_MS', 15_000, 100, 600_000),
      bodyLimitBytes: integer(env, 'COMMUNIQUE_MAX_BODY_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
      maxNodes: integer(env, 'COMMUNIQUE_GRAPHQL_MAX_NODES', 20_000, 10, 10_000_000),
    },
    rateLimit: {
      burst: integer(env, 'COMMUNIQUE_RATE_LIMIT_BURST', 600, 0, 1_000_000),
      perSecond: integer(env, 'COMMUNIQUE_RATE_LIMIT_PER_SECOND', 200, 1, 1_000_000),
    },
    ws: {
      allowedOrigins: origins(env, 'COMMUNIQUE_WS_ALLOWED_ORIGINS'),
      maxConnectionsPerClient: integer(env, 'COMMUNIQUE_WS_MAX_CONNECTIONS_PER_CLIENT', 16, 1, 100_000),
      maxSubscriptionsPerConnection: integer(
        env,
        'COMMUNIQUE_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION',
        20,
        1,
        10_000,
      ),
      maxMessageBytes: integer(env, 'COMMUNIQUE_WS_MAX_MESSAGE_BYTES', 64 * 1024, 1024, 16 * 1024 * 1024),
      maxBufferedBytes: integer(
        env,
        'COMMUNIQUE_WS_MAX_BUFFERED_BYTES',
        128 * 1024,
        16 * 1024,
        256 * 1024 * 1024,
      ),
      maxReplayEvents: integer(env, 'COMMUNIQUE_WS_MAX_REPLAY_EVENTS', 10_000, 0, 10_000_000),
      sharedExecution: flag(env, 'COMMUNIQUE_WS_SHARED_EXECUTION', true),
      flushDelayMs: integer(env, 'COMMUNIQUE_WS_FLUSH_MS', 0, 0, 1000),
    },
    metrics: metricsAccess(env),
  };
}
