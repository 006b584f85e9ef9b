import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { Metrics } from '../apps/api/src/operations/metrics.js';
import { RECORD, TestApi, statementInput } from './support/api.js';

/**
 * Answers cached by log position (DESIGN §11.22): the same query answered from memory while the read model
 * stays where it was, with an ETag and 304 for GET; Cache-Control by role; persisted queries by sha256 hash.
 * Each door has its hostile cases beside the happy ones, and the process stays up throughout.
 */

const KEYS = {
  reader: 'reader-key-for-the-answer-cache-test',
  editor: 'editor-key-for-the-answer-cache-test',
  auditor: 'auditor-key-for-the-answer-cache-test',
};
const bearer = (role: keyof typeof KEYS) => ({ authorization: `Bearer ${KEYS[role]}` });

const TIMELINE = `query Timeline($country: CountryCode!) {
  countryTimeline(country: $country, first: 10) { totalCount edges { node { id text version } } }
}`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('answers cached by log position', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start({
      COMMUNIQUE_API_KEYS: Object.entries(KEYS)
        .map(([role, key]) => `${role}-holder:${role}:${key}`)
        .join(','),
      COMMUNIQUE_PUBLIC_READS: 'true',
    });
  });
  afterAll(async () => api.stop());

  const fastify = () => api.app.getHttpAdapter().getInstance();

  const post = (
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
    extensions?: Record<string, unknown>,
  ): Promise<LightMyRequestResponse> =>
    fastify().inject({
      method: 'POST',
      url: '/graphql',
      payload: { query, variables, ...(extensions ? { extensions } : {}) },
      headers,
    });

  const get = (params: Record<string, string>, headers: Record<string, string> = {}) =>
    fastify().inject({ method: 'GET', url: `/graphql?${new URLSearchParams(params).toString()}`, headers });

  async function record(text: string, country = 'CN'): Promise<string> {
    const response = await post(
      RECORD,
      { input: statementInput({ text, speaker: { name: 'S', role: 'R', country } }) },
      bearer('editor'),
    );
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json<{ data: { recordStatement: { position: string } } }>();
    return body.data.recordStatement.position;
  }

  async function live(): Promise<void> {
    const response = await fastify().inject({ method: 'GET', url: '/health/live' });
    expect(response.statusCode).toBe(200);
  }

  it('answers a repeated query from memory with the same bytes and ETag, until the log moves', async () => {
    const position = await record('The first statement of the cache test.');
    // wait for the read model: minPosition is part of the document's variables, so use it once, uncached key
    await post(`{ countryTimeline(country: "CN", first: 1, minPosition: "${position}") { totalCount } }`);

    const first = await post(TIMELINE, { country: 'CN' });
    const second = await post(TIMELINE, { country: 'CN' });
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-communique-cache']).toBe('miss');
    expect(second.headers['x-communique-cache']).toBe('hit');
    expect(second.body).toBe(first.body);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(first.headers.etag).toMatch(/^"[\w-]{32}"$/);
    expect(first.headers['cache-control']).toBe('public, max-age=0, must-revalidate');
    expect(second.headers['cache-control']).toBe('public, max-age=0, must-revalidate');
    expect(first.headers.vary).toBe('Accept, Authorization');
    // an answer from memory is counted like any other
    const counted = async () =>
      (await api.app.get(Metrics).graphqlOperations.get()).values.find(
        (v) => v.labels.operation === 'Timeline' && v.labels.outcome === 'ok',
      )?.value ?? 0;
    const before = await counted();
    expect((await post(TIMELINE, { country: 'CN' })).headers['x-communique-cache']).toBe('hit');
    expect(await counted()).toBe(before + 1);

    const next = await record('A second statement moves the log.');
    await post(`{ countryTimeline(country: "CN", first: 1, minPosition: "${next}") { totalCount } }`);
    const third = await post(TIMELINE, { country: 'CN' });
    expect(third.headers['x-communique-cache']).toBe('miss');
    expect(third.body).toContain('A second statement moves the log.');
    expect(third.headers.etag).not.toBe(first.headers.etag);
    await live();
  });

  it('gives keyed callers private answers and never hands one role an answer kept for another', async () => {
    const reader = await post(TIMELINE, { country: 'CN' }, bearer('reader'));
    const auditor = await post(TIMELINE, { country: 'CN' }, bearer('auditor'));
    const auditorAgain = await post(TIMELINE, { country: 'CN' }, bearer('auditor'));
    expect(reader.headers['cache-control']).toBe('private, no-cache');
    expect(auditorAgain.headers['x-communique-cache']).toBe('hit');
    // same data, but the tag names who it was made for: a reader's tag is not an auditor's
    expect(reader.body).toBe(auditor.body);
    expect(reader.headers.etag).not.toBe(auditor.headers.etag);

    const params = { query: TIMELINE, variables: JSON.stringify({ country: 'CN' }) };
    const asReaderWithAuditorTag = await get(params, {
      ...bearer('reader'),
      'if-none-match': String(auditor.headers.etag),
    });
    expect(asReaderWithAuditorTag.statusCode).toBe(200);
    expect(asReaderWithAuditorTag.body).toBe(reader.body);
  });

  it('answers 304 to a GET naming the current ETag, and the whole answer to a forged or huge one', async () => {
    const params = { query: TIMELINE, variables: JSON.stringify({ country: 'CN' }) };
    const fresh = await get(params);
    expect(fresh.statusCode).toBe(200);
    const etag = String(fresh.headers.etag);

    const notModified = await get(params, { 'if-none-match': etag });
    expect(notModified.statusCode).toBe(304);
    expect(notModified.body).toBe('');
    expect(notModified.headers.etag).toBe(etag);
    const weak = await get(params, { 'if-none-match': `"other", W/${etag}` });
    expect(weak.statusCode).toBe(304);

    const forged = await get(params, { 'if-none-match': '"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"' });
    expect(forged.statusCode).toBe(200);
    expect(forged.body).toBe(fresh.body);
    const huge = await get(params, { 'if-none-match': `${'"x", '.repeat(2000)}${etag}` });
    expect(huge.statusCode).toBe(200);
    expect(huge.body).toBe(fresh.body);
    const junk = await get(params, { 'if-none-match': '\u0001\u0002' });
    expect(junk.statusCode).toBe(200);
    // a POST is not a conditional request: it always gets the answer
    const postWithTag = await post(TIMELINE, { country: 'CN' }, { 'if-none-match': etag });
    expect(postWithTag.statusCode).toBe(200);
    await live();
  });

  it('never stores answers with auditor fields, errors or mutations, nor answers read from the log', async () => {
    const id = JSON.parse((await post(TIMELINE, { country: 'CN' })).body) as {
      data: { countryTimeline: { edges: { node: { id: string } }[] } };
    };
    const statementId = id.data.countryTimeline.edges[0]!.node.id;
    const audited = `{ statement(id: "${statementId}") { history { recordedBy data } } }`;
    for (let i = 0; i < 2; i++) {
      const answer = await post(audited, {}, bearer('auditor'));
      expect(answer.statusCode).toBe(200);
      expect(answer.body).toContain('recordedBy');
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.headers.etag).toBeUndefined();
      expect(answer.headers['x-communique-cache']).toBeUndefined();
    }
    // a reader asking for the auditor's fields gets FORBIDDEN, and that is not stored either
    const refused = await post(audited, {}, bearer('reader'));
    expect(refused.body).toContain('FORBIDDEN');
    expect(refused.headers['cache-control']).toBe('no-store');

    const history = `{ statement(id: "${statementId}") { history { type revision } } }`;
    await post(history);
    expect((await post(history)).headers['x-communique-cache']).toBeUndefined();
    const asOf = `{ countryTimeline(country: "CN", asOf: "2020-01-01T00:00:00Z") { totalCount } }`;
    await post(asOf);
    expect((await post(asOf)).headers['cache-control']).toBe('no-store');

    // an answer built from the request's Host is never kept (it would hand one client's host to the next)
    const embed = '{ stories(first: 1) { edges { node { embedHtml } } } }';
    await post(embed);
    const embedAgain = await post(embed);
    expect(embedAgain.body).toMatch(/^{"data":{"stories"/);
    expect(embedAgain.headers['x-communique-cache']).toBeUndefined();
    expect(embedAgain.headers['cache-control']).toBe('no-store');

    // the verifiable log's answers come from its tree file, which moves without the read model moving
    for (const proofQuery of ['{ treeHeads(first: 5) { treeSize } }', '{ logKey { keyId } }']) {
      await post(proofQuery);
      const again = await post(proofQuery);
      expect(again.headers['x-communique-cache']).toBeUndefined();
      expect(again.headers['cache-control']).toBe('no-store');
    }

    const bad = await post(TIMELINE, { country: 'not a country' });
    expect(bad.body).toContain('errors');
    expect(bad.headers['cache-control']).toBe('no-store');
    expect((await post(TIMELINE, { country: 'not a country' })).headers['x-communique-cache']).not.toBe(
      'hit',
    );

    const unknownKey = await post(TIMELINE, { country: 'CN' }, { authorization: 'Bearer not-a-key-at-all' });
    expect(unknownKey.body).toContain('UNAUTHENTICATED');
    expect(unknownKey.headers['cache-control']).toBe('no-store');
  });

  it('computes afresh when the client asks with Cache-Control: no-cache', async () => {
    await post(TIMELINE, { country: 'CN' });
    const fresh = await post(TIMELINE, { country: 'CN' }, { 'cache-control': 'no-cache' });
    expect(fresh.headers['x-communique-cache']).toBe('bypass');
    expect((await post(TIMELINE, { country: 'CN' })).headers['x-communique-cache']).toBe('hit');
  });

  describe('persisted queries', () => {
    const hash = sha256(TIMELINE);
    const persisted = (sha256Hash: unknown, version: unknown = 1) =>
      JSON.stringify({ persistedQuery: { version, sha256Hash } });

    it('answers an unknown hash with PERSISTED_QUERY_NOT_FOUND, then the registered document by GET', async () => {
      const variables = JSON.stringify({ country: 'CN' });
      const unknown = await get({ variables, extensions: persisted(hash) });
      expect(unknown.statusCode).toBe(200);
      const error = unknown.json<{ errors: { message: string; extensions: Record<string, unknown> }[] }>();
      expect(error).not.toHaveProperty('data');
      expect(error.errors[0]!.extensions).toMatchObject({
        code: 'PERSISTED_QUERY_NOT_FOUND',
        field: 'extensions.persistedQuery.sha256Hash',
      });
      expect(unknown.headers['cache-control']).toBe('no-store');

      const registered = await post(
        TIMELINE,
        { country: 'CN' },
        {},
        { persistedQuery: { version: 1, sha256Hash: hash } },
      );
      expect(registered.statusCode).toBe(200);
      // this answer came from the cache (the query was asked above): registering must not depend on that
      expect(registered.headers['x-communique-cache']).toBe('hit');

      const byHash = await get({ variables, extensions: persisted(hash) });
      expect(byHash.statusCode).toBe(200);
      expect(byHash.body).toBe(registered.body);
      expect(byHash.headers.etag).toMatch(/^"/);
      const conditional = await get(
        { variables, extensions: persisted(hash) },
        { 'if-none-match': String(byHash.headers.etag) },
      );
      expect(conditional.statusCode).toBe(304);
    });

    it('refuses a hash that is not the document’s, a malformed hash and a wrong version', async () => {
      const mismatch = await post(
        TIMELINE,
        { country: 'CN' },
        {},
        {
          persistedQuery: { version: 1, sha256Hash: sha256('{ topics { topic } }') },
        },
      );
      expect(mismatch.statusCode).toBe(400);
      expect(mismatch.json<{ errors: { extensions: unknown }[] }>().errors[0]!.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'extensions.persistedQuery.sha256Hash',
      });
      for (const bad of ['abc', hash.toUpperCase(), `${hash}00`, 42, null]) {
        const answer = await get({ extensions: persisted(bad) });
        expect(answer.statusCode).toBe(400);
        expect(answer.body).toContain('extensions.persistedQuery.sha256Hash');
      }
      const version = await get({ extensions: persisted(hash, 2) });
      expect(version.statusCode).toBe(400);
      expect(version.body).toContain('extensions.persistedQuery.version');
    });

    it('registers only documents that were executed, and a hash passes the same gate as text', async () => {
      const invalid = '{ noSuchField }';
      const refused = await post(
        invalid,
        {},
        {},
        { persistedQuery: { version: 1, sha256Hash: sha256(invalid) } },
      );
      expect(refused.body).toContain('GRAPHQL_VALIDATION_FAILED');
      const after = await get({ extensions: persisted(sha256(invalid)) });
      expect(after.body).toContain('PERSISTED_QUERY_NOT_FOUND');

      // a mutation registered by POST cannot be run by GET through its hash
      const mutation = `mutation($input: RecordStatementInput!) { recordStatement(input: $input) { version } }`;
      const input = JSON.stringify({ input: statementInput({ text: 'Recorded to register its document.' }) });
      const recorded = await post(mutation, JSON.parse(input) as Record<string, unknown>, bearer('editor'), {
        persistedQuery: { version: 1, sha256Hash: sha256(mutation) },
      });
      expect(recorded.body).toContain('"version"');
      const byGet = await get(
        { variables: input, extensions: persisted(sha256(mutation)) },
        bearer('editor'),
      );
      expect(byGet.statusCode).toBe(405);

      // an auditor's registered document does not let a reader through
      const events = '{ events(first: 1) { edges { recordedBy } } }';
      await post(events, {}, bearer('auditor'), {
        persistedQuery: { version: 1, sha256Hash: sha256(events) },
      });
      const asReader = await get({ extensions: persisted(sha256(events)) }, bearer('reader'));
      expect(asReader.body).toContain('FORBIDDEN');
      expect(asReader.body).not.toContain('auditor-holder');
      await live();
    });
  });
});
