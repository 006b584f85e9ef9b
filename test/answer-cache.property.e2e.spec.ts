import type { LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';
import type { ReferenceData } from '#domain';
import { EventStore } from '#event-store';
import { importStatements, readNdjson, textSource } from '#importers';
import { ProjectionRunner, rebuildInto } from '#projections';
import { handoverFiles, writeAtomically } from '#runtime';
import { ReadModelHandover } from '../apps/api/src/audit/read-model-handover.js';
import { REFERENCE_DATA } from '../apps/api/src/infrastructure/tokens.js';
import { TestApi, statementInput } from './support/api.js';

/**
 * The answer cache is never stale (DESIGN §11.22): over random sequences of commands (record, correct,
 * retract, link, import, rebuild), after each step every answer the service gives (from memory where it
 * can) equals one computed afresh (`Cache-Control: no-cache`), for every role; asked again at once it is
 * served from memory, so the comparison is not vacuous. A reader never gets what an auditor got: an
 * auditor's answer is never kept, and no entity tag handed to one role is ever handed to another.
 */

const KEYS = {
  reader: 'reader-key-for-the-cache-property',
  editor: 'editor-key-for-the-cache-property',
  auditor: 'auditor-key-for-the-cache-property',
};
type Caller = 'anonymous' | keyof typeof KEYS;
const CALLERS: Caller[] = ['anonymous', 'reader', 'editor', 'auditor'];
const headersOf = (caller: Caller): Record<string, string> =>
  caller === 'anonymous' ? {} : { authorization: `Bearer ${KEYS[caller]}` };

const COUNTRIES = ['CN', 'TR', 'FR'] as const;
const TOPICS = ['trade', 'water'] as const;

type Command =
  | { kind: 'record'; country: (typeof COUNTRIES)[number]; topic: (typeof TOPICS)[number]; text: number }
  | { kind: 'correct'; pick: number; text: number }
  | { kind: 'retract'; pick: number }
  | { kind: 'link'; pick: number; to: number }
  | { kind: 'import'; count: number; country: (typeof COUNTRIES)[number] }
  | { kind: 'rebuild' };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('record' as const),
    country: fc.constantFrom(...COUNTRIES),
    topic: fc.constantFrom(...TOPICS),
    text: fc.nat(1000),
  }),
  fc.record({ kind: fc.constant('correct' as const), pick: fc.nat(), text: fc.nat(1000) }),
  fc.record({ kind: fc.constant('retract' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('link' as const), pick: fc.nat(), to: fc.nat() }),
  fc.record({
    kind: fc.constant('import' as const),
    count: fc.integer({ min: 1, max: 4 }),
    country: fc.constantFrom(...COUNTRIES),
  }),
  fc.constant({ kind: 'rebuild' as const }),
);

const PAGE =
  'totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id text status version topics responses { id } respondsTo { id } } }';

describe('answers cached by log position, over random command sequences', () => {
  let api: TestApi;
  let ids: string[];
  let rebuilds = 0;
  let hits = 0;
  const tagsByCaller = new Map<string, Caller>();

  beforeAll(async () => {
    api = await TestApi.start({
      COMMUNIQUE_API_KEYS: Object.entries(KEYS)
        .map(([role, key]) => `${role}-holder:${role}:${key}`)
        .join(','),
      COMMUNIQUE_PUBLIC_READS: 'true',
    });
    ids = [];
  });
  afterAll(async () => api.stop());

  const inject = (query: string, variables: Record<string, unknown>, headers: Record<string, string>) =>
    api.app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'POST', url: '/graphql', payload: { query, variables }, headers });

  async function mutate(query: string, variables: Record<string, unknown>): Promise<void> {
    const answer = await inject(query, variables, headersOf('editor'));
    const body = answer.json<{ data?: Record<string, { statement?: { id: string } } | null> }>();
    const result = body.data && Object.values(body.data)[0];
    if (result?.statement) ids.push(result.statement.id);
  }

  async function run(step: Command): Promise<void> {
    const pick = (n: number) => ids[n % ids.length];
    switch (step.kind) {
      case 'record':
        return mutate(
          `mutation($input: RecordStatementInput!) { recordStatement(input: $input) { statement { id } } }`,
          {
            input: statementInput({
              text: `Statement number ${step.text}.`,
              topics: [step.topic],
              speaker: { name: 'Speaker', role: 'Minister', country: step.country },
            }),
          },
        );
      case 'correct':
        if (ids.length === 0) return;
        return mutate(
          `mutation($id: ID!, $input: CorrectStatementInput!) { correctStatement(id: $id, input: $input) { version } }`,
          { id: pick(step.pick), input: { text: `Corrected to ${step.text}.`, reason: 'a test' } },
        );
      case 'retract':
        if (ids.length === 0) return;
        return mutate(`mutation($id: ID!) { retractStatement(id: $id, reason: "a test") { version } }`, {
          id: pick(step.pick),
        });
      case 'link':
        if (ids.length < 2) return;
        return mutate(`mutation($id: ID!, $to: ID!) { linkResponse(id: $id, respondsTo: $to) { version } }`, {
          id: pick(step.pick),
          to: pick(step.to),
        });
      case 'import': {
        const lines = Array.from({ length: step.count }, (_, i) =>
          JSON.stringify({
            occurredOn: '2021-03',
            speaker: { name: 'Imported', country: step.country },
            targets: ['TR'],
            topics: ['trade'],
            text: `Imported ${ids.length}-${i} at ${rebuilds}.`,
            attribution: 'PARAPHRASE',
            sources: [{ url: `https://example.org/import/${ids.length}/${i}` }],
          }),
        );
        await importStatements(readNdjson(textSource(lines.join('\n')).chunks), api.app.get(EventStore), {
          reference: api.app.get<symbol, ReferenceData>(REFERENCE_DATA),
          recordedBy: 'import:property-test',
        });
        return;
      }
      case 'rebuild': {
        rebuilds += 1;
        const file = `${api.config.readModelFile}.rebuild-${rebuilds}`;
        await rebuildInto(api.app.get(EventStore), file);
        writeAtomically(handoverFiles(api.config.readModelFile).request, JSON.stringify({ file }) + '\n');
        await api.app.get(ReadModelHandover).poll();
        return;
      }
    }
  }

  /** The read model has applied everything in the log. */
  async function settle(): Promise<void> {
    const head = await api.app.get(EventStore).headPosition();
    expect(await api.app.get(ProjectionRunner).waitForPosition(head, 10_000)).toBe(true);
  }

  function queries(): { query: string; variables: Record<string, unknown> }[] {
    const id = ids[0] ?? 'no-such-statement';
    return [
      ...COUNTRIES.map((country) => ({
        query: `query($c: CountryCode!) { countryTimeline(country: $c, first: 3) { ${PAGE} } }`,
        variables: { c: country },
      })),
      {
        query: `query($f: TimelineFilter) { countryTimeline(country: "TR", first: 2, filter: $f, order: ASC) { ${PAGE} } }`,
        variables: { f: { includeRetracted: true } },
      },
      ...TOPICS.map((topic) => ({
        query: `query($t: String!) { topicTimeline(topic: $t, first: 5) { ${PAGE} } }`,
        variables: { t: topic },
      })),
      { query: '{ topics { topic count } }', variables: {} },
      {
        query: `query($q: String!) { searchStatements(query: $q, first: 5) { ${PAGE} } }`,
        variables: { q: 'statement' },
      },
      { query: `query($id: ID!) { statement(id: $id) { id text status version } }`, variables: { id } },
      {
        query:
          '{ activity(country: "CN", interval: MONTH) { period count } relations(country: "CN") { counterpart outgoing incoming } }',
        variables: {},
      },
    ];
  }

  const RESTRICTED = `query($id: ID!) { statement(id: $id) { history { recordedBy data } } }`;

  async function checkEveryAnswer(): Promise<void> {
    for (const { query, variables } of queries()) {
      for (const caller of CALLERS) {
        const headers = headersOf(caller);
        const served = await inject(query, variables, headers);
        const fresh = await inject(query, variables, { ...headers, 'cache-control': 'no-cache' });
        expect(fresh.statusCode).toBe(200);
        expect({ caller, query, variables, body: served.body }).toEqual({
          caller,
          query,
          variables,
          body: fresh.body,
        });
        const again = await inject(query, variables, headers);
        expect(again.body).toBe(fresh.body);
        if (again.headers['x-communique-cache'] === 'hit') hits += 1;
        for (const answer of [served, fresh, again]) noTagSharedAcrossRoles(answer, caller);
      }
    }
    // an auditor's answer is never kept, so the reader after it is refused, not served it
    if (ids.length > 0) {
      const audited = await inject(RESTRICTED, { id: ids[0] }, headersOf('auditor'));
      expect(audited.body).toContain('recordedBy');
      expect(audited.headers.etag).toBeUndefined();
      for (const caller of ['anonymous', 'reader'] as const) {
        const refused = await inject(RESTRICTED, { id: ids[0] }, headersOf(caller));
        expect(refused.body).toMatch(/UNAUTHENTICATED|FORBIDDEN/);
        expect(refused.body).not.toContain('editor-holder');
        expect(refused.headers['cache-control']).toBe('no-store');
      }
    }
  }

  function noTagSharedAcrossRoles(answer: LightMyRequestResponse, caller: Caller): void {
    const tag = answer.headers.etag;
    if (typeof tag !== 'string') return;
    const owner = tagsByCaller.get(tag);
    if (owner === undefined) tagsByCaller.set(tag, caller);
    else expect({ tag, owner }).toEqual({ tag, owner: caller });
  }

  it('after every step, every answer equals a fresh one, for every role', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 7 }), async (steps) => {
        for (const step of steps) {
          await checkEveryAnswer(); // fills the cache at the current position
          await run(step);
          await settle();
          await checkEveryAnswer(); // nothing kept from before the step may be served
        }
      }),
      { numRuns: 6, endOnFailure: true },
    );
    expect(hits).toBeGreaterThan(0);
    const health = await api.app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'GET', url: '/health/live' });
    expect(health.statusCode).toBe(200);
  }, 600_000);
});
