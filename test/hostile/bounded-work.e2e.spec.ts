import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECORD, statementInput } from '../support/api.js';
import { eventually, ServerProcess } from '../support/server-process.js';
import { PROTOCOLS, RSS_BOUND_MIB, rssMiB, WsClient, type Protocol } from '../support/ws-client.js';

/**
 * The link attack of issue 11: one statement linked both ways with 30 others (the link cap lets it respond
 * to 20 of them), then `statement(id) { responses { responses { ... } } }` nine deep. Through every door it
 * gets a typed refusal (the cost estimate now uses the real caps) and, with the estimate raised out of the
 * way, the budget of resolved values stops it at run time; the process stays live and bounded.
 */

interface GqlBody {
  data?: unknown;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

const nested = (depth: number, root: string): string => {
  let selection = '{ id }';
  for (let i = 0; i < depth - 1; i++) selection = `{ responses ${selection} }`;
  return `${root} ${selection}`;
};

async function setUpLinks(server: ServerProcess): Promise<{ hub: string; refusals: GqlBody['errors'] }> {
  const record = async (text: string): Promise<string> => {
    const response = await server.gql<{ recordStatement: { statement: { id: string } } }>(RECORD, {
      input: statementInput({ text }),
    });
    if (!response.data) throw new Error(JSON.stringify(response.errors));
    return response.data.recordStatement.statement.id;
  };
  const link = (id: string, respondsTo: string) =>
    server.gql('mutation($id: ID!, $to: ID!) { linkResponse(id: $id, respondsTo: $to) { version } }', {
      id,
      to: respondsTo,
    }) as Promise<GqlBody>;
  const hub = await record('the hub statement');
  const refusals: NonNullable<GqlBody['errors']> = [];
  for (let i = 0; i < 30; i++) {
    const other = await record(`linked statement ${i}`);
    const back = await link(other, hub);
    expect(back.errors).toBeUndefined();
    refusals.push(...((await link(hub, other)).errors ?? []));
  }
  return { hub, refusals };
}

async function post(
  server: ServerProcess,
  body: unknown,
): Promise<{ status: number; body: GqlBody | GqlBody[] }> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as GqlBody | GqlBody[] };
}

async function get(server: ServerProcess, query: string): Promise<{ status: number; body: GqlBody }> {
  const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent(query)}`);
  return { status: response.status, body: (await response.json()) as GqlBody };
}

const codeOf = (body: GqlBody | GqlBody[]): unknown =>
  (Array.isArray(body) ? body[0] : body).errors?.[0]?.extensions?.code;

async function stillWell(server: ServerProcess): Promise<number> {
  expect(server.child.exitCode).toBeNull();
  expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
  const rss = await rssMiB(server.child.pid ?? 0);
  expect(rss).toBeLessThan(RSS_BOUND_MIB);
  return rss;
}

describe('the depth-9 link attack at the default limits', () => {
  let server: ServerProcess;
  let dataDir: string;
  let hub: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'communique-hostile-links-'));
    server = await ServerProcess.start({ COMMUNIQUE_DATA_DIR: dataDir, COMMUNIQUE_LOG: 'silent' });
    const setUp = await setUpLinks(server);
    hub = setUp.hub;
    // the domain's link cap: 20 statements responded to, then a refusal naming the field and the number
    expect(setUp.refusals).toHaveLength(10);
    expect(setUp.refusals?.[0]?.extensions).toEqual(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'respondsTo' }),
    );
    expect(setUp.refusals?.[0]?.message).toMatch(/at most 20 statements/);
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const attack = () => nested(9, `query { statement(id: "${hub}")`) + ' }';

  it('is refused by the cost estimate over POST, GET and a batch, while /health/live answers', async () => {
    const started = performance.now();
    const attacks = await Promise.all([
      post(server, { query: attack() }),
      get(server, attack()),
      post(server, [{ query: attack() }, { query: attack() }, { query: attack() }]),
      fetch(`${server.url}/health/live`).then((r) => r.status),
    ]);
    const elapsed = performance.now() - started;
    const [byPost, byGet, batch, live] = attacks;
    expect(live).toBe(200);
    for (const answer of [byPost, byGet, batch]) {
      expect(codeOf(answer.body)).toBe('GRAPHQL_VALIDATION_FAILED');
    }
    expect((byPost.body as GqlBody).errors?.[0]?.extensions).toEqual(
      expect.objectContaining({ limit: 'cost', max: 50000 }),
    );
    for (const answer of batch.body as GqlBody[]) expect(codeOf(answer)).toBe('GRAPHQL_VALIDATION_FAILED');
    const rss = await stillWell(server);
    console.log(
      `depth-9 attack (POST, GET, batch of 3): answered in ${elapsed.toFixed(0)} ms, RSS ${rss.toFixed(0)} MiB`,
    );
  });

  it.each(Object.keys(PROTOCOLS) as Protocol[])('is refused over WebSocket (%s)', async (protocol) => {
    const client = await WsClient.connect(server.url, protocol);
    client.subscribe('links', nested(9, 'subscription { statementChanged') + ' }');
    const [error] = await client.errorsOf('links');
    expect(error.extensions).toEqual(
      expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'cost' }),
    );
    client.close();
    await stillWell(server);
  });

  it('answers a capped page of responses and the next page with `after`', async () => {
    const query = `query($id: ID!, $after: ID) { statement(id: $id) { responses(first: 25, after: $after) { id } respondsTo(first: 100) { id } } }`;
    const first = await server.gql<{ statement: { responses: { id: string }[]; respondsTo: unknown[] } }>(
      query,
      {
        id: hub,
      },
    );
    expect(first.errors).toBeUndefined();
    expect(first.data?.statement.responses).toHaveLength(25);
    expect(first.data?.statement.respondsTo).toHaveLength(20);
    const last = first.data?.statement.responses.at(-1)?.id;
    const next = await server.gql<{ statement: { responses: { id: string }[] } }>(query, {
      id: hub,
      after: last,
    });
    expect(next.data?.statement.responses).toHaveLength(5);
    const all = [...(first.data?.statement.responses ?? []), ...(next.data?.statement.responses ?? [])];
    expect(new Set(all.map((r) => r.id)).size).toBe(30);
    const negative = (await server.gql(
      `{ statement(id: "${hub}") { history(first: -1) { revision } } }`,
    )) as GqlBody;
    expect(negative.errors?.[0]?.extensions).toEqual(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'first' }),
    );
  });
});

describe('the link attack past the estimate: the budget of resolved values', () => {
  let server: ServerProcess;
  let dataDir: string;
  let hub: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'communique-hostile-budget-'));
    server = await ServerProcess.start({
      COMMUNIQUE_DATA_DIR: dataDir,
      COMMUNIQUE_LOG: 'silent',
      // the estimate is raised out of the way, so only the run-time budget stands
      COMMUNIQUE_GRAPHQL_MAX_COST: '10000000',
      COMMUNIQUE_GRAPHQL_MAX_NODES: '300',
      COMMUNIQUE_RATE_LIMIT_BURST: '0',
    });
    hub = (await setUpLinks(server)).hub;
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops a query over POST, GET and a batch with BUDGET_EXCEEDED', async () => {
    const query = nested(6, `query { statement(id: "${hub}")`) + ' }';
    const started = performance.now();
    const [byPost, byGet, batch] = await Promise.all([
      post(server, { query }),
      get(server, query),
      post(server, [{ query }, { query: `{ statement(id: "${hub}") { id } }` }]),
    ]);
    const elapsed = performance.now() - started;
    expect(codeOf(byPost.body)).toBe('BUDGET_EXCEEDED');
    expect((byPost.body as GqlBody).errors?.[0]?.extensions).toEqual(
      expect.objectContaining({ limit: 'nodes', max: 300 }),
    );
    expect(codeOf(byGet.body)).toBe('BUDGET_EXCEEDED');
    expect(codeOf(batch.body)).toBe('BUDGET_EXCEEDED');
    const rss = await stillWell(server);
    console.log(
      `depth-6 attack past the estimate: BUDGET_EXCEEDED in ${elapsed.toFixed(0)} ms, RSS ${rss.toFixed(0)} MiB`,
    );
  });

  it('stops the read part of a mutation, saying the mutation was applied', async () => {
    const response = await post(server, {
      query: nested(5, `mutation { tagStatement(id: "${hub}", topics: ["budget"]) { statement`) + ' } }',
    });
    const body = response.body as GqlBody;
    expect(body.errors?.[0]?.extensions?.code).toBe('BUDGET_EXCEEDED');
    expect(body.errors?.[0]?.message).toMatch(/the mutation itself was applied/);
    const check = await server.gql<{ statement: { topics: string[] } }>(
      `{ statement(id: "${hub}") { topics } }`,
    );
    expect(check.data?.statement.topics).toContain('budget');
  });

  it.each(Object.keys(PROTOCOLS) as Protocol[])(
    'stops each execution of a subscription (%s) and keeps delivering the next ones',
    async (protocol) => {
      const client = await WsClient.connect(server.url, protocol);
      client.subscribe('deep', nested(5, 'subscription { statementChanged(topic: "attack")') + ' }');
      client.subscribe('probe', 'subscription { statementChanged(topic: "attack") { id } }');
      const next = PROTOCOLS[protocol].next;
      await eventually(
        async () => {
          await server.gql(
            'mutation($id: ID!, $t: [String!]!) { tagStatement(id: $id, topics: $t) { version } }',
            {
              id: hub,
              t: ['attack', `round-${Math.random().toString(36).slice(2, 8)}`],
            },
          );
          return client.data('deep').length > 0 ? true : undefined;
        },
        20000,
        'an execution of the deep subscription',
      );
      const [message] = client.messages.filter((m) => m.id === 'deep' && m.type === next);
      const payload = message.payload as GqlBody;
      expect(payload.errors?.[0]?.extensions?.code).toBe('BUDGET_EXCEEDED');
      expect(client.messages.filter((m) => m.type === 'error')).toEqual([]);
      expect(client.data('probe').length).toBeGreaterThan(0);
      client.close();
      await stillWell(server);
    },
  );
});
