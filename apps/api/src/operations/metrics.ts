import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * At most this many distinct operation names become values of the GraphQL metrics' `operation` label; names
 * first seen after that are counted as `other`, so clients cannot grow the series without bound.
 */
export const MAX_OPERATION_NAMES = 100;

/** How long the events/s gauge looks back. */
const RATE_WINDOW_MS = 10_000;

export interface ProjectionSample {
  checkpoint: bigint;
  head: bigint;
  /** events not applied yet (see `lagInEvents`) */
  lag: number;
}

/**
 * The service's Prometheus metrics, in a registry of its own (several apps can run in one process, as the
 * in-process tests do). Projection gauges are read when scraped, from `sampleProjection`; while the event store
 * does not answer they keep their last value.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'route' | 'method' | 'status'>;
  readonly graphqlOperations: Counter<'operation' | 'type' | 'outcome'>;
  readonly appends: Counter<'outcome'>;
  readonly appendedEvents: Counter;
  readonly appliedEvents: Counter;
  private readonly applied: { at: number; count: number }[] = [];
  private readonly operationNames = new Set<string>();
  private sampleSkipped: () => ReadonlyMap<string, number> = () => new Map();
  private sampleProjection: () => Promise<ProjectionSample> = async () => ({
    checkpoint: 0n,
    head: 0n,
    lag: 0,
  });

  /**
   * The `operation` label value for a client-chosen operation name: the name itself while fewer than
   * `MAX_OPERATION_NAMES` distinct names have been seen (`anonymous` is always kept), `other` after that.
   */
  operationLabel(name: string): string {
    if (name === 'anonymous' || this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    this.operationNames.add(name);
    return name;
  }

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'communique_' });
    this.httpDuration = new Histogram({
      name: 'communique_http_request_duration_seconds',
      help: 'HTTP request latency, by route, method and status code',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.graphqlOperations = new Counter({
      name: 'communique_graphql_operations_total',
      help: 'GraphQL operations, by operation name, type and outcome (ok, or the first error code)',
      labelNames: ['operation', 'type', 'outcome'],
      registers,
    });
    this.appends = new Counter({
      name: 'communique_event_store_appends_total',
      help: 'appendToStream calls by this process, by outcome (ok, conflict, error)',
      labelNames: ['outcome'],
      registers,
    });
    this.appendedEvents = new Counter({
      name: 'communique_event_store_appended_events_total',
      help: 'events in successful appends by this process (idempotent retries included)',
      registers,
    });
    this.appliedEvents = new Counter({
      name: 'communique_projection_applied_events_total',
      help: 'events this process has applied to its read model since it started',
      registers,
    });
    const skipped = () => this.sampleSkipped();
    new Counter({
      name: 'communique_event_store_skipped_events_total',
      help:
        "events the event store read but skipped as not this service's, by kind (system, outside-prefix, " +
        'not-json, no-hash, legacy-transaction): other applications or the server itself on a shared cluster',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        for (const [kind, count] of skipped()) this.inc({ kind }, count);
      },
    });
    const sample = () => this.sampleProjection();
    let pending: Promise<ProjectionSample> | undefined;
    // One store query per scrape, shared by the three gauges that need it.
    const shared = (): Promise<ProjectionSample> => {
      pending ??= sample().finally(() => setImmediate(() => (pending = undefined)));
      return pending;
    };
    new Gauge({
      name: 'communique_projection_checkpoint',
      help: 'last log position applied to this read model',
      registers,
      async collect() {
        const sample = await shared().catch(() => undefined);
        if (sample !== undefined) this.set(Number(sample.checkpoint));
      },
    });
    new Gauge({
      name: 'communique_event_store_head',
      help: 'last position in the event log',
      registers,
      async collect() {
        const sample = await shared().catch(() => undefined);
        if (sample !== undefined) this.set(Number(sample.head));
      },
    });
    new Gauge({
      name: 'communique_projection_lag_events',
      help: 'events in the log not yet applied to this read model (on EventStoreDB counted up to 10001)',
      registers,
      async collect() {
        const sample = await shared().catch(() => undefined);
        if (sample !== undefined) this.set(sample.lag);
      },
    });
    const rate = () => this.eventsPerSecond();
    new Gauge({
      name: 'communique_projection_events_per_second',
      help: `events applied per second over the last ${RATE_WINDOW_MS / 1000} s`,
      registers,
      collect() {
        this.set(rate());
      },
    });
  }

  /** Where the skipped-events counter comes from (the store's own count: `EventStore.skippedEvents`). */
  skippedEventsSource(sample: () => ReadonlyMap<string, number>): void {
    this.sampleSkipped = sample;
  }

  /** Where the projection gauges come from. */
  projectionSource(sample: () => Promise<ProjectionSample>): void {
    this.sampleProjection = sample;
  }

  /** The checkpoint this process started from, as a gauge of its own. */
  startCheckpoint(checkpoint: bigint): void {
    new Gauge({
      name: 'communique_projection_start_checkpoint',
      help: 'the read model checkpoint when this process started (it resumes from there)',
      registers: [this.registry],
    }).set(Number(checkpoint));
  }

  recordApplied(count: number, now = Date.now()): void {
    this.appliedEvents.inc(count);
    this.applied.push({ at: now, count });
    while (this.applied.length > 0 && this.applied[0].at < now - RATE_WINDOW_MS) this.applied.shift();
  }

  eventsPerSecond(now = Date.now()): number {
    const recent = this.applied.filter((a) => a.at >= now - RATE_WINDOW_MS);
    return recent.reduce((sum, a) => sum + a.count, 0) / (RATE_WINDOW_MS / 1000);
  }
}
