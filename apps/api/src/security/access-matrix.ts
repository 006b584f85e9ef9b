import {
  defaultFieldResolver,
  isObjectType,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { decideAccess, type RequestAuth } from './access.js';
import type { Role, SecurityConfig } from '#runtime';

/**
 * Who may see each field of the GraphQL schema (docs/SECURITY.md, "Access matrix").
 *
 * `read` is whoever may run queries: anyone while `COMMUNIQUE_PUBLIC_READS` is true, else a `reader` key or
 * higher. A role is that role or higher. A field is also subject to the field that leads to it: the fields of
 * `EventConnection` are `read`, but the only way to them is `Query.events`, which needs `auditor`.
 *
 * Every field of every object type of the schema has an entry; `test/hostile/access-matrix.e2e.spec.ts` walks
 * the built schema with every role and fails naming any field without one, or any field that answers a
 * role differently from this table.
 */
export type FieldAccess = 'read' | Role;

const read = (type: string, fields: readonly string[]): [string, FieldAccess][] =>
  fields.map((field) => [`${type}.${field}`, 'read']);

export const ACCESS_MATRIX: Readonly<Record<string, FieldAccess>> = Object.fromEntries([
  ...read('Query', [
    'statement',
    'countryTimeline',
    'topicTimeline',
    'topics',
    'projections',
    'searchStatements',
    'activity',
    'relations',
    'story',
    'stories',
  ]),
  ['Query.events', 'auditor'],
  ...[
    'recordStatement',
    'correctStatement',
    'addStatementSource',
    'tagStatement',
    'untagStatement',
    'linkResponse',
    'retractStatement',
    'restoreStatement',
    'createStory',
    'addStoryItem',
    'removeStoryItem',
    'retitleStory',
    'annotateStoryItem',
    'publishStory',
  ].map((field): [string, FieldAccess] => [`Mutation.${field}`, 'editor']),
  ...read('Subscription', ['statementChanged']),
  // for the author of a story: what changed in the statements she published
  ['Subscription.storyStatementChanged', 'editor'],
  ...read('Actor', ['name', 'role', 'country', 'organization']),
  ...read('Place', ['city', 'country']),
  ...read('Source', ['url', 'outlet', 'publishedAt', 'via']),
  ...read('Statement', [
    'id',
    'occurredOn',
    'speaker',
    'speakerCountry',
    'targets',
    'mentions',
    'topics',
    'kind',
    'cameoCode',
    'goldstein',
    'text',
    'attribution',
    'language',
    'location',
    'sources',
    'status',
    'version',
    'recordedAt',
    'updatedAt',
    'respondsTo',
    'responses',
    'history',
  ]),
  // A statement's history shows what happened and when, and its hash chain, to every reader; who did it (the
  // key's name) and the raw event data (internal reasons of retractions, restorations and corrections) are
  // for auditors.
  ...read('StatementEvent', [
    'position',
    'revision',
    'type',
    'recordedAt',
    'hash',
    'prevHash',
    'stream',
    'id',
    'schemaVersion',
  ]),
  ['StatementEvent.recordedBy', 'auditor'],
  ['StatementEvent.data', 'auditor'],
  ...read('StatementResult', ['statement', 'version', 'position']),
  ...read('StatementEdge', ['cursor', 'node', 'roles']),
  ...read('PageInfo', ['hasNextPage', 'endCursor', 'hasPreviousPage', 'startCursor']),
  // stories (DESIGN §11.23): `Query.story` hides drafts from readers; the working copy is the editors'
  ...read('Story', [
    'id',
    'title',
    'summary',
    'status',
    'version',
    'publishedPosition',
    'publishedAt',
    'createdAt',
    'updatedAt',
    'items',
    'embedHtml',
  ]),
  ['Story.draft', 'editor'],
  ...read('StoryDraft', ['title', 'summary', 'items', 'hasUnpublishedChanges']),
  ...read('StoryItem', ['statementId', 'headline', 'note', 'published', 'current', 'changes']),
  // the reason given with a correction or retraction is the editors' (as StatementEvent.data is the auditors')
  ...read('StoryItemChange', ['kind', 'position', 'recordedAt', 'fields', 'sourceUrl']),
  ['StoryItemChange.reason', 'editor'],
  ...read('StoryEdge', ['cursor', 'node']),
  ...read('StoryConnection', ['edges', 'pageInfo', 'totalCount']),
  ...read('StoryResult', ['story', 'position']),
  ...read('StatementConnection', ['edges', 'pageInfo', 'totalCount']),
  ...read('TopicCount', ['topic', 'count']),
  // the last error of a projection's loop can carry file paths and internal detail
  ...read('ProjectionStatus', ['name', 'checkpoint', 'head', 'lag', 'lagCapped', 'live']),
  ['ProjectionStatus.lastError', 'auditor'],
  ...read('EventConnection', ['edges', 'pageInfo']),
  ...read('KindCount', ['kind', 'count']),
  ...read('ActivityBucket', ['period', 'count', 'byKind', 'meanGoldstein']),
  ...read('CountryRelation', ['counterpart', 'outgoing', 'incoming', 'byKind', 'meanGoldstein']),
]);

/** What an undecided field that is not a root field needs: the highest role (fail closed). */
export const UNDECIDED_FIELD_ACCESS: FieldAccess = 'admin';

/** `Type.field` for every field of every object type of the schema (introspection types left out). */
export function schemaFields(schema: GraphQLSchema): { coordinate: string; type: string; field: string }[] {
  return Object.values(schema.getTypeMap())
    .filter(isObjectType)
    .filter((type) => !type.name.startsWith('__'))
    .flatMap((type) =>
      Object.keys(type.getFields()).map((field) => ({
        coordinate: `${type.name}.${field}`,
        type: type.name,
        field,
      })),
    );
}

/** The fields of the schema without an entry in the matrix. */
export function undecidedFields(schema: GraphQLSchema): string[] {
  return schemaFields(schema)
    .map((f) => f.coordinate)
    .filter((coordinate) => !Object.hasOwn(ACCESS_MATRIX, coordinate));
}

/** Throws UNAUTHENTICATED or FORBIDDEN when the request may not see a field that needs `access`. */
export function checkFieldAccess(
  config: SecurityConfig,
  auth: RequestAuth | undefined,
  operation: 'query' | 'mutation' | 'subscription',
  access: FieldAccess,
): void {
  decideAccess(config, auth ?? {}, operation, access === 'read' ? undefined : access);
}

interface ContextWithAuth {
  auth?: RequestAuth;
}

/**
 * Enforces the matrix on the built schema: root fields (queries, mutations, subscriptions) check their entry
 * before their resolver runs (in addition to the Nest guard, which checks `@RequireRole`), and every other
 * field whose entry is stricter than `read` checks it before resolving. A root field without an entry is left
 * to the guard; any other field without an entry needs `admin`.
 */
export function enforceAccessMatrix(schema: GraphQLSchema, config: SecurityConfig): GraphQLSchema {
  const roots = new Map<string, 'query' | 'mutation' | 'subscription'>();
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  const subscription = schema.getSubscriptionType();
  if (query) roots.set(query.name, 'query');
  if (mutation) roots.set(mutation.name, 'mutation');
  if (subscription) roots.set(subscription.name, 'subscription');

  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const operation = roots.get(type.name);
    for (const field of Object.values(type.getFields())) {
      const coordinate = `${type.name}.${field.name}`;
      const decided = Object.hasOwn(ACCESS_MATRIX, coordinate) ? ACCESS_MATRIX[coordinate] : undefined;
      if (operation !== undefined) {
        if (decided === undefined) continue;
        guard(field, config, operation, decided, operation === 'subscription' ? 'subscribe' : 'resolve');
      } else {
        const access = decided ?? UNDECIDED_FIELD_ACCESS;
        if (access !== 'read') guard(field, config, 'query', access, 'resolve');
      }
    }
  }
  return schema;
}

function guard(
  field: GraphQLField<unknown, unknown>,
  config: SecurityConfig,
  operation: 'query' | 'mutation' | 'subscription',
  access: FieldAccess,
  which: 'resolve' | 'subscribe',
): void {
  const inner: GraphQLFieldResolver<unknown, unknown> | undefined =
    which === 'resolve' ? (field.resolve ?? defaultFieldResolver) : field.subscribe;
  if (inner === undefined) return;
  const checked: GraphQLFieldResolver<unknown, unknown> = (source, args, context, info) => {
    // a field below a root inherits the operation's kind only for the error's wording
    checkFieldAccess(config, (context as ContextWithAuth | undefined)?.auth, operation, access);
    return inner(source, args, context, info);
  };
  field[which] = checked;
}
