import { existsSync } from 'node:fs';
import type { EventStore, Position } from '#event-store';
import { ReadModel } from '#read-model';
import { ProjectionRunner, type ProjectionRunnerOptions } from './projection-runner.js';

/**
 * Builds a fresh read model in `file` from position 0, closes it, and returns the position it reached; open
 * it with `ReadModel.open(file)`. The file must not exist yet. The swap-while-serving rebuild builds on this.
 */
export async function rebuildInto(
  store: EventStore,
  file: string,
  options: Pick<ProjectionRunnerOptions, 'name' | 'batchSize'> = {},
): Promise<Position> {
  if (existsSync(file)) throw new Error(`rebuild target ${file} already exists`);
  const readModel = ReadModel.open(file);
  try {
    return await new ProjectionRunner(store, readModel, options).catchUp();
  } finally {
    readModel.close();
  }
}
