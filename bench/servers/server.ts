/**
 * One GraphQL server of the benchmark, in a child process of its own: `node dist/bench/servers/server.js
 * <app|app-uncached|apollo|mercurius|static>`, with `COMMUNIQUE_EVENTS_FILE` and `COMMUNIQUE_READ_MODEL_FILE` naming the data
 * set. `static` is the HTTP ceiling: a bare Fastify route answering every POST to /graphql with the bytes of
 * the file `BENCH_STATIC_BODY_FILE`, held in memory.
 * It listens on a free port of 127.0.0.1, prints `listening <url>` and runs until SIGTERM (then it exits
 * normally, so that a `--cpu-prof` profile gets written).
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ReadModel } from '#read-model';
import { AppModule } from '../../apps/api/src/app.module.js';
import { loadConfig } from '#runtime';
import { createApp } from '../../apps/api/src/main.js';
import { apolloGraphQLModule } from './apollo-module.js';
import { bareMercurius } from './bare-mercurius.js';

type Closable = { close(): Promise<unknown> };

async function start(variant: string): Promise<{ url: string; server: Closable }> {
  const config = { ...loadConfig(), port: 0, host: '127.0.0.1', demo: false };
  if (variant === 'static') {
    const file = process.env.BENCH_STATIC_BODY_FILE;
    if (!file) throw new Error('the static server needs BENCH_STATIC_BODY_FILE');
    const body = readFileSync(file);
    const app = Fastify({ bodyLimit: 1024 * 1024 });
    app.post('/graphql', async (_request, reply) =>
      reply.header('content-type', 'application/json; charset=utf-8').send(body),
    );
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, server: app };
  }
  if (variant === 'mercurius') {
    const readModel = ReadModel.open(config.readModelFile);
    const app = await bareMercurius(readModel);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, server: { close: async () => (await app.close(), readModel.close()) } };
  }
  let app: NestFastifyApplication;
  if (variant === 'app') app = await createApp(config);
  // the app as it was before answers were cached (the before of docs/PERFORMANCE.md's answer cache row)
  else if (variant === 'app-uncached')
    app = await createApp({ ...config, answers: { ...config.answers, cacheBytes: 0 } });
  else if (variant === 'apollo') {
    app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot(config, { graphql: apolloGraphQLModule() }),
      new FastifyAdapter({ bodyLimit: 1024 * 1024 }),
      { logger: false },
    );
  } else
    throw new Error(`unknown server variant "${variant}": app, app-uncached, apollo, mercurius or static`);
  await app.listen(0, '127.0.0.1');
  return { url: await app.getUrl(), server: app };
}

const { url, server } = await start(process.argv[2] ?? 'app');
console.log(`listening ${url.replace('[::1]', '127.0.0.1')}`);
process.once('SIGTERM', () => {
  server.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
