import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestApi, statementInput } from './support/api.js';
import { runCli } from './support/cli.js';

/** The fields of a timeline entry an export carries over to a re-import (all but version, status and times). */
const TIMELINE = `query($country: CountryCode!, $after: String) {
  countryTimeline(country: $country, first: 100, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      roles
      node {
        id occurredOn speaker { name role country organization } speakerCountry targets mentions topics kind
        cameoCode goldstein text attribution language location { city country }
        sources { url outlet publishedAt via } respondsTo { id } responses { id }
      }
    }
  }
}`;

interface TimelinePage {
  countryTimeline: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { roles: string[]; node: Record<string, unknown> }[];
  };
}

/** Every entry of a country's timeline, all pages, in timeline order. */
async function wholeTimeline(
  api: TestApi,
  country: string,
): Promise<TimelinePage['countryTimeline']['edges']> {
  const edges: TimelinePage['countryTimeline']['edges'] = [];
  let after: string | null = null;
  for (;;) {
    const page: TimelinePage = await api.ok<TimelinePage>(TIMELINE, { country, after });
    edges.push(...page.countryTimeline.edges);
    if (!page.countryTimeline.pageInfo.hasNextPage) break;
    after = page.countryTimeline.pageInfo.endCursor;
  }
  return edges;
}

const LINKS = `query($id: ID!) { statement(id: $id) { respondsTo { id } } }`;

describe('a JSON export re-imported as NDJSON', () => {
  let source: TestApi;
  let target: TestApi | undefined;
  let dir: string;
  beforeAll(async () => {
    source = await TestApi.start({ COMMUNIQUE_DEMO: 'true' });
    dir = mkdtempSync(join(tmpdir(), 'communique-round-trip-'));
  });
  afterAll(async () => {
    await source.stop();
    await target?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same TR timeline (demo data plus corrected, re-sourced, re-tagged, linked and retracted statements), response links included', async () => {
    // beyond the demo data: every optional field, a correction, an added source, more topics, a response
    // link, a retracted statement and one where TR is only mentioned
    const full = randomUUID();
    await source.ok(
      `mutation($input: RecordStatementInput!) { recordStatement(input: $input) { version } }`,
      {
        input: statementInput({
          id: full,
          occurredOn: '2021-06',
          speaker: { name: 'Mevlüt Çavuşoğlu', role: 'Foreign Minister', country: 'TR', organization: 'MFA' },
          targets: ['CN', 'US'],
          mentions: ['RU'],
          topics: ['trade'],
          kind: 'INTENT_TO_COOPERATE',
          cameoCode: '036',
          text: 'We expect “fair” treatment — and we say so.',
          attribution: 'DIRECT_QUOTE',
          language: 'tr',
          location: { city: 'Ankara', country: 'TR' },
          sources: [
            {
              url: 'https://example.org/mfa/2021-06',
              outlet: 'MFA, Türkiye',
              publishedAt: '2021-06-02T09:30:00Z',
              via: 'press release',
            },
          ],
        }),
      },
    );
    await source.ok(
      `mutation($id: ID!) { correctStatement(id: $id, input: { text: "We expect fair treatment, and we say so.", cameoCode: "031", reason: "quote checked" }) { version } }`,
      { id: full },
    );
    await source.ok(
      `mutation($id: ID!) { addStatementSource(id: $id, source: { url: "https://example.org/wire/2021-06", outlet: "Wire" }) { version } }`,
      { id: full },
    );
    await source.ok(`mutation($id: ID!) { tagStatement(id: $id, topics: ["sovereignty"]) { version } }`, {
      id: full,
    });
    const reply = randomUUID();
    await source.ok(
      `mutation($input: RecordStatementInput!) { recordStatement(input: $input) { version } }`,
      {
        input: statementInput({
          id: reply,
          occurredOn: '2021-06-05',
          speaker: { name: 'Wang Wenbin', role: 'Spokesperson', country: 'CN' },
          targets: ['TR'],
          text: 'China rejects the remarks.',
        }),
      },
    );
    await source.ok(`mutation($id: ID!, $to: ID!) { linkResponse(id: $id, respondsTo: $to) { version } }`, {
      id: reply,
      to: full,
    });
    const mentioned = randomUUID();
    await source.ok(
      `mutation($input: RecordStatementInput!) { recordStatement(input: $input) { version } }`,
      {
        input: statementInput({
          id: mentioned,
          speaker: { name: 'Sergey Lavrov', country: 'RU' },
          targets: ['US'],
          mentions: ['TR'],
          text: 'Russia notes the talks held in Türkiye.',
        }),
      },
    );
    const retracted = randomUUID();
    await source.ok(
      `mutation($input: RecordStatementInput!) { recordStatement(input: $input) { version } }`,
      { input: statementInput({ id: retracted, text: 'Recorded by mistake.' }) },
    );
    await source.ok(`mutation($id: ID!) { retractStatement(id: $id, reason: "wrong speaker") { version } }`, {
      id: retracted,
    });

    const before = await wholeTimeline(source, 'TR');
    const ids = before.map((edge) => edge.node.id);
    expect(ids).toEqual(expect.arrayContaining([full, reply, mentioned]));
    expect(ids).not.toContain(retracted);

    const response = await source.app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'GET', url: '/exports/timeline.json?country=TR' });
    expect(response.statusCode).toBe(200);
    const { statements } = response.json<{ statements: Record<string, unknown>[] }>();
    expect(statements.map((s) => s.id)).toEqual(ids);
    const ndjson = join(dir, 'timeline-TR.ndjson');
    writeFileSync(ndjson, statements.map((s) => `${JSON.stringify(s)}\n`).join(''));

    const data = join(dir, 'data');
    const imported = await runCli(['import', ndjson, '--format', 'ndjson', '--json', '--no-progress'], {
      COMMUNIQUE_DATA_DIR: data,
      COMMUNIQUE_DEMO: 'false',
    });
    expect({ code: imported.code, stderr: imported.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(imported.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
    expect(report).toMatchObject({ type: 'report', imported: statements.length, rejected: 0, skipped: {} });

    target = await TestApi.start({}, data);
    const after = await wholeTimeline(target, 'TR');
    expect(after).toEqual(before);
    console.log(
      `export round trip: ${statements.length} TR statements exported as JSON and re-imported as NDJSON; the timelines are equal`,
    );

    // the response links came along: the reply still responds to the statement
    const linked = await target.ok<{ statement: { respondsTo: { id: string }[] } }>(LINKS, { id: reply });
    expect(linked.statement.respondsTo).toEqual([{ id: full }]);
    const links = after.filter((edge) => (edge.node.respondsTo as unknown[]).length > 0).length;
    expect(links).toBeGreaterThan(1); // the demo's links to TR statements and the one above
    expect(report.events).toBe(
      statements.length + statements.reduce((n, s) => n + (s.respondsTo as unknown[]).length, 0),
    );
  });
});
