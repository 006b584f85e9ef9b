import { existsSync, rmSync } from 'node:fs';
import type { EventStore, Position } from '#event-store';
import { ReadModel } from '#read-model';
import { ProjectionRunner, type ProjectionRunnerOptions } from './projection-runner.js';

/**
 * Builds a fresh read model in `file` from position 0, closes it durably, and returns the position it
 * reached; open it with `ReadModel.open(file)`. The file must not exist yet. It takes the same path as
 * `communique rebuild` (`ReadModelBuild`: relaxed durability, indexes built at the end); if it fails, the
 * partial file is removed.
 */
export async function rebuildInto(
  store: EventStore,
  file: string,
  options: Pick<ProjectionRunnerOptions, 'name' | 'batchSize'> = {},
): Promise<Position> {
  const build = ReadModelBuild.start(store, file, options);
  try {
    const position = await build.catchUp();
    build.finish();
    return position;
  } catch (error) {
    build.abandon();
    for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    throw error;
  }
}

export interface RebuildOptions {
  /** the checkpoint's name; default `statements` */
  name?: string;
  /** called after each applied batch with the number of events applied so far */
  onProgress?: (events: number) => void;
  /** events per transaction; default 20000 (the file is written without a journal, so bigger is cheaper) */
  batchSize?: number;
}

/** A read model under construction: open, with relaxed durability, and the runner that fills it. */
export class ReadModelBuild {
  private applied = 0;
  private constructor(
    readonly readModel: ReadModel,
    private readonly runner: ProjectionRunner,
  ) {}

  /**
   * Starts a build in `file`, which must not exist: written with relaxed durability (no journal,
   * `synchronous=OFF`, large batches) since nothing reads it until `finish()` has made it durable.
   */
  static start(store: EventStore, file: string, options: RebuildOptions = {}): ReadModelBuild {
    if (existsSync(file)) throw new Error(`rebuild target ${file} already exists`);
    const readModel = ReadModel.open(file, { relaxedDurability: true });
    const runner = new ProjectionRunner(store, readModel, {
      name: options.name,
      batchSize: options.batchSize ?? 20000,
    });
    const build = new ReadModelBuild(readModel, runner);
    runner.onApplied((events) => {
      build.applied += events.length;
      options.onProgress?.(build.applied);
    });
    return build;
  }

  /** Applies every event stored after the build's checkpoint; resolves with the new checkpoint. */
  catchUp(): Promise<Position> {
    return this.runner.catchUp();
  }

  get checkpoint(): Position {
    return this.runner.checkpoint;
  }

  /** events applied by this build so far */
  get eventsApplied(): number {
    return this.applied;
  }

  /** Closes the file durably (everything on disk, fsynced): ready to be renamed into service. */
  finish(): void {
    this.readModel.closeDurably();
  }

  /** Closes the file without keeping it. */
  abandon(): void {
    this.readModel.close();
  }
}
