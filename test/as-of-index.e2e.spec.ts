import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { BACKWARDS, EventStoreDBClient } from '@eventstore/db-client';
import type { FastifyInstance } from 'fastify';
import {
  EventStore,
  EventStoreDbEventStore,
  type ClientRead,
  type EventStoreDbClientApi,
} from '#event-store';
import { KurrentWireCluster } from '#event-store/testing';
import { loadConfig } from '#runtime';
import { AppModule } from '../apps/api/src/app.module.js';
import { statementInput } from './support/api.js';
import { eventually } from './support/server-process.js';

/**
 * Counts what the stores it makes read from `$all` (the reads a scan of the log would make): each store has
 * its own real client on the wire-level test server, whose reads are counted as the adapter iterates them.
 */
class ReadCounter {
  forwardReads = 0;
  backwardReads = 0;
  eventsRead = 0;

  constructor(private readonly connectionString: string) {}

  client(): EventStoreDbClientApi {
    const real = EventStoreDBClient.connectionString(this.connectionString);
    const client: EventStoreDbClientApi = {
      appendToStream: (stream, events, options) => real.appendToStream(stream, events, options),
      readStream: (stream, options) => real.readStream(stream, options),
      readAll: (options) => {
        if (options.direction === BACKWARDS) this.backwardReads += 1;
        else this.forwardReads += 1;
        return this.counted(real.readAll(options));
      },
      subscribeToAll: (options) => real.subscribeToAll(options),
      dispose: () => real.dispose(),
    };
    return client;
  }

  /**
   * `read` itself, each event its iterators hand out counted (the adapter's use of it otherwise unchanged:
   * it iterates the client's stream with `iterator({ destroyOnReturn: false })`, others with `for await`)
   */
  private counted<T>(read: ClientRead<T>): ClientRead<T> {
    const count = (inner: AsyncIterator<T>): AsyncIterableIterator<T> => {
      const outer: AsyncIterableIterator<T> = {
        next: async () => {
          const result = await inner.next();
          if (result.done !== true) this.eventsRead += 1;
          return result;
        },
        return: async (value?: unknown) =>
          inner.return ? inner.return(value) : { done: true as const, value: undefined },
        [Symbol.asyncIterator]: () => outer,
      };
      return outer;
    };
    const iterate = read[Symbol.asyncIterator].bind(read);
    read[Symbol.asyncIterator] = () => count(iterate());
    const readable = read as ClientRead<T> & Partial<Pick<Readable, 'iterator'>>;
    const iterator = readable.iterator?.bind(readable);
    if (iterator) {
      readable.iterator = (options?: { destroyOnReturn?: boolean }) =>
        count(iterator(options) as AsyncIterator<T>) as unknown as ReturnType<Readable['iterator']>;
    }
    return read;
  }

  resetCounts(): void {
    this.forwardReads = 0;
    this.backwardReads = 0;
    this.eventsRead = 0;
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/*
 * `asOf: DateTime` on EventStoreDB (the real client over the wire-level test server): the moment becomes a log position through
 * the read model's as-of index, which the projection keeps; the log is not read for it.
 */
describe('asOf queries on EventStoreDB read the as-of index, not the log', () => {
  let dir: string;
  let wire: KurrentWireCluster;
  const apps: NestFastifyApplication[] = [];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'communique-as-of-index-'));
    wire = await KurrentWireCluster.start();
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    await wire.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** the events of this service in the server's log (its own `$` records left out) */
  const logSizeOf = (cluster: KurrentWireCluster): number =>
    cluster.log.records.filter((record) => !record.stream.startsWith('$')).length;

  async function start(cluster: ReadCounter, name = 'a') {
    const config = loadConfig({
      EVENT_STORE: 'eventstoredb',
      EVENTSTORE_CONNECTION_STRING: wire.connectionString,
      COMMUNIQUE_DEMO: 'false',
      COMMUNIQUE_DATA_DIR: dir,
      COMMUNIQUE_READ_MODEL_FILE: join(dir, `${name}.db`),
    });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
      .overrideProvider(EventStore)
      .useValue(new EventStoreDbEventStore(cluster.client(), { initialRetryDelayMs: 5, maxRetryDelayMs: 50 }))
      .compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    apps.push(app);
    await app.init();
    const http = app.getHttpAdapter().getInstance() as FastifyInstance;
    await http.ready();
    const gql = async <T>(query: string, variables: Record<string, unknown> = {}) =>
      (await http.inject({ method: 'POST', url: '/graphql', payload: { query, variables } })).json() as {
        data?: T;
        errors?: { message: string; extensions?: Record<string, unknown> }[];
      };
    await eventually(async () =>
      (await http.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200 ? true : undefined,
    );
    return gql;
  }

  const RECORD = `mutation($input: RecordStatementInput!) { recordStatement(input: $input) { position statement { id } } }`;
  const CORRECT = `mutation($id: ID!, $input: CorrectStatementInput!) {
    correctStatement(id: $id, input: $input) { position }
  }`;
  const AS_OF = `query($asOf: DateTime, $id: ID!) {
    statement(id: $id, asOf: $asOf) { text version }
    countryTimeline(country: "TR", asOf: $asOf) { totalCount edges { node { text } } }
  }`;
  type AsOfAnswer = {
    statement: { text: string; version: number } | null;
    countryTimeline: { totalCount: number; edges: { node: { text: string } }[] };
  };

  it('answers statement and timelines as of a moment with no read of the log, and the same as before', async () => {
    const cluster = new ReadCounter(wire.connectionString);
    const gql = await start(cluster);
    const before = new Date(Date.now() - 60_000).toISOString();
    const first = await gql<{ recordStatement: { statement: { id: string } } }>(RECORD, {
      input: statementInput({ text: 'first words' }),
    });
    const id = first.data?.recordStatement.statement.id ?? '';
    for (let i = 0; i < 20; i++) await gql(RECORD, { input: statementInput({ text: `filler ${i}` }) });
    await pause(5);
    const middle = new Date().toISOString();
    await pause(5);
    await gql(CORRECT, { id, input: { text: 'corrected words', reason: 'typo' } });
    await gql(RECORD, { input: statementInput({ text: 'later words' }) });
    const logSize = logSizeOf(wire);
    expect(logSize).toBe(23);

    cluster.resetCounts();
    const atMiddle = await gql<AsOfAnswer>(AS_OF, { asOf: middle, id });
    const atStart = await gql<AsOfAnswer>(AS_OF, { asOf: before, id });
    expect(atMiddle.errors).toBeUndefined();
    expect(atMiddle.data?.statement).toEqual({ text: 'first words', version: 1 });
    expect(atMiddle.data?.countryTimeline.totalCount).toBe(21);
    expect(atMiddle.data?.countryTimeline.edges.map((e) => e.node.text)).not.toContain('later words');
    expect(atStart.data).toEqual({ statement: null, countryTimeline: { totalCount: 0, edges: [] } });
    // both moments lie before events the read model has applied: the index answers alone
    expect({
      forward: cluster.forwardReads,
      backward: cluster.backwardReads,
      events: cluster.eventsRead,
    }).toEqual({ forward: 0, backward: 0, events: 0 });

    // a moment still to come reads as of now: the read model only checks the log head (one backward page)
    const future = await gql<AsOfAnswer>(AS_OF, { asOf: new Date(Date.now() + 3_600_000).toISOString(), id });
    expect(future.data?.statement).toEqual({ text: 'corrected words', version: 2 });
    expect(future.data?.countryTimeline.totalCount).toBe(22);
    expect(cluster.forwardReads).toBe(0);
    expect(cluster.eventsRead).toBeLessThan(logSize);

    // the counter sees a scan of the log when there is one
    cluster.resetCounts();
    const store = new EventStoreDbEventStore(cluster.client());
    let scanned = 0;
    try {
      for await (const _event of store.readAll()) scanned += 1;
    } finally {
      await store.close();
    }
    expect(scanned).toBe(logSize);
    expect(cluster.forwardReads).toBeGreaterThan(0);
    expect(cluster.eventsRead).toBeGreaterThanOrEqual(logSize);
  });

  it('a moment after what a replica has applied reads as of the log head; a malformed moment is refused', async () => {
    const cluster = new ReadCounter(wire.connectionString);
    const a = await start(cluster, 'a');
    const b = await start(cluster, 'b');
    const written = await b<{ recordStatement: { statement: { id: string } } }>(RECORD, {
      input: statementInput({ text: 'written through b' }),
    });
    const id = written.data?.recordStatement.statement.id ?? '';
    // replica a may not have applied b's write yet: its index cannot answer alone, so it catches up first
    const now = new Date().toISOString();
    const answer = await a<AsOfAnswer>(AS_OF, { asOf: now, id });
    expect(answer.data?.statement).toEqual({ text: 'written through b', version: 1 });
    expect(answer.data?.countryTimeline.totalCount).toBe(1);

    const bad = await a(AS_OF, { asOf: 'yesterday', id });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // the service is still up and answering
    expect((await a<AsOfAnswer>(AS_OF, { asOf: now, id })).data?.statement?.text).toBe('written through b');
  });
});
