import { randomUUID } from 'node:crypto';
import { Injectable, Logger, Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE, HttpAdapterHost, Reflector } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { GraphQLModule } from '@nestjs/graphql';
import type { MercuriusDriverConfig } from '@nestjs/mercurius';
import mercurius from 'mercurius';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GraphQLFormattedError } from 'graphql';
import { ProjectionRunner } from '#projections';
import { ReadModel } from '#read-model';
import type { AppConfig } from '#runtime';
import { AuditResolver } from './audit/audit.resolver.js';
import { VerifiableLogController } from './audit/verifiable-log.controller.js';
import { StatementEventProofResolver, VerifiableLogResolver } from './audit/verifiable-log.resolver.js';
import { VerifiableLogService } from './audit/verifiable-log.service.js';
import { ReadModelHandover } from './audit/read-model-handover.js';
import { DemoLoader } from './demo/demo-loader.js';
import { GraphQLErrorFilter, InputValidationPipe, withErrorCode } from './graphql/errors.js';
import { StatementLoaders, type GraphQLContext } from './graphql/statement-loaders.js';
import { HealthController } from './health/health.controller.js';
import { PersistenceModule } from './infrastructure/persistence.module.js';
import { OperationsModule } from './operations/operations.module.js';
import { retryWithBackoff } from './operations/retry.js';
import { APP_CONFIG } from './infrastructure/tokens.js';
import { statementCommandHandlers } from './statements/commands/statement-commands.js';
import { statementCommandsProvider } from './statements/statement-commands.provider.js';
import { StatementMutations } from './statements/statement-mutations.js';
import { RecordedTimeIndex } from '#event-store';
import { StatementQueries } from './statements/statement-queries.js';
import { ReadModelTimeIndex } from './statements/read-model-time-index.js';
import { StatementResolver } from './statements/statement.resolver.js';
import {
  ANONYMOUS,
  AccessGuard,
  authenticateRequest,
  type RequestAuth,
  type SecureContext,
} from './security/access.js';
import { GraphQLGate, OperationLimits } from './security/graphql-gate.js';
import { mercuriusDriverWithDoor, subscriptionDoor } from './security/websocket-door.js';
import { enforceAccessMatrix } from './security/access-matrix.js';
import { budgetFieldResolvers } from './security/field-budget.js';
import { GRAPHQL_PATH, graphqlOutcome, responseMediaTypeOf } from './security/http-gate.js';
import { withoutSuggestions } from './security/graphql-limits.js';
import { JournalismQueries } from './journalism/journalism.queries.js';
import { JournalismResolver } from './journalism/journalism.resolver.js';
import { ExportsController } from './journalism/exports.controller.js';
import { TimelinePageController } from './journalism/timeline-page.controller.js';
import { StatementChanges } from './journalism/statement-changes.js';
import { StatementChangesResolver } from './journalism/statement-changes.resolver.js';
import { ExplorerController } from './explorer/explorer.controller.js';
import { GraphiqlController } from './explorer/graphiql.controller.js';
import { LiveSubscriptions } from './live/live-subscriptions.js';
import { StoriesController } from './stories/stories.controller.js';
import { StoryChanges, StoryChangesResolver } from './stories/story-changes.js';
import { storyCommandsProvider } from './stories/story-commands.provider.js';
import { StoryReads } from './stories/story-reads.js';
import { StoryItemResolver, StoryResolver } from './stories/story.resolver.js';

/** At start-up: bring the read model up to the log, load the demo data if the store is empty, then follow the log. */
@Injectable()
class StartUp implements OnApplicationBootstrap {
  private readonly logger = new Logger('StartUp');
  constructor(
    private readonly projections: ProjectionRunner,
    private readonly demo: DemoLoader,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}
  async onApplicationBootstrap(): Promise<void> {
    this.logger.log(`read model checkpoint ${this.projections.checkpoint}: catching up from there`);
    // A replica listens at once and catches up in the background; /health/ready says when it is done.
    if (this.config.replica) {
      void retryWithBackoff(
        () => this.bootstrap(),
        (error, attempt, delay) =>
          this.logger.error(
            `start-up catch-up failed (attempt ${attempt}, next in ${delay} ms): ${String(error)}`,
          ),
      );
      return;
    }
    await this.bootstrap();
  }
  private async bootstrap(): Promise<void> {
    const checkpoint = await this.projections.catchUp();
    this.logger.log(`read model at position ${checkpoint}`);
    await this.demo.loadIfEmpty();
    this.projections.start();
  }
}

/** What `AppModule.forRoot` lets a caller replace (the benchmarks build an Apollo variant this way). */
export interface AppModuleOptions {
  /** the GraphQL module to use in place of the Mercurius one */
  graphql?: DynamicModule;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    if (options.graphql) return replaceGraphQLModule(AppModule.forRoot(config), options.graphql);
    const gate = new GraphQLGate(config.security, config.production);
    // The WebSocket door's options and hooks; loaders are made afresh for every use on a WebSocket: a
    // connection lives long, a cached statement would go stale.
    const doors = new WeakMap<ReadModel, ReturnType<typeof subscriptionDoor>>();
    const door = (readModel: ReadModel) => {
      let made = doors.get(readModel);
      if (!made) {
        made = subscriptionDoor(gate, (auth: RequestAuth): GraphQLContext & SecureContext => ({
          get loaders() {
            return new StatementLoaders(readModel);
          },
          requestId: randomUUID(),
          principal: auth.principal?.name ?? ANONYMOUS,
          auth,
        }));
        doors.set(readModel, made);
      }
      return made;
    };
    return {
      module: AppModule,
      imports: [
        PersistenceModule.forRoot(config),
        OperationsModule.forRoot(),
        CqrsModule.forRoot(),
        GraphQLModule.forRootAsync<MercuriusDriverConfig>({
          // Every document passes the gate, whichever door it comes through (security/graphql-gate.ts); the
          // driver installs the WebSocket door before Mercurius.
          driver: mercuriusDriverWithDoor(gate),
          inject: [ReadModel, APP_CONFIG],
          useFactory: (readModel: ReadModel, appConfig: AppConfig) => ({
            autoSchemaFile: true,
            // the operation budget on every field resolver (root fields: the OperationLimits interceptor)
            transformResolvers: (resolvers) => budgetFieldResolvers(resolvers, gate),
            // who sees which field (docs/SECURITY.md, "Access matrix"), checked before the budget is touched
            transformSchema: (schema) => enforceAccessMatrix(schema, appConfig.security),
            path: GRAPHQL_PATH,
            // GraphiQL is served from installed packages by GraphiqlController (explorer/), not from a CDN
            graphiql: false,
            allowBatchedQueries: appConfig.security.limits.maxBatch > 1,
            // compile a query document to JS (graphql-jit) from its second use: the execution is then cheaper
            jit: 1,
            graphql: { parseOptions: gate.parseOptions },
            validationRules: gate.rules,
            // no `fieldResolverEnhancers`: a field resolver runs without Nest's interceptor chain; the budget is
            // charged by the plain wrapper `budgetFieldResolvers` puts around it (transformResolvers above)
            hooks: {
              preParsing: async (_schema, source) => gate.checkSource(source),
              preValidation: async (_schema, document) => gate.checkParsed(document),
              ...door(readModel).hooks,
            },
            errorFormatter: graphqlErrorFormatter(appConfig),
            subscription: door(readModel).options,
            context: (request: FastifyRequest): GraphQLContext & SecureContext => {
              const auth = authenticateRequest(request, appConfig.security);
              return {
                loaders: new StatementLoaders(readModel),
                requestId: headerValue(request.headers['x-request-id']) ?? String(request.id ?? randomUUID()),
                principal: auth.principal?.name ?? ANONYMOUS,
                auth,
              };
            },
          }),
        }),
      ],
      controllers: [
        HealthController,
        ExportsController,
        TimelinePageController,
        StoriesController,
        VerifiableLogController,
        ExplorerController,
        // GraphiQL (and its introspection) is a development tool: not served in production
        ...(config.production ? [] : [GraphiqlController]),
      ],
      providers: [
        { provide: APP_PIPE, useClass: InputValidationPipe },
        { provide: APP_FILTER, useFactory: () => new GraphQLErrorFilter(config.production) },
        {
          provide: APP_GUARD,
          inject: [Reflector],
          useFactory: (r: Reflector) => new AccessGuard(r, config.security),
        },
        { provide: GraphQLGate, useValue: gate },
        { provide: APP_INTERCEPTOR, useFactory: () => new OperationLimits(gate) },
        statementCommandsProvider,
        // the as-of index `positionAtInstant` asks when the store has none of its own (EventStoreDB)
        { provide: RecordedTimeIndex, useClass: ReadModelTimeIndex },
        StatementQueries,
        StatementMutations,
        StatementResolver,
        JournalismQueries,
        JournalismResolver,
        {
          provide: LiveSubscriptions,
          inject: [HttpAdapterHost],
          useFactory: (http: HttpAdapterHost) => {
            const format = graphqlErrorFormatter(config);
            return new LiveSubscriptions({
              maxBufferedBytes: config.security.ws.maxBufferedBytes,
              sharedExecution: config.security.ws.sharedExecution,
              flushDelayMs: config.security.ws.flushDelayMs,
              formatResult: (result) =>
                format(
                  result as Parameters<ErrorFormatter>[0],
                  {
                    app: http.httpAdapter.getInstance<FastifyInstance>(),
                  } as Parameters<ErrorFormatter>[1],
                ).response,
            });
          },
        },
        StatementChanges,
        StatementChangesResolver,
        AuditResolver,
        storyCommandsProvider,
        StoryReads,
        StoryResolver,
        StoryItemResolver,
        StoryChanges,
        StoryChangesResolver,
        VerifiableLogService,
        VerifiableLogResolver,
        StatementEventProofResolver,
        ReadModelHandover,
        DemoLoader,
        StartUp,
        ...statementCommandHandlers,
      ],
    };
  }
}

type ErrorFormatter = NonNullable<MercuriusDriverConfig['errorFormatter']>;

/**
 * How every GraphQL result with errors is formatted (HTTP, and WebSocket messages: Mercurius's per-subscriber
 * execution and the shared executions of live subscriptions, §11.20).
 */
function graphqlErrorFormatter(appConfig: AppConfig): ErrorFormatter {
  return (execution, context) => {
    const formatted = mercurius.defaultErrorFormatter(execution, context);
    // the HTTP request, when there is one (a WebSocket message has none)
    const request = (context as { reply?: FastifyReply }).reply?.request;
    const outcome = graphqlOutcome(execution, request);
    const errors = formatted.response.errors
      ?.map((e) => (outcome.code ? typedAs(e, outcome.code, appConfig.production) : e))
      .map(withErrorCode)
      .map((e) => (appConfig.production ? { ...e, message: withoutSuggestions(e.message) } : e));
    if (!request) return { ...formatted, response: { ...formatted.response, errors } };
    if (outcome.statusCode === 405) context.reply.header('allow', 'POST');
    // Fastify drops the content type when an error reaches its error handler: set it again
    context.reply.header('content-type', `${responseMediaTypeOf(request)}; charset=utf-8`);
    // nothing executed: no `data` entry (GraphQL spec §7.1.1, GraphQL over HTTP)
    const response = outcome.executed ? { data: formatted.response.data, errors } : { errors };
    return { statusCode: outcome.statusCode, response } as typeof formatted;
  };
}

function replaceGraphQLModule(module: DynamicModule, graphql: DynamicModule): DynamicModule {
  const imports = (module.imports ?? []).map((imported) =>
    'module' in imported && imported.module === GraphQLModule ? graphql : imported,
  );
  return { ...module, imports };
}

/** An error refused at the HTTP level, typed by its status; a server error's detail only outside production. */
function typedAs(error: GraphQLFormattedError, code: string, production: boolean): GraphQLFormattedError {
  if (error.extensions?.code) return error;
  const message = code === 'INTERNAL_SERVER_ERROR' && production ? 'Internal server error' : error.message;
  // a 400 at the HTTP level is about the body as a whole (not JSON, not of the GraphQL request's shape)
  const field = code === 'BAD_USER_INPUT' ? { field: 'body' } : {};
  return { ...error, message, extensions: { ...error.extensions, code, ...field } };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first && /^[\w.:-]{1,100}$/.test(first) ? first : undefined;
}
