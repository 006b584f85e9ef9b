import { isAbsolute, join, resolve } from 'node:path';
import { loadSecurityConfig, SecurityConfigError, type SecurityConfig } from './security-config.js';

/** The service's configuration, read once from the environment (DESIGN §10). */
export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  eventsFile: string;
  readModelFile: string;
  demo: boolean;
  eventStore: 'sqlite' | 'eventstoredb';
  /** `EVENTSTORE_CONNECTION_STRING`, set when `eventStore` is `eventstoredb` */
  eventStoreConnectionString?: string;
  /**
   * `EVENTSTORE_MAX_APPEND_SIZE`: the cluster's `MaxAppendSize` in bytes (1 MiB, KurrentDB's default); an append
   * that weighs more is refused before it is sent (docs/scaling.md)
   */
  eventStoreMaxAppendSize: number;
  production: boolean;
  /** how long a query with `minPosition` waits for the read model, in ms */
  minPositionTimeoutMs: number;
  /** keys, roles, GraphQL limits and rate limits (docs/SECURITY.md) */
  security: SecurityConfig;
  /** `/health/ready` answers 503 while the read model is more than this many events behind the log */
  readyMaxLag: number;
  /**
   * `COMMUNIQUE_REPLICA`: listen at once and build the read model in the background (readiness says when it
   * is done) instead of catching up before listening. Default: true with `eventstoredb`, false with `sqlite`.
   */
  replica: boolean;
  /** pino level of the service log (`COMMUNIQUE_LOG_LEVEL`); `COMMUNIQUE_LOG=silent` makes it `silent` */
  logLevel: LogLevel;
  /**
   * caps of the file readers (`communique import`, `events import`), in UTF-8 bytes:
   * `COMMUNIQUE_MAX_LINE_BYTES` (one line, or one CSV record) and `COMMUNIQUE_MAX_FIELD_BYTES` (one CSV
   * field); 1 MiB each
   */
  readerLimits: { maxLineBytes: number; maxFieldBytes: number };
  /**
   * the verifiable log (DESIGN §11.21, docs/AUDIT.md): `COMMUNIQUE_LOG_KEY_FILE` (the Ed25519 private key,
   * PKCS #8 PEM, made by `communique keys create --signing`; default `<data dir>/log-key.pem`),
   * `COMMUNIQUE_LOG_TREE_FILE` (the tree and the signed tree heads; default `<data dir>/log-tree.db`) and
   * `COMMUNIQUE_TREE_HEAD_INTERVAL_SECONDS` (how often the service signs a tree head when the log has grown and
   * the key file exists; 0: never; default 3600)
   */
  verifiableLog: { keyFile: string; treeFile: string; treeHeadIntervalSeconds: number };
  /** answers cached by log position and persisted queries (DESIGN §11.22) */
  answers: AnswersConfig;
}

export interface AnswersConfig {
  /** `COMMUNIQUE_ANSWER_CACHE_BYTES`: memory for cached answers (0: no answer cache); 32 MiB */
  cacheBytes: number;
  /** `COMMUNIQUE_PERSISTED_QUERY_CHARS`: characters of registered persisted documents (0: none); 1 Mi */
  persistedQueryChars: number;
  /** `COMMUNIQUE_PUBLIC_MAX_AGE`: `max-age` (seconds) of answers to callers without a key; 0 */
  publicMaxAgeSeconds: number;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  constructor(variable: string, reason: string) {
    super(`${variable}: ${reason}`);
    this.name = 'ConfigError';
  }
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `expected an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): AppConfig {
  const dataDir = resolve(cwd, env.COMMUNIQUE_DATA_DIR || './data');
  const file = (name: string, fallback: string): string => {
    const raw = env[name];
    if (!raw) return join(dataDir, fallback);
    return isAbsolute(raw) ? raw : resolve(cwd, raw);
  };
  const eventStore = env.EVENT_STORE || 'sqlite';
  if (eventStore !== 'sqlite' && eventStore !== 'eventstoredb') {
    throw new ConfigError('EVENT_STORE', `expected "sqlite" or "eventstoredb", got "${eventStore}"`);
  }
  const connectionString = env.EVENTSTORE_CONNECTION_STRING || undefined;
  if (eventStore === 'eventstoredb' && connectionString === undefined) {
    throw new ConfigError(
      'EVENTSTORE_CONNECTION_STRING',
      'required with EVENT_STORE=eventstoredb, e.g. esdb://node1:2113,node2:2113,node3:2113?tls=true',
    );
  }
  if (connectionString !== undefined && !/^esdb(\+discover)?:\/\//.test(connectionString)) {
    throw new ConfigError(
      'EVENTSTORE_CONNECTION_STRING',
      'expected a connection string starting with esdb://',
    );
  }
  const logLevel = env.COMMUNIQUE_LOG === 'silent' ? 'silent' : env.COMMUNIQUE_LOG_LEVEL || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(
      'COMMUNIQUE_LOG_LEVEL',
      `expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`,
    );
  }
  const host = env.HOST || '127.0.0.1';
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    host,
    dataDir,
    eventsFile: file('COMMUNIQUE_EVENTS_FILE', 'events.db'),
    readModelFile: file('COMMUNIQUE_READ_MODEL_FILE', 'read-model.db'),
    demo: flag(env, 'COMMUNIQUE_DEMO', true),
    eventStore,
    ...(eventStore === 'eventstoredb' ? { eventStoreConnectionString: connectionString } : {}),
    eventStoreMaxAppendSize: integer(env, 'EVENTSTORE_MAX_APPEND_SIZE', 1024 * 1024, 1, 256 * 1024 * 1024),
    production: env.NODE_ENV === 'production',
    minPositionTimeoutMs: integer(env, 'COMMUNIQUE_MIN_POSITION_TIMEOUT_MS', 5000, 0, 60000),
    security: securityConfig(env, host),
    replica: flag(env, 'COMMUNIQUE_REPLICA', eventStore === 'eventstoredb'),
    readyMaxLag: integer(env, 'COMMUNIQUE_READY_MAX_LAG', 100, 0, Number.MAX_SAFE_INTEGER),
    logLevel: logLevel as LogLevel,
    readerLimits: {
      maxLineBytes: integer(env, 'COMMUNIQUE_MAX_LINE_BYTES', 1024 * 1024, 1, 256 * 1024 * 1024),
      maxFieldBytes: integer(env, 'COMMUNIQUE_MAX_FIELD_BYTES', 1024 * 1024, 1, 256 * 1024 * 1024),
    },
    verifiableLog: {
      keyFile: file('COMMUNIQUE_LOG_KEY_FILE', 'log-key.pem'),
      treeFile: file('COMMUNIQUE_LOG_TREE_FILE', 'log-tree.db'),
      treeHeadIntervalSeconds: integer(env, 'COMMUNIQUE_TREE_HEAD_INTERVAL_SECONDS', 3600, 0, 31 * 24 * 3600),
    },
    answers: {
      cacheBytes: integer(env, 'COMMUNIQUE_ANSWER_CACHE_BYTES', 32 * 1024 * 1024, 0, 16 * 1024 * 1024 * 1024),
      persistedQueryChars: integer(
        env,
        'COMMUNIQUE_PERSISTED_QUERY_CHARS',
        1024 * 1024,
        0,
        1024 * 1024 * 1024,
      ),
      publicMaxAgeSeconds: integer(env, 'COMMUNIQUE_PUBLIC_MAX_AGE', 0, 0, 31_536_000),
    },
  };
}

function securityConfig(env: NodeJS.ProcessEnv, host: string): SecurityConfig {
  try {
    return loadSecurityConfig(env, host);
  } catch (error) {
    if (error instanceof SecurityConfigError) throw new ConfigError(error.variable, error.reason);
    throw error;
  }
}
