/**
 * Benchmark settings, all from the environment so that the sizes are one variable away:
 *
 * - `BENCH_STATEMENTS` (100000): statements in the large store that rebuild, GraphQL, as-of, memory and disk use
 *   (the figure is 1000000);
 * - `BENCH_IMPORT_STATEMENTS` (20000) and `BENCH_IMPORT_BATCH` (1000 statements): the import scenario;
 * - `BENCH_SEED` (42): the generator's seed;
 * - `BENCH_CONNECTIONS` (50), `BENCH_ROUNDS` (3), `BENCH_DURATION` (5 seconds a round), `BENCH_WARMUP` (2 seconds
 *   a round): the HTTP load, each server measured once per round;
 * - `BENCH_QUERIES` (500): timed reads of the as-of and search scenarios;
 * - `BENCH_SCENARIOS` (all): a comma-separated subset of `import,rebuild,graphql,as-of,search,disk,live`;
 * - `BENCH_CPU_PROF` (off): write V8 CPU profiles of the GraphQL servers to `bench/results/profiles/`;
 * - `BENCH_LIVE_DURATION` (15 s), `BENCH_LIVE_SLOW_DURATION` (25 s), `BENCH_LIVE_SLOW_PER_CONNECTION` (1),
 *   `BENCH_LIVE_SUBSCRIBERS` (1,300,1000): the
 *   live-updates scenario.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function count(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`${name}: expected an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

export const SCENARIOS = ['import', 'rebuild', 'graphql', 'as-of', 'search', 'disk', 'live'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

function scenarios(): ScenarioName[] {
  const raw = process.env.BENCH_SCENARIOS;
  if (!raw) return [...SCENARIOS];
  const names = raw.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(SCENARIOS as readonly string[]).includes(name)) {
      throw new Error(`BENCH_SCENARIOS: unknown scenario "${name}"; known: ${SCENARIOS.join(', ')}`);
    }
  }
  return names as ScenarioName[];
}

/** The project root: this file runs as dist/bench/config.js. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BENCH_DIR = join(ROOT, 'bench');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
export const DATA_DIR = join(BENCH_DIR, '.data');
export const PEERS_DIR = join(BENCH_DIR, 'peers');
/** where data sets are prepared: a RAM disk when there is one (no fsync cost), else the data folder */
export const SCRATCH_DIR = existsSync('/dev/shm') ? '/dev/shm' : DATA_DIR;

export const settings = {
  statements: count('BENCH_STATEMENTS', 100_000),
  importStatements: count('BENCH_IMPORT_STATEMENTS', 20_000),
  importBatch: count('BENCH_IMPORT_BATCH', 1000),
  seed: count('BENCH_SEED', 42, 0),
  connections: count('BENCH_CONNECTIONS', 50),
  rounds: count('BENCH_ROUNDS', 3),
  durationSeconds: count('BENCH_DURATION', 5),
  warmupSeconds: count('BENCH_WARMUP', 2, 0),
  queries: count('BENCH_QUERIES', 500),
  scenarios: scenarios(),
  cpuProfile: /^(1|true|yes)$/i.test(process.env.BENCH_CPU_PROF ?? ''),
  /** live updates: seconds of writes per row, and of the slow-consumer run */
  liveSeconds: count('BENCH_LIVE_DURATION', 15),
  liveSlowSeconds: count('BENCH_LIVE_SLOW_DURATION', 25),
  liveSlowPerConnection: count('BENCH_LIVE_SLOW_PER_CONNECTION', 1),
  /** live updates: the subscriber counts of the table */
  liveSubscribers: (process.env.BENCH_LIVE_SUBSCRIBERS ?? '1,300,1000').split(',').map((n) => {
    const value = Number(n.trim());
    if (!Number.isSafeInteger(value) || value < 1)
      throw new Error(`BENCH_LIVE_SUBSCRIBERS: bad count "${n}"`);
    return value;
  }),
};
