import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { getNamedType, isLeafType, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import {
  ACCESS_MATRIX,
  schemaFields,
  undecidedFields,
  type FieldAccess,
} from '../../apps/api/src/security/access-matrix.js';
import { authenticate } from '../../apps/api/src/security/access.js';
import { ROLES, type Role } from '#runtime';
import { RECORD, TestApi, statementInput, type GraphQLResponse } from '../support/api.js';
import { ROOT } from '../support/server-process.js';

/** The access matrix as docs/SECURITY.md states it: `Type.field` -> what it needs. */
function documentedMatrix(): Record<string, FieldAccess> {
  const text = readFileSync(join(ROOT, 'docs', 'SECURITY.md'), 'utf8');
  const start = text.indexOf('<!-- access-matrix:start');
  const end = text.indexOf('<!-- access-matrix:end -->');
  if (start < 0 || end < start) throw new Error('docs/SECURITY.md has no access-matrix table');
  const matrix: Record<string, FieldAccess> = {};
  for (const line of text.slice(start, end).split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const [, type, fields, needs] = cells;
    if (!type?.startsWith('`') || fields === undefined || needs === undefined) continue;
    if (needs !== 'read' && !(ROLES as readonly string[]).includes(needs))
      throw new Error(`docs/SECURITY.md: "${needs}" is not read or a role (${line})`);
    for (const field of fields.split(',')) {
      matrix[`${type.replaceAll('`', '')}.${field.trim().replaceAll('`', '')}`] = needs as FieldAccess;
    }
  }
  return matrix;
}

type Who = 'anonymous' | Role;
const WHO: readonly Who[] = ['anonymous', ...ROLES];
const KEY_OF: Record<Role, string> = {
  reader: 'matrix-reader-key-0123456789',
  editor: 'matrix-editor-key-0123456789',
  auditor: 'matrix-auditor-key-0123456789',
  admin: 'matrix-admin-key-0123456789',
};
const KEYS = ROLES.map((role) => `${role}-key:${role}:${KEY_OF[role]}`).join(',');
const headersOf = (who: Who): Record<string, string> =>
  who === 'anonymous' ? {} : { authorization: `Bearer ${KEY_OF[who]}` };

/** Whether `who` meets `access` with COMMUNIQUE_PUBLIC_READS as given. */
function meets(who: Who, access: FieldAccess, publicReads: boolean): boolean {
  if (access === 'read') return publicReads || who !== 'anonymous';
  return who !== 'anonymous' && ROLES.indexOf(who) >= ROLES.indexOf(access);
}

const UNKNOWN = '00000000-0000-4000-8000-00000000beef';

/** How a test reaches a type: the operation and the root field that leads to it, around a selection. */
interface Path {
  operation: 'query' | 'mutation';
  root: string;
  wrap: (selection: string) => string;
}

function paths(id: string, storyId: string): Record<string, Path> {
  const q = (root: string, wrap: (s: string) => string): Path => ({ operation: 'query', root, wrap });
  const statement = (inner: (s: string) => string) =>
    q('Query.statement', (s) => `statement(id: "${id}") { ${inner(s)} }`);
  const timeline = (inner: (s: string) => string) =>
    q('Query.countryTimeline', (s) => `countryTimeline(country: "TR") { ${inner(s)} }`);
  return {
    Statement: statement((s) => s),
    Actor: statement((s) => `speaker { ${s} }`),
    Place: statement((s) => `location { ${s} }`),
    Source: statement((s) => `sources { ${s} }`),
    StatementEvent: statement((s) => `history { ${s} }`),
    StatementConnection: timeline((s) => s),
    StatementEdge: timeline((s) => `edges { ${s} }`),
    PageInfo: timeline((s) => `pageInfo { ${s} }`),
    TopicCount: q('Query.topics', (s) => `topics { ${s} }`),
    ProjectionStatus: q('Query.projections', (s) => `projections { ${s} }`),
    EventConnection: q('Query.events', (s) => `events(first: 2) { ${s} }`),
    ActivityBucket: q('Query.activity', (s) => `activity(country: "TR") { ${s} }`),
    KindCount: q('Query.activity', (s) => `activity(country: "TR") { byKind { ${s} } }`),
    CountryRelation: q('Query.relations', (s) => `relations(country: "TR") { ${s} }`),
    Story: q('Query.story', (s) => `story(id: "${storyId}") { ${s} }`),
    // the working copy is reached through Story.draft (editor): probe it where the root needs editor too
    StoryDraft: {
      operation: 'mutation',
      root: 'Mutation.retitleStory',
      wrap: (s) =>
        `retitleStory(storyId: "${storyId}", title: "Matrix ${randomUUID().slice(0, 8)}") { story { draft { ${s} } } }`,
    },
    StoryItem: q('Query.story', (s) => `story(id: "${storyId}") { items { ${s} } }`),
    StoryItemChange: q('Query.story', (s) => `story(id: "${storyId}") { items { changes { ${s} } } }`),
    StoryConnection: q('Query.stories', (s) => `stories { ${s} }`),
    StoryEdge: q('Query.stories', (s) => `stories { edges { ${s} } }`),
    StoryResult: {
      operation: 'mutation',
      root: 'Mutation.retitleStory',
      wrap: (s) =>
        `retitleStory(storyId: "${storyId}", title: "Matrix ${randomUUID().slice(0, 8)}") { ${s} }`,
    },
    StatementResult: {
      operation: 'mutation',
      root: 'Mutation.tagStatement',
      wrap: (s) => `tagStatement(id: "${id}", topics: ["matrix-${randomUUID().slice(0, 8)}"]) { ${s} }`,
    },
  };
}

/** Root fields with arguments that pass GraphQL validation; mutations aim at no statement, or fail the domain. */
const ROOT_CALLS: Record<string, string> = {
  'Query.statement': `statement(id: "${UNKNOWN}")`,
  'Query.countryTimeline': 'countryTimeline(country: "TR")',
  'Query.topicTimeline': 'topicTimeline(topic: "matrix")',
  'Query.topics': 'topics',
  'Query.projections': 'projections',
  'Query.searchStatements': 'searchStatements(query: "matrix")',
  'Query.activity': 'activity(country: "TR")',
  'Query.relations': 'relations(country: "TR")',
  'Query.events': 'events(first: 1)',
  'Query.story': `story(id: "${UNKNOWN}")`,
  'Query.stories': 'stories',
  'Mutation.createStory': 'createStory(input: { title: "" })',
  'Mutation.addStoryItem': `addStoryItem(storyId: "${UNKNOWN}", statementId: "${UNKNOWN}")`,
  'Mutation.removeStoryItem': `removeStoryItem(storyId: "${UNKNOWN}", statementId: "${UNKNOWN}")`,
  'Mutation.retitleStory': `retitleStory(storyId: "${UNKNOWN}", title: "matrix")`,
  'Mutation.annotateStoryItem': `annotateStoryItem(storyId: "${UNKNOWN}", statementId: "${UNKNOWN}", note: "matrix")`,
  'Mutation.publishStory': `publishStory(storyId: "${UNKNOWN}")`,
  'Mutation.recordStatement': `recordStatement(input: { occurredOn: "2020-01-01", speaker: { name: "" }, kind: STATEMENT, text: "", attribution: SUMMARY, sources: [] })`,
  'Mutation.correctStatement': `correctStatement(id: "${UNKNOWN}", input: { text: "corrected text", reason: "matrix" })`,
  'Mutation.addStatementSource': `addStatementSource(id: "${UNKNOWN}", source: { url: "https://example.org/x" })`,
  'Mutation.tagStatement': `tagStatement(id: "${UNKNOWN}", topics: ["matrix"])`,
  'Mutation.untagStatement': `untagStatement(id: "${UNKNOWN}", topics: ["matrix"])`,
  'Mutation.linkResponse': `linkResponse(id: "${UNKNOWN}", respondsTo: "${UNKNOWN}")`,
  'Mutation.retractStatement': `retractStatement(id: "${UNKNOWN}", reason: "matrix")`,
  'Mutation.restoreStatement': `restoreStatement(id: "${UNKNOWN}", reason: "matrix")`,
};

const ACCESS_CODES = new Set(['FORBIDDEN', 'UNAUTHENTICATED']);
const refused = (response: GraphQLResponse): boolean =>
  (response.errors ?? []).some((e) => ACCESS_CODES.has(String(e.extensions?.code)));

/** A subscription field's `subscribe` as the built schema has it, called with `who`'s authentication. */
async function subscriptionRefused(
  api: TestApi,
  schema: GraphQLSchema,
  field: string,
  who: Who,
): Promise<boolean> {
  const type = schema.getSubscriptionType();
  const definition = type?.getFields()[field];
  if (!type || !definition?.subscribe) throw new Error(`Subscription.${field} has no subscribe`);
  const auth = authenticate(headersOf(who).authorization, api.config.security);
  const info = {
    fieldName: field,
    parentType: type,
    schema,
    operation: { operation: 'subscription' },
    returnType: definition.type,
    path: { key: field, prev: undefined, typename: type.name },
    fieldNodes: [],
    fragments: {},
    rootValue: undefined,
    variableValues: {},
  } as unknown as GraphQLResolveInfo;
  try {
    const iterator = (await definition.subscribe(undefined, {}, { auth, requestId: 'matrix' }, info)) as
      AsyncIterator<unknown> | undefined;
    await iterator?.return?.();
    return false;
  } catch (error) {
    const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
    return ACCESS_CODES.has(String(code));
  }
}

describe.each([true, false])(
  'the access matrix holds for every field and role (public reads: %s)',
  (publicReads) => {
    let api: TestApi;
    let schema: GraphQLSchema;
    let id: string;
    let storyId: string;

    beforeAll(async () => {
      api = await TestApi.start({
        COMMUNIQUE_API_KEYS: KEYS,
        COMMUNIQUE_PUBLIC_READS: String(publicReads),
        COMMUNIQUE_RATE_LIMIT_BURST: '0',
      });
      schema = api.app.get(GraphQLSchemaHost).schema;
      id = randomUUID();
      const recorded = await api.gql(
        RECORD,
        {
          input: statementInput({
            id,
            location: { city: 'Ankara', country: 'TR' },
            sources: [{ url: 'https://example.org/matrix', outlet: 'Example', via: 'ministry' }],
          }),
        },
        headersOf('editor'),
      );
      expect(recorded.errors).toBeUndefined();
      // a published story holding the statement, so that the retraction below is a change since publication
      const story = await api.gql<{ createStory: { story: { id: string } } }>(
        'mutation { createStory(input: { title: "Matrix story" }) { story { id } } }',
        {},
        headersOf('editor'),
      );
      storyId = story.data?.createStory.story.id ?? '';
      for (const step of [
        `addStoryItem(storyId: "${storyId}", statementId: "${id}", note: "matrix")`,
        `publishStory(storyId: "${storyId}")`,
      ]) {
        const done = await api.gql(`mutation { ${step} { position } }`, {}, headersOf('editor'));
        expect(done.errors).toBeUndefined();
      }
      const retracted = await api.gql(
        `mutation { retractStatement(id: "${id}", reason: "internal: the desk was told by a source") { version } }`,
        {},
        headersOf('editor'),
      );
      expect(retracted.errors).toBeUndefined();
    });
    afterAll(async () => {
      await api.stop();
    });

    it('every field of every object type has a decision in ACCESS_MATRIX and in docs/SECURITY.md, the same', () => {
      expect(undecidedFields(schema)).toEqual([]);
      const documented = documentedMatrix();
      const undocumented = schemaFields(schema)
        .map((f) => f.coordinate)
        .filter((coordinate) => !Object.hasOwn(documented, coordinate));
      expect(undocumented).toEqual([]);
      expect(documented).toEqual(ACCESS_MATRIX);
      // and the matrix names no field the schema does not have (a stale row would hide a rename)
      const fields = new Set(schemaFields(schema).map((f) => f.coordinate));
      expect(Object.keys(ACCESS_MATRIX).filter((coordinate) => !fields.has(coordinate))).toEqual([]);
    });

    it('every role sees exactly the fields the matrix gives it', async () => {
      // the behaviour is compared with the documented table, so the code cannot drift from it unnoticed
      const MATRIX = documentedMatrix();
      const reach = paths(id, storyId);
      const mismatches: string[] = [];
      let checked = 0;
      for (const { coordinate, type, field } of schemaFields(schema)) {
        const access = MATRIX[coordinate];
        if (access === undefined) continue; // reported by the test above
        const definition = schema.getType(type);
        const fieldType =
          definition && 'getFields' in definition ? definition.getFields()[field]?.type : undefined;
        if (!fieldType) throw new Error(`no type for ${coordinate}`);
        const selection = isLeafType(getNamedType(fieldType)) ? field : `${field} { __typename }`;
        for (const who of WHO) {
          let denied: boolean;
          let expected: boolean;
          if (type === 'Subscription') {
            denied = await subscriptionRefused(api, schema, field, who);
            expected = !meets(who, access, publicReads);
          } else if (type === 'Query' || type === 'Mutation') {
            const call = ROOT_CALLS[coordinate];
            if (call === undefined)
              throw new Error(`no call for the root field ${coordinate}: add one to ROOT_CALLS`);
            const document = `${type === 'Query' ? 'query' : 'mutation'} { ${call}${isLeafType(getNamedType(fieldType)) ? '' : ' { __typename }'} }`;
            const response = await api.gql(document, {}, headersOf(who));
            if (response.errors?.some((e) => e.extensions?.code === 'GRAPHQL_VALIDATION_FAILED')) {
              mismatches.push(
                `${coordinate}: the probe does not validate: ${JSON.stringify(response.errors)}`,
              );
            }
            denied = refused(response);
            expected = !meets(who, access, publicReads);
          } else {
            const path = reach[type];
            if (path === undefined) throw new Error(`no path to the type ${type}: add one to paths()`);
            const document = `${path.operation} { ${path.wrap(selection)} }`;
            const response = await api.gql(document, {}, headersOf(who));
            denied = refused(response);
            const root = MATRIX[path.root] ?? 'admin';
            expected = !(meets(who, root, publicReads) && meets(who, access, publicReads));
            if (!denied && path.operation === 'query' && response.errors !== undefined) {
              mismatches.push(
                `${coordinate} as ${who}: unexpected errors ${JSON.stringify(response.errors)}`,
              );
            }
          }
          checked++;
          if (denied !== expected) {
            mismatches.push(
              `${coordinate} as ${who}: ${denied ? 'refused' : 'answered'}, the matrix says ${access}`,
            );
          }
        }
      }
      expect(mismatches).toEqual([]);
      expect(checked).toBe(schemaFields(schema).length * WHO.length);
    });

    it('a reader sees the history of a retraction but not who did it nor its internal reason', async () => {
      const history = `{ statement(id: "${id}") { history { type recordedAt hash recordedBy data } } }`;
      const reader = await api.gql<{ statement: { history: Record<string, unknown>[] } }>(
        history,
        {},
        headersOf('reader'),
      );
      expect(JSON.stringify(reader.data)).not.toContain('internal: the desk');
      expect(JSON.stringify(reader.data)).not.toContain('editor-key');
      expect(reader.data?.statement.history.map((e) => [e.type, e.recordedBy, e.data])).toEqual([
        ['StatementRecorded', null, null],
        ['StatementRetracted', null, null],
      ]);
      expect(new Set(reader.errors?.map((e) => e.extensions?.code))).toEqual(new Set(['FORBIDDEN']));
      const auditor = await api.gql<{ statement: { history: { recordedBy: string; data: unknown }[] } }>(
        history,
        {},
        headersOf('auditor'),
      );
      expect(auditor.errors).toBeUndefined();
      expect(auditor.data?.statement.history[1]).toMatchObject({
        recordedBy: 'editor-key',
        data: { reason: 'internal: the desk was told by a source' },
      });
    });
  },
);
