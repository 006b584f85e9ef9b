import {
  GraphQLError,
  GraphQLList,
  GraphQLNonNull,
  Kind,
  NoSchemaIntrospectionCustomRule,
  getNamedType,
  isCompositeType,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { LIMITS } from '#domain';
import { DEFAULT_PAGE_SIZE } from '#read-model';
import type { LimitsConfig } from '#runtime';

/**
 * Limits on what one GraphQL document may ask for, as validation rules: they run once per distinct document
 * (Mercurius caches the outcome), before any resolver. Each refusal says which limit, its value, what the
 * document needed and which variable configures it.
 */

/** Largest `first` a list argument is answered with (DESIGN §8) unless `LIST_CAPS` says otherwise. */
export const MAX_FIRST = 100;

/**
 * Nested lists and their `first`: the default a field is answered with, and the most it is answered with (a
 * larger `first` is capped). Resolvers and the cost rule both read this table, so the estimate uses the
 * real caps. `respondsTo` and `sources` are bounded by the domain (LIMITS), so one page holds them all;
 * `responses` (any number of statements may respond to one) and `history` (events keep coming) are
 * paginated with `after`.
 */
export const LIST_CAPS = {
  'Statement.respondsTo': { default: LIMITS.respondsTo, max: LIMITS.respondsTo },
  'Statement.sources': { default: LIMITS.sources, max: LIMITS.sources },
  'Statement.responses': { default: 20, max: 100 },
  'Statement.history': { default: 100, max: 100 },
  'Query.topics': { default: 100, max: 1000 },
  'StoryItem.changes': { default: 20, max: 100 },
  'Query.treeHeads': { default: 20, max: 100 },
  // a Relay connection answered with 100 events when neither `first` nor `last` is given
  'Query.events': { default: 100, max: 100 },
} as const;

/**
 * Lists without a `first` argument, by their real bound: the kinds of statement (11), the countries a
 * relation can name (249 in ISO 3166-1), the projections. Any other list of objects is estimated at
 * MAX_FIRST items: a new list field is never assumed small.
 */
export const LIST_BOUNDS: Record<string, number> = {
  'ActivityBucket.byKind': 11,
  'CountryRelation.byKind': 11,
  'Query.relations': 249,
  'Query.projections': 10,
  // a story holds at most STORY_LIMITS.items statements; a change names at most every statement field
  'Story.items': 200,
  'StoryDraft.items': 200,
  'StoryItemChange.fields': 16,
};

const capOf = (key: string): number =>
  (LIST_CAPS as Record<string, { default: number; max: number } | undefined>)[key]?.max ?? MAX_FIRST;

export interface DocumentMeasure {
  depth: number;
  aliases: number;
  cost: number;
}

const ZERO: DocumentMeasure = { depth: 0, aliases: 0, cost: 0 };

function unwrap(type: GraphQLOutputType): { list: boolean } {
  let current = type;
  if (current instanceof GraphQLNonNull) current = current.ofType as GraphQLOutputType;
  return { list: current instanceof GraphQLList };
}

/** The multiplier a field applies to the cost of its selection: the most items it can be answered with. */
function multiplier(
  node: FieldNode,
  key: string,
  type: GraphQLOutputType,
  defaultFirst: unknown,
  relay: boolean,
): number {
  const cap = capOf(key);
  // `first`, or Relay's `last` (the same cap): the larger if a client gives both (refused later anyway)
  const counts = node.arguments?.filter((a) => a.name.value === 'first' || a.name.value === 'last') ?? [];
  if (counts.length > 0) {
    return Math.max(
      ...counts.map(
        (count) =>
          count.value.kind === Kind.INT ? Math.max(1, Math.min(Number(count.value.value), cap)) : cap, // a variable: assume the most it could be answered with
      ),
    );
  }
  if (typeof defaultFirst === 'number') return Math.max(1, Math.min(defaultFirst, cap));
  // a Relay connection whose `first` has no schema default is answered with DEFAULT_PAGE_SIZE items
  if (relay) {
    const own = (LIST_CAPS as Record<string, { default: number } | undefined>)[key]?.default;
    return Math.min(own ?? DEFAULT_PAGE_SIZE, cap);
  }
  // A connection's edges are as many as the page the connection field asked for: counted there.
  if (node.name.value === 'edges') return 1;
  return unwrap(type).list ? (LIST_BOUNDS[key] ?? MAX_FIRST) : 1;
}

/**
 * Depth, alias count and estimated cost of every operation of a document. Fragments are measured once each
 * (memoised), so a document of fragments spreading each other many times cannot make the measuring itself
 * expensive; a fragment cycle measures as empty (the specified rules reject it anyway).
 */
export function measureOperations(context: ValidationContext): DocumentMeasure[] {
  const schema = context.getSchema();
  const fragments = new Map<string, DocumentMeasure>();
  const inProgress = new Set<string>();

  const fragment = (definition: FragmentDefinitionNode): DocumentMeasure => {
    const name = definition.name.value;
    const known = fragments.get(name);
    if (known) return known;
    if (inProgress.has(name)) return ZERO;
    inProgress.add(name);
    const type = schema.getType(definition.typeCondition.name.value);
    const measure = isCompositeType(type) ? selection(definition.selectionSet, type) : ZERO;
    inProgress.delete(name);
    fragments.set(name, measure);
    return measure;
  };

  const selection = (set: SelectionSetNode, parent: GraphQLCompositeType): DocumentMeasure => {
    let depth = 0;
    let aliases = 0;
    let cost = 0;
    for (const node of set.selections) {
      let measure: DocumentMeasure;
      if (node.kind === Kind.FIELD) {
        const name = node.name.value;
        if (name.startsWith('__')) continue; // introspection: off in production, not a data cost
        const field = 'getFields' in parent ? parent.getFields()[name] : undefined;
        const own = node.alias ? 1 : 0;
        if (!field) {
          measure = { depth: 1, aliases: own, cost: 1 };
        } else {
          const named = getNamedType(field.type);
          const inner =
            node.selectionSet && isCompositeType(named) ? selection(node.selectionSet, named) : ZERO;
          const defaultFirst = field.args.find((a) => a.name === 'first')?.defaultValue;
          const relay = field.args.some((a) => a.name === 'last');
          measure = {
            depth: 1 + inner.depth,
            aliases: own + inner.aliases,
            cost:
              1 + multiplier(node, `${parent.name}.${name}`, field.type, defaultFirst, relay) * inner.cost,
          };
        }
      } else if (node.kind === Kind.INLINE_FRAGMENT) {
        const type = node.typeCondition ? schema.getType(node.typeCondition.name.value) : parent;
        measure = isCompositeType(type) ? selection(node.selectionSet, type) : ZERO;
      } else {
        const definition = context.getFragment(node.name.value);
        measure = definition ? fragment(definition) : ZERO;
      }
      depth = Math.max(depth, measure.depth);
      aliases += measure.aliases;
      cost += measure.cost;
    }
    return { depth, aliases, cost };
  };

  const measures: DocumentMeasure[] = [];
  for (const definition of context.getDocument().definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = schema.getRootType(definition.operation);
    if (root) measures.push(selection(definition.selectionSet, root));
  }
  return measures;
}

function limitError(
  limit: string,
  max: number,
  actual: number,
  variable: string,
  what: string,
): GraphQLError {
  return new GraphQLError(`${what} ${actual} exceeds the limit of ${max} (${variable})`, {
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit, max, actual },
  });
}

/** One rule that checks depth, aliases and cost of every operation of the document. */
export function limitsRule(limits: LimitsConfig): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    Document: {
      leave() {
        for (const { depth, aliases, cost } of measureOperations(context)) {
          if (depth > limits.maxDepth) {
            context.reportError(
              limitError('depth', limits.maxDepth, depth, 'COMMUNIQUE_GRAPHQL_MAX_DEPTH', 'query depth'),
            );
          }
          if (aliases > limits.maxAliases) {
            context.reportError(
              limitError(
                'aliases',
                limits.maxAliases,
                aliases,
                'COMMUNIQUE_GRAPHQL_MAX_ALIASES',
                'number of aliases',
              ),
            );
          }
          if (cost > limits.maxCost) {
            context.reportError(
              limitError('cost', limits.maxCost, cost, 'COMMUNIQUE_GRAPHQL_MAX_COST', 'estimated query cost'),
            );
          }
        }
      },
    },
  });
}

/** The validation rules of the API: the limits, and in production no introspection. */
export function validationRules(limits: LimitsConfig, production: boolean): ValidationRule[] {
  return production ? [limitsRule(limits), NoSchemaIntrospectionCustomRule] : [limitsRule(limits)];
}

/** A document longer than the limit is refused before it is parsed. */
export function checkDocumentSize(source: string, limits: LimitsConfig): void {
  if (source.length > limits.maxDocumentChars) {
    throw new GraphQLError(
      `the GraphQL document is ${source.length} characters; the limit is ${limits.maxDocumentChars} (COMMUNIQUE_GRAPHQL_MAX_DOCUMENT_CHARS)`,
      {
        extensions: {
          code: 'GRAPHQL_VALIDATION_FAILED',
          limit: 'documentSize',
          max: limits.maxDocumentChars,
          actual: source.length,
        },
      },
    );
  }
}

/** "Did you mean ...?" hints name fields and types of the schema: production answers without them. */
export function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, '');
}

/**
 * Mercurius takes a `query` that does not parse as GraphQL but does parse as JSON for a ready-made syntax tree
 * (`{"kind":"Document"}`, `null`, `[]`), which then reaches validation unchecked and fails inside it. No JSON
 * text is a GraphQL document, so such a query is refused here as the syntax error it is.
 */
export function refuseJsonDocument(source: string): void {
  let json = false;
  try {
    JSON.parse(source);
    json = true;
  } catch {
    // not JSON: the GraphQL parser decides
  }
  if (json) {
    throw new GraphQLError(
      'Syntax Error: the query is JSON, not a GraphQL document (send the document as text in "query")',
      { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', field: 'query' } },
    );
  }
}
