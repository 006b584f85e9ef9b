import { createHash, randomUUID } from 'node:crypto';
import { ReadModel } from '#read-model';
import { RECORD, TestApi, statementInput, type GraphQLResponse } from './support/api.js';

const READER_KEY = 'reader-key-0123456789abcdef';
const EDITOR_KEY = 'editor-key-0123456789abcdef';
const AUDITOR_KEY = 'auditor-key-0123456789abcdef';
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Keys in both forms: plain for the reader and auditor, hashed for the editor. */
const KEYS = [
  `ria:reader:${READER_KEY}`,
  `eddie:editor:sha256:${sha256(EDITOR_KEY)}`,
  `audrey:auditor:${AUDITOR_KEY}`,
].join(',');

const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });
const codes = (response: GraphQLResponse): unknown[] =>
  (response.errors ?? []).map((e) => e.extensions?.code);

const HISTORY = `query($id: ID!) { statement(id: $id) { history { type recordedBy } } }`;

describe('keys and roles', () => {
  let api: TestApi;
  afterEach(async () => {
    await api.stop();
  });

  it('a mutation without a key is UNAUTHENTICATED, with a reader key FORBIDDEN, with an editor key it succeeds and history names the key', async () => {
    api = await TestApi.start({ COMMUNIQUE_API_KEYS: KEYS });
    const id = randomUUID();
    const input = statementInput({ id });

    const anonymous = await api.gql(RECORD, { input });
    expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
    expect(anonymous.errors?.[0].message).toMatch(/needs an API key with role editor/);

    const reader = await api.gql(RECORD, { input }, bearer(READER_KEY));
    expect(codes(reader)).toEqual(['FORBIDDEN']);
    expect(reader.errors?.[0].message).toMatch(/"ria" has role reader; this needs editor/);

    const editor = await api.gql<{ recordStatement: { version: number } }>(
      RECORD,
      { input },
      bearer(EDITOR_KEY),
    );
    expect(editor.errors).toBeUndefined();
    expect(editor.data?.recordStatement.version).toBe(1);

    // the auditor role includes editing
    const tagged = await api.gql(
      'mutation($id: ID!) { tagStatement(id: $id, topics: ["audit"]) { version } }',
      { id },
      bearer(AUDITOR_KEY),
    );
    expect(tagged.errors).toBeUndefined();

    // reads are public by default, but who recorded an event is for auditors (docs/SECURITY.md, access matrix)
    const anonymousHistory = await api.gql(HISTORY, { id });
    expect(codes(anonymousHistory)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED']);
    const readerHistory = await api.gql(HISTORY, { id }, bearer(READER_KEY));
    expect(codes(readerHistory)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    const history = await api.gql<{ statement: { history: { type: string; recordedBy: string }[] } }>(
      HISTORY,
      { id },
      bearer(AUDITOR_KEY),
    );
    expect(history.data?.statement.history).toEqual([
      { type: 'StatementRecorded', recordedBy: 'eddie' },
      { type: 'StatementTopicsTagged', recordedBy: 'audrey' },
    ]);
    // nothing was written by the refused calls
    expect(api.app.get(ReadModel).statement(id)?.version).toBe(2);
  });

  it('the global events feed needs the auditor role: without a key UNAUTHENTICATED, with a reader or editor key FORBIDDEN, with an auditor key it answers', async () => {
    api = await TestApi.start({ COMMUNIQUE_API_KEYS: KEYS });
    const recorded = await api.gql(RECORD, { input: statementInput() }, bearer(EDITOR_KEY));
    expect(recorded.errors).toBeUndefined();
    const FEED = '{ events(first: 5) { edges { position type recordedBy } pageInfo { hasNextPage } } }';

    const anonymous = await api.gql(FEED);
    expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
    expect(anonymous.data?.events ?? null).toBeNull();
    for (const [key, name, role] of [
      [READER_KEY, 'ria', 'reader'],
      [EDITOR_KEY, 'eddie', 'editor'],
    ]) {
      const refused = await api.gql(FEED, {}, bearer(key));
      expect(codes(refused)).toEqual(['FORBIDDEN']);
      expect(refused.errors?.[0].message).toContain(`"${name}" has role ${role}; this needs auditor`);
      expect(refused.data?.events ?? null).toBeNull();
    }

    const auditor = await api.gql<{
      events: {
        edges: { position: string; type: string; recordedBy: string }[];
        pageInfo: { hasNextPage: boolean };
      };
    }>(FEED, {}, bearer(AUDITOR_KEY));
    expect(auditor.errors).toBeUndefined();
    expect(auditor.data?.events).toEqual({
      edges: [{ position: '1', type: 'StatementRecorded', recordedBy: 'eddie' }],
      pageInfo: { hasNextPage: false },
    });
  });

  it('an unknown or malformed key is UNAUTHENTICATED even where no key is needed', async () => {
    api = await TestApi.start({ COMMUNIQUE_API_KEYS: KEYS });
    const unknown = await api.gql('{ topics { topic } }', {}, bearer('not-a-configured-key-at-all'));
    expect(codes(unknown)).toEqual(['UNAUTHENTICATED']);
    expect(unknown.errors?.[0].message).toMatch(/not known/);
    const malformed = await api.gql('{ topics { topic } }', {}, { authorization: `Basic ${READER_KEY}` });
    expect(codes(malformed)).toEqual(['UNAUTHENTICATED']);
    expect(malformed.errors?.[0].message).toMatch(/Bearer <key>/);
    expect((await api.gql('{ topics { topic } }')).errors).toBeUndefined();
  });

  it('with COMMUNIQUE_PUBLIC_READS=false a query needs a key, and a reader key is enough', async () => {
    api = await TestApi.start({ COMMUNIQUE_API_KEYS: KEYS, COMMUNIQUE_PUBLIC_READS: 'false' });
    expect(codes(await api.gql('{ topics { topic } }'))).toEqual(['UNAUTHENTICATED']);
    const read = await api.gql('{ topics { topic } }', {}, bearer(READER_KEY));
    expect(read.errors).toBeUndefined();
    expect(read.data).toEqual({ topics: [] });
  });

  it('bound to a non-loopback address without keys, it refuses mutations and says why, and still answers queries', async () => {
    api = await TestApi.start({ HOST: '0.0.0.0' });
    const refused = await api.gql(RECORD, { input: statementInput() });
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    expect(refused.errors?.[0].message).toMatch(/non-loopback address and no API keys are configured/);
    expect((await api.gql('{ topics { topic } }')).errors).toBeUndefined();
    expect(api.app.get(ReadModel).topics(undefined, 10)).toEqual([]);
  });

  it('on a loopback address without keys (a developer machine) everything runs as "anonymous"', async () => {
    api = await TestApi.start();
    const id = randomUUID();
    expect((await api.gql(RECORD, { input: statementInput({ id }) })).errors).toBeUndefined();
    const history = await api.ok<{ statement: { history: { recordedBy: string }[] } }>(HISTORY, { id });
    expect(history.statement.history.map((e) => e.recordedBy)).toEqual(['anonymous']);
  });
});
