import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { statementInput } from './support/api.js';
import { eventually, ServerProcess } from './support/server-process.js';
import { RSS_BOUND_MIB, rssMiB, WsClient, type WsError, type WsMessage } from './support/ws-client.js';

/**
 * Live updates at dashboard scale (DESIGN §11.20): subscribers with the same document, variables and caller
 * share one execution per change, and get what separate execution gives them, per-role fields included; a
 * connection that stops reading gets SUBSCRIBER_FELL_BEHIND and is closed, the process stays up; a client
 * that resumes with `after` gets every change exactly once across disconnects; hostile `after` values get a
 * typed error naming the argument.
 */

const KEYS = {
  editor: 'live-editor-key-0123456789abcdef',
  reader: 'live-reader-key-0123456789abcdef',
  auditor: 'live-auditor-key-0123456789abcdef',
};
const API_KEYS = `ed:editor:${KEYS.editor},rd:reader:${KEYS.reader},au:auditor:${KEYS.auditor}`;
type Who = 'anonymous' | 'reader' | 'auditor';
const headersOf = (who: Who): Record<string, string> =>
  who === 'anonymous' ? {} : { authorization: `Bearer ${KEYS[who]}` };

const RECORDED = `mutation($input: RecordStatementInput!) { recordStatement(input: $input) { position statement { id } } }`;

async function record(
  server: ServerProcess,
  input: Record<string, unknown>,
): Promise<{ id: string; position: bigint }> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.editor}` },
    body: JSON.stringify({ query: RECORDED, variables: { input } }),
  });
  const body = (await response.json()) as {
    data?: { recordStatement: { position: string; statement: { id: string } } };
    errors?: unknown;
  };
  if (!body.data) throw new Error(`recordStatement failed: ${JSON.stringify(body.errors)}`);
  return { id: body.data.recordStatement.statement.id, position: BigInt(body.data.recordStatement.position) };
}

interface NextPayload {
  data?: { statementChanged?: { id: string } | null } | null;
  errors?: WsError[];
  extensions?: { position?: string };
}
const payloadOf = (message: WsMessage): NextPayload => message.payload as NextPayload;

describe('live updates: shared execution equals separate execution, per role', () => {
  let shared: ServerProcess;
  let separate: ServerProcess;
  let dataDir: string;
  const open: WsClient[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'communique-live-shared-'));
    const env = {
      COMMUNIQUE_LOG: 'silent',
      COMMUNIQUE_API_KEYS: API_KEYS,
      COMMUNIQUE_EVENTS_FILE: join(dataDir, 'events.db'),
    };
    // two processes on one log, each with its own read model: one shares executions, one does not
    [shared, separate] = await Promise.all([
      ServerProcess.start({ ...env, COMMUNIQUE_READ_MODEL_FILE: join(dataDir, 'shared.db') }),
      ServerProcess.start({
        ...env,
        COMMUNIQUE_READ_MODEL_FILE: join(dataDir, 'separate.db'),
        COMMUNIQUE_WS_SHARED_EXECUTION: 'false',
      }),
    ]);
  });

  afterAll(async () => {
    for (const client of open) client.close();
    await Promise.all([shared?.stop(), separate?.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('gives every subscriber of a group the payload separate execution gives, for anonymous, reader and auditor', async () => {
    // recordedBy needs auditor (the access matrix): a reader gets FORBIDDEN in its place, and null
    const query = `subscription($country: CountryCode) {
      statementChanged(country: $country) { id text status history { type recordedBy } }
    }`;
    const roles: Who[] = ['anonymous', 'reader', 'auditor'];
    const sharedClients = new Map<Who, WsClient[]>();
    const separateClients = new Map<Who, WsClient>();
    for (const who of roles) {
      const clients: WsClient[] = [];
      for (let i = 0; i < 3; i++) {
        const client = await WsClient.connect(shared.url, i === 1 ? 'graphql-ws' : 'graphql-transport-ws', {
          headers: headersOf(who),
        });
        open.push(client);
        client.subscribe('s', query, { country: 'NO' });
        clients.push(client);
      }
      sharedClients.set(who, clients);
      const alone = await WsClient.connect(separate.url, 'graphql-transport-ws', { headers: headersOf(who) });
      open.push(alone);
      alone.subscribe('s', query, { country: 'NO' });
      separateClients.set(who, alone);
    }
    const all = [...[...sharedClients.values()].flat(), ...separateClients.values()];
    // subscriptions start asynchronously: probe until every client has one change
    const probes: string[] = [];
    await eventually(
      async () => {
        probes.push((await record(shared, statementInput({ targets: ['NO'], text: 'probe' }))).id);
        return all.every((client) => client.data('s').length > 0) ? true : undefined;
      },
      30000,
      'every subscription to start',
    );
    const ids: string[] = [];
    for (const text of ['first', 'second', 'third']) {
      ids.push((await record(shared, statementInput({ targets: ['NO'], text }))).id);
    }
    const last = ids.at(-1);
    const received = (client: WsClient): NextPayload[] =>
      client
        .data('s')
        .map(payloadOf)
        .filter((p) => ids.includes(p.data?.statementChanged?.id ?? ''));
    await eventually(
      async () =>
        all.every((client) => received(client).some((p) => p.data?.statementChanged?.id === last))
          ? true
          : undefined,
      30000,
      'the three changes on every subscription',
    );

    for (const who of roles) {
      const expected = received(separateClients.get(who)!);
      expect(expected).toHaveLength(3);
      for (const client of sharedClients.get(who)!) expect(received(client)).toEqual(expected);
    }
    // the roles do see different things: the auditor the key's name, the others FORBIDDEN in its place
    const [auditorFirst] = received(separateClients.get('auditor')!);
    expect(auditorFirst?.errors).toBeUndefined();
    expect(JSON.stringify(auditorFirst?.data)).toContain('"recordedBy":"ed"');
    for (const who of ['anonymous', 'reader'] as const) {
      const [first] = received(separateClients.get(who)!);
      expect(first?.errors?.map((e) => e.extensions?.code)).toContain(
        who === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN',
      );
      expect(JSON.stringify(first?.data ?? null)).not.toContain('"recordedBy":"ed"');
    }
    // every message carries its position, and they grow
    const positions = received(sharedClients.get('reader')![0]!).map((p) =>
      BigInt(p.extensions?.position ?? '0'),
    );
    expect(positions.every((position, i) => i === 0 || position > positions[i - 1]!)).toBe(true);
  });
});

describe('live updates: backpressure, resume, hostile `after`', () => {
  let server: ServerProcess;
  let dataDir: string;
  const open: WsClient[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'communique-live-'));
    server = await ServerProcess.start({
      COMMUNIQUE_DATA_DIR: dataDir,
      COMMUNIQUE_LOG: 'silent',
      COMMUNIQUE_API_KEYS: API_KEYS,
      COMMUNIQUE_WS_MAX_BUFFERED_BYTES: String(64 * 1024),
      COMMUNIQUE_WS_MAX_REPLAY_EVENTS: '300',
      COMMUNIQUE_RATE_LIMIT_BURST: '0',
    });
  });

  afterAll(async () => {
    for (const client of open) client.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const connect = async (): Promise<WsClient> => {
    const client = await WsClient.connect(server.url, 'graphql-transport-ws');
    open.push(client);
    return client;
  };

  it('tells a connection that stops reading it fell behind, closes it, and stays up', async () => {
    const stalled = await connect();
    const watcher = await connect();
    const query = `subscription { statementChanged(country: "IS") { id text } }`;
    for (let i = 0; i < 20; i++) stalled.subscribe(`s${i}`, query);
    watcher.subscribe('w', query);
    await eventually(
      async () => {
        await record(server, statementInput({ targets: ['IS'], text: 'probe' }));
        return stalled.data('s19').length > 0 && watcher.data('w').length > 0 ? true : undefined;
      },
      30000,
      'the subscriptions to start',
    );
    const lastSeen = BigInt(payloadOf(stalled.data('s0').at(-1)!).extensions?.position ?? '0');
    stalled.socket.pause(); // a stalled browser tab: the server's writes pile up
    const big = 'x'.repeat(9000);
    let written = 0;
    await eventually(
      async () => {
        await record(server, statementInput({ targets: ['IS'], text: `${written++} ${big}` }));
        // the server closes its side; the paused client does not see it until it reads again
        return written >= 60 ? true : undefined;
      },
      120000,
      'enough writes to fill the buffers',
    );
    // the watcher, which reads, got every change and was not affected
    await eventually(
      async () => (watcher.data('w').length >= written ? true : undefined),
      30000,
      'the watcher',
    );
    expect(watcher.closed).toBeUndefined();
    expect(server.child.exitCode).toBeNull();
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
    expect(await rssMiB(server.child.pid ?? 0)).toBeLessThan(RSS_BOUND_MIB);

    stalled.socket.resume();
    const closed = await stalled.waitForClose(30000);
    expect(closed).toEqual({ code: 4413, reason: 'SUBSCRIBER_FELL_BEHIND' });
    const behind = stalled.messages.filter((m) => m.type === 'error');
    expect(behind.map((m) => m.id).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `s${i}`).sort());
    for (const message of behind) {
      const [error] = message.payload as WsError[];
      expect(error?.extensions?.code).toBe('SUBSCRIBER_FELL_BEHIND');
      // the last position it was sent: resuming after it loses nothing
      const lastPosition = BigInt(String(error?.extensions?.lastPosition));
      const sent = stalled.data(message.id!).map((m) => BigInt(payloadOf(m).extensions?.position ?? '0'));
      expect(lastPosition).toBe(sent.at(-1));
      expect(lastPosition).toBeGreaterThanOrEqual(lastSeen);
    }
    // nothing after the error for that subscription
    const errorIndex = stalled.messages.findIndex((m) => m.type === 'error');
    expect(stalled.messages.slice(errorIndex).filter((m) => m.type === 'next')).toEqual([]);
  });

  it('resumes with `after` across random disconnects: every change exactly once, in position order', async () => {
    const query = `subscription($after: Position) { statementChanged(country: "FJ", after: $after) { id } }`;
    const start = await record(server, statementInput({ targets: ['AU'], text: 'before the test' }));
    const total = 120;
    const expected: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < total; i++) {
        expected.push((await record(server, statementInput({ targets: ['FJ'], text: `change ${i}` }))).id);
        // an unrelated change between them: filtered out, and its position is skipped over
        if (i % 10 === 0) await record(server, statementInput({ targets: ['AU'], text: `noise ${i}` }));
        await new Promise((resolve) => setTimeout(resolve, 80));
      }
      writing = false;
    })();

    const seen: string[] = [];
    const positions: bigint[] = [];
    let after = start.position;
    let seed = 18;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let disconnects = 0;
    let connection = 0;
    let idle = 0; // connections after the writes that brought nothing new
    while ((writing || seen.length < total) && idle < 3) {
      const before = seen.length;
      const client = await connect();
      const id = `r${connection++}`;
      client.subscribe(id, query, { after: String(after) });
      // read for a random while (or until everything arrived), then drop the connection without a word
      const until = Date.now() + 200 + random() * 1500;
      while (Date.now() < until && (writing || seen.length < total)) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      client.socket.terminate();
      for (const message of client.data(id)) {
        const payload = payloadOf(message);
        seen.push(payload.data?.statementChanged?.id ?? '?');
        const position = BigInt(payload.extensions?.position ?? '0');
        positions.push(position);
        after = position;
      }
      expect(client.messages.filter((m) => m.type === 'error')).toEqual([]);
      disconnects++;
      idle = !writing && seen.length === before ? idle + 1 : 0;
      // away for a while, as a dashboard on a flaky network; once for 10 s while writes go on
      await new Promise((resolve) => setTimeout(resolve, disconnects === 3 ? 10_000 : random() * 1000));
    }
    await writer;
    expect(disconnects).toBeGreaterThan(3);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(seen).toEqual(expected);
    expect(positions.every((position, i) => i === 0 || position > positions[i - 1]!)).toBe(true);
  }, 180000);

  it('refuses hostile `after` values with an error naming the argument, and stays up', async () => {
    const client = await connect();
    const query = `subscription($after: Position) { statementChanged(after: $after) { id } }`;
    const head = (await record(server, statementInput({ text: 'head' }))).position;
    const cases: [string, unknown, string][] = [
      ['garbage', 'yesterday', 'after'],
      ['negative', '-1', 'after'],
      ['a number', -5, 'after'],
      ['huge', '9'.repeat(400), 'after'],
      ['beyond the head', String(head + 1000n), 'beyond the head of the log'],
      ['20 digits', '99999999999999999999', 'beyond the head of the log'],
      ['too far back', '0', 'COMMUNIQUE_WS_MAX_REPLAY_EVENTS'],
    ];
    // more than the 300 events the server replays
    while ((await record(server, statementInput({ text: 'filler' }))).position < 301n);
    for (const [name, value, says] of cases) {
      client.subscribe(name, query, { after: value });
      const [error] = await client.errorsOf(name);
      expect([name, error?.extensions?.code]).toEqual([name, 'BAD_USER_INPUT']);
      expect(error?.message).toContain('after');
      expect(error?.message).toContain(says);
    }
    // a literal in the document is refused before execution (the validation rules), naming the type
    client.subscribe('literal', `subscription { statementChanged(after: "-3") { id } }`);
    const [literal] = await client.errorsOf('literal');
    expect(literal?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(literal?.message).toContain('Position');
    expect(server.child.exitCode).toBeNull();
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
  });
});
