import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import type { ApiEntry, AppConfig } from '#runtime';
import type { GraphQLSchema } from 'graphql';
import { mutationsRefusedBecause } from './security/access.js';
import { GraphQLGate } from './security/graphql-gate.js';
import { installMediaTypeGate, installParameterGate } from './security/http-gate.js';
import { installHttpProtection } from './security/rate-limit.js';
import { installReadDoors } from './security/read-doors.js';
import { installAnswerCache, installPersistedQueries } from './security/cached-answers.js';
import { PersistedQueries } from './graphql/answer-cache.js';
import { ReadModel } from '#read-model';
import { Metrics } from './operations/metrics.js';
import { startMetricsListener } from './operations/metrics-listener.js';
import { PinoNestLogger, createLogger, requestIdOf } from './operations/logging.js';

/** Builds the API application (not yet listening). */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const log = createLogger(process.env.COMMUNIQUE_LOG === 'silent' ? 'silent' : config.logLevel);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    new FastifyAdapter({
      bodyLimit: config.security.limits.bodyLimitBytes,
      loggerInstance: log,
      genReqId: requestIdOf,
    }),
    { logger: log.level === 'silent' ? false : new PinoNestLogger(log) },
  );
  app.enableShutdownHooks();
  const fastify = app.getHttpAdapter().getInstance();
  // The order is the order the checks run in, for every request Fastify routes to /graphql: media types and
  // Accept (415, 406), body size (413), batch size and rate limit (400, 429; refused requests count too),
  // then the parameters and the method (400, 405).
  installMediaTypeGate(fastify);
  const buckets = installHttpProtection(fastify, config.security, app.get(GraphQLGate).buckets);
  // persisted queries put the registered document in place before the parameters are checked (§11.22)
  installPersistedQueries(fastify, new PersistedQueries(config.answers.persistedQueryChars));
  installParameterGate(fastify, config.security.limits);
  // answers cached by log position: after every check above, before GraphQL runs (§11.22)
  installAnswerCache(fastify, {
    security: config.security,
    answers: config.answers,
    readModel: app.get(ReadModel),
    schema: () => (fastify as { graphql?: { schema?: GraphQLSchema } }).graphql?.schema,
  });
  // every other route: its policy by the matched route (read doors, probes, assets, metrics), same buckets
  installReadDoors(fastify, config.security, buckets);
  return app;
}

/** Starts the API and returns it listening on `config.host:config.port`. */
export async function startServer(config: AppConfig): Promise<NestFastifyApplication> {
  const app = await createApp(config);
  const metricsListener = await startMetricsListener(app.get(Metrics), config.security);
  if (metricsListener) {
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onClose', async () => metricsListener.close());
    new Logger('Communiqué').log(
      `metrics on http://${config.security.metrics.host}:${config.security.metrics.port}/metrics`,
    );
  }
  try {
    await app.listen(config.port, config.host);
  } catch (error) {
    await metricsListener?.close();
    throw error;
  }
  const url = await app.getUrl();
  const refused = mutationsRefusedBecause(config.security);
  if (refused) new Logger('Security').warn(refused);
  new Logger('Communiqué').log(
    `GraphQL on ${url}/graphql, GraphiQL on ${url}/graphiql (data in ${config.dataDir})`,
  );
  return app;
}

// `communique serve` loads this file by its path and calls `startServer` (see `ApiEntry` in #runtime).
void ({ startServer } satisfies ApiEntry);
