/**
 * Rebuild: events/s of `rebuildInto` (a fresh read model from position 0) over the large data set. It takes
 * `communique rebuild`'s path (`ReadModelBuild`: relaxed durability, indexes built at the end), and the time
 * includes building the indexes and the final fsync. Then the whole command, as an operator runs it:
 * `communique rebuild` in its own process (start-up, the build, the row-for-row comparison with the read
 * model just built, the swap), timed from spawn to exit.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteEventStore } from '#event-store';
import { rebuildInto } from '#projections';
import { ROOT, settings } from '../config.js';
import { dataSet, ensureEvents, keepAsReadModel, removeDatabase } from '../dataset.js';
import { report, round, type Figures } from '../report.js';

export async function rebuildScenario(): Promise<Figures> {
  const set = dataSet(settings.seed, settings.statements);
  await ensureEvents(set);
  const target = `${set.readModelFile}.rebuild`;
  removeDatabase(target);
  const store = SqliteEventStore.open(set.eventsFile);
  let events: number;
  let seconds: number;
  try {
    events = await store.eventCount();
    const started = performance.now();
    await rebuildInto(store, target);
    seconds = (performance.now() - started) / 1000;
  } finally {
    await store.close();
  }
  keepAsReadModel(set, target);
  const command = wholeCommandSeconds(set.eventsFile, set.readModelFile);
  const figures: Figures = {
    statements: set.statements,
    events,
    'rebuild seconds': round(seconds, 1),
    'rebuild, events/s': round(events / seconds),
    'communique rebuild (whole command, with its comparison) seconds': round(command, 1),
    'communique rebuild (whole command, with its comparison), events/s': round(events / command),
  };
  report('rebuild', figures);
  return figures;
}

/**
 * `communique rebuild` on the data set: it rebuilds into a new file beside `readModelFile`, compares it row for
 * row with `readModelFile` (equal: both are built from the same log by the same code) and swaps it in. A
 * difference or any other failure exits non-zero, which fails the scenario.
 */
function wholeCommandSeconds(eventsFile: string, readModelFile: string): number {
  const started = performance.now();
  execFileSync(process.execPath, [join(ROOT, 'dist/apps/cli/src/main.js'), 'rebuild'], {
    env: {
      ...process.env,
      COMMUNIQUE_EVENTS_FILE: eventsFile,
      COMMUNIQUE_READ_MODEL_FILE: readModelFile,
      COMMUNIQUE_DEMO: 'false',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return (performance.now() - started) / 1000;
}
