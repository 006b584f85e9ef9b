import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/app-config.js';
import { mutationsRefusedBecause } from './security/access.js';
import { installMediaTypeGate, installParameterGate } from './security/http-gate.js';
import { installHttpProtection } from './security/rate-limit.js';
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
  installHttpProtection(fastify, config.security);
  installParameterGate(fastify, config.security.limits);
  return app;
}

/** Starts the API and returns it listening on `config.host:config.port`. */
export async function startServer(config: AppConfig): Promise<NestFastifyApplication> {
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const url = await app.getUrl();
  const refused = mutationsRefusedBecause(config.security);
  if (refused) new Logger('Security').warn(refused);
  new Logger('Communiqué').log(
    `GraphQL on ${url}/graphql, GraphiQL on ${url}/graphiql (data in ${config.dataDir})`,
  );
  return app;
}
