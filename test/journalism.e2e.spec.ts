import { RECORD, TestApi, statementInput } from './support/api.js';

interface Recorded {
  recordStatement: { position: string; statement: { id: string } };
}

const SEARCH = `query($query: String!, $filter: TimelineFilter, $first: Int, $after: String) {
  searchStatements(query: $query, filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id text speaker { name } } }
  }
}`;

describe('search, dashboards, exports and the timeline page', () => {
  let api: TestApi;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    api = await TestApi.start();
    const record = async (name: string, overrides: Record<string, unknown>) => {
      const { recordStatement } = await api.ok<Recorded>(RECORD, { input: statementInput(overrides) });
      ids[name] = recordStatement.statement.id;
    };
    await record('quote', {
      occurredOn: '2019-02-10',
      speaker: { name: 'Hami Aksoy', role: 'Spokesperson', country: 'TR' },
      targets: ['CN'],
      cameoCode: '111',
      kind: 'DISAPPROVE',
      attribution: 'DIRECT_QUOTE',
      text: 'The "re-education camps" are a great shame, for humanity, & a <b>tragedy</b>',
      sources: [{ url: 'https://example.org/mfa/2019-02-09', outlet: 'MFA, Turkey' }],
    });
    await record('reply', {
      occurredOn: '2019-02',
      speaker: { name: 'Hua Chunying', role: 'Spokesperson', country: 'CN' },
      targets: ['TR'],
      cameoCode: '012',
      text: 'We firmly oppose the absurd statement on Xinjiang',
    });
    await record('later', { occurredOn: '2020', targets: ['TR'], text: 'Cooperation on trade continues' });
  });

  afterAll(async () => {
    await api.stop();
  });

  const get = (url: string) => api.app.getHttpAdapter().getInstance().inject({ method: 'GET', url });

  it('searchStatements finds text and speaker words, ranks, filters and pages', async () => {
    const data = await api.ok<{
      searchStatements: { totalCount: number; edges: { node: { id: string } }[] };
    }>(SEARCH, { query: 'spokesperson' });
    expect(data.searchStatements.totalCount).toBe(2);
    const phrase = await api.ok<{ searchStatements: { edges: { node: { id: string } }[] } }>(SEARCH, {
      query: '"great shame"',
    });
    expect(phrase.searchStatements.edges.map((e) => e.node.id)).toEqual([ids.quote]);
    const filtered = await api.ok<{ searchStatements: { totalCount: number } }>(SEARCH, {
      query: 'spokesperson',
      filter: { kinds: ['DISAPPROVE'], from: '2019-02-01' },
    });
    expect(filtered.searchStatements.totalCount).toBe(1);
    const firstPage = await api.ok<{
      searchStatements: {
        pageInfo: { hasNextPage: boolean; endCursor: string };
        edges: { node: { id: string } }[];
      };
    }>(SEARCH, { query: 'spokesperson', first: 1 });
    expect(firstPage.searchStatements.pageInfo.hasNextPage).toBe(true);
    const next = await api.ok<{ searchStatements: { edges: { node: { id: string } }[] } }>(SEARCH, {
      query: 'spokesperson',
      first: 1,
      after: firstPage.searchStatements.pageInfo.endCursor,
    });
    expect(next.searchStatements.edges).toHaveLength(1);
    expect(next.searchStatements.edges[0]?.node.id).not.toBe(firstPage.searchStatements.edges[0]?.node.id);
  });

  it('searchStatements rejects an empty query with BAD_USER_INPUT naming query, and survives FTS syntax', async () => {
    const empty = await api.gql(SEARCH, { query: '  ' });
    expect(empty.errors?.[0]?.extensions).toEqual(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'query' }),
    );
    const tooLong = await api.gql(SEARCH, { query: 'x'.repeat(500) });
    expect(tooLong.errors?.[0]?.extensions).toEqual(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'query' }),
    );
    const syntax = await api.gql(SEARCH, { query: 'NEAR(a b) OR "unclosed AND text:x' });
    expect(syntax.errors).toBeUndefined();
  });

  it('activity buckets by month (year-only dates in their own year bucket) and needs exactly one of country and topic', async () => {
    const data = await api.ok<{
      activity: { period: string; count: number; byKind: { kind: string; count: number }[] }[];
    }>(`{ activity(country: "TUR", interval: MONTH) { period count byKind { kind count } meanGoldstein } }`);
    expect(data.activity.map((b) => [b.period, b.count])).toEqual([
      ['2019-02', 2],
      ['2020', 1],
    ]);
    const both = await api.gql(`{ activity(country: "TR", topic: "testing") { period } }`);
    expect(both.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const none = await api.gql(`{ activity { period } }`);
    expect(none.errors?.[0]?.extensions).toEqual(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'country' }),
    );
    const badDate = await api.gql(`{ activity(topic: "testing", from: "2019-13") { period } }`);
    expect(badDate.errors?.[0]?.extensions).toEqual(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'from' }),
    );
  });

  it('reads topic arguments by the slug rule they were stored by, on every query that takes one', async () => {
    const slug = await api.ok<{ topicTimeline: { totalCount: number } }>(
      `{ topicTimeline(topic: " Testing ") { totalCount } }`,
    );
    expect(slug.topicTimeline.totalCount).toBeGreaterThan(0);
    for (const [query, field] of [
      [`{ topicTimeline(topic: "not a slug") { totalCount } }`, 'topic'],
      [
        `{ countryTimeline(country: "TR", filter: { topics: ["ok", "not ok"] }) { totalCount } }`,
        'filter.topics.1',
      ],
      [`{ searchStatements(query: "camps", filter: { topics: ["x!"] }) { totalCount } }`, 'filter.topics.0'],
      [`{ activity(topic: "two words") { period } }`, 'topic'],
      [`{ topics(prefix: "what?") { topic } }`, 'prefix'],
    ] as const) {
      const answer = await api.gql(query);
      expect(answer.errors?.[0]?.extensions).toEqual(
        expect.objectContaining({ code: 'BAD_USER_INPUT', field }),
      );
    }
  });

  it('relations list each counterpart with both directions', async () => {
    const data = await api.ok<{ relations: { counterpart: string; outgoing: number; incoming: number }[] }>(
      `{ relations(country: "TR") { counterpart outgoing incoming byKind { kind count } meanGoldstein } }`,
    );
    expect(data.relations).toEqual([
      {
        counterpart: 'CN',
        outgoing: 1,
        incoming: 2,
        byKind: expect.any(Array),
        meanGoldstein: expect.any(Number),
      },
    ]);
  });

  it('exports CSV with the TimelineJS columns, RFC 4180 quoting, attribution and source links', async () => {
    const response = await get('/exports/timeline.csv?country=TR&from=2019&to=2019');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.headers['content-disposition']).toBe('attachment; filename="timeline-TR-2019-2019.csv"');
    const lines = response.body.split('\r\n');
    expect(lines[0]).toBe(
      'Year,Month,Day,Time,End Year,End Month,End Day,End Time,Display Date,Headline,Text,Media,Media Credit,' +
        'Media Caption,Media Thumbnail,Type,Group,Background',
    );
    expect(lines[1]).toMatch(/^2019,2,,/); // "2019-02" sorts first: no day
    const quoteRow = lines[2] ?? '';
    expect(quoteRow).toMatch(/^2019,2,10,/);
    expect(quoteRow).toContain('&quot;re-education camps&quot;');
    expect(quoteRow).toContain('&lt;b&gt;tragedy&lt;/b&gt;');
    expect(quoteRow).toContain('<blockquote>');
    expect(quoteRow).toContain('Direct quote');
    expect(quoteRow).toContain(
      '<a href=""https://example.org/mfa/2019-02-09"" rel=""noopener noreferrer"">MFA, Turkey</a>',
    );
    expect(lines).toHaveLength(4); // header, two rows, and the empty string after the last CRLF
  });

  it('exports JSON in the recordStatement shape and TimelineJS JSON', async () => {
    const json = await get('/exports/timeline.json?topic=testing');
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.headers['content-disposition']).toBe('attachment; filename="timeline-testing.json"');
    const body = json.json<{ topic: string; statements: Record<string, unknown>[] }>();
    expect(body.topic).toBe('testing');
    expect(body.statements.map((s) => s.id)).toEqual([ids.reply, ids.quote, ids.later]);
    expect(body.statements[1]).toEqual(
      expect.objectContaining({
        occurredOn: '2019-02-10',
        speaker: { name: 'Hami Aksoy', role: 'Spokesperson', country: 'TR' },
        speakerCountry: 'TR',
        targets: ['CN'],
        cameoCode: '111',
        attribution: 'DIRECT_QUOTE',
        sources: [{ url: 'https://example.org/mfa/2019-02-09', outlet: 'MFA, Turkey' }],
        status: 'ACTIVE',
        version: 1,
      }),
    );

    const tl = await get('/exports/timeline.timelinejs.json?country=CN');
    const events = tl.json<{
      events: { start_date: Record<string, number>; text: { headline: string; text: string } }[];
    }>().events;
    expect(events.map((e) => e.start_date)).toEqual([
      { year: 2019, month: 2 },
      { year: 2019, month: 2, day: 10 },
      { year: 2020 },
    ]);
    // headlines name the countries and what was done (issue 13); the speaker is in the detail
    expect(events[1]?.text.headline).toBe('Türkiye → China: criticizes or denounces');
    expect(events[1]?.text.text).toContain('Hami Aksoy');
  });

  it('answers a bad export request with 400 and a JSON body naming the parameter', async () => {
    for (const [url, parameter] of [
      ['/exports/timeline.csv', 'country'],
      ['/exports/timeline.csv?country=TR&topic=x', 'topic'],
      ['/exports/timeline.json?country=Atlantis', 'country'],
      ['/exports/timeline.timelinejs.json?country=TR&from=2019-02-30', 'from'],
    ] as const) {
      const response = await get(url);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(expect.objectContaining({ error: 'BAD_USER_INPUT', parameter }));
    }
  });

  it('serves the timeline page with a CSP, escaped content, a chart and TimelineJS from the service', async () => {
    const page = await get('/timeline?country=TR');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
    expect(page.body).toContain('<title>Timeline: Türkiye (TR) · Communiqué</title>');
    expect(page.body).toContain('<svg');
    expect(page.body).toContain('src="/assets/timelinejs/js/timeline.js"');
    // nothing from elsewhere in the markup; the embedded data's source links are data, not loaded
    const markup = page.body.replace(/<script type="application\/json"[^>]*>[^<]*<\/script>/, '');
    expect(markup).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    const script = await get('/assets/timelinejs/js/timeline.js');
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect((await get('/assets/timelinejs/css/timeline.css')).statusCode).toBe(200);
    expect((await get('/assets/timelinejs/js/locale/en.json')).statusCode).toBe(200);
    expect((await get('/assets/timelinejs/../../package.json')).statusCode).toBe(404);
    expect((await get('/assets/timelinejs/%2e%2e/%2e%2e/package.json')).statusCode).toBe(404);

    const topic = await get('/timeline?topic=Testing&from=2019');
    expect(topic.statusCode).toBe(200);
    expect(topic.body).toContain('<h1>topic testing</h1>');
    // the page carries its data (a script data block) and links to the same data as a file
    expect(topic.body).toContain('href="/exports/timeline.timelinejs.json?topic=testing&amp;from=2019"');
    expect(topic.body).toContain('<script type="application/json" id="timeline-data">{"events":[');
    const empty = await get('/timeline?topic=nothing-here');
    expect(empty.body).toContain('No statements on this timeline yet.');
    expect(empty.body).not.toContain('timeline-embed');

    const bad = await get('/timeline?country=%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^text\/html/);
    expect(bad.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(bad.body).not.toContain('<script>alert(1)');
  });
});
