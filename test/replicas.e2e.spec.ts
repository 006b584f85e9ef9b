import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore, type EventToAppend } from '#event-store';
import { statementInput } from './support/api.js';
import { ServerProcess, assertBuilt, eventually } from './support/server-process.js';

/*
 * Replicas on one shared SQLite event store: real `communique serve` processes, each with its own read model
 * file, following the log through a subscription (DESIGN §9).
 */

const RECORD = `mutation($input: RecordStatementInput!) { recordStatement(input: $input) { position } }`;
const TIMELINE = `query($min: Position) { countryTimeline(country: "TR", minPosition: $min) { totalCount } }`;

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`metric ${name} is missing from /metrics`);
  return Number(line.slice(name.length + 1));
}

async function scrape(server: ServerProcess): Promise<string> {
  const response = await fetch(`${server.url}/metrics`);
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
}

async function record(server: ServerProcess, text: string): Promise<string> {
  const response = await server.gql<{ recordStatement: { position: string } }>(RECORD, {
    input: statementInput({ text }),
  });
  if (!response.data) throw new Error(`recordStatement failed: ${JSON.stringify(response.errors)}`);
  return response.data.recordStatement.position;
}

async function totalCount(server: ServerProcess, min?: string): Promise<number> {
  const response = await server.gql<{ countryTimeline: { totalCount: number } }>(TIMELINE, { min });
  if (!response.data) throw new Error(`countryTimeline failed: ${JSON.stringify(response.errors)}`);
  return response.data.countryTimeline.totalCount;
}

describe('replicas sharing one SQLite event store', () => {
  let dir: string;
  const servers: ServerProcess[] = [];
  beforeAll(() => assertBuilt());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'communique-replicas-'));
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (readModel: string, env: Record<string, string> = {}) => {
    const server = await ServerProcess.start({
      COMMUNIQUE_DATA_DIR: dir,
      COMMUNIQUE_EVENTS_FILE: join(dir, 'events.db'),
      COMMUNIQUE_READ_MODEL_FILE: join(dir, readModel),
      COMMUNIQUE_LOG: 'on',
      COMMUNIQUE_LOG_LEVEL: 'info',
      ...env,
    });
    servers.push(server);
    return server;
  };

  it('a write through one replica is read through the other with minPosition; a killed replica resumes from its checkpoint', async () => {
    const a = await start('a.db');
    let b = await start('b.db');

    const first = await record(a, 'first');
    expect(await totalCount(b, first)).toBe(1);

    await b.stop('SIGKILL');
    const second = await record(a, 'second');
    const third = await record(a, 'third');

    b = await start('b.db');
    expect(await totalCount(b, third)).toBe(3);
    // It resumed from the checkpoint it had reached, and applied only what came after it.
    expect(b.log).toContain(`"msg":"read model checkpoint ${first}: catching up from there"`);
    const metrics = await scrape(b);
    expect(metric(metrics, 'communique_projection_start_checkpoint')).toBe(Number(first));
    expect(metric(metrics, 'communique_projection_applied_events_total')).toBe(2);
    expect(metric(metrics, 'communique_projection_checkpoint')).toBe(Number(third));
    expect(Number(second)).toBeLessThan(Number(third));

    // And it follows live writes of the other replica.
    const fourth = await record(a, 'fourth');
    expect(await totalCount(b, fourth)).toBe(4);
  });

  it('a new replica on a large log reports its lag in /metrics, is not ready, then turns ready once caught up', async () => {
    const store = SqliteEventStore.open(join(dir, 'events.db'));
    const statementId = randomUUID();
    const stream = `statement-${statementId}`;
    let clock = Date.parse('2025-01-01T00:00:00Z');
    let appended = 0;
    const metadata = () => {
      clock += 1000;
      return {
        recordedAt: new Date(clock).toISOString(),
        recordedBy: 'test',
        correlationId: randomUUID(),
        causationId: randomUUID(),
        schemaVersion: 1,
      };
    };
    /** `count` more events on one statement: tagged, untagged, tagged, ... */
    const grow = async (count: number) => {
      const batch: EventToAppend[] = [];
      for (let i = 0; i < count; i++) {
        appended += 1;
        batch.push({
          id: randomUUID(),
          type: appended % 2 === 0 ? 'StatementTopicsTagged' : 'StatementTopicsUntagged',
          data: { statementId, topics: ['churn'] },
          metadata: metadata(),
        });
      }
      await store.appendToStream(stream, batch, { expectedRevision: 'any' });
    };
    try {
      await store.appendToStream(
        stream,
        [
          {
            id: randomUUID(),
            type: 'StatementRecorded',
            data: { ...statementInput(), id: statementId, speakerCountry: 'CN', mentions: [] },
            metadata: metadata(),
          },
        ],
        { expectedRevision: 'no_stream' },
      );
      appended = 1;
      // A log large enough that projecting it takes several catch-up batches.
      for (let i = 0; i < 5; i++) await grow(1000);

      const replica = await start('replica.db', {
        COMMUNIQUE_REPLICA: 'true',
        COMMUNIQUE_READY_MAX_LAG: '100',
      });
      expect((await fetch(`${replica.url}/health/live`)).status).toBe(200);

      // While the log keeps growing faster than one scrape, the replica is seen behind: its lag in /metrics
      // and a 503 from /health/ready (each observed at least once; rounds are bounded).
      let lagSeen = 0;
      let notReady: { status: number; body: unknown } | undefined;
      for (let round = 0; round < 50 && (lagSeen <= 100 || notReady === undefined); round++) {
        const lag = metric(await scrape(replica), 'communique_projection_lag_events');
        lagSeen = Math.max(lagSeen, lag);
        const ready = await fetch(`${replica.url}/health/ready`);
        if (ready.status === 503) notReady = { status: ready.status, body: await ready.json() };
        else expect(ready.status).toBe(200);
        await grow(500);
      }
      expect(lagSeen).toBeGreaterThan(100);
      expect(notReady?.body).toMatchObject({ status: 'catching up', maxLag: 100 });

      // The log stops growing: the replica catches up and turns ready.
      const head = await store.headPosition();
      await eventually(
        async () => ((await fetch(`${replica.url}/health/ready`)).status === 200 ? true : undefined),
        120_000,
        'the replica to be ready',
      );
      expect(metric(await scrape(replica), 'communique_projection_lag_events')).toBeLessThanOrEqual(100);
      await eventually(
        async () =>
          metric(await scrape(replica), 'communique_projection_lag_events') === 0 ? true : undefined,
        60_000,
        'the lag to reach 0',
      );
      const done = await scrape(replica);
      expect(metric(done, 'communique_event_store_head')).toBe(Number(head));
      expect(metric(done, 'communique_projection_checkpoint')).toBe(Number(head));
      expect(metric(done, 'communique_projection_applied_events_total')).toBe(appended);
    } finally {
      await store.close();
    }
  }, 240_000);
});
