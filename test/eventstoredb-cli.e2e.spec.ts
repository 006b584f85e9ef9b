import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { EventStore, merkleRoot, type EventStoreDbClientApi } from '#event-store';
import { ProjectionRunner } from '#projections';
import { AppModule } from '../apps/api/src/app.module.js';
import { loadConfig } from '#runtime';
import {
  eventStoreDbEnvironment,
  eventStoreDbStore,
  runCommunique,
} from '../apps/cli/src/testing/in-process-cli.js';
import { openEventStore, type CliEnvironment } from '../apps/cli/src/stores.js';
import { KurrentWireCluster, type LogRecord } from '#event-store/testing';
import { statementInput } from './support/api.js';
import { eventually } from './support/server-process.js';

/*
 * `audit verify`, `events export` -> `events import`, `rebuild` and the lag on EVENT_STORE=eventstoredb,
 * end to end: the verbs run as `communique` runs them (same program, same output), in this process, with
 * the EventStoreDB adapter over the real client and real gRPC: against the wire-level test server (whose log
 * a test can change, as someone with access to the server's files could), and against a real server too when
 * EVENTSTORE_CONNECTION_STRING is set (each test on a fresh stream prefix).
 */

/** One EventStoreDB log for a test: a wire-level test server, or a fresh stream prefix on a real server. */
interface Log {
  /** the connection string the processes of the test are configured with */
  connectionString: string;
  /** a new client on this log (each store disposes of its own) */
  client(): EventStoreDbClientApi;
  /** the prefix streams carry on the server ('' on the test server) */
  prefix: string;
  /** the test server, when it is one */
  wire?: KurrentWireCluster;
}

const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;
/** the test servers started by the running test, stopped after it */
const clusters: KurrentWireCluster[] = [];
const backends: [string, () => Promise<Log>][] = [
  [
    'wire-level test server',
    async () => {
      const wire = await KurrentWireCluster.start();
      clusters.push(wire);
      const url = wire.connectionString;
      return {
        connectionString: url,
        client: () => EventStoreDBClient.connectionString(url),
        prefix: '',
        wire,
      };
    },
  ],
];
if (connectionString) {
  backends.push([
    'server',
    async () => ({
      connectionString,
      client: () => EventStoreDBClient.connectionString(connectionString),
      prefix: `cli-e2e-${randomUUID()}/`,
    }),
  ]);
} else {
  console.log(
    'EventStoreDB CLI suites run over the wire-level test server only: EVENTSTORE_CONNECTION_STRING is not set ' +
      '(set it, e.g. esdb://localhost:2113?tls=false, to run them against a server as well)',
  );
}

const RECORD = `mutation($input: RecordStatementInput!) { recordStatement(input: $input) { position } }`;
const CORRECT = `mutation($id: ID!, $input: CorrectStatementInput!) {
  correctStatement(id: $id, input: $input) { position }
}`;
const TIMELINE = `query($min: Position) { countryTimeline(country: "TR", minPosition: $min) { totalCount } }`;
const PROJECTIONS = `{ projections { checkpoint head lag lagCapped } }`;

/** The records of this service in a test server's log (the server's own `$` records left out), in log order. */
const serviceRecords = (wire: KurrentWireCluster): LogRecord[] =>
  wire.log.records.filter((record) => !record.stream.startsWith('$'));

/** Changes the statement text in the data of `record`, as an edit of the server's files would. */
const setText = (record: LogRecord, text: string): void => {
  const data = JSON.parse(Buffer.from(record.data).toString('utf8')) as { text: string };
  data.text = text;
  record.data = new Uint8Array(Buffer.from(JSON.stringify(data), 'utf8'));
};

const line = (output: string, label: string): string | undefined =>
  output
    .split('\n')
    .find((l) => l.startsWith(`${label}: `))
    ?.slice(label.length + 2);

describe.each(backends)('communique on EventStoreDB (%s)', (_name, makeLog) => {
  let dir: string;
  let log: Log;
  const apps: NestFastifyApplication[] = [];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'communique-esdb-cli-'));
    log = await makeLog();
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const cluster of clusters.splice(0)) await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const storeOn = (target: Log): EventStore => eventStoreDbStore(target.client(), target.prefix);
  const environment = (target: Log = log, env: Record<string, string> = {}): CliEnvironment =>
    eventStoreDbEnvironment(
      { COMMUNIQUE_DATA_DIR: dir, EVENTSTORE_CONNECTION_STRING: target.connectionString, ...env },
      () => storeOn(target),
    );
  const communique = (args: string[], target?: Log, env?: Record<string, string>) =>
    runCommunique(args, environment(target, env));

  /** The API in this process over the log, with the read model in `readModel` (a file in `dir`). */
  const api = async (readModel = 'read-model.db', env: Record<string, string> = {}) => {
    const config = loadConfig({
      EVENT_STORE: 'eventstoredb',
      EVENTSTORE_CONNECTION_STRING: log.connectionString,
      COMMUNIQUE_DEMO: 'false',
      COMMUNIQUE_LOG: 'silent',
      COMMUNIQUE_DATA_DIR: dir,
      COMMUNIQUE_READ_MODEL_FILE: join(dir, readModel),
      ...env,
    });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
      .overrideProvider(EventStore)
      .useValue(storeOn(log))
      .compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    await app.init();
    const http = app.getHttpAdapter().getInstance() as FastifyInstance;
    await http.ready();
    apps.push(app);
    const gql = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
      const body = (
        await http.inject({ method: 'POST', url: '/graphql', payload: { query, variables } })
      ).json() as { data?: T; errors?: unknown[] };
      if (body.errors !== undefined || body.data === undefined) {
        throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
      }
      return body.data;
    };
    return { app, gql, get: (url: string) => http.inject({ method: 'GET', url }) };
  };

  /** Five events through the API (four statements, one corrected); resolves with the last position. */
  const seed = async (client: Awaited<ReturnType<typeof api>>): Promise<string> => {
    const ids: string[] = [];
    for (const text of ['one', 'two', 'three', 'four']) {
      const id = randomUUID();
      ids.push(id);
      await client.gql(RECORD, { input: statementInput({ id, text: `Statement ${text}.` }) });
    }
    const corrected = await client.gql<{ correctStatement: { position: string } }>(CORRECT, {
      id: ids[1],
      input: { text: 'Statement two, corrected.', reason: 'misquoted' },
    });
    return corrected.correctStatement.position;
  };

  /** The stored event hashes in log order, read through the port. */
  const hashes = async (target: Log = log): Promise<string[]> => {
    const store = storeOn(target);
    try {
      const found: string[] = [];
      for await (const event of store.readStored()) found.push(event.hash);
      return found;
    } finally {
      await store.close();
    }
  };

  describe('audit verify', () => {
    it('passes on a clean log and prints the count and the Merkle root of the event hashes', async () => {
      await seed(await api());
      const result = await communique(['audit', 'verify']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(line(result.stdout, 'events')).toBe('5');
      expect(line(result.stdout, 'merkle root')).toBe(merkleRoot(await hashes()));
      expect(result.stdout).toMatch(/^ok: every event hash and stream chain check out/m);
    });

    it('names the first broken event when a stored event was changed or removed', async () => {
      await seed(await api());
      const wire = log.wire;
      if (wire === undefined) {
        // a server is append-only: forge an event with a hash that does not match its content
        const raw = EventStoreDBClient.connectionString(connectionString ?? '');
        try {
          await raw.appendToStream(
            `${log.prefix}statement-forged`,
            jsonEvent({
              type: 'StatementRetracted',
              data: { reason: 'forged' },
              metadata: { recordedAt: new Date().toISOString(), prevHash: null, hash: '0'.repeat(64) },
            }),
          );
        } finally {
          await raw.dispose();
        }
        const result = await communique(['audit', 'verify']);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/FAILED: broken at position \d+: stream statement-forged, revision 0/);
        return;
      }
      // the index in the server's log of the service's `n`th event
      const at = (n: number): number => wire.log.records.indexOf(serviceRecords(wire)[n]);

      // the text of the second statement's first event, changed in place
      const changed = serviceRecords(wire)[1].position;
      wire.log.tamper(at(1), (record) => setText(record, 'Statement 9.'));
      let result = await communique(['audit', 'verify']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`FAILED: broken at position ${changed}: stream statement-`);
      expect(result.stderr).toContain('the content does not match its hash');
      expect(line(result.stdout, 'events')).toBe('5'); // the count and root still cover the whole log

      // restored, the log verifies again; then the first event of the corrected statement's stream goes
      wire.log.tamper(at(1), (record) => setText(record, 'Statement two.'));
      expect((await communique(['audit', 'verify'])).code).toBe(0);
      const stream = serviceRecords(wire)[1].stream;
      wire.log.tamper(at(1), () => 'delete');
      result = await communique(['audit', 'verify']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `stream ${stream}, revision 1 (event ${serviceRecords(wire)[3].id}): stream revision 1 where 0 was expected`,
      );
    });
  });

  describe('events export -> events import', () => {
    it('restores the log on another EventStoreDB log and on SQLite with the same Merkle root', async () => {
      await seed(await api());
      const backup = join(dir, 'backup.ndjson');
      const exported = await communique(['events', 'export', '--out', backup]);
      expect(exported.code).toBe(0);
      const lines = readFileSync(backup, 'utf8').trimEnd().split('\n');
      expect(lines).toHaveLength(5);
      // the export carries the global chain, computed from the log order
      expect(JSON.parse(lines[4])).toMatchObject({ chainHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      const root = merkleRoot(await hashes());

      // into another EventStoreDB log (new positions, same order)
      const other = await makeLog();
      const imported = await communique(['events', 'import', backup], other);
      expect(imported.stderr).toBe('');
      expect(imported.code).toBe(0);
      expect(imported.stdout).toContain('imported 5 events');
      expect(line(imported.stdout, 'merkle root')).toBe(root);
      const verified = await communique(['audit', 'verify'], other);
      expect(verified.code).toBe(0);
      expect(line(verified.stdout, 'merkle root')).toBe(root);
      expect(await hashes(other)).toEqual(await hashes());
      const again = await communique(['events', 'import', backup], other);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('all 5 events of');

      // into SQLite (positions kept, the chain stored as the export computed it)
      const sqliteDir = join(dir, 'sqlite');
      const sqlite: CliEnvironment = {
        loadConfig: () => loadConfig({ COMMUNIQUE_DATA_DIR: sqliteDir, COMMUNIQUE_DEMO: 'false' }),
        openEventStore,
      };
      expect((await runCommunique(['events', 'import', backup], sqlite)).code).toBe(0);
      const onSqlite = await runCommunique(['audit', 'verify'], sqlite);
      expect(onSqlite.code).toBe(0);
      expect(line(onSqlite.stdout, 'merkle root')).toBe(root);
      expect(onSqlite.stdout).toContain('and the global chain check out');
      const reexport = join(dir, 'again.ndjson');
      expect((await runCommunique(['events', 'export', '--out', reexport], sqlite)).code).toBe(0);
      expect(readFileSync(reexport, 'utf8')).toBe(readFileSync(backup, 'utf8'));
    });

    it('refuses a changed file and a log holding other events, and stores nothing', async () => {
      await seed(await api());
      const backup = join(dir, 'backup.ndjson');
      await communique(['events', 'export', '--out', backup]);
      const lines = readFileSync(backup, 'utf8').trimEnd().split('\n');

      const changed = join(dir, 'changed.ndjson');
      writeFileSync(
        changed,
        [lines[0], lines[1].replace('Statement two.', 'Statement 2.'), ...lines.slice(2)].join('\n'),
      );
      const other = await makeLog();
      const refused = await communique(['events', 'import', changed], other);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('line 2: broken at position');
      expect(await hashes(other)).toEqual([]);

      // a log that holds an event of its own is not the start of this file
      const store = storeOn(other);
      await store.appendToStream(
        'statement-own',
        [
          {
            id: randomUUID(),
            type: 'Noted',
            data: {},
            metadata: {
              recordedAt: new Date().toISOString(),
              recordedBy: 't',
              correlationId: 'c',
              causationId: 'c',
              schemaVersion: 1,
            },
          },
        ],
        { expectedRevision: 'no_stream' },
      );
      await store.close();
      const occupied = await communique(['events', 'import', backup], other);
      expect(occupied.code).toBe(1);
      expect(occupied.stderr).toContain(
        'the store already holds 1 events and they are not the first events of',
      );
      expect(await hashes(other)).toHaveLength(1);
    });
  });

  describe('rebuild', () => {
    it('rebuilds the read model from the log, equal to the live one row for row, and swaps it in', async () => {
      const client = await api();
      const last = await seed(client);
      await client.gql(TIMELINE, { min: last });
      await apps.pop()?.close();

      const result = await communique(['rebuild']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        `compared with the live read model at position ${last}: equal, row for row`,
      );
      expect(result.stdout).toContain('swapped the files');
      expect(result.stdout).toMatch(/^rebuilt 5 events in /m);
    });

    it('with the API running: the API takes the rebuilt read model and keeps serving and writing', async () => {
      const client = await api();
      const last = await seed(client);
      await client.gql(TIMELINE, { min: last });

      const result = await communique(['rebuild']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('equal, row for row');
      expect(result.stdout).toMatch(/^the running API \(pid \d+\) now serves the rebuilt read model/m);
      const written = await client.gql<{ recordStatement: { position: string } }>(RECORD, {
        input: statementInput({ text: 'After the rebuild.' }),
      });
      const read = await client.gql<{ countryTimeline: { totalCount: number } }>(TIMELINE, {
        min: written.recordStatement.position,
      });
      expect(read.countryTimeline.totalCount).toBe(5);
    });

    it('refuses to swap when the live read model differs from the rebuild', async () => {
      const client = await api();
      const last = await seed(client);
      await client.gql(TIMELINE, { min: last });
      await apps.pop()?.close();
      const db = new Database(join(dir, 'read-model.db'));
      db.prepare(`UPDATE statements SET data = replace(data, 'Statement four.', 'Statement 4.')`).run();
      db.close();

      const result = await communique(['rebuild']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('differs from the live one');
    });
  });

  describe('lag', () => {
    it('counts events, not positions, in GraphQL, the metric and the readiness probe', async () => {
      const client = await api('read-model.db', { COMMUNIQUE_READY_MAX_LAG: '2' });
      await seed(client);
      await eventually(async () => {
        const [status] = (await client.gql<{ projections: { lag: number }[] }>(PROJECTIONS)).projections;
        return status.lag === 0 ? true : undefined;
      });
      const runner = client.app.get(ProjectionRunner);
      await runner.stop();
      // written through another replica, which catches its own read model up, not this one's
      const other = await api('other-read-model.db');
      for (const text of ['five', 'six', 'seven']) {
        await other.gql(RECORD, { input: statementInput({ text: `Statement ${text}.` }) });
      }

      const [status] = (
        await client.gql<{
          projections: { checkpoint: string; head: string; lag: number; lagCapped: boolean }[];
        }>(PROJECTIONS)
      ).projections;
      expect(status).toMatchObject({ lag: 3, lagCapped: false });
      // the positions are the server's byte offsets: their difference is not the lag
      expect(BigInt(status.head) - BigInt(status.checkpoint)).toBeGreaterThan(3n);
      expect((await client.get('/metrics')).body).toMatch(/^communique_projection_lag_events 3$/m);
      const ready = await client.get('/health/ready');
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ status: 'catching up', lag: 3, maxLag: 2 });

      runner.start();
      await eventually(async () =>
        (await client.get('/health/ready')).statusCode === 200 ? true : undefined,
      );
      const [after] = (await client.gql<{ projections: { lag: number; lagCapped: boolean }[] }>(PROJECTIONS))
        .projections;
      expect(after).toEqual({ checkpoint: status.head, head: status.head, lag: 0, lagCapped: false });
    });
  });
});
