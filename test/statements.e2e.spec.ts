import { randomUUID } from 'node:crypto';
import { ReadModel } from '#read-model';
import { RECORD, STATEMENT_FIELDS, TestApi, statementInput } from './support/api.js';

interface Recorded {
  recordStatement: { version: number; position: string; statement: { id: string; [key: string]: unknown } };
}
interface Timeline {
  countryTimeline: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { cursor: string; roles: string[]; node: { id: string; occurredOn: string; text: string } }[];
  };
}

const TIMELINE = `query($country: CountryCode!, $first: Int, $after: String, $order: SortOrder, $filter: TimelineFilter) {
  countryTimeline(country: $country, first: $first, after: $after, order: $order, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor roles node { id occurredOn text } }
  }
}`;

const CORRECT = `mutation($id: ID!, $expectedVersion: Int, $input: CorrectStatementInput!) {
  correctStatement(id: $id, expectedVersion: $expectedVersion, input: $input) { version position statement { ${STATEMENT_FIELDS} } }
}`;

describe('statements over GraphQL', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await TestApi.start({ COMMUNIQUE_MIN_POSITION_TIMEOUT_MS: '200' });
  });
  afterEach(async () => {
    await api.stop();
  });

  const record = async (overrides: Record<string, unknown> = {}) =>
    (await api.ok<Recorded>(RECORD, { input: statementInput(overrides) })).recordStatement;

  it('records a statement and puts it on the timelines of its speaker country and targets with their roles', async () => {
    const { statement, version, position } = await record({ mentions: ['United States'] });
    expect(version).toBe(1);
    expect(BigInt(position)).toBeGreaterThan(0n);
    for (const [country, roles] of [
      ['CN', ['SPEAKER']],
      ['TR', ['TARGET']],
      ['US', ['MENTIONED']],
    ] as const) {
      const { countryTimeline } = await api.ok<Timeline>(TIMELINE, { country });
      expect(countryTimeline.edges.map((e) => [e.node.id, e.roles])).toEqual([[statement.id, roles]]);
    }
  });

  it('takes a UUID in upper case as the same statement as in lower case (record input and statement(id))', async () => {
    const id = randomUUID();
    const { statement } = await record({ id: id.toUpperCase() });
    expect(statement.id).toBe(id);
    const again = await record({ id }); // the same statement: an idempotent repeat, not a second one
    expect(again.statement.id).toBe(id);
    const found = await api.ok<{ statement: { id: string } | null }>(
      `query($id: ID!) { statement(id: $id, asOfPosition: "${again.position}") { id } }`,
      { id: id.toUpperCase() },
    );
    expect(found.statement?.id).toBe(id);
    const { countryTimeline } = await api.ok<Timeline>(TIMELINE, { country: 'CN' });
    expect(countryTimeline.edges.filter((e) => e.node.id === id)).toHaveLength(1);
  });

  it('takes an explicit null id as no id: a new statement with an id of its own, never an internal error', async () => {
    const first = await record({ id: null });
    const second = await record({ id: null });
    for (const { statement } of [first, second]) expect(statement.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.statement.id).not.toBe(first.statement.id);
  });

  it('accepts "TUR", "Turkey" and "tr" as TR, and rejects "XX" with BAD_USER_INPUT naming the field', async () => {
    for (const spelling of ['TUR', 'Turkey', 'tr']) {
      const { statement } = await record({ targets: [spelling] });
      expect(statement.targets).toEqual(['TR']);
      const { countryTimeline } = await api.ok<Timeline>(TIMELINE, { country: spelling });
      expect(countryTimeline.edges.map((e) => e.node.id)).toContain(statement.id);
    }
    const bad = await api.gql(RECORD, { input: statementInput({ targets: ['TR', 'XX'] }) });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.targets.1' });
    expect(bad.errors?.[0]?.message).toContain('XX');
    const badQuery = await api.gql(TIMELINE, { country: 'XX' });
    expect(badQuery.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'country' });
  });

  it('names the field of an input that breaks a rule and stores nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ occurredOn: '2019-02-30' }, 'input.occurredOn'],
      [{ sources: [] }, 'input.sources'],
      [{ speaker: { name: '' } }, 'input.speaker.name'],
      [{ sources: [{ url: 'ftp://example.org/x' }] }, 'input.sources.0.url'],
      [{ kind: null, cameoCode: '9999' }, 'input.cameoCode'],
    ];
    for (const [overrides, field] of cases) {
      const response = await api.gql(RECORD, { input: statementInput(overrides) });
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const { countryTimeline } = await api.ok<Timeline>(TIMELINE, { country: 'TR' });
    expect(countryTimeline.totalCount).toBe(0);
  });

  it('derives kind and Goldstein score from a CAMEO code', async () => {
    const { statement } = await record({ kind: null, cameoCode: '111' });
    expect(statement).toMatchObject({ kind: 'DISAPPROVE', goldstein: -2 });
  });

  it('is idempotent for a client-supplied id and reports a conflict for other content under that id', async () => {
    const id = randomUUID();
    const first = await record({ id });
    const again = await record({ id });
    expect(again.version).toBe(1);
    expect(again.position).toBe(first.position);
    const other = await api.gql(RECORD, { input: statementInput({ id, text: 'Something else entirely.' }) });
    expect(other.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('moves a statement within its timeline when its date is corrected', async () => {
    const a = await record({ occurredOn: '2020-01-01', text: 'first' });
    const b = await record({ occurredOn: '2020-06-01', text: 'second' });
    const order = async () =>
      (await api.ok<Timeline>(TIMELINE, { country: 'TR' })).countryTimeline.edges.map((e) => e.node.id);
    expect(await order()).toEqual([a.statement.id, b.statement.id]);
    const corrected = await api.ok<{ correctStatement: { version: number } }>(CORRECT, {
      id: a.statement.id,
      expectedVersion: 1,
      input: { occurredOn: '2021', reason: 'the date was misread' },
    });
    expect(corrected.correctStatement.version).toBe(2);
    expect(await order()).toEqual([b.statement.id, a.statement.id]);
  });

  it('a retracted statement leaves the country timeline but statement(id) still returns it as RETRACTED with its history', async () => {
    const { statement } = await record();
    const retract = await api.ok<{ retractStatement: { version: number } }>(
      `mutation($id: ID!) { retractStatement(id: $id, expectedVersion: 1, reason: "misattributed") { version } }`,
      { id: statement.id },
    );
    expect(retract.retractStatement.version).toBe(2);
    expect((await api.ok<Timeline>(TIMELINE, { country: 'TR' })).countryTimeline.totalCount).toBe(0);
    const withRetracted = await api.ok<Timeline>(TIMELINE, {
      country: 'TR',
      filter: { includeRetracted: true },
    });
    expect(withRetracted.countryTimeline.edges.map((e) => e.node.id)).toEqual([statement.id]);
    const read = await api.ok<{
      statement: {
        status: string;
        history: { type: string; revision: number; hash: string; prevHash: string | null }[];
      };
    }>(`query($id: ID!) { statement(id: $id) { status history { type revision hash prevHash } } }`, {
      id: statement.id,
    });
    expect(read.statement.status).toBe('RETRACTED');
    expect(read.statement.history.map((h) => h.type)).toEqual(['StatementRecorded', 'StatementRetracted']);
    expect(read.statement.history[1]?.prevHash).toBe(read.statement.history[0]?.hash);
    const corrected = await api.gql(CORRECT, {
      id: statement.id,
      input: { text: 'changed', reason: 'typo' },
    });
    expect(corrected.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('of two concurrent corrections with the same expectedVersion exactly one succeeds, the other gets CONFLICT with the actual version', async () => {
    const { statement } = await record();
    const results = await Promise.all(
      ['one', 'two'].map((text) =>
        api.gql(CORRECT, { id: statement.id, expectedVersion: 1, input: { text, reason: `edit ${text}` } }),
      ),
    );
    const succeeded = results.filter((r) => !r.errors);
    const conflicted = results.filter((r) => r.errors);
    expect(succeeded).toHaveLength(1);
    expect(conflicted).toHaveLength(1);
    expect(conflicted[0]?.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      expectedVersion: 1,
      actualVersion: 2,
    });
  });

  it('reports NOT_FOUND for a command on a statement that does not exist', async () => {
    const response = await api.gql(CORRECT, { id: randomUUID(), input: { text: 'x', reason: 'y' } });
    expect(response.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('links responses both ways, resolving them in batches', async () => {
    const a = await record({ text: 'original' });
    const b = await record({ text: 'reply', speaker: { name: 'Other', country: 'TR' }, targets: ['CN'] });
    await api.ok(`mutation($id: ID!, $to: ID!) { linkResponse(id: $id, respondsTo: $to) { version } }`, {
      id: b.statement.id,
      to: a.statement.id,
    });
    const self = await api.gql(`mutation($id: ID!) { linkResponse(id: $id, respondsTo: $id) { version } }`, {
      id: a.statement.id,
    });
    expect(self.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'respondsTo' });
    for (let i = 0; i < 5; i++) await record({ text: `more ${i}` });
    const readModel = api.app.get(ReadModel);
    const calls = { statements: 0, responsesTo: 0 };
    for (const method of ['statements', 'responsesTo'] as const) {
      const original = readModel[method].bind(readModel) as (...args: unknown[]) => never;
      Object.assign(readModel, {
        [method]: (...args: unknown[]) => {
          calls[method]++;
          return original(...args);
        },
      });
    }
    const { countryTimeline } = await api.ok<{
      countryTimeline: {
        edges: { node: { id: string; respondsTo: { id: string }[]; responses: { id: string }[] } }[];
      };
    }>(`{ countryTimeline(country: "TR") { edges { node { id respondsTo { id } responses { id } } } } }`);
    expect(countryTimeline.edges).toHaveLength(7);
    expect(calls).toEqual({ statements: 1, responsesTo: 1 });
    const byId = new Map(countryTimeline.edges.map((e) => [e.node.id, e.node]));
    expect(byId.get(a.statement.id)?.responses).toEqual([{ id: b.statement.id }]);
    expect(byId.get(b.statement.id)?.respondsTo).toEqual([{ id: a.statement.id }]);
  });

  it('pages 120 statements by 7, each seen exactly once, in both orders', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) {
      const day = String((i % 28) + 1).padStart(2, '0');
      const month = String((i % 12) + 1).padStart(2, '0');
      ids.push(
        (await record({ occurredOn: `${2000 + (i % 7)}-${month}-${day}`, text: `statement ${i}` })).statement
          .id,
      );
    }
    for (const order of ['ASC', 'DESC']) {
      const seen: { id: string; occurredOn: string }[] = [];
      let after: string | null = null;
      for (;;) {
        const page: Timeline = await api.ok<Timeline>(TIMELINE, { country: 'TR', first: 7, after, order });
        expect(page.countryTimeline.totalCount).toBe(120);
        expect(page.countryTimeline.edges.length).toBeLessThanOrEqual(7);
        seen.push(...page.countryTimeline.edges.map((e) => e.node));
        if (!page.countryTimeline.pageInfo.hasNextPage) break;
        after = page.countryTimeline.pageInfo.endCursor;
      }
      expect(seen).toHaveLength(120);
      expect(new Set(seen.map((s) => s.id))).toEqual(new Set(ids));
      const dates = seen.map((s) => s.occurredOn);
      const sorted = [...dates].sort();
      expect(dates).toEqual(order === 'ASC' ? sorted : sorted.reverse());
    }
    const capped = await api.ok<Timeline>(TIMELINE, { country: 'TR', first: 1000 });
    expect(capped.countryTimeline.edges).toHaveLength(100);
    expect(capped.countryTimeline.pageInfo.hasNextPage).toBe(true);
  });

  it('follows tagging and untagging on topic timelines and topic counts, and reports projection status', async () => {
    const a = await record({ topics: ['xinjiang'] });
    const b = await record({ topics: ['xinjiang', 'sovereignty'] });
    await api.ok(`mutation($id: ID!) { tagStatement(id: $id, topics: ["Counter-Terrorism"]) { version } }`, {
      id: a.statement.id,
    });
    await api.ok(`mutation($id: ID!) { untagStatement(id: $id, topics: ["xinjiang"]) { version } }`, {
      id: b.statement.id,
    });
    const topicIds = async (topic: string) =>
      (
        await api.ok<{ topicTimeline: { edges: { node: { id: string } }[] } }>(
          `query($topic: String!) { topicTimeline(topic: $topic) { edges { node { id } } } }`,
          { topic },
        )
      ).topicTimeline.edges.map((e) => e.node.id);
    expect(await topicIds('xinjiang')).toEqual([a.statement.id]);
    expect(await topicIds('counter-terrorism')).toEqual([a.statement.id]);
    expect(await topicIds('SOVEREIGNTY')).toEqual([b.statement.id]);
    const filtered = await api.ok<Timeline>(TIMELINE, {
      country: 'TR',
      filter: { topics: [' Counter-Terrorism '] },
    });
    expect(filtered.countryTimeline.edges.map((e) => e.node.id)).toEqual([a.statement.id]);
    const { topics, projections } = await api.ok<{
      topics: { topic: string; count: number }[];
      projections: { name: string; checkpoint: string; head: string; lag: number; live: boolean }[];
    }>('{ topics { topic count } projections { name checkpoint head lag live } }');
    expect(topics).toEqual([
      { topic: 'counter-terrorism', count: 1 },
      { topic: 'sovereignty', count: 1 },
      { topic: 'xinjiang', count: 1 },
    ]);
    expect(projections).toEqual([{ name: 'statements', checkpoint: '4', head: '4', lag: 0, live: true }]);
  });

  it('waits for minPosition before answering, and says TIMEOUT when the read model does not reach it in time', async () => {
    const { position } = await record();
    const reached = await api.ok<{ countryTimeline: { totalCount: number } }>(
      'query($p: Position) { countryTimeline(country: "TR", minPosition: $p) { totalCount } }',
      { p: position },
    );
    expect(reached.countryTimeline.totalCount).toBe(1);
    const ahead = await api.gql(
      'query($p: Position) { countryTimeline(country: "TR", minPosition: $p) { totalCount } }',
      {
        p: String(BigInt(position) + 10n),
      },
    );
    expect(ahead.errors?.[0]?.extensions).toMatchObject({ code: 'TIMEOUT' });
  });

  it('serves /health and GraphiQL', async () => {
    const server = api.app.getHttpAdapter().getInstance();
    const health = await server.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok', projections: [{ name: 'statements', lag: 0 }] });
    const graphiql = await server.inject({ method: 'GET', url: '/graphiql' });
    expect(graphiql.statusCode).toBe(200);
    expect(graphiql.body).toContain('<html');
  });

  it('gives every error a code, also those GraphQL raises before any resolver runs', async () => {
    const wrongType = await api.gql(RECORD, { input: statementInput({ occurredOn: 2019 }) });
    expect(wrongType.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(wrongType.errors?.[0]?.message).toContain('occurredOn');
    const unknownField = await api.gql('{ nothing }');
    expect(unknownField.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('rejects a filter date that is not a real partial date, naming the field', async () => {
    const bad = await api.gql(TIMELINE, { country: 'TR', filter: { from: '2019-13' } });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.from' });
  });

  it('rejects a malformed cursor naming `after`', async () => {
    const bad = await api.gql(TIMELINE, { country: 'TR', after: 'not-a-cursor' });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});
