/**
 * Search: p50/p95 of `searchStatements` on the large data set. The read model has no full-text search yet;
 * until it does, this scenario reports "search not available". To wire it: call the read model's search in
 * `search` below with a term from `TERMS`, and drop the availability check.
 */
import { performance } from 'node:perf_hooks';
import { ReadModel } from '#read-model';
import { settings } from '../config.js';
import { dataSet, ensureReadModel } from '../dataset.js';
import { percentile, report, round, type Figures } from '../report.js';

/** Words the generator writes into statement texts: frequent, rare and absent. */
const TERMS = ['sanctions', 'negotiated settlement', 'humanitarian', 'escalation', 'xylophone'];

type Searchable = { searchStatements?: (query: string, request: { first: number }) => unknown };

export async function searchScenario(): Promise<Figures> {
  const set = dataSet(settings.seed, settings.statements);
  await ensureReadModel(set);
  const readModel = ReadModel.open(set.readModelFile);
  try {
    const search = (readModel as unknown as Searchable).searchStatements;
    if (typeof search !== 'function') {
      const figures: Figures = {
        'search p50 ms': null,
        'search p95 ms': null,
        status: 'search not available',
      };
      report('search', figures, ['search not available: the read model has no searchStatements yet']);
      return figures;
    }
    const times: number[] = [];
    for (let i = 0; i < settings.queries; i++) {
      const started = performance.now();
      search.call(readModel, TERMS[i % TERMS.length], { first: 50 });
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const figures: Figures = {
      statements: set.statements,
      queries: settings.queries,
      'search p50 ms': round(percentile(times, 50), 2),
      'search p95 ms': round(percentile(times, 95), 2),
    };
    report('search', figures, [`terms: ${TERMS.join(', ')}`]);
    return figures;
  } finally {
    readModel.close();
  }
}
