/** Disk: bytes per statement of the event store and of the read model of the large data set. */
import { settings } from '../config.js';
import { dataSet, ensureReadModel } from '../dataset.js';
import { fileBytes, report, round, type Figures } from '../report.js';

export async function diskScenario(): Promise<Figures> {
  const set = dataSet(settings.seed, settings.statements);
  await ensureReadModel(set);
  const events = fileBytes(set.eventsFile);
  const readModel = fileBytes(set.readModelFile);
  const figures: Figures = {
    statements: set.statements,
    'event store MB': round(events / 2 ** 20, 1),
    'event store bytes/statement': round(events / set.statements),
    'read model MB': round(readModel / 2 ** 20, 1),
    'read model bytes/statement': round(readModel / set.statements),
  };
  report('disk', figures);
  return figures;
}
