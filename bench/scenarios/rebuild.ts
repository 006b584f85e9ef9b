/**
 * Rebuild: events/s of `rebuildInto` (a fresh read model from position 0) over the large data set. It takes
 * `communique rebuild`'s path (`ReadModelBuild`: relaxed durability, indexes built at the end), and the time
 * includes building the indexes and the final fsync.
 */
import { performance } from 'node:perf_hooks';
import { SqliteEventStore } from '#event-store';
import { rebuildInto } from '#projections';
import { settings } from '../config.js';
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
  const figures: Figures = {
    statements: set.statements,
    events,
    'rebuild seconds': round(seconds, 1),
    'rebuild, events/s': round(events / seconds),
  };
  report('rebuild', figures);
  return figures;
}
