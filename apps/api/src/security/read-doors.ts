import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { authenticateRequest, decideAccess } from './access.js';
import { bearerKey, findPrincipal, type SecurityConfig } from '#runtime';
import { escapeHtml } from '#read-model';
import type { TokenBuckets } from './rate-limit.js';

/**
 * The access policy of every HTTP route, decided by the route Fastify matched (`request.routeOptions.url`),
 * never by the URL string, so every spelling that reaches a handler meets the same policy.
 *
 * - `probe`: public and never rate limited (an orchestrator must reach `/health/live` during a flood);
 * - `asset`: public code and style (no data), rate limited;
 * - `read`: the read policy of GraphQL queries (`COMMUNIQUE_PUBLIC_READS`, keys, roles), rate limited with
 *   GraphQL's token buckets, keyed the same way;
 * - `graphql`: `/graphql` itself, whose gate is GraphQL's own (fields, rate and batch limits);
 * - `metrics`: the Prometheus scrape (`COMMUNIQUE_METRICS_PORT` / `COMMUNIQUE_METRICS_KEY`, see
 *   docs/SECURITY.md).
 *
 * A route registered without a decision here stops the service at start-up: no route can skip the policy.
 */
export type RoutePolicy = 'probe' | 'asset' | 'read' | 'graphql' | 'metrics';

export const ROUTE_POLICIES: Readonly<Record<string, RoutePolicy>> = {
  '/health': 'probe',
  '/health/live': 'probe',
  '/health/ready': 'probe',
  '/exports/timeline.csv': 'read',
  '/exports/timeline.json': 'read',
  '/exports/timeline.timelinejs.json': 'read',
  '/timeline': 'read',
  '/stories/:id': 'read',
  '/stories/:id/export': 'read',
  '/assets/timeline-page.js': 'asset',
  '/assets/timeline-page.css': 'asset',
  '/assets/timelinejs/*': 'asset',
  '/graphql': 'graphql',
  '/graphiql': 'read',
  '/graphiql/assets/*': 'read',
  // the explorer's page and build files: code, no data (it reads through /graphql)
  '/': 'asset',
  '/explorer/*': 'asset',
  '/metrics': 'metrics',
  // the verifiable log (DESIGN §11.21): the public key is public (it holds no data); proofs and heads are reads
  '/.well-known/communique-log-key': 'asset',
  '/audit/tree-heads': 'read',
  '/audit/tree-heads/latest': 'read',
  '/audit/proof': 'read',
  '/audit/consistency': 'read',
};

/** The routes that answer in HTML, so that a refusal is a page too. */
const HTML_ROUTES = new Set(['/timeline', '/stories/:id']);

export class UndecidedRouteError extends Error {
  constructor(readonly route: string) {
    super(
      `the route ${route} has no access decision: add it to ROUTE_POLICIES in apps/api/src/security/read-doors.ts (probe, asset, read, graphql or metrics)`,
    );
    this.name = 'UndecidedRouteError';
  }
}

/** The policy of a matched route; throws for a route without one. */
export function policyOf(route: string): RoutePolicy {
  const policy = Object.hasOwn(ROUTE_POLICIES, route) ? ROUTE_POLICIES[route] : undefined;
  if (policy === undefined) throw new UndecidedRouteError(route);
  return policy;
}

/** A refusal of a REST door: the HTTP status and the body's fields. */
export interface DoorRefusal {
  status: 401 | 403 | 404 | 429;
  error: 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'RATE_LIMITED';
  reason: string;
  requiredRole?: string;
  retryAfterSeconds?: number;
}

/** The rate limiter's client: the key's name for a known key, else the client address (as for GraphQL). */
export function rateLimitClient(request: FastifyRequest, config: SecurityConfig): string {
  const key = bearerKey(request.headers.authorization);
  const principal = key ? findPrincipal(config.apiKeys, key) : undefined;
  return principal ? `key:${principal.name}` : `address:${request.ip}`;
}

/** The read policy of GraphQL queries applied to a REST request; undefined when it may go ahead. */
export function readRefusal(request: FastifyRequest, config: SecurityConfig): DoorRefusal | undefined {
  try {
    decideAccess(config, authenticateRequest(request, config), 'query', undefined);
    return undefined;
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    const code = error.extensions.code === 'UNAUTHENTICATED' ? 'UNAUTHENTICATED' : 'FORBIDDEN';
    const requiredRole = error.extensions.requiredRole;
    return {
      status: code === 'UNAUTHENTICATED' ? 401 : 403,
      error: code,
      reason: error.message,
      ...(typeof requiredRole === 'string' ? { requiredRole } : {}),
    };
  }
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Whether a request came through a proxy that says so (`Forwarded`, `X-Forwarded-For`, `X-Real-IP`). */
export function cameThroughProxy(request: Pick<FastifyRequest, 'headers'>): boolean {
  const h = request.headers;
  return h.forwarded !== undefined || h['x-forwarded-for'] !== undefined || h['x-real-ip'] !== undefined;
}

/**
 * Who may scrape `/metrics` on a listener: with `COMMUNIQUE_METRICS_KEY`, whoever sends it; without it, on the
 * main listener only a direct client of a loopback listener, and nobody at all when metrics have their own
 * listener (`COMMUNIQUE_METRICS_PORT`).
 */
export function metricsRefusal(
  request: Pick<FastifyRequest, 'headers'>,
  config: SecurityConfig,
  listener: 'main' | 'metrics',
): DoorRefusal | undefined {
  const { port, keySha256 } = config.metrics;
  if (listener === 'main' && port !== undefined) {
    return {
      status: 404,
      error: 'NOT_FOUND',
      reason: `metrics are served on their own listener (COMMUNIQUE_METRICS_PORT=${port})`,
    };
  }
  if (keySha256 !== undefined) {
    const key = bearerKey(request.headers.authorization);
    if (typeof key === 'string' && timingSafeEqual(sha256(key), keySha256)) return undefined;
    return {
      status: 401,
      error: 'UNAUTHENTICATED',
      reason: 'a scrape of /metrics needs "Authorization: Bearer <COMMUNIQUE_METRICS_KEY>"',
    };
  }
  if (listener === 'metrics') return undefined;
  if (!config.loopback) {
    return {
      status: 403,
      error: 'FORBIDDEN',
      reason:
        'the service listens on a non-loopback address: set COMMUNIQUE_METRICS_KEY (a bearer key for scrapes) or COMMUNIQUE_METRICS_PORT (a listener of its own) to serve /metrics',
    };
  }
  if (cameThroughProxy(request)) {
    return {
      status: 403,
      error: 'FORBIDDEN',
      reason:
        'this request came through a proxy: set COMMUNIQUE_METRICS_KEY or COMMUNIQUE_METRICS_PORT to serve /metrics to it',
    };
  }
  return undefined;
}

export function sendRefusal(reply: FastifyReply, route: string, refusal: DoorRefusal): FastifyReply {
  if (refusal.status === 401) void reply.header('www-authenticate', 'Bearer realm="communique"');
  if (refusal.retryAfterSeconds !== undefined)
    void reply.header('retry-after', String(refusal.retryAfterSeconds));
  void reply.code(refusal.status).header('cache-control', 'no-store');
  if (HTML_ROUTES.has(route)) {
    return reply.type('text/html; charset=utf-8').send(refusalPageHtml(refusal));
  }
  const { status: _status, ...body } = refusal;
  return reply.type('application/json; charset=utf-8').send(body);
}

function refusalPageHtml(refusal: DoorRefusal): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Timeline: ${refusal.status} · Communiqué</title>
</head>
<body>
<main><h1>${escapeHtml(refusal.error)}</h1><p class="error">${escapeHtml(refusal.reason)}</p></main>
</body>
</html>
`;
}

/**
 * Installs the route policies on the main listener: an `onRoute` hook refuses to register a route without a
 * decision, and an `onRequest` hook applies the matched route's policy before anything else runs.
 * `buckets` are GraphQL's token buckets, so a client's REST and GraphQL requests draw on one budget.
 */
export function installReadDoors(
  fastify: FastifyInstance,
  config: SecurityConfig,
  buckets: TokenBuckets,
): void {
  fastify.addHook('onRoute', (route) => {
    policyOf(route.url);
  });
  // no response is ever sniffed into another type (a JSON error echoing "<script>" stays JSON)
  fastify.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('x-content-type-options')) void reply.header('x-content-type-options', 'nosniff');
    return payload;
  });
  fastify.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route === undefined) return; // no route matched: Fastify answers 404
    const policy = policyOf(route);
    if (policy === 'probe' || policy === 'graphql') return;
    let refusal: DoorRefusal | undefined;
    if (policy === 'read') refusal = readRefusal(request, config);
    else if (policy === 'metrics') refusal = metricsRefusal(request, config, 'main');
    if (refusal === undefined) {
      const retryAfter = buckets.take(rateLimitClient(request, config));
      if (retryAfter > 0) {
        refusal = {
          status: 429,
          error: 'RATE_LIMITED',
          reason: `too many requests from this ${rateLimitClient(request, config).startsWith('key:') ? 'key' : 'address'}; retry in ${retryAfter} s`,
          retryAfterSeconds: retryAfter,
        };
      }
    }
    if (refusal !== undefined) return sendRefusal(reply, route, refusal);
  });
}
