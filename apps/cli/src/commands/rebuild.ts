import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { Command } from 'commander';
import type { EventStore, Position } from '#event-store';
import { ProjectionRunner, ReadModelBuild } from '#projections';
import {
  ReadModel,
  ReadModelUnusableError,
  describeDifference,
  firstDifference,
  moveIntoPlace,
} from '#read-model';
import type { AppConfig } from '../../../api/src/config/app-config.js';
import { handoverFiles, runningApiPid, writeAtomically } from '../../../api/src/audit/read-model-handover.js';
import { Progress } from '../progress.js';
import { openExistingEventStore, processEnvironment, progressTotal, type CliEnvironment } from '../stores.js';

/** How long to wait for a running API: to catch its read model up for the comparison, and to swap. */
const API_WAIT_MS = 120_000;

export function registerRebuild(program: Command, environment: CliEnvironment = processEnvironment): void {
  program
    .command('rebuild')
    .description(
      'rebuild every read model from position 0 into a new file, compare it row for row with the live one, ' +
        'and swap it in (through the running API if there is one, which keeps serving meanwhile)',
    )
    .option('--no-compare', 'skip the comparison with the live read model')
    .action(async (options: { compare: boolean }) => {
      const config = environment.loadConfig();
      const ok = await rebuild(config, openExistingEventStore(environment, config), options.compare);
      if (!ok) process.exitCode = 1;
    });
}

/** Rebuilds the read model of `config` from `store` (any adapter; closed here). */
export async function rebuild(config: AppConfig, store: EventStore, compare: boolean): Promise<boolean> {
  const target = `${config.readModelFile}.rebuild-${Date.now()}`;
  let build: ReadModelBuild | undefined;
  const startedAt = Date.now();
  try {
    const progress = new Progress('rebuilding', { unit: 'events', total: await progressTotal(store) });
    build = ReadModelBuild.start(store, target, { onProgress: (n) => progress.update(n) });
    await build.catchUp();
    progress.finish(build.eventsApplied);

    const apiPid = runningApiPid(config.readModelFile);
    if (compare) {
      const outcome = await compareWithLive(store, build, config.readModelFile, apiPid);
      if (outcome.difference !== undefined) {
        console.error(
          `communique rebuild: the rebuilt read model differs from the live one at position ` +
            `${outcome.position}: ${outcome.difference}; the live one is left as it is`,
        );
        return false;
      }
      console.log(outcome.message);
    }
    const finishing = Date.now();
    const events = build.eventsApplied;
    build.finish();
    build = undefined;
    console.log(`indexed and synced to disk in ${((Date.now() - finishing) / 1000).toFixed(1)} s`);

    if (apiPid !== undefined) {
      const position = await handOver(config.readModelFile, target, apiPid);
      console.log(`the running API (pid ${apiPid}) now serves the rebuilt read model (position ${position})`);
    } else {
      moveIntoPlace(target, config.readModelFile);
      console.log(`no API running on ${config.readModelFile}: swapped the files`);
    }
    // the whole command: build, comparison, indexes, fsync and swap
    const seconds = (Date.now() - startedAt) / 1000;
    console.log(
      `rebuilt ${events} events in ${seconds.toFixed(1)} s (${Math.round(events / seconds)} events/s)`,
    );
    return true;
  } finally {
    build?.abandon();
    if (existsSync(target)) rmSync(target, { force: true });
    await store.close();
  }
}

interface Comparison {
  message: string;
  position?: Position;
  difference?: string;
}

/**
 * Compares the rebuilt read model with the live one at the same log position. When the live one is ahead,
 * the rebuild catches up; when it is behind, a running API is given time to catch it up, and without one the
 * live file is caught up here (what the API would do at start-up).
 */
async function compareWithLive(
  store: EventStore,
  build: ReadModelBuild,
  liveFile: string,
  apiPid: number | undefined,
): Promise<Comparison> {
  if (!existsSync(liveFile)) return { message: 'no live read model to compare with' };
  const deadline = Date.now() + API_WAIT_MS;
  for (;;) {
    let live: ReadModel;
    try {
      live = ReadModel.open(liveFile, { readonly: true });
    } catch (error) {
      if (!(error instanceof ReadModelUnusableError)) throw error;
      return { message: `the live read model cannot be read (${error.message}): not compared` };
    }
    let liveAt: Position;
    let difference: string | undefined;
    try {
      [liveAt, difference] = live.transaction(() => {
        const at = live.checkpoint('statements');
        if (at !== build.checkpoint) return [at, undefined] as const;
        const found = firstDifference(live, build.readModel);
        return [at, found === undefined ? undefined : describeDifference(found)] as const;
      });
    } finally {
      live.close();
    }
    const at = build.checkpoint;
    if (liveAt === at) {
      return difference === undefined
        ? { message: `compared with the live read model at position ${at}: equal, row for row` }
        : { message: '', position: at, difference };
    }
    if (liveAt > at) {
      await build.catchUp();
    } else if (apiPid !== undefined) {
      if (Date.now() > deadline) {
        throw new Error(`the running API's read model stayed behind the log (at ${liveAt}, head ${at})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    } else {
      const writable = ReadModel.open(liveFile);
      try {
        await new ProjectionRunner(store, writable).catchUp();
      } finally {
        writable.close();
      }
    }
  }
}

/** Asks the running API to take the rebuilt file; resolves with the position it serves from. */
async function handOver(liveFile: string, file: string, apiPid: number): Promise<string> {
  const files = handoverFiles(liveFile);
  rmSync(files.result, { force: true });
  writeAtomically(files.request, JSON.stringify({ file }) + '\n');
  const deadline = Date.now() + API_WAIT_MS;
  while (!existsSync(files.result)) {
    if (Date.now() > deadline || runningApiPid(liveFile) !== apiPid) {
      rmSync(files.request, { force: true });
      throw new Error(`the API (pid ${apiPid}) did not take the rebuilt read model; nothing was swapped`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const result = JSON.parse(readFileSync(files.result, 'utf8')) as {
    ok: boolean;
    position?: string;
    error?: string;
  };
  rmSync(files.result, { force: true });
  if (!result.ok) throw new Error(`the API (pid ${apiPid}) refused the rebuilt read model: ${result.error}`);
  return result.position ?? '?';
}
