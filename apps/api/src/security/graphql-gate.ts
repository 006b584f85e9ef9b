import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import {
  GraphQLError,
  Location,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { defer, map, throwError, timeout, type Observable } from 'rxjs';
import { authenticate, decideAccess, type RequestAuth } from './access.js';
import { findPrincipal, bearerKey } from '#runtime';
import { checkDocumentSize, refuseJsonDocument, validationRules } from './graphql-limits.js';
import { rateLimitClient, TokenBuckets } from './rate-limit.js';
import type { SecurityConfig } from '#runtime';

/**
 * The one gate every GraphQL document passes, whichever door it came through (HTTP POST, GET, a batch, a
 * WebSocket subscription in either protocol): the same size and token limits, the same validation rules
 * (GraphQL's specified rules plus depth, aliases and cost), the same access decision, the same token buckets
 * and the same budget of resolved values and wall time per operation.
 *
 * HTTP documents go through Mercurius's own parse-and-validate pipeline, configured from here
 * (`checkSource`, `parseOptions`, `rules`); WebSocket subscriptions, which Mercurius neither limits nor
 * validates, go through `admit`, which runs those same three. A check added here applies to every door.
 */
export class GraphQLGate {
  readonly buckets: TokenBuckets;
  /** the API's validation rules besides GraphQL's specified ones (Mercurius adds those on HTTP) */
  readonly rules: ValidationRule[];
  readonly parseOptions: { maxTokens: number };

  constructor(
    readonly config: SecurityConfig,
    production: boolean,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.buckets = new TokenBuckets(config.rateLimit);
    this.rules = validationRules(config.limits, production);
    this.parseOptions = { maxTokens: config.limits.maxTokens };
  }

  /** Before parsing: the document's size. */
  checkSource(source: unknown): void {
    if (typeof source !== 'string') {
      throw new GraphQLError('the GraphQL document must be a string', {
        extensions: { code: 'BAD_USER_INPUT', field: 'query', reason: 'must be a string' },
      });
    }
    checkDocumentSize(source, this.config.limits);
    refuseJsonDocument(source);
  }

  /**
   * A document admitted to execution, or the first reason it is not (a typed GraphQLError): size, tokens,
   * syntax, then every validation rule. Used where Mercurius does not check (subscriptions).
   */
  admit(schema: GraphQLSchema, source: unknown, operationName?: string | null): DocumentNode {
    this.checkSource(source);
    let document: DocumentNode;
    try {
      document = parse(source as string, this.parseOptions);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const tokens = /more that \d+ tokens/.test(message);
      throw new GraphQLError(
        tokens
          ? `the GraphQL document has more than ${this.config.limits.maxTokens} tokens (COMMUNIQUE_GRAPHQL_MAX_TOKENS)`
          : message,
        {
          extensions: tokens
            ? { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'tokens', max: this.config.limits.maxTokens }
            : { code: 'GRAPHQL_VALIDATION_FAILED' },
        },
      );
    }
    const [first] = validate(schema, document, [...specifiedRules, ...this.rules]);
    if (first) {
      throw new GraphQLError(first.message, {
        nodes: first.nodes,
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...first.extensions },
      });
    }
    if (!getOperationAST(document, operationName)) {
      throw new GraphQLError('the document has several operations: name the one to run (operationName)', {
        extensions: { code: 'BAD_USER_INPUT', field: 'operationName' },
      });
    }
    return document;
  }

  /**
   * After parsing on HTTP: the document was parsed from source text. Mercurius takes a body that does not
   * parse as GraphQL for a JSON syntax tree, which would bypass the token limit and could be malformed in
   * ways no parser produces; such a document has no `Location` (JSON cannot make one).
   */
  checkParsed(document: DocumentNode): void {
    if (!(document.loc instanceof Location)) {
      throw new GraphQLError('the GraphQL document must be GraphQL source text', {
        extensions: { code: 'BAD_USER_INPUT', field: 'query', reason: 'must be GraphQL source text' },
      });
    }
  }

  authenticate(header: unknown): RequestAuth {
    return authenticate(typeof header === 'string' ? header : undefined, this.config);
  }

  /** The access decision for a whole operation (root fields marked with a role are checked again by the guard). */
  authorize(auth: RequestAuth, operation: 'query' | 'mutation' | 'subscription'): void {
    decideAccess(this.config, auth, operation, undefined);
  }

  /** Who is counted by the rate limiter and the connection limit: the key, else the address. */
  client(header: unknown, address: string | undefined): string {
    const key = bearerKey(typeof header === 'string' ? header : undefined);
    const principal = key ? findPrincipal(this.config.apiKeys, key) : undefined;
    return rateLimitClient(principal, address ?? 'unknown');
  }

  /** The budget of the operation a resolver belongs to (created at its first resolver). */
  budget(context: object, rootValue: unknown): OperationBudget {
    let byRoot = budgets.get(context);
    if (!byRoot) {
      byRoot = new WeakMap();
      budgets.set(context, byRoot);
    }
    // A subscription's context lives as long as the subscription; each execution (one per published
    // change) has its own root value, so each gets a budget of its own.
    const key = typeof rootValue === 'object' && rootValue !== null ? rootValue : context;
    let budget = byRoot.get(key);
    if (!budget) {
      budget = new OperationBudget(this.config.limits.maxNodes, this.config.limits.queryTimeoutMs, this.now);
      byRoot.set(key, budget);
    }
    return budget;
  }
}

const budgets = new WeakMap<object, WeakMap<object, OperationBudget>>();

/**
 * What one operation may still do: values its resolvers may produce and time it may take. Once either is
 * spent every further resolver of the operation fails at once, so the operation stops allocating.
 */
export class OperationBudget {
  private spent = 0;
  private readonly deadline: number;

  constructor(
    readonly maxNodes: number,
    readonly timeoutMs: number,
    private readonly now: () => number,
  ) {
    this.deadline = now() + timeoutMs;
  }

  remainingMs(): number {
    return Math.max(0, this.deadline - this.now());
  }

  /** Before a resolver runs: the operation still has time. */
  checkTime(operation: string): void {
    if (this.now() > this.deadline) throw this.timedOut(operation);
  }

  /** After a resolver ran: `count` more values. */
  charge(count: number, operation: string): void {
    this.spent += count;
    if (this.spent > this.maxNodes) {
      throw new GraphQLError(
        `the ${operation} resolved more than ${this.maxNodes} values (COMMUNIQUE_GRAPHQL_MAX_NODES); ask for ` +
          `fewer or smaller lists${operation === 'mutation' ? ' (the mutation itself was applied)' : ''}`,
        { extensions: { code: 'BUDGET_EXCEEDED', limit: 'nodes', max: this.maxNodes } },
      );
    }
    this.checkTime(operation);
  }

  timedOut(operation: string): GraphQLError {
    return new GraphQLError(
      `the ${operation} did not finish within ${this.timeoutMs} ms (COMMUNIQUE_QUERY_TIMEOUT_MS)` +
        (operation === 'mutation' ? ' (the mutation itself was applied)' : ''),
      { extensions: { code: 'TIMEOUT', timeoutMs: this.timeoutMs } },
    );
  }
}

/** How many values a resolver produced: the items of a list, the edges of a connection, else one. */
export function valuesIn(result: unknown): number {
  if (Array.isArray(result)) return Math.max(1, result.length);
  if (typeof result === 'object' && result !== null && 'edges' in result) {
    const edges = (result as { edges: unknown }).edges;
    if (Array.isArray(edges)) return 1 + edges.length;
  }
  return 1;
}

/**
 * Applies the operation's budget to every root field (queries, mutations, subscriptions): refuses to start one
 * after the deadline, charges what it produced, and cuts off a query root field still waiting when the time is
 * up (a mutation's write is left to finish: a write cut off halfway would leave its client unsure whether it
 * happened). Field resolvers are charged the same way by `budgetFieldResolvers` (field-budget.ts), a plain
 * wrapper on the schema, not through Nest's interceptors; should Nest run interceptors for field resolvers
 * again (`fieldResolverEnhancers`), this one leaves them to that wrapper, so nothing is charged twice.
 */
@Injectable()
export class OperationLimits implements NestInterceptor {
  constructor(private readonly gate: GraphQLGate) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<GqlContextType>() !== 'graphql') return next.handle();
    const gql = GqlExecutionContext.create(context);
    const info = gql.getInfo<GraphQLResolveInfo>();
    const graphqlContext = gql.getContext<object | undefined>();
    if (typeof graphqlContext !== 'object' || graphqlContext === null) return next.handle();
    if (info.path.prev !== undefined) return next.handle(); // a field resolver: charged by budgetFieldResolvers
    const operation = info.operation.operation;
    const budget = this.gate.budget(graphqlContext, info.rootValue);
    if (operation === 'subscription') return next.handle(); // subscribing: each execution is budgeted
    return defer(() => {
      budget.checkTime(operation);
      const handled = next.handle();
      const limited =
        operation === 'query'
          ? handled.pipe(
              timeout({
                first: Math.max(1, budget.remainingMs()),
                with: () => throwError(() => budget.timedOut(operation)),
              }),
            )
          : handled;
      return limited.pipe(
        map((result) => {
          budget.charge(valuesIn(result), operation);
          return result;
        }),
      );
    });
  }
}
