import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EventStore, type Position } from '#event-store';
import { ProjectionRunner } from '#projections';
import { ReadModel } from '#read-model';
import { handoverFiles, writeAtomically, type AppConfig } from '#runtime';
import { APP_CONFIG } from '../infrastructure/tokens.js';

/** How often the API looks for a swap request. */
const POLL_MS = 200;

/**
 * The API's side of the rebuild hand-over (the file handshake of `handoverFiles` in #runtime): notices a swap request, brings the rebuilt read model up to the
 * log head, and swaps it in between two requests. Queries keep being answered from the old file until the
 * (synchronous) swap; a mutation's own catch-up waits for the swap and then projects into the new file, so
 * read-your-writes holds throughout.
 */
@Injectable()
export class ReadModelHandover implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Rebuild');
  private readonly files: ReturnType<typeof handoverFiles>;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: EventStore,
    private readonly readModel: ReadModel,
    private readonly projections: ProjectionRunner,
  ) {
    this.files = handoverFiles(config.readModelFile);
  }

  onApplicationBootstrap(): void {
    writeAtomically(this.files.presence, JSON.stringify({ pid: process.pid }) + '\n');
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    try {
      const owner = (JSON.parse(readFileSync(this.files.presence, 'utf8')) as { pid: number }).pid;
      if (owner === process.pid) rmSync(this.files.presence, { force: true });
    } catch {
      // already gone or replaced by another process: nothing of ours to remove
    }
  }

  /** One look for a request; at most one swap at a time. */
  async poll(): Promise<void> {
    if (this.busy || !existsSync(this.files.request)) return;
    this.busy = true;
    try {
      let file: string;
      try {
        file = (JSON.parse(readFileSync(this.files.request, 'utf8')) as { file: string }).file;
      } finally {
        rmSync(this.files.request, { force: true });
      }
      const position = await this.swapIn(file);
      writeAtomically(this.files.result, JSON.stringify({ ok: true, position: String(position) }) + '\n');
      this.logger.log(`now serving the rebuilt read model (position ${position})`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error(`rebuilt read model refused: ${message}`);
      writeAtomically(this.files.result, JSON.stringify({ ok: false, error: message }) + '\n');
    } finally {
      this.busy = false;
    }
  }

  private async swapIn(file: string): Promise<Position> {
    const live = this.config.readModelFile;
    if (
      typeof file !== 'string' ||
      dirname(file) !== dirname(live) ||
      !basename(file).startsWith(`${basename(live)}.rebuild-`)
    ) {
      throw new Error(`${String(file)} is not a rebuild of ${live}`);
    }
    if (!existsSync(file)) throw new Error(`${file} does not exist`);
    await this.projections.stop();
    try {
      return await this.projections.exclusive(async () => {
        const fresh = ReadModel.open(file);
        try {
          await new ProjectionRunner(this.store, fresh).catchUp();
        } catch (error) {
          fresh.close();
          throw error;
        }
        fresh.closeDurably();
        this.readModel.replaceWith(file);
        return this.projections.reloadCheckpoint();
      });
    } finally {
      this.projections.start();
    }
  }
}
