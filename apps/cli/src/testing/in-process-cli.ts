import { CommanderError } from 'commander';
import {
  EventStoreDbEventStore,
  UpcastingEventStore,
  type EventStore,
  type EventStoreDbClientApi,
} from '#event-store';
import { loadConfig, statementUpcasters } from '#runtime';
import { buildProgram } from '../program.js';
import type { CliEnvironment } from '../stores.js';

/*
 * TEST SUPPORT (under testing/, so never built into dist/): runs `communique` verbs inside the test process,
 * with the event store a test chooses, e.g. the EventStoreDB adapter over the real client on a wire-level
 * test server that the test also holds (to look at or tamper with what is stored). The process's own run (`main.ts`) is the same program
 * with the process environment.
 */

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `communique <args>` in this process: what the verb prints to the console is captured, its exit code
 * (`process.exitCode`, or 1 for a thrown error, as `main.ts` reports it) returned and the process's own
 * exit code left as it was.
 */
export async function runCommunique(args: string[], environment: CliEnvironment): Promise<InProcessResult> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  const exitCode = process.exitCode;
  console.log = (...parts: unknown[]) => void out.push(parts.map(String).join(' ') + '\n');
  console.error = (...parts: unknown[]) => void err.push(parts.map(String).join(' ') + '\n');
  process.exitCode = undefined;
  let code: number;
  try {
    const program = buildProgram(environment).exitOverride();
    await program.parseAsync(['node', 'communique', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (thrown) {
    code = thrown instanceof CommanderError ? thrown.exitCode : 1;
    err.push(`${thrown instanceof Error ? thrown.message : String(thrown)}\n`);
  } finally {
    console.log = log;
    console.error = error;
    process.exitCode = exitCode;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/**
 * The environment of a process configured with `EVENT_STORE=eventstoredb` (and `env`), whose store is the
 * EventStoreDB adapter over `client` (on the wire-level test server, or on a real server's test prefix), wearing the statement
 * upcasters as the store factory's does. Each verb opens its own store and closes it (which disposes of the
 * client's connection; the server keeps its log).
 */
export function eventStoreDbEnvironment(env: Record<string, string>, open: () => EventStore): CliEnvironment {
  return {
    loadConfig: () =>
      loadConfig({
        COMMUNIQUE_DEMO: 'false',
        COMMUNIQUE_LOG: 'silent',
        EVENT_STORE: 'eventstoredb',
        EVENTSTORE_CONNECTION_STRING: 'esdb://kurrentdb1:2113,kurrentdb2:2113?tls=false',
        ...env,
      }),
    openEventStore: open,
  };
}

/** The configured store over `client`: the EventStoreDB adapter with the statement upcasters. */
export function eventStoreDbStore(client: EventStoreDbClientApi, streamPrefix = ''): EventStore {
  return new UpcastingEventStore(
    new EventStoreDbEventStore(client, { streamPrefix, initialRetryDelayMs: 5, maxRetryDelayMs: 50 }),
    statementUpcasters,
  );
}
