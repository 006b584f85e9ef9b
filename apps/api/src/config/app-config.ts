import { isAbsolute, join, resolve } from 'node:path';
import { loadSecurityConfig, SecurityConfigError, type SecurityConfig } from '../security/security-config.js';

/** The service's configuration, read once from the environment (DESIGN §10). */
export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  eventsFile: string;
  readModelFile: string;
  demo: boolean;
  eventStore: 'sqlite';
  production: boolean;
  /** how long a query with `minPosition` waits for the read model, in ms */
  minPositionTimeoutMs: number;
  /** keys, roles, GraphQL limits and rate limits (docs/SECURITY.md) */
  security: SecurityConfig;
}

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
  if (eventStore !== 'sqlite') {
    throw new ConfigError(
      'EVENT_STORE',
      eventStore === 'eventstoredb'
        ? 'the EventStoreDB adapter is not part of this build yet; use "sqlite"'
        : `expected "sqlite" or "eventstoredb", got "${eventStore}"`,
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
    production: env.NODE_ENV === 'production',
    minPositionTimeoutMs: integer(env, 'COMMUNIQUE_MIN_POSITION_TIMEOUT_MS', 5000, 0, 60000),
    security: securityConfig(env, host),
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
