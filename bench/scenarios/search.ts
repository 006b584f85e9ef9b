/**
 * Search: p50/p95 of the read model's full-text search (`ReadModel.search`, what `searchStatements` answers
 * from) on the large data set, first page of 50, with and without `totalCount`.
 */
import { performance } from 'node:perf_hooks';
import { ReadModel } from '#read-model';
import { settings } from '../config.js';
import { dataSet, ensureReadModel } from '../dataset.js';
import { percentile, report, round, type Figures } from '../report.js';

/** Words the generator writes into statement texts: frequent, rare and absent. */
const TERMS = ['sanctions', 'negotiated settlement', 'humanitarian', 'escalation', 'xylophone'];

export async function searchScenario(): Promise<Figures> {
  const set = dataSet(settings.seed, settings.statements);
  await ensureReadModel(set);
  const readModel = ReadModel.open(set.readModelFile);
  try {
    const measure = (withCount: boolean): number[] => {
      const times: number[] = [];
      for (let i = 0; i < settings.queries; i++) {
        const started = performance.now();
        const page = readModel.search({ query: TERMS[i % TERMS.length] ?? '', first: 50 });
        if (withCount) void page.totalCount;
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b);
    };
    const page = measure(false);
    const counted = measure(true);
    const figures: Figures = {
      statements: set.statements,
      queries: settings.queries,
      'search p50 ms': round(percentile(page, 50), 2),
      'search p95 ms': round(percentile(page, 95), 2),
      'search with totalCount p50 ms': round(percentile(counted, 50), 2),
      'search with totalCount p95 ms': round(percentile(counted, 95), 2),
    };
    report('search', figures, [`terms: ${TERMS.join(', ')}`]);
    return figures;
  } finally {
    readModel.close();
  }
}
