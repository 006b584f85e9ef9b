import { randomUUID } from 'node:crypto';
import { Injectable, Logger, Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import mercurius from 'mercurius';
import type { FastifyRequest } from 'fastify';
import { ProjectionRunner } from '#projections';
import { ReadModel } from '#read-model';
import type { AppConfig } from './config/app-config.js';
import { DemoLoader } from './demo/demo-loader.js';
import { GraphQLErrorFilter, InputValidationPipe, withErrorCode } from './graphql/errors.js';
import { StatementLoaders, type GraphQLContext } from './graphql/statement-loaders.js';
import { HealthController } from './health/health.controller.js';
import { PersistenceModule } from './infrastructure/persistence.module.js';
import { APP_CONFIG } from './infrastructure/tokens.js';
import { statementCommandHandlers } from './statements/commands/statement-commands.js';
import { StatementRepository } from './statements/statement.repository.js';
import { StatementMutations } from './statements/statement-mutations.js';
import { StatementQueries } from './statements/statement-queries.js';
import { StatementResolver } from './statements/statement.resolver.js';

/** At start-up: bring the read model up to the log, load the demo data if the store is empty, then follow the log. */
@Injectable()
class StartUp implements OnApplicationBootstrap {
  private readonly logger = new Logger('StartUp');
  constructor(
    private readonly projections: ProjectionRunner,
    private readonly demo: DemoLoader,
  ) {}
  async onApplicationBootstrap(): Promise<void> {
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
    return {
      module: AppModule,
      imports: [
        PersistenceModule.forRoot(config),
        CqrsModule.forRoot(),
        GraphQLModule.forRootAsync<MercuriusDriverConfig>({
          driver: MercuriusDriver,
          inject: [ReadModel, APP_CONFIG],
          useFactory: (readModel: ReadModel, appConfig: AppConfig) => ({
            autoSchemaFile: true,
            path: '/graphql',
            graphiql: !appConfig.production,
            errorFormatter: (execution, context) => {
              const formatted = mercurius.defaultErrorFormatter(execution, context);
              const errors = formatted.response.errors?.map(withErrorCode);
              return { ...formatted, response: { ...formatted.response, errors } };
            },
            context: (request: FastifyRequest): GraphQLContext => ({
              loaders: new StatementLoaders(readModel),
              requestId: headerValue(request.headers['x-request-id']) ?? randomUUID(),
              principal: 'anonymous',
            }),
          }),
        }),
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_PIPE, useClass: InputValidationPipe },
        { provide: APP_FILTER, useFactory: () => new GraphQLErrorFilter(config.production) },
        StatementRepository,
        StatementQueries,
        StatementMutations,
        StatementResolver,
        DemoLoader,
        StartUp,
        ...statementCommandHandlers,
      ],
    };
  }
}

function replaceGraphQLModule(module: DynamicModule, graphql: DynamicModule): DynamicModule {
  const imports = (module.imports ?? []).map((imported) =>
    'module' in imported && imported.module === GraphQLModule ? graphql : imported,
  );
  return { ...module, imports };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first && /^[\w.:-]{1,100}$/.test(first) ? first : undefined;
}
