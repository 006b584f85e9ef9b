import type { EventStore, Position, RecordedEvent, Subscription } from '#event-store';
import { asOfWrites, type ReadModel } from '#read-model';
import { projectStatementEvents } from './statement-projection.js';
import { projectStoryEvents } from './story-projection.js';

export interface ProjectionRunnerOptions {
  /** the checkpoint's name; default `statements` */
  name?: string;
  /**
   * events per catch-up transaction; default 5000. Larger batches write each touched read-model page once per
   * batch instead of once per few events: 5000 projects about twice as fast as 500 (docs/PERFORMANCE.md).
   */
  batchSize?: number;
  /** most events per live transaction; default 100 (fewer when the subscription goes quiet) */
  liveBatchSize?: number;
  /** first delay before resubscribing after a subscription error; doubles up to `retryMaxMs` */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** subscription errors, failed batches and throwing listeners end up here (default: ignored) */
  onError?: (error: unknown) => void;
}

export interface ProjectionStatus {
  name: string;
  /** last position applied to the read model (0n: nothing yet) */
  checkpoint: Position;
  /** last position in the event store */
  head: Position;
  /**
   * events not applied yet, counted by the store (`countEventsAfter`), never `head - checkpoint` (positions
   * are byte offsets on EventStoreDB), and at most `lagCountLimit(store)`: a safe integer that also fits
   * GraphQL's 32-bit `Int`. When there are more, it is the limit and `lagCapped` is true.
   */
  lag: number;
  /** present (true) only when more events than `lag` wait: the count stopped at its limit */
  lagCapped?: true;
  /** whether the live loop runs */
  live: boolean;
  /** the last error of the live loop, cleared by the next applied batch */
  lastError: string | null;
}

/**
 * How far `lag` counts: a million events where the store counts on an index (SQLite), ten thousand where
 * counting reads the events (EventStoreDB), so that asking for the status stays cheap. Both fit a GraphQL Int.
 */
export function lagCountLimit(store: EventStore): number {
  return store.capabilities.indexedCount ? 1_000_000 : 10_000;
}

/**
 * The events of the log after `checkpoint`, counted by the store up to `limit`: `{ lag }`, or
 * `{ lag: limit, lagCapped: true }` when more wait. `head` (the store's last position) spares the count when
 * the checkpoint is there.
 */
export async function lagInEvents(
  store: EventStore,
  checkpoint: Position,
  head: Position,
  limit: number,
): Promise<{ lag: number; lagCapped?: true }> {
  if (head <= checkpoint) return { lag: 0 };
  const counted = await store.countEventsAfter(checkpoint, Math.min(limit + 1, Number.MAX_SAFE_INTEGER));
  return counted > limit ? { lag: limit, lagCapped: true } : { lag: counted };
}

/** Called after each committed batch with its events (in order) and the new checkpoint. */
export type AppliedListener = (events: readonly RecordedEvent[], checkpoint: Position) => void;

interface LiveLoop {
  stopping: boolean;
  subscription?: Subscription;
  wake?: () => void;
  done?: Promise<void>;
}

interface Waiter {
  position: Position;
  resolve: (reached: boolean) => void;
  timer: NodeJS.Timeout;
}

/**
 * Runs the statements projection: reads the log from the checkpoint and applies each batch of events and the
 * new checkpoint in ONE read-model transaction, so a crash never skips or double-applies an event.
 *
 * - `catchUp()` reads `readAll` in batches up to the head; calls are serialised (a second one waits for the
 *   first, then catches up whatever was appended meanwhile).
 * - `start()` runs a live loop on `subscribeToAll` from the checkpoint, resubscribing with bounded backoff
 *   after errors; `stop()` ends it.
 * Both may run at once: a batch only applies events after the checkpoint it reads inside its transaction,
 * and each reader delivers every event after its own start in order, so nothing is applied twice or lost.
 *
 * The runner keeps no projection state of its own besides a cached copy of the checkpoint.
 */
export class ProjectionRunner {
  readonly name: string;
  private readonly batchSize: number;
  private readonly liveBatchSize: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly onError: (error: unknown) => void;
  private position: Position;
  private catchUpQueue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<AppliedListener>();
  private waiters: Waiter[] = [];
  private live: LiveLoop | undefined;
  private lastError: unknown = null;

  constructor(
    private readonly store: EventStore,
    private readonly readModel: ReadModel,
    options: ProjectionRunnerOptions = {},
  ) {
    this.name = options.name ?? 'statements';
    this.batchSize = positiveInteger(options.batchSize ?? 5000, 'batchSize');
    this.liveBatchSize = positiveInteger(options.liveBatchSize ?? 100, 'liveBatchSize');
    this.retryBaseMs = options.retryBaseMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 5000;
    this.onError = options.onError ?? (() => undefined);
    this.position = readModel.checkpoint(this.name);
  }

  /** The last position applied. */
  get checkpoint(): Position {
    return this.position;
  }

  /** Applies every stored event after the checkpoint; resolves with the new checkpoint. */
  catchUp(): Promise<Position> {
    const run = this.catchUpQueue.then(() => this.catchUpNow());
    this.catchUpQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * Runs `task` while no catch-up runs: catch-ups asked for meanwhile (a mutation waiting for its own write)
   * wait until it is done. For work that replaces the read model under the runner (rebuild hand-over); stop
   * the live loop first.
   */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.catchUpQueue.then(task);
    this.catchUpQueue = run.catch(() => undefined);
    return run;
  }

  /** Re-reads the checkpoint from the read model: after the read model's file was replaced. */
  reloadCheckpoint(): Position {
    this.position = this.readModel.checkpoint(this.name);
    return this.position;
  }

  /** Starts the live loop (no-op when it runs). */
  start(): void {
    if (this.live !== undefined) return;
    const live: LiveLoop = { stopping: false };
    this.live = live;
    live.done = this.runLive(live);
  }

  /** Stops the live loop and waits until it has ended (events already received are applied first). */
  async stop(): Promise<void> {
    const live = this.live;
    if (live === undefined) return;
    live.stopping = true;
    live.wake?.();
    await live.subscription?.close();
    await live.done;
    this.live = undefined;
  }

  /** Resolves true as soon as the checkpoint is at or past `position`, false after `timeoutMs`. */
  waitForPosition(position: Position, timeoutMs: number): Promise<boolean> {
    if (this.position >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        position,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * One entry per projection this runner runs (today one: `statements`); a list because the API serves
   * `projections: [ProjectionStatus!]!` and more read models will join.
   */
  async status(): Promise<ProjectionStatus[]> {
    const head = await this.store.headPosition();
    const checkpoint = this.position;
    const lag = await lagInEvents(this.store, checkpoint, head, lagCountLimit(this.store));
    return [
      {
        name: this.name,
        checkpoint,
        head,
        ...lag,
        live: this.live !== undefined,
        lastError: this.lastError === null ? null : errorMessage(this.lastError),
      },
    ];
  }

  /** Registers a listener for applied batches; returns the function that removes it. */
  onApplied(listener: AppliedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async catchUpNow(): Promise<Position> {
    for (;;) {
      const batch: RecordedEvent[] = [];
      for await (const event of this.store.readAll({
        fromPosition: this.position,
        maxCount: this.batchSize,
      })) {
        batch.push(event);
      }
      if (batch.length > 0) this.applyBatch(batch);
      if (batch.length < this.batchSize) return this.position;
      // Let I/O in between batches: a long catch-up must not starve requests (probes, metrics, queries).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /**
   * One transaction: the events after the stored checkpoint, the as-of index entries of every one of them
   * (whatever its stream: the index maps recorded times to log positions), then the checkpoint itself.
   */
  private applyBatch(events: readonly RecordedEvent[]): void {
    const applied = this.readModel.writeBatch((batch) => {
      const checkpoint = this.readModel.checkpoint(this.name);
      const fresh = events.filter((event) => event.position > checkpoint);
      const last = fresh.at(-1);
      if (last === undefined) return fresh;
      projectStatementEvents(batch, fresh);
      projectStoryEvents(batch, fresh);
      for (const event of fresh) batch.apply(event.position, asOfWrites(event.metadata.recordedAt));
      this.readModel.saveCheckpoint(this.name, last.position);
      return fresh;
    });
    const last = applied.at(-1);
    if (last === undefined) return;
    this.position = last.position;
    this.lastError = null;
    for (const listener of this.listeners) {
      try {
        listener(applied, this.position);
      } catch (error) {
        this.onError(error);
      }
    }
    const [reached, waiting] = partition(this.waiters, (w) => w.position <= this.position);
    this.waiters = waiting;
    for (const waiter of reached) {
      clearTimeout(waiter.timer);
      waiter.resolve(true);
    }
  }

  private async runLive(live: LiveLoop): Promise<void> {
    let failures = 0;
    while (!live.stopping) {
      const subscription = this.store.subscribeToAll({ fromPosition: this.position });
      live.subscription = subscription;
      let failure: unknown;
      try {
        failure = await this.consume(subscription, () => (failures = 0));
      } catch (error) {
        failure = error;
      } finally {
        live.subscription = undefined;
        await subscription.close().catch(() => undefined);
      }
      if (live.stopping) break;
      // A subscription that ends without being stopped was dropped (a server closing it): resubscribe too.
      this.lastError = failure ?? new Error('subscription ended');
      this.onError(this.lastError);
      await this.sleep(live, Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** failures++));
    }
  }

  /**
   * Applies subscription events in small batches: a batch is flushed when it is full, or when the event loop
   * gets a turn (`setImmediate`), i.e. as soon as the subscription has nothing more at hand. Returns the
   * error of a failed batch (after closing the subscription), undefined when the subscription ended.
   */
  private async consume(subscription: Subscription, onProgress: () => void): Promise<unknown> {
    const buffer: RecordedEvent[] = [];
    let failure: unknown;
    let scheduled: NodeJS.Immediate | undefined;
    const flush = (): void => {
      if (scheduled !== undefined) clearImmediate(scheduled);
      scheduled = undefined;
      if (buffer.length === 0 || failure !== undefined) return;
      try {
        this.applyBatch(buffer.splice(0));
        onProgress();
      } catch (error) {
        failure = error;
        void subscription.close().catch(() => undefined);
      }
    };
    try {
      for await (const event of subscription) {
        if (failure !== undefined) break;
        if (event.position <= this.position) continue;
        buffer.push(event);
        if (buffer.length >= this.liveBatchSize) flush();
        else scheduled ??= setImmediate(flush);
      }
      flush();
    } finally {
      if (scheduled !== undefined) clearImmediate(scheduled);
    }
    return failure;
  }

  private sleep(live: LiveLoop, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        live.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      live.wake = done;
    });
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
