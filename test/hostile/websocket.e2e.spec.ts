import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'graphql';
import { RECORD, statementInput } from '../support/api.js';
import { eventually, ServerProcess } from '../support/server-process.js';
import {
  PROTOCOLS,
  RSS_BOUND_MIB,
  rssMiB,
  WsClient,
  type Protocol,
  type WsError,
} from '../support/ws-client.js';

/**
 * The WebSocket door (subscriptions, both protocols Mercurius speaks) under attack: every document goes
 * through the same gate as HTTP (size, tokens, validation, access, rate limit), and the door's own limits
 * hold (Origin, connections, subscriptions, message size). Each attack gets a typed refusal, the process
 * stays up, `/health/live` answers while it runs, and the resident set stays under RSS_BOUND_MIB.
 */

const CHANGED = 'subscription { statementChanged { id text } }';
const protocols = Object.keys(PROTOCOLS) as Protocol[];

async function healthLive(server: ServerProcess): Promise<number> {
  const response = await fetch(`${server.url}/health/live`);
  return response.status;
}

async function expectStillWell(server: ServerProcess): Promise<number> {
  expect(server.child.exitCode).toBeNull();
  expect(await healthLive(server)).toBe(200);
  const rss = await rssMiB(server.child.pid ?? 0);
  expect(rss).toBeLessThan(RSS_BOUND_MIB);
  return rss;
}

const codes = (errors: WsError[]): unknown[] => errors.map((e) => e.extensions?.code);

describe('the WebSocket door without keys', () => {
  let server: ServerProcess;
  let dataDir: string;
  const open: WsClient[] = [];
  const connect = async (protocol: Protocol, headers?: Record<string, string>): Promise<WsClient> => {
    const client = await WsClient.connect(server.url, protocol, { headers });
    open.push(client);
    return client;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'communique-hostile-ws-'));
    server = await ServerProcess.start({
      COMMUNIQUE_DATA_DIR: dataDir,
      COMMUNIQUE_LOG: 'silent',
      COMMUNIQUE_WS_ALLOWED_ORIGINS: 'https://desk.example.org',
      COMMUNIQUE_WS_MAX_CONNECTIONS_PER_CLIENT: '6',
      COMMUNIQUE_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3',
    });
  });

  afterEach(async () => {
    // the server frees a connection's slot when its socket closes: wait for that before the next test
    await Promise.all(
      open.splice(0).map(async (client) => {
        client.close();
        await client.waitForClose().catch(() => undefined);
      }),
    );
  });

  afterAll(async () => {
    const rss = await rssMiB(server.child.pid ?? 0).catch(() => NaN);
    console.log(
      `websocket door: service RSS after the attacks ${rss.toFixed(0)} MiB (bound ${RSS_BOUND_MIB})`,
    );
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe.each(protocols)('over %s', (protocol) => {
    it('refuses a fragment cycle through respondsTo/responses, as HTTP does', async () => {
      const client = await connect(protocol);
      client.subscribe(
        'cycle',
        'subscription { statementChanged { ...A } } ' +
          'fragment A on Statement { id responses { ...B } } fragment B on Statement { respondsTo { ...A } }',
      );
      const errors = await client.errorsOf('cycle');
      expect(codes(errors)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(errors[0].message).toMatch(/Cannot spread fragment "A" within itself/);
      await expectStillWell(server);
    });

    it('refuses a subscription 62 deep (depth limit)', async () => {
      const client = await connect(protocol);
      let selection = '{ id }';
      for (let i = 0; i < 60; i++) selection = `{ responses ${selection} }`;
      client.subscribe('deep', `subscription { statementChanged ${selection} }`);
      const [error] = await client.errorsOf('deep');
      expect(error.extensions).toEqual(
        expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'depth', max: 10, actual: 62 }),
      );
    });

    it('refuses too many aliases, too many tokens and too long a document', async () => {
      const client = await connect(protocol);
      const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: id`).join(' ');
      client.subscribe('aliases', `subscription { statementChanged { ${aliases} } }`);
      expect((await client.errorsOf('aliases'))[0].extensions).toEqual(
        expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'aliases', actual: 16 }),
      );
      client.subscribe('tokens', `subscription { statementChanged { ${'id '.repeat(2500)} } }`);
      expect((await client.errorsOf('tokens'))[0].extensions).toEqual(
        expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'tokens' }),
      );
      client.subscribe('size', `subscription { statementChanged { id } } ${'#'.repeat(30_000)}`);
      expect((await client.errorsOf('size'))[0].extensions).toEqual(
        expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'documentSize' }),
      );
    });

    it('closes the connection on a message over the size limit (80,000 aliases, 869 KB) with 1009', async () => {
      const client = await connect(protocol);
      const aliases = Array.from({ length: 80_000 }, (_, i) => `a${i}: id`).join(' ');
      client.subscribe('huge', `subscription { statementChanged { ${aliases} } }`);
      const closed = await client.waitForClose();
      // The service closes with 1009 as soon as the frame's header says its length. The client may still be
      // sending the rest: the service's kernel then answers the unread bytes with a TCP reset, which can
      // overtake the close frame, and the client sees 1006 (seen once on Node 24 under the whole suite's load).
      // Either way the service ended the connection (this client never closes) and sent nothing for it.
      expect([1009, 1006]).toContain(closed.code);
      expect(client.messages.filter((m) => m.type === 'next' || m.type === 'data')).toEqual([]);
      await expectStillWell(server);
    });

    it('refuses a document sent as a syntax tree (it would skip the parse limits)', async () => {
      const client = await connect(protocol);
      // a valid subscription as a JSON syntax tree: Mercurius would run it without parsing
      client.send({
        id: 'ast',
        type: PROTOCOLS[protocol].subscribe,
        payload: { query: parse(CHANGED, { noLocation: true }) },
      });
      const errors = await client.errorsOf('ast');
      expect(codes(errors)).toEqual(['BAD_USER_INPUT']);
    });

    it('refuses queries and mutations on the socket with a typed error, and garbage too', async () => {
      const client = await connect(protocol);
      client.subscribe(
        'mutation',
        'mutation { retractStatement(id: "0f8fad5b-d9cb-469f-a165-70867728950e", reason: "x") { version } }',
      );
      expect(codes(await client.errorsOf('mutation'))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      client.subscribe('syntax', 'subscription { statementChanged { id ');
      expect(codes(await client.errorsOf('syntax'))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      client.send({ id: 'weird', type: 'no-such-type' });
      expect(codes(await client.errorsOf('weird'))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    });

    it('holds a connection to its number of subscriptions and refuses a reused id', async () => {
      const client = await connect(protocol);
      for (const id of ['s1', 's2', 's3', 's4']) client.subscribe(id, CHANGED);
      const [error] = await client.errorsOf('s4');
      expect(error.extensions).toEqual(
        expect.objectContaining({ code: 'BUDGET_EXCEEDED', limit: 'subscriptions', max: 3 }),
      );
      client.stop('s1');
      // the stop frees a slot (a new id: Mercurius ends a stopped id's stream asynchronously, so an id is
      // not reused at once)
      await eventually(
        async () =>
          client.messages.some((m) => m.id === 's1' && m.type === 'complete') || protocol === 'graphql-ws'
            ? true
            : undefined,
        5000,
        'the stop',
      );
      client.subscribe('s5', CHANGED);
      client.subscribe('s2', CHANGED);
      const [reused] = await client.errorsOf('s2');
      expect(reused.extensions).toEqual(expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'id' }));
      // the live ones still deliver
      const recorded = await server.gql<{ recordStatement: { statement: { id: string } } }>(RECORD, {
        input: statementInput({ text: `delivered over ${protocol}` }),
      });
      const id = recorded.data?.recordStatement.statement.id;
      await eventually(
        async () => (client.data('s5').length > 0 && client.data('s3').length > 0 ? true : undefined),
        20000,
        'the live subscriptions to deliver',
      );
      expect(JSON.stringify(client.data('s5'))).toContain(String(id));
      expect(
        client.messages.filter((m) => ['s1', 's3', 's5'].includes(String(m.id)) && m.type === 'error'),
      ).toEqual([]);
    });
  });

  it('refuses an Origin that is not allowed (403) and accepts the allowed one and its own', async () => {
    const refused = await WsClient.open(server.url, 'graphql-transport-ws', {
      headers: { Origin: 'https://evil.example' },
    });
    expect(refused).toEqual(
      expect.objectContaining({
        open: false,
        status: 403,
        body: expect.stringContaining('COMMUNIQUE_WS_ALLOWED_ORIGINS'),
      }),
    );
    const nullOrigin = await WsClient.open(server.url, 'graphql-ws', { headers: { Origin: 'null' } });
    expect(nullOrigin).toEqual(expect.objectContaining({ open: false, status: 403 }));
    open.push(await connect('graphql-ws', { Origin: 'https://desk.example.org' }));
    open.push(await connect('graphql-transport-ws', { Origin: server.url }));
  });

  it('limits the open connections per client address (429) and frees a slot when one closes', async () => {
    const clients: WsClient[] = [];
    for (let i = 0; i < 6; i++) clients.push(await connect(i % 2 ? 'graphql-ws' : 'graphql-transport-ws'));
    const seventh = await WsClient.open(server.url, 'graphql-transport-ws');
    expect(seventh).toEqual(
      expect.objectContaining({
        open: false,
        status: 429,
        body: expect.stringContaining('COMMUNIQUE_WS_MAX_CONNECTIONS_PER_CLIENT'),
      }),
    );
    expect(await healthLive(server)).toBe(200);
    clients[0].close();
    await clients[0].waitForClose();
    const again = await eventually(
      async () => {
        const opened = await WsClient.open(server.url, 'graphql-transport-ws');
        return opened.open ? opened.client : undefined;
      },
      10000,
      'a slot to free',
    );
    open.push(again);
  });

  it('stays live and bounded while many hostile subscriptions arrive at once', async () => {
    const clients = await Promise.all([0, 1, 2, 3].map((i) => connect(protocols[i % 2])));
    let selection = '{ id }';
    for (let i = 0; i < 60; i++) selection = `{ responses ${selection} }`;
    const deep = `subscription { statementChanged ${selection} }`;
    const cycle =
      'subscription { statementChanged { ...A } } ' +
      'fragment A on Statement { id responses { ...B } } fragment B on Statement { respondsTo { ...A } }';
    const refused = clients.flatMap((client, c) =>
      Array.from({ length: 50 }, (_, i) => {
        const id = `h${c}-${i}`;
        client.subscribe(id, i % 2 ? deep : cycle);
        return client.errorsOf(id);
      }),
    );
    const live = await Promise.all([healthLive(server), healthLive(server)]);
    expect(live).toEqual([200, 200]);
    for (const errors of await Promise.all(refused))
      expect(codes(errors)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    await expectStillWell(server);
  });
});

describe('the WebSocket door with keys and COMMUNIQUE_PUBLIC_READS=false', () => {
  let server: ServerProcess;
  let dataDir: string;
  const READER = 'reader-key-0123456789';
  const EDITOR = 'editor-key-0123456789';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'communique-hostile-ws-keys-'));
    server = await ServerProcess.start({
      COMMUNIQUE_DATA_DIR: dataDir,
      COMMUNIQUE_LOG: 'silent',
      COMMUNIQUE_PUBLIC_READS: 'false',
      COMMUNIQUE_API_KEYS: `rob:reader:${READER},eve:editor:${EDITOR}`,
      COMMUNIQUE_RATE_LIMIT_BURST: '30',
      COMMUNIQUE_RATE_LIMIT_PER_SECOND: '1',
    });
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(protocols)(
    'over %s: no key or an unknown key is UNAUTHENTICATED; a key in connection_init works',
    async (protocol) => {
      const anonymous = await WsClient.connect(server.url, protocol);
      anonymous.subscribe('a', CHANGED);
      const [error] = await anonymous.errorsOf('a');
      expect(error.extensions?.code).toBe('UNAUTHENTICATED');
      expect(error.message).not.toMatch(/asyncIterator/);
      anonymous.close();

      const wrong = await WsClient.connect(server.url, protocol, {
        init: { authorization: 'Bearer not-a-key-at-all' },
      });
      wrong.subscribe('w', CHANGED);
      expect((await wrong.errorsOf('w'))[0].extensions?.code).toBe('UNAUTHENTICATED');
      wrong.close();

      const reader = await WsClient.connect(server.url, protocol, {
        init: { authorization: `Bearer ${READER}` },
      });
      reader.subscribe('r', CHANGED);
      await eventually(
        async () => {
          const response = await fetch(`${server.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${EDITOR}` },
            body: JSON.stringify({
              query: RECORD,
              variables: { input: statementInput({ text: `for ${protocol}` }) },
            }),
          });
          expect(response.status).toBe(200);
          return reader.data('r').length > 0 ? true : undefined;
        },
        20000,
        'the reader to receive a change',
      );
      expect(reader.messages.filter((m) => m.type === 'error')).toEqual([]);
      reader.close();
    },
  );

  it('rate limits messages with the HTTP buckets: a flood closes the connection with 4429 RATE_LIMITED', async () => {
    const client = await WsClient.connect(server.url, 'graphql-transport-ws', {
      headers: { authorization: `Bearer ${READER}` },
    });
    for (let i = 0; i < 60; i++) client.send({ type: 'ping' });
    const closed = await client.waitForClose();
    expect(closed.code).toBe(4429);
    expect(closed.reason).toMatch(/^RATE_LIMITED/);
    // the same bucket refuses the same key over HTTP now
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${READER}` },
      body: JSON.stringify({ query: '{ topics { topic } }' }),
    });
    expect(response.status).toBe(429);
    expect(await healthLive(server)).toBe(200);
  });
});
