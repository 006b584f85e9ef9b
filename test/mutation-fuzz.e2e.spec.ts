import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { EventStore } from '#event-store';
import { RECORD, TestApi, statementInput, type GraphQLResponse } from './support/api.js';

/**
 * Random and malformed input to every mutation over HTTP (Fastify's request injection: the same JSON
 * parsing, GraphQL validation, pipes and error mapping as a socket). Every answer is a success or a typed
 * error, never an internal one, and an error leaves the store exactly as it was.
 */

const TYPED = new Set(['BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT', 'GRAPHQL_VALIDATION_FAILED']);
const RUNS_PER_MUTATION = Number(process.env.COMMUNIQUE_FUZZ_RUNS ?? 100);
const SEED = Number(process.env.COMMUNIQUE_FUZZ_SEED ?? Date.now() % 2 ** 31);

const hostileStrings = fc.constantFrom(
  '',
  ' ',
  'x'.repeat(10_001),
  'javascript:alert(1)',
  'file:///etc/passwd',
  'a\u0000b',
  'a\u001bb',
  'abc\uD800',
  'Wang\u202EYi',
  'line\u2028break',
  "'; DROP TABLE events; --",
  '{"$gt": ""}',
  '__proto__',
  'constructor',
  '9'.repeat(400),
  '2019-02-30',
  '-0001',
);

/** Anything JSON can carry, with a bias to the strings most likely to break something. */
const wild: fc.Arbitrary<unknown> = fc.oneof(
  hostileStrings,
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.oneof(fc.string({ maxLength: 10 }), fc.integer()), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);

/** Mostly a valid value, sometimes a wild one. */
const sometimes = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: wild });

const countries = fc.constantFrom('CN', 'TR', 'TUR', 'Turkey', 'US', 'XX', 'Atlantis');
const topics = fc.constantFrom('xinjiang', 'counter-terrorism', 'Sovereignty', 'bad slug', 'a--b');
const urls = fc.oneof(fc.webUrl(), fc.constantFrom('https://example.org/a', 'ftp://example.org/x'));

const source = fc.record(
  {
    url: sometimes(urls),
    outlet: sometimes(fc.string({ maxLength: 30 })),
    publishedAt: sometimes(fc.constantFrom('2020-01-01T00:00:00Z', '2020-13-01T00:00:00Z')),
    via: sometimes(fc.string({ maxLength: 10 })),
  },
  { requiredKeys: ['url'] },
);

const statementFields = {
  occurredOn: sometimes(fc.constantFrom('2019', '2019-05', '2019-05-16', '2019-02-29', '2020-02-29')),
  speaker: sometimes(
    fc.record(
      {
        name: sometimes(fc.string({ minLength: 1, maxLength: 30 })),
        role: sometimes(fc.string({ maxLength: 20 })),
        country: sometimes(countries),
      },
      { requiredKeys: ['name'] },
    ),
  ),
  speakerCountry: sometimes(countries),
  targets: sometimes(fc.array(countries, { maxLength: 4 })),
  mentions: sometimes(fc.array(countries, { maxLength: 4 })),
  topics: sometimes(fc.array(topics, { maxLength: 4 })),
  kind: sometimes(fc.constantFrom('STATEMENT', 'APPEAL', 'REJECT', 'NOPE')),
  cameoCode: sometimes(fc.constantFrom('010', '022', '0214', '999', '1')),
  text: sometimes(fc.string({ minLength: 1, maxLength: 200 })),
  attribution: sometimes(fc.constantFrom('PARAPHRASE', 'DIRECT_QUOTE', 'RUMOUR')),
  language: sometimes(fc.constantFrom('en', 'zh-Hans', 'tr', 'english!')),
  location: sometimes(
    fc.record({ city: sometimes(fc.string({ maxLength: 20 })), country: sometimes(countries) }),
  ),
  sources: sometimes(fc.array(source, { minLength: 0, maxLength: 3 })),
};

describe('fuzzing every mutation over HTTP', () => {
  let api: TestApi;
  let store: EventStore;
  const ids: string[] = [];
  let tried = 0;
  let succeeded = 0;

  beforeAll(async () => {
    // Rate limiting is off here: the fuzzer sends requests as fast as it can, which is not normal use.
    api = await TestApi.start({ COMMUNIQUE_RATE_LIMIT_BURST: '0' });
    store = api.app.get(EventStore);
    for (let i = 0; i < 3; i++) {
      const id = randomUUID();
      await api.ok(RECORD, { input: statementInput({ id, text: `fuzz target ${i}` }) });
      ids.push(id);
    }
    console.log(
      `mutation fuzz: seed ${SEED}, ${RUNS_PER_MUTATION} runs per mutation (COMMUNIQUE_FUZZ_SEED, COMMUNIQUE_FUZZ_RUNS)`,
    );
  });
  afterAll(async () => {
    console.log(`mutation fuzz: ${tried} inputs tried, ${succeeded} of them succeeded`);
    await api.stop();
  });

  const id = (): fc.Arbitrary<unknown> =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...ids) },
      { weight: 1, arbitrary: fc.uuid() },
      { weight: 1, arbitrary: wild },
    );
  const expectedVersion = fc.oneof(
    fc.constant(undefined),
    fc.integer({ min: -3, max: 8 }),
    fc.constant(2 ** 31 - 1),
    wild,
  );

  /** Sends one mutation and checks the answer and, for an error, that the store did not move. */
  async function attempt(query: string, variables: Record<string, unknown>): Promise<void> {
    tried++;
    const before = { count: await store.countEventsAfter(), head: await store.headPosition() };
    const response = await api.app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'POST', url: '/graphql', payload: { query, variables } });
    expect(response.statusCode).toBeLessThan(500);
    const body = response.json() as GraphQLResponse;
    if (body.errors?.length) {
      for (const error of body.errors) {
        if (!TYPED.has(String(error.extensions?.code))) {
          throw new Error(
            `untyped error for ${JSON.stringify(variables).slice(0, 500)}: ${JSON.stringify(error)}`,
          );
        }
      }
      expect({ count: await store.countEventsAfter(), head: await store.headPosition() }).toEqual(before);
    } else {
      expect(body.data).toBeTruthy();
      succeeded++;
    }
  }

  const run = (
    property:
      fc.IAsyncProperty<[Record<string, unknown>]> | fc.IAsyncPropertyWithHooks<[Record<string, unknown>]>,
  ) => fc.assert(property, { numRuns: RUNS_PER_MUTATION, seed: SEED });

  const RESULT = '{ version position statement { id version } }';

  it('recordStatement', async () => {
    const input = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record(
          {
            id: fc.oneof(fc.constant(undefined), fc.uuid(), fc.constantFrom(...ids), wild),
            ...statementFields,
          },
          { requiredKeys: [] },
        ),
      },
      { weight: 1, arbitrary: wild },
    );
    await run(
      fc.asyncProperty(fc.record({ input }), (variables) =>
        attempt(
          `mutation($input: RecordStatementInput!) { recordStatement(input: $input) ${RESULT} }`,
          variables,
        ),
      ),
    );
  });

  it('correctStatement', async () => {
    const input = fc.record(
      { ...statementFields, reason: sometimes(fc.string({ minLength: 1, maxLength: 40 })) },
      { requiredKeys: [] },
    );
    await run(
      fc.asyncProperty(fc.record({ id: id(), expectedVersion, input: sometimes(input) }), (variables) =>
        attempt(
          `mutation($id: ID!, $expectedVersion: Int, $input: CorrectStatementInput!) { correctStatement(id: $id, expectedVersion: $expectedVersion, input: $input) ${RESULT} }`,
          variables,
        ),
      ),
    );
  });

  it('addStatementSource', async () => {
    await run(
      fc.asyncProperty(fc.record({ id: id(), expectedVersion, source: sometimes(source) }), (variables) =>
        attempt(
          `mutation($id: ID!, $expectedVersion: Int, $source: SourceInput!) { addStatementSource(id: $id, expectedVersion: $expectedVersion, source: $source) ${RESULT} }`,
          variables,
        ),
      ),
    );
  });

  it.each(['tagStatement', 'untagStatement'])('%s', async (mutation) => {
    const list = sometimes(fc.array(sometimes(topics), { maxLength: 6 }));
    await run(
      fc.asyncProperty(fc.record({ id: id(), topics: list }), (variables) =>
        attempt(
          `mutation($id: ID!, $topics: [String!]!) { ${mutation}(id: $id, topics: $topics) ${RESULT} }`,
          variables,
        ),
      ),
    );
  });

  it('linkResponse', async () => {
    await run(
      fc.asyncProperty(fc.record({ id: id(), respondsTo: id() }), (variables) =>
        attempt(
          `mutation($id: ID!, $respondsTo: ID!) { linkResponse(id: $id, respondsTo: $respondsTo) ${RESULT} }`,
          variables,
        ),
      ),
    );
  });

  it('retractStatement and restoreStatement', async () => {
    const reason = sometimes(fc.string({ minLength: 1, maxLength: 40 }));
    await run(
      fc.asyncProperty(fc.record({ id: id(), expectedVersion, reason }), (variables) =>
        attempt(
          `mutation($id: ID!, $expectedVersion: Int, $reason: String!) { retractStatement(id: $id, expectedVersion: $expectedVersion, reason: $reason) ${RESULT} }`,
          variables,
        ),
      ),
    );
    await run(
      fc.asyncProperty(fc.record({ id: id(), reason }), (variables) =>
        attempt(
          `mutation($id: ID!, $reason: String!) { restoreStatement(id: $id, reason: $reason) ${RESULT} }`,
          variables,
        ),
      ),
    );
  });

  it('malformed documents and variables of the wrong shape', async () => {
    const documents = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.constantFrom(
        'mutation {',
        'mutation { recordStatement }',
        'mutation { nope }',
        '{"kind":"Document"}',
        'subscription { x }',
      ),
    );
    await run(
      fc.asyncProperty(fc.record({ query: documents, variables: wild }), async ({ query, variables }) => {
        tried++;
        const response = await api.app
          .getHttpAdapter()
          .getInstance()
          .inject({ method: 'POST', url: '/graphql', payload: { query, variables } as object });
        expect(response.statusCode).toBeLessThan(500);
        const body = response.json() as GraphQLResponse;
        for (const error of body.errors ?? [])
          expect(error.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
      }) as unknown as fc.IAsyncProperty<[Record<string, unknown>]>,
    );
  });
});
