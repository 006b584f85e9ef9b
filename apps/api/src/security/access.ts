import {
  Injectable,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { IncomingHttpHeaders } from 'node:http';
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import { throwError, timeout, type Observable } from 'rxjs';
import { bearerKey, findPrincipal, roleIncludes, type Principal, type Role } from './api-keys.js';
import { proxiedBecause } from './http-gate.js';
import type { SecurityConfig } from './security-config.js';

/**
 * Who a GraphQL request is from, decided once per request from its `Authorization: Bearer <key>` header.
 * `problem` is set when a key was sent but is malformed or unknown: such a request is refused even where no
 * key is needed, so a client with a wrong key finds out at once.
 */
export interface RequestAuth {
  principal?: Principal;
  problem?: string;
  /** why the request seems to come through a proxy or from another machine (see `proxiedBecause`) */
  proxied?: string;
}

/** The `recordedBy` of a request without a key (only possible while no keys are configured). */
export const ANONYMOUS = 'anonymous';

export function authenticate(header: string | string[] | undefined, config: SecurityConfig): RequestAuth {
  const key = bearerKey(header);
  if (key === undefined) return {};
  if (key === null) return { problem: 'the Authorization header must be "Bearer <key>"' };
  const principal = findPrincipal(config.apiKeys, key);
  return principal ? { principal } : { problem: 'the API key is not known' };
}

/**
 * `authenticate` for a whole request (HTTP or a WebSocket upgrade): its key, and whether it came through a
 * proxy or from another machine, which decides whether "no keys on loopback" may write.
 */
export function authenticateRequest(
  request: { headers: IncomingHttpHeaders; socket?: { remoteAddress?: string } },
  config: SecurityConfig,
): RequestAuth {
  const auth = authenticate(request.headers.authorization, config);
  const proxied = proxiedBecause(request);
  return proxied ? { ...auth, proxied } : auth;
}

/** Marks a query or mutation as needing at least `role` (for example the audit feed: auditor). */
export const RequireRole = Reflector.createDecorator<Role>();

const unauthenticated = (message: string): GraphQLError =>
  new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });

const forbidden = (message: string, required?: Role): GraphQLError =>
  new GraphQLError(message, {
    extensions: { code: 'FORBIDDEN', ...(required ? { requiredRole: required } : {}) },
  });

/** Why mutations are refused, or undefined when they are not: keys are off on a non-loopback address. */
export function mutationsRefusedBecause(config: SecurityConfig): string | undefined {
  if (config.apiKeys.length > 0 || config.loopback) return undefined;
  return 'the service listens on a non-loopback address and no API keys are configured (COMMUNIQUE_API_KEYS), so it refuses every mutation; configure keys (see `communique keys create`) or listen on 127.0.0.1';
}

/**
 * Decides, for every query and mutation field, whether the request may run it.
 *
 * - With keys configured: a mutation needs `editor`; a query needs `reader` when `COMMUNIQUE_PUBLIC_READS` is
 *   false; a field marked `@RequireRole(r)` needs `r`. No key where one is needed is UNAUTHENTICATED, a
 *   role too low FORBIDDEN.
 * - Without keys on a loopback address (a developer's machine): everything is allowed, as `anonymous`, to
 *   requests from loopback peers that name no proxy (`Forwarded`, `X-Forwarded-For`, `X-Real-IP`).
 * - Without keys on any other address, or for a proxied request: queries as above, mutations and marked
 *   fields FORBIDDEN.
 */
export function decideAccess(
  config: SecurityConfig,
  auth: RequestAuth,
  operation: 'query' | 'mutation' | 'subscription',
  marked: Role | undefined,
): void {
  if (auth.problem)
    throw unauthenticated(`${auth.problem}; send "Authorization: Bearer <key>" with a configured key`);
  // subscriptions are reads: they need what queries need
  const required: Role | undefined =
    marked ?? (operation === 'mutation' ? 'editor' : config.publicReads ? undefined : 'reader');
  if (required === undefined) return;
  if (config.apiKeys.length === 0) {
    if (!config.loopback) throw forbidden(mutationsRefusedBecause(config) ?? 'no API keys', required);
    if (auth.proxied) {
      throw forbidden(
        `no API keys are configured (COMMUNIQUE_API_KEYS), so only requests made on this machine may write, and ${auth.proxied}; configure keys (see \`communique keys create\`) to write through a proxy`,
        required,
      );
    }
    return;
  }
  const principal = auth.principal;
  if (!principal) {
    throw unauthenticated(
      `this needs an API key with role ${required} or higher: send "Authorization: Bearer <key>"`,
    );
  }
  if (!roleIncludes(principal.role, required)) {
    throw forbidden(
      `the key "${principal.name}" has role ${principal.role}; this needs ${required} or higher`,
      required,
    );
  }
}

/** The context members the security layer adds to every GraphQL request. */
export interface SecureContext {
  auth: RequestAuth;
}

/** The Nest guard that applies `decideAccess` to every root field of the schema. */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: SecurityConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType<GqlContextType>() !== 'graphql') return true;
    const gql = GqlExecutionContext.create(context);
    const info = gql.getInfo<GraphQLResolveInfo>();
    const schema = info.schema;
    const operation =
      info.parentType === schema.getMutationType()
        ? 'mutation'
        : info.parentType === schema.getSubscriptionType()
          ? 'subscription'
          : info.parentType === schema.getQueryType()
            ? 'query'
            : undefined;
    if (operation === undefined) return true; // a field of an object type: its root field was checked
    const marked = this.reflector.get(RequireRole, context.getHandler());
    decideAccess(this.config, gql.getContext<SecureContext>().auth ?? {}, operation, marked);
    return true;
  }
}

/** Answers a query whose resolver runs longer than the limit with TIMEOUT (mutations are left to finish). */
@Injectable()
export class QueryTimeLimit implements NestInterceptor {
  constructor(private readonly timeoutMs: number) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<GqlContextType>() !== 'graphql') return next.handle();
    const info = GqlExecutionContext.create(context).getInfo<GraphQLResolveInfo>();
    if (info.operation.operation !== 'query') return next.handle();
    const ms = this.timeoutMs;
    return next.handle().pipe(
      timeout({
        first: ms,
        with: () =>
          throwError(
            () =>
              new GraphQLError(`the query did not finish within ${ms} ms (COMMUNIQUE_QUERY_TIMEOUT_MS)`, {
                extensions: { code: 'TIMEOUT', timeoutMs: ms },
              }),
          ),
      }),
    );
  }
}
