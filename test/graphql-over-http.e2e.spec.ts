import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditServer, type AuditResult } from 'graphql-http';
import { ServerProcess } from './support/server-process.js';

const GRAPHQL_RESPONSE = 'application/graphql-response+json';

/** One line per audit that did not pass, for a readable failure. */
const describeFailures = (results: AuditResult[]): string[] =>
  results
    .filter((r) => r.status !== 'ok')
    .map((r) => `${r.status} ${r.id} ${r.name}: ${'reason' in r ? r.reason : ''}`);

describe('GraphQL over HTTP (the specification audit of graphql-http, against `communique serve` on the demo data)', () => {
  let server: ServerProcess;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'communique-graphql-http-'));
    server = await ServerProcess.start({
      COMMUNIQUE_DATA_DIR: dataDir,
      COMMUNIQUE_DEMO: 'true',
      COMMUNIQUE_LOG: 'silent',
    });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('passes every audit: no error, no warning, no notice', async () => {
    const results = await auditServer({ url: `${server.url}/graphql` });
    expect(results.length).toBeGreaterThanOrEqual(60);
    expect(describeFailures(results)).toEqual([]);
  });

  it('the demo data is there and answered in both media types', async () => {
    const query = JSON.stringify({ query: '{ countryTimeline(country: "TR", first: 1) { totalCount } }' });
    for (const accept of [GRAPHQL_RESPONSE, 'application/json']) {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: query,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(`${accept}; charset=utf-8`);
      const body = (await response.json()) as { data: { countryTimeline: { totalCount: number } } };
      expect(body.data.countryTimeline.totalCount).toBeGreaterThan(0);
    }
  });

  it('a request error (no execution) has no data entry: 400 for graphql-response+json, 200 for json, the code kept', async () => {
    const invalid = JSON.stringify({ query: '{ noSuchField }' });
    const statuses: Record<string, number> = {};
    for (const accept of [GRAPHQL_RESPONSE, 'application/json', '*/*']) {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: invalid,
      });
      statuses[accept] = response.status;
      expect(response.headers.get('content-type')).toBe(
        `${accept === '*/*' ? 'application/json' : accept}; charset=utf-8`,
      );
      const body = (await response.json()) as { data?: unknown; errors: { extensions: { code: string } }[] };
      expect(body).not.toHaveProperty('data');
      expect(body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
    expect(statuses).toEqual({ [GRAPHQL_RESPONSE]: 400, 'application/json': 200, '*/*': 200 });
  });

  it('a client preferring application/json by quality gets it; one accepting neither gets 406', async () => {
    const post = (accept: string) =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
    const preferJson = await post(`${GRAPHQL_RESPONSE};q=0.5, application/json`);
    expect(preferJson.headers.get('content-type')).toMatch(/^application\/json;/);
    const preferGraphql = await post(`${GRAPHQL_RESPONSE}, application/json;q=0.9`);
    expect(preferGraphql.headers.get('content-type')).toMatch(/^application\/graphql-response\+json;/);
    const neither = await post('text/html');
    expect(neither.status).toBe(406);
    expect(await neither.json()).toMatchObject({ errors: [{ extensions: { code: 'NOT_ACCEPTABLE' } }] });
  });

  it('null variables, operationName and extensions are "not given"; parameters of the wrong JSON type are 400 naming the field', async () => {
    const post = (body: unknown) =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const nulls = await post({
      query: '{ __typename }',
      variables: null,
      operationName: null,
      extensions: null,
    });
    expect(nulls.status).toBe(200);
    expect(await nulls.json()).toEqual({ data: { __typename: 'Query' } });
    const wrong: [unknown, string][] = [
      [{ query: 1 }, 'query'],
      [{ query: '{ __typename }', operationName: false }, 'operationName'],
      [{ query: '{ __typename }', variables: '{}' }, 'variables'],
      [{ query: '{ __typename }', variables: [] }, 'variables'],
      [{ query: '{ __typename }', extensions: 7 }, 'extensions'],
      [[{ query: '{ __typename }' }, { query: true }], 'body[1].query'],
      [[], 'body'],
      ['{ __typename }', 'body'],
    ];
    for (const [body, field] of wrong) {
      const response = await post(body);
      expect({ field, status: response.status }).toEqual({ field, status: 400 });
      expect(await response.json()).toMatchObject({
        errors: [{ extensions: { code: 'BAD_USER_INPUT', field } }],
      });
    }
  });

  it('a body that is not JSON is 400 BAD_USER_INPUT about the body, in both media types, with no data entry', async () => {
    for (const accept of [GRAPHQL_RESPONSE, 'application/json']) {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: '{ "query": ',
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe(`${accept}; charset=utf-8`);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).not.toHaveProperty('data');
      expect(body).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT', field: 'body' } }] });
    }
  });

  it('a batch is answered 200 with one result per operation, each in the negotiated shape', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: GRAPHQL_RESPONSE },
      body: JSON.stringify([
        { query: '{ __typename }' },
        { query: '{' },
        { query: '{ noSuchField }', extensions: null },
      ]),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(`${GRAPHQL_RESPONSE}; charset=utf-8`);
    const [ok, syntax, invalid] = (await response.json()) as Record<string, unknown>[];
    expect(ok).toEqual({ data: { __typename: 'Query' } });
    expect(syntax).not.toHaveProperty('data');
    expect(invalid).not.toHaveProperty('data');
    expect(invalid).toMatchObject({ errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
  });
});
