import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStore } from '#event-store';
import { rebuildInto } from '#projections';
import { ReadModel, describeDifference, firstDifference } from '#read-model';
import { RECORD, TestApi, statementInput } from './support/api.js';
import { WsClient } from './support/ws-client.js';

const KEYS = { reader: 'reader-key-of-the-stories-test', editor: 'editor-key-of-the-stories-test' };
const as = (role: keyof typeof KEYS) => ({ authorization: `Bearer ${KEYS[role]}` });

const STORY_FIELDS = `id title summary status version publishedPosition publishedAt embedHtml
  items { statementId headline note
    published { id text occurredOn version }
    current { id text version status }
    changes { kind position recordedAt fields sourceUrl } }`;

const CREATE = `mutation($input: CreateStoryInput!) { createStory(input: $input) { position story { id status version } } }`;
const ADD = `mutation($s: ID!, $st: ID!, $h: String, $n: String) {
  addStoryItem(storyId: $s, statementId: $st, headline: $h, note: $n) { position story { id version items { statementId } } } }`;
const PUBLISH = `mutation($s: ID!) { publishStory(storyId: $s) { position story { ${STORY_FIELDS} } } }`;
const STORY = `query($id: ID!) { story(id: $id) { ${STORY_FIELDS} } }`;

interface Story {
  id: string;
  title: string;
  status: string;
  version: number;
  publishedPosition: string | null;
  embedHtml: string | null;
  items: {
    statementId: string;
    headline: string | null;
    note: string | null;
    published: { text: string; version: number } | null;
    current: { text: string; version: number; status: string } | null;
    changes: { kind: string; fields: string[]; sourceUrl: string | null }[];
  }[];
}

describe('stories: a journalist builds, publishes and is told of corrections', () => {
  let api: TestApi;
  const statements: string[] = [];
  let storyId = '';

  const gql = <T>(query: string, variables: Record<string, unknown>, role: keyof typeof KEYS = 'editor') =>
    api.gql<T>(query, variables, as(role));
  const ok = async <T>(
    query: string,
    variables: Record<string, unknown>,
    role: keyof typeof KEYS = 'editor',
  ) => {
    const response = await gql<T>(query, variables, role);
    if (response.errors?.length || !response.data) throw new Error(JSON.stringify(response.errors));
    return response.data;
  };
  const get = (url: string, headers: Record<string, string> = {}) =>
    api.app.getHttpAdapter().getInstance().inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    api = await TestApi.start({
      COMMUNIQUE_API_KEYS: Object.entries(KEYS)
        .map(([role, key]) => `${role}-holder:${role}:${key}`)
        .join(','),
    });
    for (const [index, text] of [
      'Xinjiang policy is an internal affair',
      'We urge respect for the <b>Uyghurs</b> & their rights',
      'Talks on trade will continue',
    ].entries()) {
      const { recordStatement } = await ok<{ recordStatement: { statement: { id: string } } }>(RECORD, {
        input: statementInput({ occurredOn: `2019-0${3 - index}-10`, text }),
      });
      statements.push(recordStatement.statement.id);
    }
  });

  afterAll(async () => {
    await api.stop();
  });

  it('creates a draft that editors see and readers do not', async () => {
    const created = await ok<{ createStory: { story: { id: string; status: string; version: number } } }>(
      CREATE,
      { input: { title: 'Turkey & China <on> Xinjiang', summary: 'Who said what' } },
    );
    expect(created.createStory.story).toMatchObject({ status: 'DRAFT', version: 1 });
    storyId = created.createStory.story.id;
    const asReader = await ok<{ story: Story | null }>(STORY, { id: storyId }, 'reader');
    expect(asReader.story).toBeNull();
    const drafts = await gql(`{ stories(status: DRAFT) { totalCount } }`, {}, 'reader');
    expect(drafts.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const listed = await ok<{ stories: { totalCount: number } }>(`{ stories { totalCount } }`, {}, 'reader');
    expect(listed.stories.totalCount).toBe(0);
    const mine = await ok<{ stories: { totalCount: number } }>(
      `{ stories(status: DRAFT) { totalCount } }`,
      {},
    );
    expect(mine.stories.totalCount).toBe(1);
  });

  it("adds statements with the author's words, and lists them in the order they were said", async () => {
    for (const [index, statementId] of statements.entries()) {
      await ok(ADD, {
        s: storyId,
        st: statementId,
        h: index === 0 ? 'Beijing replies' : null,
        n: `note ${index}`,
      });
    }
    // adding again with the same words changes nothing
    const again = await ok<{ addStoryItem: { story: { version: number } } }>(ADD, {
      s: storyId,
      st: statements[2],
      n: 'note 2',
    });
    expect(again.addStoryItem.story.version).toBe(4);
    const { story } = await ok<{ story: Story }>(STORY, { id: storyId });
    // said on 2019-03-10, 2019-02-10, 2019-01-10: date order is the reverse of the order they were added
    expect(story.items.map((i) => i.statementId)).toEqual([...statements].reverse());
    expect(story.items.map((i) => i.published)).toEqual([null, null, null]);
    expect(story.items[2]).toMatchObject({ headline: 'Beijing replies', note: 'note 0' });
    expect(story.embedHtml).toBeNull();
  });

  it('refuses bad input naming the field, and unknown statements and stories', async () => {
    const badStory = await gql(ADD, { s: 'not-a-uuid', st: statements[0] });
    expect(badStory.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'storyId' });
    const missing = await gql(ADD, { s: '00000000-0000-4000-8000-000000000000', st: statements[0] });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const unknown = await gql(ADD, { s: storyId, st: '00000000-0000-4000-8000-000000000001' });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const badStatement = await gql(ADD, { s: storyId, st: 'x' });
    expect(badStatement.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'statementId',
    });
    const longTitle = await gql(
      `mutation($s: ID!, $t: String!) { retitleStory(storyId: $s, title: $t) { position } }`,
      {
        s: storyId,
        t: 'x'.repeat(201),
      },
    );
    expect(longTitle.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'title' });
    const bidi = await gql(CREATE, { input: { title: 'abc\u202Edef' } });
    expect(bidi.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.title' });
    const conflict = await gql(ADD, { s: storyId, st: statements[0], n: 'other words' });
    expect(conflict.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const readerWrites = await gql(CREATE, { input: { title: 'no' } }, 'reader');
    expect(readerWrites.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const empty = await ok<{ createStory: { story: { id: string } } }>(CREATE, { input: { title: 'Empty' } });
    const publishEmpty = await gql(PUBLISH, { s: empty.createStory.story.id });
    expect(publishEmpty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'storyId' });
  });

  it('publishes: readers see each statement as it stood, then a correction notice beside it', async () => {
    const published = await ok<{ publishStory: { position: string; story: Story } }>(PUBLISH, { s: storyId });
    expect(published.publishStory.story).toMatchObject({
      status: 'PUBLISHED',
      publishedPosition: published.publishStory.position,
    });
    expect(published.publishStory.story.embedHtml).toContain(`/stories/${storyId}"`);
    expect(published.publishStory.story.embedHtml).toMatch(/^<iframe /);
    expect(published.publishStory.story.embedHtml).toContain(
      'title="Turkey &amp; China &lt;on&gt; Xinjiang"',
    );

    // correct the first statement, add a source to the second, retract the third
    await ok(
      `mutation($id: ID!) { correctStatement(id: $id, input: { text: "Xinjiang policy is purely an internal affair", reason: "wording checked against the transcript" }) { version } }`,
      { id: statements[0] },
    );
    await ok(
      `mutation($id: ID!) { addStatementSource(id: $id, source: { url: "https://example.org/second" }) { version } }`,
      { id: statements[1] },
    );
    await ok(`mutation($id: ID!) { retractStatement(id: $id, reason: "duplicate") { version } }`, {
      id: statements[2],
    });

    const { story } = await ok<{ story: Story }>(STORY, { id: storyId }, 'reader');
    const byId = new Map(story.items.map((i) => [i.statementId, i]));
    const corrected = byId.get(statements[0]);
    expect(corrected?.published?.text).toBe('Xinjiang policy is an internal affair');
    expect(corrected?.current?.text).toBe('Xinjiang policy is purely an internal affair');
    expect(corrected?.changes).toEqual([expect.objectContaining({ kind: 'CORRECTED', fields: ['text'] })]);
    expect(byId.get(statements[1])?.changes).toEqual([
      expect.objectContaining({ kind: 'SOURCE_ADDED', sourceUrl: 'https://example.org/second' }),
    ]);
    expect(byId.get(statements[2])?.changes.map((c) => c.kind)).toEqual(['RETRACTED']);
    expect(byId.get(statements[2])?.current?.status).toBe('RETRACTED');

    // the reason is the editors'
    const reasons = await gql(
      `query($id: ID!) { story(id: $id) { items { changes { reason } } } }`,
      { id: storyId },
      'reader',
    );
    expect(reasons.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const editorReasons = await ok<{ story: { items: { changes: { reason: string | null }[] }[] } }>(
      `query($id: ID!) { story(id: $id) { items { changes { reason } } } }`,
      { id: storyId },
    );
    expect(editorReasons.story.items.flatMap((i) => i.changes.map((c) => c.reason))).toContain(
      'wording checked against the transcript',
    );
  });

  it('serves the public page with the published wording and the notices, escaped, and embeddable', async () => {
    const page = await get(`/stories/${storyId}`, as('reader'));
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain('frame-ancestors *');
    expect(page.body).toContain('Xinjiang policy is an internal affair');
    expect(page.body).toContain('Correction notice.');
    expect(page.body).toMatch(/Corrected on \d{4}-\d{2}-\d{2} \(text\) after this story was published/);
    expect(page.body).toContain('Retracted on');
    expect(page.body).toContain('Xinjiang policy is purely an internal affair'); // the current version, linked
    expect(page.body).toContain('&lt;b&gt;Uyghurs&lt;/b&gt; &amp;');
    expect(page.body).not.toContain('<b>Uyghurs</b>');
    expect(page.body).toContain('Turkey &amp; China &lt;on&gt; Xinjiang');
    expect(page.body).not.toContain('transcript'); // reasons are not on the public page
  });

  it('exports the story as TimelineJS, CSV and JSON; refuses unknown formats and hides drafts', async () => {
    const tl = await get(`/stories/${storyId}/export?format=timelinejs`, as('reader'));
    expect(tl.statusCode).toBe(200);
    const timeline = tl.json() as {
      title: { text: { headline: string } };
      events: { text: { headline: string; text: string } }[];
    };
    expect(timeline.title.text.headline).toBe('Turkey &amp; China &lt;on&gt; Xinjiang');
    expect(timeline.events).toHaveLength(3);
    expect(timeline.events[2]?.text.headline).toBe('Beijing replies');
    expect(timeline.events.some((e) => e.text.text.includes('Correction notice'))).toBe(true);
    const csv = await get(`/stories/${storyId}/export?format=csv`, as('reader'));
    expect(csv.body.split('\r\n').filter(Boolean)).toHaveLength(4);
    const json = (await get(`/stories/${storyId}/export?format=json`, as('reader'))).json() as {
      items: { published: { text: string }; current: { text: string }; notices: string[] }[];
    };
    expect(json.items.map((i) => i.published.text)).toContain('Xinjiang policy is an internal affair');
    expect(json.items.flatMap((i) => i.notices).length).toBe(3);
    const bad = await get(`/stories/${storyId}/export?format=xml`, as('reader'));
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'BAD_USER_INPUT', parameter: 'format' });
    const draft = await ok<{ createStory: { story: { id: string } } }>(CREATE, {
      input: { title: 'Secret draft' },
    });
    expect((await get(`/stories/${draft.createStory.story.id}`, as('reader'))).statusCode).toBe(404);
    expect((await get(`/stories/${draft.createStory.story.id}/export`, as('reader'))).statusCode).toBe(404);
    expect((await get(`/stories/..%2F..%2Fetc`, as('reader'))).statusCode).toBe(404);
    // public reads: anyone may read a published story; a wrong key is refused as on every read door
    expect((await get(`/stories/${storyId}`)).statusCode).toBe(200);
    expect((await get(`/stories/${storyId}`, { authorization: 'Bearer wrong' })).statusCode).toBe(401);
    expect((await api.gql('{ __typename }')).data).toBeDefined(); // still up
  });

  it('keeps what readers see until the author publishes again', async () => {
    await ok(`mutation($s: ID!, $t: String!) { retitleStory(storyId: $s, title: $t) { position } }`, {
      s: storyId,
      t: 'A new title',
    });
    const reader = await ok<{ story: { title: string } }>(
      `query($id: ID!) { story(id: $id) { title } }`,
      { id: storyId },
      'reader',
    );
    expect(reader.story.title).toBe('Turkey & China <on> Xinjiang');
    const editor = await ok<{ story: { draft: { title: string; hasUnpublishedChanges: boolean } } }>(
      `query($id: ID!) { story(id: $id) { draft { title hasUnpublishedChanges } } }`,
      { id: storyId },
    );
    expect(editor.story.draft).toEqual({ title: 'A new title', hasUnpublishedChanges: true });
    const draftAsReader = await gql(
      `query($id: ID!) { story(id: $id) { draft { title } } }`,
      { id: storyId },
      'reader',
    );
    expect(draftAsReader.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('pages stories both ways without repeats or gaps', async () => {
    for (let i = 0; i < 5; i++) await ok(CREATE, { input: { title: `Story ${i}` } });
    const all = await ok<{ stories: { totalCount: number; edges: { node: { id: string } }[] } }>(
      `{ stories(first: 100) { totalCount edges { node { id } } } }`,
      {},
    );
    const ids = all.stories.edges.map((e) => e.node.id);
    expect(ids).toHaveLength(all.stories.totalCount);
    const forward: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: {
        stories: {
          edges: { node: { id: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      } = await ok(
        `query($a: String) { stories(first: 3, after: $a) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
        { a: after },
      );
      forward.push(...page.stories.edges.map((e) => e.node.id));
      if (!page.stories.pageInfo.hasNextPage) break;
      after = page.stories.pageInfo.endCursor;
    }
    expect(forward).toEqual(ids);
    const backward: string[] = [];
    let before: string | null = null;
    for (;;) {
      const page: {
        stories: {
          edges: { node: { id: string } }[];
          pageInfo: { hasPreviousPage: boolean; startCursor: string | null };
        };
      } = await ok(
        `query($b: String) { stories(last: 3, before: $b) { edges { node { id } } pageInfo { hasPreviousPage startCursor } } }`,
        { b: before },
      );
      backward.unshift(...page.stories.edges.map((e) => e.node.id));
      if (!page.stories.pageInfo.hasPreviousPage) break;
      before = page.stories.pageInfo.startCursor;
    }
    expect(backward).toEqual(ids);
    const badCursor = await gql(`{ stories(after: "bm90LWEtY3Vyc29y") { totalCount } }`, {});
    expect(badCursor.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('tells the author over WebSocket when a statement of her published story changes', async () => {
    await api.app.listen(0, '127.0.0.1');
    const client = await WsClient.connect(await api.app.getUrl(), 'graphql-transport-ws', {
      init: { authorization: `Bearer ${KEYS.editor}` },
    });
    try {
      client.subscribe(
        's',
        `subscription($s: ID!) { storyStatementChanged(storyId: $s) { statementId published { text } current { text } changes { kind fields } } }`,
        { s: storyId },
      );
      client.subscribe(
        'other',
        `subscription { storyStatementChanged(storyId: "00000000-0000-4000-8000-000000000009") { statementId } }`,
      );
      // subscriptions are set up asynchronously: keep correcting until one is delivered
      let attempt = 0;
      const deadline = Date.now() + 15000;
      while (client.data('s').length === 0 && Date.now() < deadline) {
        await ok(
          `mutation($id: ID!, $t: String!) { correctStatement(id: $id, input: { text: $t, reason: "again" }) { version } }`,
          {
            id: statements[1],
            t: `We urge respect, version ${attempt++}`,
          },
        );
        await client.waitFor((m) => m.id === 's', 500).catch(() => undefined);
      }
      const item = (
        client.data('s')[0]?.payload as {
          data: {
            storyStatementChanged: {
              statementId: string;
              published: { text: string };
              current: { text: string };
              changes: { kind: string; fields: string[] }[];
            };
          };
        }
      ).data.storyStatementChanged;
      expect(item.statementId).toBe(statements[1]);
      expect(item.published.text).toBe('We urge respect for the <b>Uyghurs</b> & their rights');
      expect(item.current.text).toMatch(/^We urge respect, version \d+$/);
      expect(item.changes.at(-1)).toEqual({ kind: 'CORRECTED', fields: ['text'] });
      expect(client.data('other')).toHaveLength(0);
    } finally {
      client.socket.close();
    }
  });

  it('a rebuild from the log reproduces the story tables row for row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'communique-stories-rebuild-'));
    try {
      const file = join(dir, 'rebuilt.db');
      await rebuildInto(api.app.get(EventStore), file);
      const rebuilt = ReadModel.open(file);
      try {
        const live = api.app.get(ReadModel);
        const difference = firstDifference(live, rebuilt);
        expect(difference === undefined ? undefined : describeDifference(difference)).toBeUndefined();
        expect([...live.rows('stories')].length).toBeGreaterThan(5);
        expect([...live.rows('story_members')].length).toBe(3);
      } finally {
        rebuilt.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
