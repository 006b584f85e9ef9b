import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import {
  CURRENT_SCHEMA_VERSION,
  decide,
  initialStatementState,
  statementStream,
  type StatementInput,
} from '#domain';
import { appendInChildProcess } from '#event-store/testing';
import { referenceData } from '#reference';
import { RECORD, statementInput } from './support/api.js';
import { eventually, ServerProcess } from './support/server-process.js';

interface Message {
  id?: string;
  type: string;
  payload?: {
    data?: { statementChanged: { id: string; status: string; text: string } };
    [key: string]: unknown;
  };
}

/** A graphql-transport-ws client (the protocol Mercurius speaks) that keeps every message it receives. */
class SubscriptionClient {
  readonly received = new Map<string, Message[]>();
  readonly errors: Message[] = [];
  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (raw: WebSocket.RawData) => {
      const message = JSON.parse(raw.toString()) as Message;
      if (message.type === 'next' && message.id !== undefined) {
        const list = this.received.get(message.id) ?? [];
        list.push(message);
        this.received.set(message.id, list);
      } else if (message.type === 'error') {
        this.errors.push(message);
      }
    });
  }

  static async connect(url: string): Promise<SubscriptionClient> {
    const socket = new WebSocket(url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('open', () => {
        socket.send(JSON.stringify({ type: 'connection_init' }));
      });
      socket.on('message', (raw: WebSocket.RawData) => {
        if ((JSON.parse(raw.toString()) as Message).type === 'connection_ack') resolve();
      });
    });
    return new SubscriptionClient(socket);
  }

  subscribe(id: string, query: string, variables: Record<string, unknown> = {}): void {
    this.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
  }

  ids(id: string): string[] {
    return (this.received.get(id) ?? []).map((m) => m.payload?.data?.statementChanged.id ?? '?');
  }

  close(): void {
    this.socket.close();
  }
}

const CHANGED = `subscription($country: CountryCode, $topic: String) {
  statementChanged(country: $country, topic: $topic) { id status text }
}`;

describe('statementChanged over WebSocket', () => {
  let server: ServerProcess;
  let dataDir: string;
  let client: SubscriptionClient;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'communique-ws-'));
    server = await ServerProcess.start({ COMMUNIQUE_DATA_DIR: dataDir, COMMUNIQUE_LOG: 'silent' });
    client = await SubscriptionClient.connect(server.url);
  });

  afterAll(async () => {
    client?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const record = async (overrides: Record<string, unknown>): Promise<string> => {
    const response = await server.gql<{ recordStatement: { statement: { id: string } } }>(RECORD, {
      input: statementInput(overrides),
    });
    if (!response.data) throw new Error(JSON.stringify(response.errors));
    return response.data.recordStatement.statement.id;
  };

  it('delivers only the changes that concern the subscribed country, retractions included', async () => {
    client.subscribe('tr', CHANGED, { country: 'TUR' });
    client.subscribe('all', CHANGED);
    // Subscriptions start asynchronously: record probes (about neither TR nor a TR topic) until the
    // unfiltered subscription, subscribed after the filtered one, has seen one.
    const probeInput = {
      speaker: { name: 'Probe', country: 'FR' },
      targets: ['DE'],
      topics: ['probe'],
    };
    const probes: string[] = [];
    await eventually(
      async () => {
        probes.push(await record(probeInput));
        return client.ids('all').length > 0 ? true : undefined;
      },
      20000,
      'the subscriptions to start',
    );

    const other = await record({ speaker: { name: 'Other', country: 'US' }, targets: ['CN'] });
    const forTurkey = await record({ speaker: { name: 'Wang Yi', country: 'CN' }, targets: ['TR'] });
    await eventually(async () => (client.ids('tr').length >= 1 ? true : undefined), 20000, 'the TR change');
    await eventually(
      async () => (client.ids('all').includes(forTurkey) ? true : undefined),
      20000,
      'all changes',
    );

    expect(client.ids('tr')).toEqual([forTurkey]);
    expect(client.ids('all')).toEqual(expect.arrayContaining([other, forTurkey]));
    expect(client.ids('all').filter((id) => probes.includes(id)).length).toBeGreaterThan(0);

    const retract = await server.gql(
      `mutation($id: ID!) { retractStatement(id: $id, reason: "duplicate") { version } }`,
      { id: forTurkey },
    );
    expect(retract.errors).toBeUndefined();
    await eventually(async () => (client.ids('tr').length >= 2 ? true : undefined), 20000, 'the retraction');
    const last = client.received.get('tr')?.at(-1)?.payload?.data?.statementChanged;
    expect(last).toEqual(expect.objectContaining({ id: forTurkey, status: 'RETRACTED' }));
    expect(client.errors).toEqual([]);
  });

  it('delivers a statement that another process appended to the log', async () => {
    client.subscribe('xinjiang', CHANGED, { topic: 'Xinjiang' });
    // the subscription is live once a probe recorded through the service arrives on it
    await eventually(
      async () => {
        await record({ topics: ['xinjiang'], text: 'probe' });
        return client.ids('xinjiang').length > 0 ? true : undefined;
      },
      20000,
      'the topic subscription to start',
    );
    const id = randomUUID();
    const events = decide(
      {
        type: 'RecordStatement',
        id,
        input: statementInput({ topics: ['xinjiang'], text: 'from elsewhere' }) as unknown as StatementInput,
      },
      initialStatementState,
      referenceData,
    );
    const metadata = {
      recordedAt: new Date().toISOString(),
      recordedBy: 'another-process',
      correlationId: 'test',
      causationId: 'test',
      schemaVersion: CURRENT_SCHEMA_VERSION,
    };
    await appendInChildProcess(
      join(dataDir, 'events.db'),
      statementStream(id),
      events.map((event) => ({ id: randomUUID(), type: event.type, data: event.data, metadata })),
      { expectedRevision: 'no_stream' },
    );
    await eventually(
      async () => (client.ids('xinjiang').includes(id) ? true : undefined),
      20000,
      'the change',
    );
  });

  it('rejects an unknown country with BAD_USER_INPUT naming the argument', async () => {
    client.subscribe('bad', CHANGED, { country: 'Atlantis' });
    await eventually(async () => (client.errors.length > 0 ? true : undefined), 20000, 'the error');
    const error = client.errors[0];
    expect(error?.id).toBe('bad');
    expect(JSON.stringify(error?.payload)).toContain('BAD_USER_INPUT');
    expect(JSON.stringify(error?.payload)).toContain('country');
  });
});
