import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogKey, verifyConsistency, verifyInclusion } from '#event-store';
import { RECORD, TestApi, statementInput } from './support/api.js';

interface Head {
  seq: number;
  treeSize: number;
  rootHash: string;
  json: string;
}
interface Proof {
  treeSize: number;
  leafIndex: number;
  eventId: string;
  position: string;
  leafInput: string;
  auditPath: string[];
  json: string;
}

const HEAD_FIELDS = 'seq treeSize rootHash timestamp time keyId signature json';
const PROOF_FIELDS = 'treeSize leafIndex eventId position leafInput auditPath json';
const hex = (h: string): Buffer => Buffer.from(h, 'hex');

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the verifiable log through GraphQL and REST', () => {
  let dir: string;
  let api: TestApi;
  let keyId: string;
  const get = (url: string) => api.app.getHttpAdapter().getInstance().inject({ method: 'GET', url });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'communique-vlog-e2e-'));
    const key = createLogKey();
    keyId = key.publicKey.keyId;
    writeFileSync(join(dir, 'log-key.pem'), key.privateKeyPem, { mode: 0o600 });
    api = await TestApi.start({ COMMUNIQUE_TREE_HEAD_INTERVAL_SECONDS: '1' }, dir);
    for (let i = 0; i < 6; i++) {
      const recorded = await api.gql(RECORD, { input: statementInput({ text: `Statement number ${i}.` }) });
      expect(recorded.errors).toBeUndefined();
    }
  });
  afterAll(async () => {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes the public key at a well-known URL and in GraphQL', async () => {
    const response = await get('/.well-known/communique-log-key');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ algorithm: 'Ed25519', keyId });
    const data = await api.ok<{ logKey: { keyId: string } }>(
      '{ logKey { algorithm keyId publicKey publicKeyPem } }',
    );
    expect(data.logKey.keyId).toBe(keyId);
  });

  it('signs a tree head periodically, lists it, and each history entry links to a proof that leads to its root', async () => {
    const head = await until('a periodic tree head of 6 events', async () => {
      const { treeHeads } = await api.ok<{ treeHeads: Head[] }>(
        `{ treeHeads(first: 100) { ${HEAD_FIELDS} } }`,
      );
      return treeHeads.find((h) => h.treeSize === 6);
    });
    expect(JSON.parse(head.json)).toMatchObject({ version: 1, treeSize: 6, rootHash: head.rootHash, keyId });
    const rest = (await get('/audit/tree-heads')).json() as { treeHeads: { treeSize: number }[] };
    expect(rest.treeHeads.map((h) => h.treeSize)).toContain(6);
    expect(((await get('/audit/tree-heads/latest')).json() as { treeSize: number }).treeSize).toBe(6);

    const timeline = await api.ok<{ countryTimeline: { edges: { node: { id: string } }[] } }>(
      '{ countryTimeline(country: "TR") { edges { node { id } } } }',
    );
    const id = timeline.countryTimeline.edges[0].node.id;
    const read = await api.ok<{ statement: { history: { id: string; hash: string; proof: Proof }[] } }>(
      `query($id: ID!) { statement(id: $id) { history { id hash proof { ${PROOF_FIELDS} } } } }`,
      { id },
    );
    const [entry] = read.statement.history;
    expect(entry.proof.eventId).toBe(entry.id);
    expect(entry.proof.leafInput).toBe(entry.hash);
    expect(entry.proof.treeSize).toBe(6);
    expect(
      verifyInclusion(
        hex(entry.hash),
        entry.proof.leafIndex,
        6,
        entry.proof.auditPath.map(hex),
        hex(head.rootHash),
      ),
    ).toBe(true);
    const restProof = (await get(`/audit/proof?eventId=${entry.id}&treeSize=6`)).json() as Proof;
    expect(JSON.stringify(restProof)).toBe(entry.proof.json);

    const byPosition = await api.ok<{ eventProof: Proof }>(
      `{ eventProof(position: "1", treeSize: 6) { ${PROOF_FIELDS} } }`,
    );
    expect(byPosition.eventProof.leafIndex).toBe(0);
  });

  it('proves consistency between tree sizes, and the proof connects two signed roots', async () => {
    const first = await api.ok<{ treeHeads: Head[] }>(`{ treeHeads { ${HEAD_FIELDS} } }`);
    const old = first.treeHeads.find((h) => h.treeSize === 6)!;
    await api.gql(RECORD, { input: statementInput({ text: 'A seventh statement.' }) });
    const newer = await until('a tree head of 7 events', async () => {
      const { treeHeads } = await api.ok<{ treeHeads: Head[] }>(
        `{ treeHeads(after: ${old.seq}) { ${HEAD_FIELDS} } }`,
      );
      return treeHeads.find((h) => h.treeSize === 7);
    });
    const { consistencyProof } = await api.ok<{ consistencyProof: { path: string[]; json: string } }>(
      '{ consistencyProof(from: 6, to: 7) { firstTreeSize secondTreeSize path json } }',
    );
    expect(
      verifyConsistency(6, 7, consistencyProof.path.map(hex), hex(old.rootHash), hex(newer.rootHash)),
    ).toBe(true);
    const rest = await get('/audit/consistency?from=6&to=7');
    expect(rest.body.trim()).toBe(consistencyProof.json);
  });

  it('refuses bad sizes, unknown events and malformed arguments by name, in GraphQL and REST, and stays up', async () => {
    const cases: [string, string, RegExp][] = [
      ['{ eventProof(position: "1", treeSize: 0) { leafIndex } }', 'treeSize', /at least 1/],
      ['{ eventProof(position: "1", treeSize: -1) { leafIndex } }', 'treeSize', /at least 1/],
      ['{ eventProof(position: "1", treeSize: 999) { leafIndex } }', 'treeSize', /beyond the log/],
      ['{ eventProof(position: "7", treeSize: 3) { leafIndex } }', 'treeSize', /not in the tree of 3/],
      ['{ eventProof(eventId: "no-such-event") { leafIndex } }', 'eventId', /no event with id/],
      ['{ eventProof(position: "999") { leafIndex } }', 'position', /no event at position 999/],
      ['{ eventProof { leafIndex } }', 'eventId', /exactly one of eventId and position/],
      ['{ eventProof(eventId: "x", position: "1") { leafIndex } }', 'eventId', /exactly one/],
      ['{ consistencyProof(from: 0, to: 3) { path } }', 'from', /at least 1/],
      ['{ consistencyProof(from: 4, to: 3) { path } }', 'from', /must not exceed to/],
      ['{ consistencyProof(from: 1, to: 1000) { path } }', 'to', /beyond the log/],
      ['{ consistencyProof(from: -5, to: 3) { path } }', 'from', /at least 1/],
      ['{ treeHeads(first: -1) { seq } }', 'first', /integer >= 0/],
      ['{ treeHeads(after: -1) { seq } }', 'after', /integer >= 0/],
    ];
    for (const [query, field, reason] of cases) {
      const response = await api.gql(query);
      expect({
        query,
        code: response.errors?.[0]?.extensions?.code,
        field: response.errors?.[0]?.extensions?.field,
      }).toEqual({
        query,
        code: 'BAD_USER_INPUT',
        field,
      });
      expect(response.errors?.[0]?.message).toMatch(reason);
    }
    // not an integer at all: GraphQL's own validation
    const fraction = await api.gql('{ consistencyProof(from: 1.5, to: 3) { path } }');
    expect(fraction.errors?.[0]?.message).toMatch(/Int cannot represent non-integer value: 1.5/);
    const { statement } = await api.ok<{ statement: null }>(
      '{ statement(id: "00000000-0000-4000-8000-000000000000") { id } }',
    );
    expect(statement).toBeNull();

    const doors: [string, string][] = [
      ['/audit/proof?position=1&treeSize=0', 'treeSize'],
      ['/audit/proof?position=1&treeSize=-1', 'treeSize'],
      ['/audit/proof?position=1&treeSize=1.5', 'treeSize'],
      ['/audit/proof?position=1&treeSize=1e3', 'treeSize'],
      ['/audit/proof?position=1&treeSize=999', 'treeSize'],
      ['/audit/proof?eventId=nope', 'eventId'],
      ['/audit/proof?position=-1', 'position'],
      ['/audit/proof', 'eventId'],
      ['/audit/consistency?from=1', 'to'],
      ['/audit/consistency?from=abc&to=2', 'from'],
      ['/audit/consistency?from=3&to=2', 'from'],
      ['/audit/tree-heads?first=-1', 'first'],
      ['/audit/tree-heads?after=x', 'after'],
    ];
    for (const [url, parameter] of doors) {
      const response = await get(url);
      expect({ url, status: response.statusCode, body: response.json() as unknown }).toMatchObject({
        url,
        status: 400,
        body: { error: 'BAD_USER_INPUT', parameter },
      });
    }
    expect((await get('/health/live')).statusCode).toBe(200);
  });
});

describe('the verifiable log without a log key', () => {
  it('answers 404 at the well-known URL, null for logKey, no tree heads, and proofs against the current tree', async () => {
    const api = await TestApi.start();
    try {
      await api.gql(RECORD, { input: statementInput() });
      const key = await api.app
        .getHttpAdapter()
        .getInstance()
        .inject({ method: 'GET', url: '/.well-known/communique-log-key' });
      expect(key.statusCode).toBe(404);
      expect(await api.ok('{ logKey { keyId } treeHeads { seq } }')).toEqual({ logKey: null, treeHeads: [] });
      const proof = await api.ok<{ eventProof: { treeSize: number } }>(
        '{ eventProof(position: "1") { treeSize } }',
      );
      expect(proof.eventProof.treeSize).toBe(1);
      const latest = await api.app
        .getHttpAdapter()
        .getInstance()
        .inject({ method: 'GET', url: '/audit/tree-heads/latest' });
      expect(latest.statusCode).toBe(404);
    } finally {
      await api.stop();
    }
  });
});
