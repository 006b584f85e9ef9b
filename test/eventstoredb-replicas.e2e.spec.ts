import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { FastifyInstance } from 'fastify';
import { EventStore, EventStoreDbEventStore } from '#event-store';
import { AppModule } from '../apps/api/src/app.module.js';
import { loadConfig } from '#runtime';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { KurrentWireCluster } from '../libs/event-store/src/testing/kurrent-wire-server/index.js';
import { statementInput } from './support/api.js';
import { eventually } from './support/server-process.js';

/*
 * EVENT_STORE=eventstoredb end to end, in-process: API replicas, each with its own read model and its own
 * connection, on one cluster: the wire-level KurrentDB test server (testing/kurrent-wire-server), reached by
 * the real client over gRPC with a plain `esdb://127.0.0.1:PORT?tls=false` connection string. Each replica
 * follows the log through its catch-up subscription.
 */
describe('API replicas on EventStoreDB (real client, wire test server)', () => {
  let dir: string;
  const apps: NestFastifyApplication[] = [];
  const clusters: KurrentWireCluster[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'communique-esdb-replicas-'));
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const cluster of clusters.splice(0)) await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (nodes = 1) => {
    const cluster = await KurrentWireCluster.start({ nodes });
    clusters.push(cluster);
    return cluster;
  };

  const replica = async (cluster: KurrentWireCluster, name: string) => {
    const config = loadConfig({
      EVENT_STORE: 'eventstoredb',
      EVENTSTORE_CONNECTION_STRING: cluster.connectionString,
      COMMUNIQUE_DEMO: 'false',
      COMMUNIQUE_DATA_DIR: dir,
      COMMUNIQUE_READ_MODEL_FILE: join(dir, `${name}.db`),
    });
    expect(config.replica).toBe(true);
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
      .overrideProvider(EventStore)
      .useValue(
        EventStoreDbEventStore.connect(cluster.connectionString, {
          initialRetryDelayMs: 5,
          maxRetryDelayMs: 50,
        }),
      )
      .compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    await app.init();
    const http = app.getHttpAdapter().getInstance() as FastifyInstance;
    await http.ready();
    apps.push(app);
    const gql = async <T>(query: string, variables: Record<string, unknown> = {}) =>
      (await http.inject({ method: 'POST', url: '/graphql', payload: { query, variables } })).json() as {
        data?: T;
        errors?: unknown[];
      };
    const get = (url: string) => http.inject({ method: 'GET', url });
    return { gql, get };
  };

  const RECORD = `mutation($input: RecordStatementInput!) {
    recordStatement(input: $input) { position statement { id } }
  }`;
  const TIMELINE = `query($min: Position) { countryTimeline(country: "TR", minPosition: $min) { totalCount } }`;

  it('a write through one replica is read through the other with minPosition; a new replica builds its read model from the log', async () => {
    const cluster = await start();
    const a = await replica(cluster, 'a');
    const b = await replica(cluster, 'b');

    const written = await a.gql<{ recordStatement: { position: string } }>(RECORD, {
      input: statementInput(),
    });
    expect(written.errors).toBeUndefined();
    const position = written.data?.recordStatement.position;
    // the position is the server's commit position, the same for every replica
    const stored = cluster.log.records.filter((record) => !record.stream.startsWith('$'));
    expect(BigInt(position ?? '0')).toBe(stored[0].position);

    const read = await b.gql<{ countryTimeline: { totalCount: number } }>(TIMELINE, { min: position });
    expect(read).toEqual({ data: { countryTimeline: { totalCount: 1 } } });

    // system events in the log (the server's statistics) are not the service's business
    const raw = EventStoreDBClient.connectionString(cluster.connectionString);
    await raw.appendToStream('$stats-127.0.0.1:2113', jsonEvent({ type: '$statsCollected', data: {} }));
    await raw.dispose();
    const second = await b.gql<{ recordStatement: { position: string } }>(RECORD, {
      input: statementInput({ text: 'second' }),
    });
    const c = await replica(cluster, 'c');
    const fromC = await c.gql<{ countryTimeline: { totalCount: number } }>(TIMELINE, {
      min: second.data?.recordStatement.position,
    });
    expect(fromC).toEqual({ data: { countryTimeline: { totalCount: 2 } } });
    await eventually(async () => ((await c.get('/health/ready')).statusCode === 200 ? true : undefined));
    const metrics = (await c.get('/metrics')).body;
    expect(metrics).toMatch(/^communique_projection_lag_events 0$/m);
    expect(metrics).toMatch(
      new RegExp(`^communique_projection_checkpoint ${second.data?.recordStatement.position}$`, 'm'),
    );
  });

  it('when the leader of a three-node cluster dies, the replicas write to the new one and keep following the log', async () => {
    const cluster = await start(3);
    const a = await replica(cluster, 'a');
    const b = await replica(cluster, 'b');
    await a.gql(RECORD, { input: statementInput() });
    await eventually(async () => ((await b.get('/health/ready')).statusCode === 200 ? true : undefined));

    cluster.kill(); // the leader: every connection to it resets, subscriptions included
    const written = await a.gql<{ recordStatement: { position: string } }>(RECORD, {
      input: statementInput({ text: 'after the leader died' }),
    });
    expect(written.errors).toBeUndefined();
    const read = await b.gql<{ countryTimeline: { totalCount: number } }>(TIMELINE, {
      min: written.data?.recordStatement.position,
    });
    expect(read).toEqual({ data: { countryTimeline: { totalCount: 2 } } });
  });
});
