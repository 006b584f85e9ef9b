import { randomUUID } from 'node:crypto';
import { ReadModel } from '#read-model';
import { RECORD, TestApi, statementInput, type GraphQLResponse } from './support/api.js';

const NORMAL = '{ countryTimeline(country: "TR", first: 5) { totalCount edges { node { id text } } } }';

/**
 * `statement(id) { respondsTo(first: 1) { respondsTo(first: 1) { ... id } } }` nested `depth` fields deep (one
 * item per level, so that depth and not cost is what a test measures: the cost estimate counts each list at
 * its real cap, 20 for `respondsTo`).
 */
function nested(depth: number): string {
  let inner = 'id';
  for (let i = 1; i < depth - 1; i++) inner = `respondsTo(first: 1) { ${inner} }`;
  return `{ statement(id: "${randomUUID()}") { ${inner} } }`;
}

function aliases(count: number): string {
  const fields = Array.from({ length: count }, (_, i) => `t${i}: topics(first: 1) { topic }`);
  return `{ ${fields.join(' ')} }`;
}

const codes = (response: GraphQLResponse): unknown[] =>
  (response.errors ?? []).map((e) => e.extensions?.code);

async function post(api: TestApi, payload: unknown, headers: Record<string, string> = {}) {
  return api.app
    .getHttpAdapter()
    .getInstance()
    .inject({ method: 'POST', url: '/graphql', payload: payload as object, headers });
}

describe('GraphQL limits', () => {
  let api: TestApi;

  describe('with the default limits', () => {
    beforeAll(async () => {
      api = await TestApi.start();
      await api.ok(RECORD, { input: statementInput() });
    });
    afterAll(async () => {
      await api.stop();
    });

    it('a query nested 15 deep, one with 20 aliases and a 1 MB document are refused with clear errors while normal queries are answered', async () => {
      const hostile = [nested(15), aliases(20), `{ topics { topic } }${' '.repeat(1_000_000)}`];
      const responses = await Promise.all([
        ...hostile.map((query) => api.gql(query)),
        ...Array.from({ length: 5 }, () => api.gql(NORMAL)),
      ]);
      const [deep, aliased, huge, ...normal] = responses;
      // refused by the depth limit (with one item per level the cost is small)
      expect(new Set(codes(deep))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
      expect(deep.errors?.map((e) => e.message)).toContain(
        'query depth 15 exceeds the limit of 10 (COMMUNIQUE_GRAPHQL_MAX_DEPTH)',
      );
      expect(codes(aliased)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(aliased.errors?.[0].message).toBe(
        'number of aliases 20 exceeds the limit of 15 (COMMUNIQUE_GRAPHQL_MAX_ALIASES)',
      );
      expect(huge.errors?.[0].message).toMatch(
        /^the GraphQL document is 1000020 characters; the limit is 20000 \(COMMUNIQUE_GRAPHQL_MAX_DOCUMENT_CHARS\)$/,
      );
      expect(codes(huge)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      for (const response of normal) {
        expect(response.errors).toBeUndefined();
        expect(response.data).toMatchObject({ countryTimeline: { totalCount: 1 } });
      }
    });

    it('the limits are inclusive: depth 10 and 15 aliases are answered', async () => {
      expect((await api.gql(nested(10))).errors).toBeUndefined();
      expect((await api.gql(aliases(15))).errors).toBeUndefined();
    });

    it('aliases and depth hidden in fragments are counted', async () => {
      const fragments = `
        fragment A on TopicCount { a1: topic a2: topic a3: topic a4: topic a5: topic a6: topic a7: topic a8: topic }
        { x: topics { ...A } y: topics { ...A } }`;
      const response = await api.gql(fragments);
      expect(response.errors?.[0].message).toMatch(/number of aliases 18 exceeds the limit of 15/);
    });

    it('an expensive query (lists within lists) is refused by its estimated cost', async () => {
      const response = await api.gql(
        '{ countryTimeline(country: "TR", first: 100) { edges { node { respondsTo { responses { respondsTo { responses { history { data } } } } } } } } }',
      );
      expect(codes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(response.errors?.[0].message).toMatch(
        /^estimated query cost \d+ exceeds the limit of 50000 \(COMMUNIQUE_GRAPHQL_MAX_COST\)$/,
      );
      expect(response.errors?.[0].extensions).toMatchObject({ limit: 'cost', max: 50000 });
    });

    it('a document of too many tokens is refused before it is parsed in full', async () => {
      const response = await api.gql(`{ topics { ${'topic '.repeat(2500)} } }`);
      expect(response.errors?.[0].message).toMatch(/contains more tha[nt] 2000 tokens/);
    });

    it('a batch of up to 10 operations is answered; more are refused', async () => {
      const ok = await post(api, [{ query: NORMAL }, { query: '{ topics { topic } }' }]);
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toHaveLength(2);
      const tooMany = await post(
        api,
        Array.from({ length: 11 }, () => ({ query: NORMAL })),
      );
      expect(tooMany.statusCode).toBe(400);
      expect(tooMany.json().errors[0].message).toMatch(/at most 10 operations, this one has 11/);
    });

    it('a request body over the limit gets 413 and a GraphQL error saying so', async () => {
      const response = await post(api, { query: `{ topics { topic } } # ${'x'.repeat(1_100_000)}` });
      expect(response.statusCode).toBe(413);
      expect(response.json().errors[0]).toMatchObject({
        extensions: { code: 'PAYLOAD_TOO_LARGE', max: 1048576 },
      });
      expect(response.json().errors[0].message).toMatch(
        /limit is 1048576 bytes \(COMMUNIQUE_MAX_BODY_BYTES\)/,
      );
    });

    it('filter lists are bounded: more kinds than exist is refused naming the field', async () => {
      const kinds = Array.from({ length: 12 }, () => 'STATEMENT');
      const response = await api.gql(
        'query($kinds: [StatementKind!]) { countryTimeline(country: "TR", filter: { kinds: $kinds }) { totalCount } }',
        { kinds },
      );
      expect(response.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'filter.kinds',
      });
    });

    it('every list argument is capped at 100 items', async () => {
      const response = await api.gql<{ countryTimeline: { edges: unknown[] } }>(
        '{ countryTimeline(country: "TR", first: 100000) { edges { cursor } } }',
      );
      expect(response.errors).toBeUndefined();
      expect(response.data?.countryTimeline.edges).toHaveLength(1);
    });
  });

  describe('each with its own configuration', () => {
    afterEach(async () => {
      await api.stop();
    });

    it('limits are configurable', async () => {
      api = await TestApi.start({ COMMUNIQUE_GRAPHQL_MAX_DEPTH: '3', COMMUNIQUE_GRAPHQL_MAX_ALIASES: '1' });
      expect((await api.gql(nested(4))).errors?.[0].message).toMatch(/query depth 4 exceeds the limit of 3/);
      expect((await api.gql(aliases(2))).errors?.[0].message).toMatch(/aliases 2 exceeds the limit of 1/);
      expect((await api.gql(nested(3))).errors).toBeUndefined();
    });

    it('a query running past COMMUNIQUE_QUERY_TIMEOUT_MS is answered with TIMEOUT', async () => {
      api = await TestApi.start({
        COMMUNIQUE_QUERY_TIMEOUT_MS: '200',
        COMMUNIQUE_MIN_POSITION_TIMEOUT_MS: '2000',
      });
      const response = await api.gql(
        '{ countryTimeline(country: "TR", minPosition: "1000000") { totalCount } }',
      );
      expect(codes(response)).toEqual(['TIMEOUT']);
      expect(response.errors?.[0].message).toBe(
        'the query did not finish within 200 ms (COMMUNIQUE_QUERY_TIMEOUT_MS)',
      );
    });

    describe('in production (NODE_ENV=production)', () => {
      it('refuses introspection, gives no field suggestions and answers an internal failure with a generic message', async () => {
        api = await TestApi.start({ NODE_ENV: 'production' });
        const introspection = await api.gql('{ __schema { types { name } } }');
        expect(codes(introspection).length).toBeGreaterThan(0);
        expect(new Set(codes(introspection))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
        expect(introspection.errors?.[0].message).toMatch(/introspection has been disabled/);
        expect(introspection.data ?? null).toBeNull();

        const typo = await api.gql('{ topcs { topic } }');
        expect(typo.errors?.[0].message).toBe('Cannot query field "topcs" on type "Query".');

        const graphiql = await api.app
          .getHttpAdapter()
          .getInstance()
          .inject({ method: 'GET', url: '/graphiql' });
        expect(graphiql.statusCode).toBe(404);

        // an internal failure: the read model fails with a message naming internals
        const readModel = api.app.get(ReadModel);
        const statement = readModel.statement.bind(readModel);
        readModel.statement = () => {
          throw new Error('SQLITE_IOERR: disk I/O error reading /srv/secret/read-model.db');
        };
        const failed = await api.gql(`{ statement(id: "${randomUUID()}") { id } }`);
        expect(failed.errors).toEqual([
          expect.objectContaining({
            message: 'Internal server error',
            extensions: { code: 'INTERNAL_SERVER_ERROR' },
          }),
        ]);
        expect(JSON.stringify(failed)).not.toMatch(/sqlite|secret|stack/i);
        readModel.statement = statement;
      });

      it('outside production the same typo gets a suggestion (the stripping is what production adds)', async () => {
        api = await TestApi.start();
        const typo = await api.gql('{ topcs { topic } }');
        expect(typo.errors?.[0].message).toMatch(/Did you mean "topics"\?/);
      });
    });

    describe('rate limiting', () => {
      it('per key and per address: a client over its budget gets 429, Retry-After and RATE_LIMITED; others go on', async () => {
        const key = 'rate-limited-key-0123456789';
        api = await TestApi.start({
          COMMUNIQUE_RATE_LIMIT_BURST: '3',
          COMMUNIQUE_RATE_LIMIT_PER_SECOND: '1',
          COMMUNIQUE_API_KEYS: `rita:reader:${key}`,
        });
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++)
          statuses.push((await post(api, { query: '{ topics { topic } }' })).statusCode);
        expect(statuses).toEqual([200, 200, 200, 429]);
        const limited = await post(api, { query: '{ topics { topic } }' });
        expect(limited.statusCode).toBe(429);
        expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(limited.json().errors[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
        expect(limited.json().errors[0].message).toMatch(
          /too many requests from this address; retry in \d+ s/,
        );
        // the key has its own bucket
        const withKey = await post(
          api,
          { query: '{ topics { topic } }' },
          { authorization: `Bearer ${key}` },
        );
        expect(withKey.statusCode).toBe(200);
      });
    });
  });
});
