import {
  Controller,
  Get,
  Global,
  Inject,
  Injectable,
  Module,
  Res,
  type DynamicModule,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EventStore, WrongExpectedRevisionError } from '#event-store';
import { ProjectionRunner, lagInEvents, type ProjectionStatus } from '#projections';
import type { AppConfig } from '#runtime';
import { APP_CONFIG } from '../infrastructure/tokens.js';
import { requestContext } from './logging.js';
import { Metrics } from './metrics.js';

/** `/health/live` (the process answers) and `/health/ready` (the read model is close enough to the log). */
@Controller('health')
export class ProbeController {
  constructor(
    private readonly projections: ProjectionRunner,
    private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('live')
  live() {
    return { status: 'live' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const maxLag = this.config.readyMaxLag;
    let status: ProjectionStatus;
    let lag: number;
    let ready: boolean;
    try {
      [status] = await this.projections.status();
      lag = status.lag;
      if (status.lagCapped === true && lag <= maxLag) {
        // the status stopped counting below maxLag: count up to maxLag + 1, enough to tell "more than maxLag"
        const limit = Math.min(maxLag + 1, Number.MAX_SAFE_INTEGER - 1);
        lag = (await lagInEvents(this.store, status.checkpoint, status.head, limit)).lag;
      }
      ready = lag <= maxLag;
    } catch (error) {
      // The event store does not answer: this replica cannot tell how far behind it is.
      void reply.status(503);
      return {
        status: 'event store unavailable',
        error: error instanceof Error ? error.message : String(error),
      };
    }
    void reply.status(ready ? 200 : 503);
    return {
      status: ready ? 'ready' : 'catching up',
      checkpoint: String(status.checkpoint),
      head: String(status.head),
      lag,
      maxLag,
    };
  }
}

/** `/metrics` in the Prometheus text format. */
@Controller()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get('metrics')
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.header('content-type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}

/** Wires the metrics to Fastify, the event store and the projection runner. */
@Injectable()
export class OperationsHooks implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly adapterHost: HttpAdapterHost,
    private readonly store: EventStore,
    private readonly projections: ProjectionRunner,
  ) {}

  onModuleInit(): void {
    this.instrumentHttp(this.adapterHost.httpAdapter.getInstance<FastifyInstance>());
    this.instrumentAppends();
    const { metrics, projections } = this;
    metrics.startCheckpoint(projections.checkpoint);
    metrics.skippedEventsSource(() => this.store.skippedEvents());
    projections.onApplied((events) => metrics.recordApplied(events.length));
    metrics.projectionSource(async () => {
      const [status] = await projections.status();
      // the status counted the lag already (up to `lagCountLimit`: a safe integer on every adapter)
      return { checkpoint: status.checkpoint, head: status.head, lag: status.lag };
    });
  }

  private instrumentHttp(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', (request, reply, done) => {
      requestContext.enterWith({ requestId: request.id });
      void reply.header('x-request-id', request.id);
      done();
    });
    fastify.addHook('onSend', (request, _reply, payload, done) => {
      // an answer from the answer cache arrives as bytes, and only answers without errors are kept (§11.22)
      const text = typeof payload === 'string';
      if (request.routeOptions.url === '/graphql' && (text || Buffer.isBuffer(payload))) {
        const { operation, type } = operationOf(request);
        this.metrics.graphqlOperations.inc({
          operation: this.metrics.operationLabel(operation),
          type,
          outcome: text ? outcomeOf(payload) : 'ok',
        });
      }
      done(null, payload);
    });
    fastify.addHook('onResponse', (request, reply, done) => {
      this.metrics.httpDuration.observe(
        {
          route: request.routeOptions.url ?? 'unmatched',
          method: request.method,
          status: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }

  /**
   * Counts this instance's appends, one per stream written: single writes (`appendToStream`) and batches
   * (`appendToStreams`, which the application core and the importer use). The batch runs with the unwrapped
   * `appendToStream` visible to it, so a store whose batch loops over single writes is not counted twice.
   */
  private instrumentAppends(): void {
    const { store, metrics } = this;
    const count = async <T>(streams: number, events: number, run: () => Promise<T>): Promise<T> => {
      try {
        const result = await run();
        metrics.appends.inc({ outcome: 'ok' }, streams);
        metrics.appendedEvents.inc(events);
        return result;
      } catch (error) {
        metrics.appends.inc({ outcome: error instanceof WrongExpectedRevisionError ? 'conflict' : 'error' });
        throw error;
      }
    };
    const append = store.appendToStream.bind(store);
    const appendBatch = store.appendToStreams;
    const unwrapped = Object.create(store, { appendToStream: { value: append } }) as EventStore;
    store.appendToStream = (stream, events, options) =>
      count(1, events.length, () => append(stream, events, options));
    store.appendToStreams = (writes) =>
      count(
        writes.length,
        writes.reduce((sum, write) => sum + write.events.length, 0),
        () => appendBatch.call(unwrapped, writes),
      );
  }
}

/** The operation's name (or `anonymous`) and type, from the request as GraphQL-over-HTTP sends it. */
export function operationOf(request: Pick<FastifyRequest, 'method' | 'body' | 'query'>): {
  operation: string;
  type: string;
} {
  const source = (request.method === 'GET' ? request.query : request.body) as
    { query?: unknown; operationName?: unknown } | undefined;
  const query = typeof source?.query === 'string' ? source.query : '';
  const match = /^(?:\s|#[^\n]*\n|,)*(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?/.exec(query);
  const named = typeof source?.operationName === 'string' ? source.operationName : match?.[2];
  return {
    operation: named !== undefined && /^[_A-Za-z]\w{0,63}$/.test(named) ? named : 'anonymous',
    type: match?.[1] ?? 'query',
  };
}

/** `ok`, or the code of the response's first error (`BAD_USER_INPUT`, `CONFLICT`, ...). */
export function outcomeOf(payload: string): string {
  if (!payload.includes('"errors"')) return 'ok';
  try {
    const body = JSON.parse(payload) as { errors?: { extensions?: { code?: unknown } }[] };
    if (!body.errors?.length) return 'ok';
    const code = body.errors[0].extensions?.code;
    return typeof code === 'string' && /^[A-Z_]{1,64}$/.test(code) ? code : 'error';
  } catch {
    return 'error';
  }
}

/** Metrics, probes and request ids (DESIGN §11, operations). */
@Global()
@Module({})
export class OperationsModule {
  static forRoot(): DynamicModule {
    return {
      module: OperationsModule,
      controllers: [ProbeController, MetricsController],
      providers: [{ provide: Metrics, useFactory: () => new Metrics() }, OperationsHooks],
      exports: [Metrics],
    };
  }
}
