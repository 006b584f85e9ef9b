import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RECORD, TestApi, statementInput } from './support/api.js';
import { communique } from './support/cli.js';

interface Recorded {
  recordStatement: { position: string; statement: { id: string } };
}
interface Node {
  id: string;
  text: string;
  occurredOn: string;
  status: string;
  version: number;
  responses: { id: string }[];
}
interface History {
  statement: { history: { position: string; recordedAt: string; type: string }[] };
}

const STATEMENT_AS_OF = `query($id: ID!, $asOf: DateTime, $asOfPosition: Position) {
  statement(id: $id, asOf: $asOf, asOfPosition: $asOfPosition) { id text occurredOn status version responses { id } }
}`;
const TIMELINE_AS_OF = `query($asOf: DateTime, $asOfPosition: Position, $include: Boolean) {
  countryTimeline(country: "TR", asOf: $asOf, asOfPosition: $asOfPosition, filter: { includeRetracted: $include }) {
    totalCount edges { node { id text occurredOn status } }
  }
  topicTimeline(topic: "testing", asOf: $asOf, asOfPosition: $asOfPosition) { totalCount edges { node { id text } } }
}`;
interface Timelines {
  countryTimeline: {
    totalCount: number;
    edges: { node: { id: string; text: string; occurredOn: string } }[];
  };
  topicTimeline: { totalCount: number; edges: { node: { id: string; text: string } }[] };
}

/** Waits until the wall clock has moved past `iso`, so the next event is recorded strictly later. */
async function clockPast(iso: string): Promise<void> {
  while (Date.now() <= Date.parse(iso) + 1) await new Promise((r) => setTimeout(r, 2));
}

const between = (a: string, b: string): string => new Date((Date.parse(a) + Date.parse(b)) / 2).toISOString();

describe('as-of queries and the event feed over GraphQL', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await TestApi.start();
  });
  afterAll(async () => {
    await api.stop();
  });

  const record = async (overrides: Record<string, unknown>): Promise<string> =>
    (await api.ok<Recorded>(RECORD, { input: statementInput(overrides) })).recordStatement.statement.id;
  const history = async (id: string) =>
    (
      await api.ok<History>(
        `query($id: ID!) { statement(id: $id) { history { position recordedAt type } } }`,
        {
          id,
        },
      )
    ).statement.history;

  it('shows a corrected statement and its timeline placement as they stood before the correction, and a retracted one as it stood before the retraction', async () => {
    const other = await record({ occurredOn: '2020-06-01', text: 'The other statement.' });
    const id = await record({ occurredOn: '2020-01-15', text: 'The original text.' });
    const [recorded] = await history(id);
    await clockPast(recorded.recordedAt);

    await api.ok(
      `mutation($id: ID!) { correctStatement(id: $id, input: { text: "The corrected text.", occurredOn: "2021-03-01", reason: "misquoted" }) { version } }`,
      { id },
    );
    await api.ok(`mutation($id: ID!, $to: ID!) { linkResponse(id: $id, respondsTo: $to) { version } }`, {
      id: other,
      to: id,
    });
    const [, corrected] = await history(id);
    const linked = (await history(other)).at(-1)!;
    expect(linked.type).toBe('StatementResponseLinked');
    // the link may land in the same millisecond as the correction or later; wait past both
    await clockPast(linked.recordedAt);
    const beforeCorrection = between(recorded.recordedAt, corrected.recordedAt);

    // now: the corrected text, placed after the other statement
    const now = await api.ok<Timelines>(TIMELINE_AS_OF, {});
    expect(now.countryTimeline.edges.map((e) => [e.node.id, e.node.text])).toEqual([
      [other, 'The other statement.'],
      [id, 'The corrected text.'],
    ]);

    // as of the moment between recording and correcting: the old text, the old date and the old placement
    const old = await api.ok<{ statement: Node }>(STATEMENT_AS_OF, { id, asOf: beforeCorrection });
    expect(old.statement).toMatchObject({ text: 'The original text.', occurredOn: '2020-01-15', version: 1 });
    expect(old.statement.responses).toEqual([]); // the response was linked later
    const oldTimelines = await api.ok<Timelines>(TIMELINE_AS_OF, { asOf: beforeCorrection });
    expect(
      oldTimelines.countryTimeline.edges.map((e) => [e.node.id, e.node.text, e.node.occurredOn]),
    ).toEqual([
      [id, 'The original text.', '2020-01-15'],
      [other, 'The other statement.', '2020-06-01'],
    ]);
    expect(oldTimelines.topicTimeline.totalCount).toBe(2);

    // retract; the statement leaves the timeline now, but as of before the retraction it is still there
    await api.ok(`mutation($id: ID!) { retractStatement(id: $id, reason: "duplicate") { version } }`, { id });
    const [, , retracted] = await history(id);
    const beforeRetraction = between(linked.recordedAt, retracted.recordedAt);
    const afterRetraction = await api.ok<Timelines>(TIMELINE_AS_OF, {});
    expect(afterRetraction.countryTimeline.edges.map((e) => e.node.id)).toEqual([other]);
    const stillThere = await api.ok<Timelines>(TIMELINE_AS_OF, { asOf: beforeRetraction });
    expect(stillThere.countryTimeline.edges.map((e) => [e.node.id, e.node.text])).toEqual([
      [other, 'The other statement.'],
      [id, 'The corrected text.'],
    ]);
    const active = await api.ok<{ statement: Node }>(STATEMENT_AS_OF, { id, asOf: beforeRetraction });
    expect(active.statement).toMatchObject({ status: 'ACTIVE', text: 'The corrected text.' });
    expect(active.statement.responses).toEqual([{ id: other }]);
    const current = await api.ok<{ statement: Node }>(STATEMENT_AS_OF, { id });
    expect(current.statement.status).toBe('RETRACTED');

    // the same answers by position
    const byPosition = await api.ok<{ statement: Node }>(STATEMENT_AS_OF, {
      id,
      asOfPosition: recorded.position,
    });
    expect(byPosition.statement.text).toBe('The original text.');
  });

  it('answers nothing before the first event, the present for a moment still to come, and rejects bad as-of arguments', async () => {
    const id = await record({ text: 'Recorded for the edges of as-of.' });
    const before = await api.ok<{ statement: Node | null }>(STATEMENT_AS_OF, {
      id,
      asOf: '1990-01-01T00:00:00Z',
    });
    expect(before.statement).toBeNull();
    const empty = await api.ok<Timelines>(TIMELINE_AS_OF, { asOf: '1990-01-01T00:00:00Z' });
    expect(empty.countryTimeline).toEqual({ totalCount: 0, edges: [] });
    const future = await api.ok<{ statement: Node }>(STATEMENT_AS_OF, { id, asOf: '2999-01-01T00:00:00Z' });
    expect(future.statement.text).toBe('Recorded for the edges of as-of.');

    const both = await api.gql(STATEMENT_AS_OF, { id, asOf: '2020-01-01T00:00:00Z', asOfPosition: '1' });
    expect(both.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'asOfPosition' });
    const beyond = await api.gql(STATEMENT_AS_OF, { id, asOfPosition: '999999' });
    expect(beyond.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'asOfPosition' });
    expect(beyond.errors?.[0]?.message).toContain('beyond the end of the log');
    const notATime = await api.gql(STATEMENT_AS_OF, { id, asOf: 'yesterday' });
    expect(notATime.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('pages through the global event log with positions as cursors, capped at 100', async () => {
    for (let i = 0; i < 3; i++) await record({ text: `Feed statement ${i}.` });
    const FEED = `query($after: Position, $first: Int) {
      events(after: $after, first: $first) {
        edges { position revision type stream id hash prevHash recordedAt recordedBy schemaVersion data }
        pageInfo { hasNextPage endCursor }
      }
    }`;
    interface Feed {
      events: {
        edges: { position: string; stream: string; hash: string; prevHash: string | null; type: string }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    }
    const seen: Feed['events']['edges'] = [];
    let after: string | null = null;
    for (;;) {
      const page: Feed = await api.ok<Feed>(FEED, { after, first: 2 });
      expect(page.events.edges.length).toBeLessThanOrEqual(2);
      seen.push(...page.events.edges);
      if (!page.events.pageInfo.hasNextPage) break;
      after = page.events.pageInfo.endCursor;
    }
    const positions = seen.map((e) => BigInt(e.position));
    expect(positions).toEqual(positions.map((_, i) => BigInt(i + 1)));
    expect(seen.every((e) => /^[0-9a-f]{64}$/.test(e.hash) && e.stream.startsWith('statement-'))).toBe(true);
    const all = await api.ok<Feed>(FEED, { first: 1000 });
    expect(all.events.edges).toHaveLength(Math.min(100, seen.length));
    const negative = await api.gql(FEED, { first: -1 });
    expect(negative.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});

describe('events stored in schema version 0', () => {
  it("are imported from the fixture file and served as today's statements", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'communique-v0-'));
    const fixture = resolve(import.meta.dirname, 'fixtures', 'events-v0.ndjson');
    try {
      const imported = communique(dir, ['events', 'import', fixture]);
      expect(imported.stderr).not.toContain('communique events import:');
      expect(imported.status).toBe(0);
      const api = await TestApi.start({}, dir);
      try {
        const { statement } = await api.ok<{ statement: Record<string, unknown> }>(
          `{ statement(id: "6f1d2c3a-7b4e-4c1a-9e2f-0a1b2c3d4e01") {
              speaker { name role country } speakerCountry mentions sources { url outlet } text kind
              responses { id speaker { name country } }
              history { schemaVersion data hash recordedBy }
          } }`,
        );
        expect(statement).toMatchObject({
          speaker: { name: 'Hami Aksoy', role: 'Foreign Ministry Spokesperson', country: 'TR' },
          speakerCountry: 'TR',
          mentions: [],
          sources: [{ url: 'https://example.org/archive/2019-02-09-aksoy', outlet: 'Example Archive' }],
          kind: 'DISAPPROVE',
          responses: [
            { id: '6f1d2c3a-7b4e-4c1a-9e2f-0a1b2c3d4e02', speaker: { name: 'Hua Chunying', country: 'CN' } },
          ],
        });
        const [event] = statement.history as { schemaVersion: number; data: Record<string, unknown> }[];
        expect(event.schemaVersion).toBe(0);
        expect(event.data.speaker).toEqual({
          name: 'Hami Aksoy',
          role: 'Foreign Ministry Spokesperson',
          country: 'TR',
        });
        const timeline = await api.ok<{ countryTimeline: { totalCount: number } }>(
          '{ countryTimeline(country: "CN") { totalCount } }',
        );
        expect(timeline.countryTimeline.totalCount).toBe(2);
      } finally {
        await api.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
