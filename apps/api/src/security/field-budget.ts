import type { GraphQLFieldResolver } from 'graphql';
import { valuesIn, type GraphQLGate } from './graphql-gate.js';

type FieldResolver = GraphQLFieldResolver<unknown, unknown>;

/** The root types of the code-first schema: their fields are budgeted by the `OperationLimits` interceptor. */
const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

/** The fields (`Type.field`) whose resolvers `budgetFieldResolvers` wrapped, by gate (for tests and docs). */
const budgeted = new WeakMap<GraphQLGate, Set<string>>();

export const budgetedFields = (gate: GraphQLGate): string[] => [...(budgeted.get(gate) ?? [])].sort();

/**
 * Applies the operation budget (`GraphQLGate.budget`) to every field resolver Nest registers (the
 * `@ResolveField` methods; passed as `transformResolvers`, so exactly the resolvers Nest made, none of the
 * fields read off their parent's object), as the `OperationLimits` interceptor does for root fields: before the
 * resolver starts, the operation's deadline (`TIMEOUT`); after it, the values it produced (`BUDGET_EXCEEDED`).
 * The same checks in the same order with the same errors as when that interceptor ran for field resolvers too
 * (`fieldResolverEnhancers: ['interceptors']`), but in a plain function around the resolver instead of Nest's
 * interceptor chain (RxJS observables and an execution context for every field of every edge: the largest
 * cost of an uncached page, docs/PERFORMANCE.md). Field resolvers ran without guards and filters before too.
 *
 * The access matrix (`enforceAccessMatrix`, in `transformSchema`) wraps the schema built from this map, so a
 * field's access check still comes before its budget.
 */
export function budgetFieldResolvers<T>(resolvers: T, gate: GraphQLGate): T {
  // Nest's resolver map: type name to field name to resolver (or a scalar, or a union's `__resolveType`)
  const maps: unknown[] = Array.isArray(resolvers) ? resolvers : [resolvers];
  for (const map of maps) if (isPlainObject(map)) budgetMap(map, gate);
  return resolvers;
}

function budgetMap(resolvers: Record<string, unknown>, gate: GraphQLGate): void {
  for (const [typeName, fields] of Object.entries(resolvers)) {
    if (ROOT_TYPES.has(typeName) || !isPlainObject(fields)) continue;
    for (const [fieldName, resolver] of Object.entries(fields)) {
      // `__resolveType` and the like are no fields; Nest ran no interceptor for them
      if (fieldName.startsWith('__') || typeof resolver !== 'function') continue;
      fields[fieldName] = budgetedResolver(resolver as FieldResolver, gate);
      let coordinates = budgeted.get(gate);
      if (!coordinates) budgeted.set(gate, (coordinates = new Set()));
      coordinates.add(`${typeName}.${fieldName}`);
    }
  }
}

function budgetedResolver(inner: FieldResolver, gate: GraphQLGate): FieldResolver {
  const charged: FieldResolver = (source, args, context, info) => {
    // no context (a resolver called outside an operation): nothing to charge, as with the interceptor
    if (typeof context !== 'object' || context === null) return inner(source, args, context, info);
    const operation = info.operation.operation;
    const budget = gate.budget(context, info.rootValue);
    budget.checkTime(operation);
    const charge = (result: unknown): unknown => {
      budget.charge(valuesIn(result), operation);
      return result;
    };
    const result = inner(source, args, context, info);
    return isPromiseLike(result) ? result.then(charge) : charge(result);
  };
  return charged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}
