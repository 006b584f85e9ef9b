/**
 * As-of: latency of the read model's position-based as-of timeline, `countryTimeline(key, { asOf })`, for
 * positions spread over the log and the busiest countries, straight from the read model (no HTTP).
 */
import { performance } from 'node:perf_hooks';
import { ReadModel } from '#read-model';
import { SqliteEventStore } from '#event-store';
import { settings } from '../config.js';
import { dataSet, ensureReadModel } from '../dataset.js';
import { countryPool, prng } from '../generator.js';
import { percentile, report, round, type Figures } from '../report.js';

export async function asOfScenario(): Promise<Figures> {
  const set = dataSet(settings.seed, settings.statements);
  await ensureReadModel(set);
  const store = SqliteEventStore.open(set.eventsFile);
  const head = await store.headPosition();
  await store.close();
  const readModel = ReadModel.open(set.readModelFile);
  const countries = countryPool().slice(0, 10);
  const random = prng(settings.seed + 1);
  const asOfTimes: number[] = [];
  const currentTimes: number[] = [];
  try {
    for (let i = 0; i < settings.queries; i++) {
      const country = countries[Math.floor(random() * countries.length)];
      const asOf = 1n + BigInt(Math.floor(random() * Number(head)));
      let started = performance.now();
      readModel.countryTimeline(country, { first: 50, order: 'ASC', asOf });
      asOfTimes.push(performance.now() - started);
      started = performance.now();
      readModel.countryTimeline(country, { first: 50, order: 'ASC' });
      currentTimes.push(performance.now() - started);
    }
  } finally {
    readModel.close();
  }
  asOfTimes.sort((a, b) => a - b);
  currentTimes.sort((a, b) => a - b);
  const figures: Figures = {
    statements: set.statements,
    queries: settings.queries,
    'as-of countryTimeline(first: 50) p50 ms': round(percentile(asOfTimes, 50), 2),
    'as-of countryTimeline(first: 50) p95 ms': round(percentile(asOfTimes, 95), 2),
    'current countryTimeline(first: 50) p50 ms': round(percentile(currentTimes, 50), 2),
    'current countryTimeline(first: 50) p95 ms': round(percentile(currentTimes, 95), 2),
  };
  report('as-of', figures, ['top-10 countries, positions uniform over the log; read model only, no HTTP']);
  return figures;
}
