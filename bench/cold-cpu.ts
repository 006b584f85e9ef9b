/**
 * CPU time per cold timeline page, the app (answer cache off) against bare Mercurius with JIT, both in this one
 * process and asked in turn (`node dist/bench/cold-cpu.js` after `npm run build`; `BENCH_STATEMENTS`,
 * `BENCH_QUERIES` requests each after 200 to warm up). Every request is a different country, cursor and page
 * size (the graphql scenario's cold set), sent through Fastify's `inject` one at a time, and the process's CPU
 * time (`process.cpuUsage`) is charged to the server that answered. On a shared machine the requests/s of the
 * graphql scenario drift with the other processes; asking both servers in turn within one process lets the
 * drift fall on both alike, so their ratio holds where the absolute figures do not.
 */
import 'reflect-metadata';
import type { FastifyInstance } from 'fastify';
import { ReadModel } from '#read-model';
import { loadConfig } from '#runtime';
import { createApp } from '../apps/api/src/main.js';
import { settings } from './config.js';
import { dataSet, ensureReadModel } from './dataset.js';
import { report, round } from './report.js';
import { coldBodies } from './scenarios/graphql.js';
import { bareMercurius } from './servers/bare-mercurius.js';

const WARM_UP = 200;

interface Server {
  name: string;
  fastify: FastifyInstance;
  close(): Promise<unknown>;
  cpuMicros: number;
}

const set = dataSet(settings.seed, settings.statements);
await ensureReadModel(set);
const bodies = coldBodies(set.readModelFile, 20);
const requests = Math.min(settings.queries, bodies.length - WARM_UP);
process.env.COMMUNIQUE_LOG = 'silent';
const config = loadConfig({
  ...process.env,
  COMMUNIQUE_EVENTS_FILE: set.eventsFile,
  COMMUNIQUE_READ_MODEL_FILE: set.readModelFile,
  COMMUNIQUE_DEMO: 'false',
  COMMUNIQUE_RATE_LIMIT_BURST: '0',
  COMMUNIQUE_ANSWER_CACHE_BYTES: '0',
  NODE_ENV: 'production',
});

const app = await createApp(config);
await app.init();
const readModel = ReadModel.open(set.readModelFile);
const bare = await bareMercurius(readModel);
const servers: Server[] = [
  {
    name: 'app-uncached',
    fastify: app.getHttpAdapter().getInstance(),
    close: () => app.close(),
    cpuMicros: 0,
  },
  {
    name: 'mercurius',
    fastify: bare,
    close: async () => (await bare.close(), readModel.close()),
    cpuMicros: 0,
  },
];
for (const server of servers) await server.fastify.ready();

try {
  for (let i = 0; i < WARM_UP + requests; i++) {
    // alternate who goes first, so that neither always finds the other's pages in SQLite's cache
    for (const server of i % 2 ? [...servers].reverse() : servers) {
      const before = process.cpuUsage();
      const response = await server.fastify.inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'application/json' },
        payload: bodies[i],
      });
      const used = process.cpuUsage(before);
      if (response.statusCode !== 200 || response.body.includes('"errors"')) {
        throw new Error(`${server.name} answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
      }
      if (i >= WARM_UP) server.cpuMicros += used.user + used.system;
    }
  }
} finally {
  for (const server of servers) await server.close();
}

const perRequest = (server: Server): number => round(server.cpuMicros / 1000 / requests, 3);
const [ours, ceiling] = servers as [Server, Server];
report('cold-cpu', {
  statements: set.statements,
  'requests per server': requests,
  'app-uncached, CPU ms per cold request': perRequest(ours),
  'bare mercurius, CPU ms per cold request': perRequest(ceiling),
  'bare mercurius / app-uncached (CPU per request)': round(perRequest(ceiling) / perRequest(ours), 3),
});
