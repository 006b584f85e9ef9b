/**
 * The benchmark suite: `npm run bench` runs every scenario (or those of `BENCH_SCENARIOS`), each printing a
 * table and writing `bench/results/<scenario>.json`, then prints the summary against the targets and writes
 * `bench/results/summary.json`. Settings: see `config.ts`. Never part of `npm test`.
 */
import { settings, type ScenarioName } from './config.js';
import { report, type Figure, type Figures } from './report.js';
import { asOfScenario } from './scenarios/as-of.js';
import { diskScenario } from './scenarios/disk.js';
import { graphqlScenario } from './scenarios/graphql.js';
import { importScenario } from './scenarios/import.js';
import { liveScenario } from './scenarios/live.js';
import { rebuildScenario } from './scenarios/rebuild.js';
import { searchScenario } from './scenarios/search.js';
import { verifiableLogScenario } from './scenarios/verifiable-log.js';

const RUNNERS: Record<ScenarioName, () => Promise<Figures>> = {
  import: importScenario,
  rebuild: rebuildScenario,
  graphql: graphqlScenario,
  'as-of': asOfScenario,
  search: searchScenario,
  disk: diskScenario,
  live: liveScenario,
  'verifiable-log': verifiableLogScenario,
};

interface Target {
  scenario: ScenarioName;
  figure: string;
  label: string;
  /** the figure must be at least (`min`) or at most (`max`) this */
  min?: number;
  max?: number;
}

const TARGETS: Target[] = [
  { scenario: 'import', figure: 'ours, statements/s', label: 'import, statements/s', min: 30_000 },
  {
    scenario: 'import',
    figure: 'ours / floor at our transaction size',
    label: 'import, ours / raw floor',
    min: 0.4,
  },
  {
    scenario: 'import',
    figure: 'ours / floor at the batch size',
    label: 'import, ours / batched raw floor',
    min: 0.4,
  },
  {
    scenario: 'import',
    figure: 'communique import (whole command) / floor at the batch size',
    label: 'import, communique import (whole command, start-up included) / batched raw floor',
    min: 0.4,
  },
  {
    scenario: 'import',
    figure: 'whole importer / floor at the batch size',
    label: 'import, whole importer in process (NDJSON, decide, append) / batched raw floor',
  },
  { scenario: 'import', figure: 'ours / emmett', label: 'import, ours / Emmett', min: 1 },
  {
    scenario: 'rebuild',
    figure: 'communique rebuild (whole command, with its comparison), events/s',
    label: 'rebuild, events/s (communique rebuild, whole command with its comparison)',
    min: 50_000,
  },
  { scenario: 'rebuild', figure: 'rebuild, events/s', label: 'rebuild, events/s (rebuildInto alone)' },
  // issue 14's table: hot against the same bytes from memory, cold against the app's own floor
  {
    scenario: 'graphql',
    figure: 'app / static (hot)',
    label: 'hot countryTimeline(first: 50), app / same bytes from memory',
    min: 0.5,
  },
  { scenario: 'graphql', figure: 'app, requests/s', label: 'hot countryTimeline(first: 50), requests/s' },
  { scenario: 'graphql', figure: 'app, p99 ms', label: 'hot countryTimeline(first: 50), p99 ms', max: 20 },
  {
    scenario: 'graphql',
    figure: 'static, requests/s',
    label: 'HTTP ceiling (same bytes from memory), requests/s',
  },
  {
    scenario: 'graphql',
    figure: 'mercurius, requests/s',
    label: 'GraphQL ceiling (bare Mercurius, JIT), hot requests/s',
  },
  {
    scenario: 'graphql',
    figure: 'app cold, requests/s',
    label: 'cold timeline pages, requests/s',
    min: 1500,
  },
  { scenario: 'graphql', figure: 'app cold, p99 ms', label: 'cold timeline pages, p99 ms', max: 100 },
  {
    scenario: 'graphql',
    figure: 'app cold / bare mercurius cold',
    label: 'cold, app / bare Mercurius (JIT)',
  },
  { scenario: 'graphql', figure: 'app / bare mercurius', label: 'hot, app / bare Mercurius (JIT)', min: 0.6 },
  { scenario: 'graphql', figure: 'app / apollo', label: 'hot, app / Apollo driver', min: 1.5 },
  { scenario: 'graphql', figure: 'app, peak RSS MB', label: 'API peak RSS under load, MB', max: 250 },
  {
    scenario: 'as-of',
    figure: 'as-of countryTimeline(first: 50) p95 ms',
    label: 'as-of timeline p95 ms',
    max: 20,
  },
  { scenario: 'search', figure: 'search p95 ms', label: 'search p95 ms (common words)', max: 50 },
  { scenario: 'disk', figure: 'event store bytes/statement', label: 'event store, bytes/statement' },
  { scenario: 'disk', figure: 'read model bytes/statement', label: 'read model, bytes/statement', max: 2000 },
  {
    scenario: 'live',
    figure: 'largest / 1 subscriber, writes/s',
    label: 'live, writes/s with 1,000 subscribers / with 1',
    min: 0.67,
  },
  {
    scenario: 'live',
    figure: 'largest, messages/s',
    label: 'live, messages delivered/s (1,000)',
    min: 100_000,
  },
  { scenario: 'live', figure: 'largest, p99 ms', label: 'live, delivery p99 ms (1,000)', max: 250 },
  {
    scenario: 'live',
    figure: 'slow: RSS growth MB',
    label: 'live, RSS growth with 100 paused (after as many writes read), MB',
    max: 20,
  },
  {
    scenario: 'live',
    figure: 'slow: writes/s paused / reading',
    label: 'live, writes/s with 100 paused / reading',
    min: 0.9,
  },
];

function verdict(target: Target, value: Figure | undefined): string {
  if (typeof value !== 'number') return 'not measured';
  if (target.min !== undefined) return value >= target.min ? 'met' : 'MISSED';
  if (target.max !== undefined) return value <= target.max ? 'met' : 'MISSED';
  return '';
}

async function main(): Promise<void> {
  console.log(`bench: ${JSON.stringify(settings)}`);
  const results = new Map<ScenarioName, Figures>();
  const failures: string[] = [];
  for (const scenario of settings.scenarios) {
    try {
      results.set(scenario, await RUNNERS[scenario]());
    } catch (error) {
      console.error(`scenario ${scenario} failed:`, error);
      failures.push(`${scenario}: ${(error as Error).message}`);
    }
  }
  const summary: Figures = {};
  const rows = TARGETS.filter((t) => settings.scenarios.includes(t.scenario)).map((target) => {
    const value = results.get(target.scenario)?.[target.figure];
    summary[target.label] = value ?? null;
    const goal =
      target.min !== undefined ? `>= ${target.min}` : target.max !== undefined ? `<= ${target.max}` : '';
    return { figure: target.label, value: value ?? null, target: goal, verdict: verdict(target, value) };
  });
  console.log('\n== summary');
  console.table(rows);
  report(
    'summary',
    summary,
    failures.map((failure) => `failed: ${failure}`),
    false,
  );
  for (const failure of failures) console.log(`failed: ${failure}`);
  if (failures.length > 0) process.exitCode = 1;
}

await main();
