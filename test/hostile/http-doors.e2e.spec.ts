import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { ServerProcess } from '../support/server-process.js';
import { RECORD, statementInput } from '../support/api.js';

/**
 * Hostile tests of the HTTP doors of /graphql (issue "Trust", items 3, 6 and 10): every spelling of the URL
 * that Fastify routes to the GraphQL handler meets the same rate limit, batch limit, body limit and
 * authentication; only application/json bodies are executed; GET never writes; without keys a proxied request
 * never writes. Each attack: the typed refusal, nothing stored (a query after), /health/live answering
 * while the attack is in flight.
 */

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: () => { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

/** A raw HTTP request: the target goes on the request line as given (absolute form, percent escapes). */
function send(
  server: ServerProcess,
  options: { method?: string; target: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<Answer> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'POST',
        path: options.target,
        headers: options.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text) as ReturnType<Answer['json']>,
          });
        });
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };
const codeOf = (answer: Answer): unknown => answer.json().errors?.[0]?.extensions?.code;

/** Runs the attack with a /health/live request in flight at the same time; the process must answer it. */
async function duringAttack<T>(server: ServerProcess, attack: () => Promise<T>): Promise<T> {
  const [result, live] = await Promise.all([attack(), fetch(`${server.url}/health/live`)]);
  expect(live.status).toBe(200);
  return result;
}

/** The spellings tried; which of them Fastify routes to the GraphQL handler is found out, not assumed. */
function spellings(server: ServerProcess): string[] {
  const host = new URL(server.url).host;
  return [
    '/graphql',
    '/%67raphql',
    '/%67%72%61%70%68%71%6c',
    '/graphq%6C',
    '/graphql?',
    '/graphql?x=1',
    `http://${host}/graphql`,
    'http://attacker.example/graphql',
    `http://${host}/%67raphql`,
    '/graphql/',
    '/GRAPHQL',
    '/GraphQL',
    '//graphql',
    '/graphql//',
    '/./graphql',
    '/x/../graphql',
    '/graphql%2F',
    '/graphql;x',
    '/graphql%00',
    '/graphql#x',
  ];
}

/** The spellings that reach the GraphQL handler (a query is answered), checked against 404 for the rest. */
async function routedSpellings(
  server: ServerProcess,
  headers: (index: number) => Record<string, string> = () => ({}),
): Promise<string[]> {
  const routed: string[] = [];
  for (const [index, target] of spellings(server).entries()) {
    const answer = await send(server, {
      target,
      headers: { ...JSON_TYPE, ...headers(index) },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    if (answer.status === 200 && answer.text.includes('"__typename":"Query"')) routed.push(target);
    else
      expect({ target, status: answer.status }).toEqual({
        target,
        status: answer.status >= 400 ? answer.status : 404,
      });
  }
  // the known alternative spellings are among them, so the policies below are tried through more than one door
  expect(routed).toEqual(
    expect.arrayContaining(['/graphql', '/%67raphql', 'http://attacker.example/graphql']),
  );
  return routed;
}

/** Sends one operation over graphql-transport-ws (with the upgrade headers given) and returns its first answer. */
function overWebSocket(
  server: ServerProcess,
  query: string,
  headers: Record<string, string>,
): Promise<{ type: string; payload?: unknown }> {
  const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', {
    headers,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer over WebSocket within 10 s')), 10_000);
    socket.on('error', reject);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.on('message', (raw: WebSocket.RawData) => {
      const message = JSON.parse(raw.toString()) as { type: string; payload?: unknown };
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
      } else if (message.type === 'next' || message.type === 'error') {
        clearTimeout(timer);
        socket.close();
        resolve(message);
      }
    });
  });
}

const READER = 'hostile-reader-key-0123456789';
const EDITOR = 'hostile-editor-key-0123456789';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function startServer(env: Record<string, string>): Promise<{ server: ServerProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'communique-hostile-http-'));
  const server = await ServerProcess.start({ COMMUNIQUE_DATA_DIR: dir, COMMUNIQUE_LOG: 'silent', ...env });
  return { server, dir };
}

/** Records one statement (with the headers given) and returns its id. */
async function seed(server: ServerProcess, headers: Record<string, string> = {}): Promise<string> {
  const id = randomUUID();
  const answer = await send(server, {
    target: '/graphql',
    headers: { ...JSON_TYPE, ...headers },
    body: JSON.stringify({ query: RECORD, variables: { input: statementInput({ id }) } }),
  });
  expect(answer.json().errors).toBeUndefined();
  return id;
}

/** The version and topics of a statement: what an attack must not have changed. */
async function stateOf(
  server: ServerProcess,
  id: string,
  headers: Record<string, string> = {},
): Promise<{ version: number; topics: string[] }> {
  const answer = await send(server, {
    target: '/graphql',
    headers: { ...JSON_TYPE, ...headers },
    body: JSON.stringify({
      query: 'query($id: ID!) { statement(id: $id) { version topics } }',
      variables: { id },
    }),
  });
  const data = answer.json().data as { statement: { version: number; topics: string[] } };
  return data.statement;
}

const tag = (id: string, topic = 'attack') =>
  `mutation { tagStatement(id: "${id}", topics: ["${topic}"]) { version } }`;

describe('hostile: the HTTP doors of /graphql', () => {
  describe('every spelling routed to the GraphQL handler meets the batch limit, body limit and authentication', () => {
    let server: ServerProcess;
    let dir: string;
    let id: string;
    let routed: string[];

    beforeAll(async () => {
      ({ server, dir } = await startServer({
        COMMUNIQUE_API_KEYS: `ria:reader:${READER},eddie:editor:${EDITOR}`,
        COMMUNIQUE_PUBLIC_READS: 'false',
        COMMUNIQUE_GRAPHQL_MAX_BATCH: '3',
        COMMUNIQUE_MAX_BODY_BYTES: '4096',
      }));
      id = await seed(server, bearer(EDITOR));
      routed = await routedSpellings(server, () => bearer(READER));
    });
    afterAll(async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a batch over the limit is refused as a whole (400), through every spelling; no operation of it ran', async () => {
      for (const target of routed) {
        const batch = Array.from({ length: 4 }, (_, i) => ({ query: tag(id, `batch${i}`) }));
        const answer = await duringAttack(server, () =>
          send(server, { target, headers: { ...JSON_TYPE, ...bearer(EDITOR) }, body: JSON.stringify(batch) }),
        );
        expect({ target, status: answer.status, code: codeOf(answer) }).toEqual({
          target,
          status: 400,
          code: 'BAD_USER_INPUT',
        });
        expect(answer.json().errors?.[0].message).toMatch(/at most 3 operations, this one has 4/);
      }
      expect(await stateOf(server, id, bearer(READER))).toEqual({ version: 1, topics: ['testing'] });
    });

    it('a body over the limit is 413 PAYLOAD_TOO_LARGE, with a Content-Length and chunked, through every spelling', async () => {
      const body = JSON.stringify({ query: `${tag(id, 'big')} # ${'x'.repeat(5000)}` });
      for (const target of routed) {
        const declared = await duringAttack(server, () =>
          send(server, { target, headers: { ...JSON_TYPE, ...bearer(EDITOR) }, body }),
        );
        expect({ target, status: declared.status, code: codeOf(declared) }).toEqual({
          target,
          status: 413,
          code: 'PAYLOAD_TOO_LARGE',
        });
        const chunked = await duringAttack(server, () =>
          send(server, {
            target,
            headers: { ...JSON_TYPE, ...bearer(EDITOR), 'transfer-encoding': 'chunked' },
            body,
          }),
        );
        expect({ target, status: chunked.status, code: codeOf(chunked) }).toEqual({
          target,
          status: 413,
          code: 'PAYLOAD_TOO_LARGE',
        });
      }
      expect(await stateOf(server, id, bearer(READER))).toEqual({ version: 1, topics: ['testing'] });
    });

    it('without a key a read is UNAUTHENTICATED, with a reader key a write is FORBIDDEN, through every spelling', async () => {
      for (const target of routed) {
        const anonymous = await duringAttack(server, () =>
          send(server, {
            target,
            headers: JSON_TYPE,
            body: JSON.stringify({ query: '{ topics { topic } }' }),
          }),
        );
        expect({ target, code: codeOf(anonymous) }).toEqual({ target, code: 'UNAUTHENTICATED' });
        const anonymousGet = await send(server, {
          method: 'GET',
          target: `${target.replace(/[?#].*$/, '')}?query=${encodeURIComponent('{ topics { topic } }')}`,
        });
        expect({ target, code: codeOf(anonymousGet) }).toEqual({ target, code: 'UNAUTHENTICATED' });
        const reader = await duringAttack(server, () =>
          send(server, {
            target,
            headers: { ...JSON_TYPE, ...bearer(READER) },
            body: JSON.stringify({ query: tag(id) }),
          }),
        );
        expect({ target, code: codeOf(reader) }).toEqual({ target, code: 'FORBIDDEN' });
        const wrongKey = await send(server, {
          target,
          headers: { ...JSON_TYPE, ...bearer('not-a-configured-key-0123456789') },
          body: JSON.stringify({ query: '{ topics { topic } }' }),
        });
        expect({ target, code: codeOf(wrongKey) }).toEqual({ target, code: 'UNAUTHENTICATED' });
      }
      expect(await stateOf(server, id, bearer(READER))).toEqual({ version: 1, topics: ['testing'] });
    });
  });

  describe('the rate limit holds for every spelling, and all spellings draw from the same bucket', () => {
    let server: ServerProcess;
    let dir: string;
    let routed: string[];
    const keyFor = (i: number) => `hostile-rate-key-${String(i).padStart(2, '0')}-0123456789`;

    beforeAll(async () => {
      const keys = Array.from({ length: 60 }, (_, i) => `k${i}:reader:${keyFor(i)}`).join(',');
      ({ server, dir } = await startServer({
        COMMUNIQUE_API_KEYS: keys,
        COMMUNIQUE_RATE_LIMIT_BURST: '3',
        COMMUNIQUE_RATE_LIMIT_PER_SECOND: '1',
      }));
      // found with a key per spelling (30 and up), so no bucket the tests use is drawn from
      routed = await routedSpellings(server, (i) => bearer(keyFor(30 + i)));
    });
    afterAll(async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a client sending 8 requests at once through one spelling gets 429 RATE_LIMITED with Retry-After', async () => {
      let index = 0;
      for (const target of routed) {
        const key = keyFor(index++);
        const answers = await duringAttack(server, () =>
          Promise.all(
            Array.from({ length: 8 }, () =>
              send(server, {
                target,
                headers: { ...JSON_TYPE, ...bearer(key) },
                body: JSON.stringify({ query: '{ topics { topic } }' }),
              }),
            ),
          ),
        );
        const limited = answers.filter((a) => a.status === 429);
        // a burst of 3, refilled at 1 a second: at most 3 plus one a second of the attack's length pass
        expect({ target, limited: limited.length >= 4 }).toEqual({ target, limited: true });
        expect(codeOf(limited[0])).toBe('RATE_LIMITED');
        expect(Number(limited[0].headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
    });

    it('a batch through one spelling and a request through another share the bucket', async () => {
      const key = keyFor(28);
      const other = routed.find((t) => t !== '/graphql') as string;
      const batch = await send(server, {
        target: '/graphql',
        headers: { ...JSON_TYPE, ...bearer(key) },
        body: JSON.stringify(Array.from({ length: 3 }, () => ({ query: '{ __typename }' }))),
      });
      expect(batch.status).toBe(200);
      const next = await send(server, {
        target: other,
        headers: { ...JSON_TYPE, ...bearer(key) },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect({ other, status: next.status, code: codeOf(next) }).toEqual({
        other,
        status: 429,
        code: 'RATE_LIMITED',
      });
    });
  });

  describe('CSRF, methods and proxies, on a loopback service without keys (where anonymous writes are allowed)', () => {
    let server: ServerProcess;
    let dir: string;
    let id: string;
    let routed: string[];

    beforeAll(async () => {
      ({ server, dir } = await startServer({}));
      id = await seed(server);
      routed = await routedSpellings(server);
    });
    afterAll(async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('the same mutation as application/json from this machine is executed (the attacks below would be too)', async () => {
      const other = await seed(server);
      const answer = await send(server, {
        target: '/graphql',
        headers: JSON_TYPE,
        body: JSON.stringify({ query: tag(other) }),
      });
      expect(answer.json()).toEqual({ data: { tagStatement: { version: 2 } } });
    });

    it('every body media type but application/json is refused with 415 UNSUPPORTED_MEDIA_TYPE before anything runs, through every spelling', async () => {
      const mutation = tag(id, 'csrf');
      const bodies: [string | undefined, string][] = [
        ['application/x-www-form-urlencoded', `query=${encodeURIComponent(mutation)}`],
        [
          'multipart/form-data; boundary=x',
          `--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n${mutation}\r\n--x--\r\n`,
        ],
        ['text/plain', JSON.stringify({ query: mutation })],
        ['text/plain;charset=UTF-8', JSON.stringify({ query: mutation })],
        ['application/graphql', mutation],
        ['application/graphql+json', JSON.stringify({ query: mutation })],
        ['application/jsonx', JSON.stringify({ query: mutation })],
        ['application/json; charset=latin1', JSON.stringify({ query: mutation })],
        ['text/json', JSON.stringify({ query: mutation })],
        [undefined, JSON.stringify({ query: mutation })],
      ];
      for (const target of routed) {
        for (const [contentType, body] of bodies) {
          const answer = await duringAttack(server, () =>
            send(server, { target, headers: contentType ? { 'content-type': contentType } : {}, body }),
          );
          expect({ target, contentType, status: answer.status, code: codeOf(answer) }).toEqual({
            target,
            contentType,
            status: 415,
            code: 'UNSUPPORTED_MEDIA_TYPE',
          });
          expect(answer.json()).not.toHaveProperty('data');
        }
      }
      expect(await stateOf(server, id)).toEqual({ version: 1, topics: ['testing'] });
    });

    it('a mutation by GET or HEAD is 405 with Allow: POST, through every spelling, also hidden behind operationName', async () => {
      const attempts: Record<string, string>[] = [
        { query: tag(id, 'get') },
        {
          query: `query Q { __typename } ${tag(id, 'get2').replace('mutation', 'mutation M')}`,
          operationName: 'M',
        },
        { query: 'subscription { statementChanged { id } }' },
      ];
      for (const target of routed) {
        const path = target.replace(/[?#].*$/, '');
        for (const params of attempts) {
          for (const method of ['GET', 'HEAD']) {
            const answer = await duringAttack(server, () =>
              send(server, { method, target: `${path}?${new URLSearchParams(params).toString()}` }),
            );
            expect({ target, method, status: answer.status }).toEqual({ target, method, status: 405 });
            expect(answer.headers.allow).toBe('POST');
            if (method === 'GET') expect(codeOf(answer)).toBe('METHOD_NOT_ALLOWED');
          }
        }
      }
      // a query by GET is answered, and an ambiguous document is refused naming operationName
      const get = await send(server, {
        method: 'GET',
        target: `/graphql?query=${encodeURIComponent('{ __typename }')}`,
      });
      expect(get.json()).toEqual({ data: { __typename: 'Query' } });
      const ambiguous = await send(server, {
        method: 'GET',
        target: `/graphql?query=${encodeURIComponent(`query A { __typename } ${tag(id).replace('mutation', 'mutation B')}`)}`,
      });
      expect(ambiguous.json()).toMatchObject({
        errors: [{ extensions: { code: 'BAD_USER_INPUT', field: 'operationName' } }],
      });
      expect(await stateOf(server, id)).toEqual({ version: 1, topics: ['testing'] });
    });

    it('a write that came through a proxy is FORBIDDEN saying why, through every spelling and in a batch; reads go on', async () => {
      const proxies: Record<string, string>[] = [
        { 'x-forwarded-for': '203.0.113.7' },
        { 'x-forwarded-for': '127.0.0.1' },
        { forwarded: 'for=198.51.100.1;proto=https' },
        { 'x-real-ip': '198.51.100.2' },
      ];
      for (const target of routed) {
        for (const proxy of proxies) {
          const answer = await duringAttack(server, () =>
            send(server, {
              target,
              headers: { ...JSON_TYPE, ...proxy },
              body: JSON.stringify({ query: tag(id, 'proxied') }),
            }),
          );
          expect({ target, proxy, code: codeOf(answer) }).toEqual({ target, proxy, code: 'FORBIDDEN' });
          expect(answer.json().errors?.[0].message).toMatch(
            /no API keys are configured .* came through a proxy/,
          );
          const batch = await send(server, {
            target,
            headers: { ...JSON_TYPE, ...proxy },
            body: JSON.stringify([{ query: '{ __typename }' }, { query: tag(id, 'proxied-batch') }]),
          });
          const [read, write] = JSON.parse(batch.text) as {
            data?: unknown;
            errors?: { extensions: { code: string } }[];
          }[];
          expect(read).toEqual({ data: { __typename: 'Query' } });
          expect(write.errors?.[0].extensions.code).toBe('FORBIDDEN');
        }
      }
      expect(await stateOf(server, id)).toEqual({ version: 1, topics: ['testing'] });
    });

    it('a query that is JSON (which Mercurius would take for a syntax tree) is a typed syntax error, and nothing runs', async () => {
      const trees = [
        JSON.stringify({ kind: 'Document', definitions: [] }),
        JSON.stringify({
          kind: 'Document',
          definitions: [{ kind: 'OperationDefinition', operation: 'mutation' }],
        }),
        'null',
        '[]',
        '"x"',
        '7',
      ];
      for (const query of trees) {
        for (const accept of ['application/json', 'application/graphql-response+json']) {
          const answer = await duringAttack(server, () =>
            send(server, {
              target: '/graphql',
              headers: { ...JSON_TYPE, accept },
              body: JSON.stringify({ query }),
            }),
          );
          expect({ query, accept, status: answer.status, code: codeOf(answer) }).toEqual({
            query,
            accept,
            status: accept === 'application/json' ? 200 : 400,
            code: 'GRAPHQL_VALIDATION_FAILED',
          });
          expect(answer.json()).not.toHaveProperty('data');
        }
      }
      expect(await stateOf(server, id)).toEqual({ version: 1, topics: ['testing'] });
    });

    it('over WebSocket a mutation is not executed at all, proxied or not (writes have only the HTTP POST door)', async () => {
      for (const headers of [{ 'x-forwarded-for': '203.0.113.9' }, {}] as Record<string, string>[]) {
        const answer = await duringAttack(server, () => overWebSocket(server, tag(id, 'ws'), headers));
        expect(answer).toMatchObject({
          type: 'error',
          payload: [{ message: 'Invalid operation: mutation' }],
        });
      }
      expect(await stateOf(server, id)).toEqual({ version: 1, topics: ['testing'] });
    });

    it('parameters of the wrong JSON type are 400 naming the field, and nothing runs', async () => {
      for (const target of routed) {
        for (const [body, field] of [
          [{ query: [tag(id, 'array')] }, 'query'],
          [{ query: tag(id, 'op'), operationName: 1 }, 'operationName'],
          [{ query: tag(id, 'vars'), variables: 'x' }, 'variables'],
          [[{ query: tag(id, 'b0') }, { query: tag(id, 'b1'), extensions: [] }], 'body[1].extensions'],
        ] as [unknown, string][]) {
          const answer = await send(server, { target, headers: JSON_TYPE, body: JSON.stringify(body) });
          expect({ target, field, status: answer.status, code: codeOf(answer) }).toEqual({
            target,
            field,
            status: 400,
            code: 'BAD_USER_INPUT',
          });
        }
      }
      expect(await stateOf(server, id)).toEqual({ version: 1, topics: ['testing'] });
    });
  });
});
