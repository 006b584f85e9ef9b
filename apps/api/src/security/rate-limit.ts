import type { FastifyInstance } from 'fastify';
import { bearerKey, findPrincipal } from './api-keys.js';
import { isGraphQLRoute, sendGraphQLError as graphqlError } from './http-gate.js';
import type { RateLimitConfig, SecurityConfig } from './security-config.js';

/**
 * Token buckets in memory, one per client: `burst` tokens, refilled at `perSecond`. A request takes
 * `cost` tokens (a batched request one per operation). Buckets that are full again are forgotten, so the
 * map holds only clients that were active lately.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly config: RateLimitConfig,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** 0 when the request may go ahead (its tokens taken), else the seconds until it could. */
  take(client: string, cost = 1): number {
    if (this.config.burst === 0) return 0;
    const now = this.now();
    const bucket = this.buckets.get(client) ?? { tokens: this.config.burst, at: now };
    bucket.tokens = Math.min(
      this.config.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.config.perSecond,
    );
    bucket.at = now;
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      this.buckets.set(client, bucket);
      if (this.buckets.size > 10_000) this.forgetFull(now);
      return 0;
    }
    this.buckets.set(client, bucket);
    return Math.max(
      1,
      Math.ceil((Math.min(cost, this.config.burst) - bucket.tokens) / this.config.perSecond),
    );
  }

  get size(): number {
    return this.buckets.size;
  }

  private forgetFull(now: number): void {
    for (const [client, bucket] of this.buckets) {
      const tokens = bucket.tokens + ((now - bucket.at) / 1000) * this.config.perSecond;
      if (tokens >= this.config.burst) this.buckets.delete(client);
    }
  }
}

/**
 * HTTP-level protection of `/graphql`: the body size limit answered as a GraphQL error, the number of
 * operations in a batched request, and rate limiting per key (per client address without a known key).
 */
export function installHttpProtection(fastify: FastifyInstance, config: SecurityConfig): TokenBuckets {
  const buckets = new TokenBuckets(config.rateLimit);
  const { bodyLimitBytes, maxBatch } = config.limits;
  // Keyed on the route Fastify matched, not on the URL string: `/%67raphql`, an absolute-form target and any
  // other spelling that reaches the GraphQL handler meet the same limits.
  const isGraphql = isGraphQLRoute;

  fastify.addHook('onRequest', async (request, reply) => {
    if (!isGraphql(request)) return;
    const length = Number(request.headers['content-length'] ?? 0);
    if (length > bodyLimitBytes) {
      return graphqlError(
        reply,
        413,
        `the request body is ${length} bytes; the limit is ${bodyLimitBytes} bytes (COMMUNIQUE_MAX_BODY_BYTES)`,
        { code: 'PAYLOAD_TOO_LARGE', max: bodyLimitBytes, actual: length },
      );
    }
  });

  // preValidation: before the body's parameters are checked, so that refused requests are counted too
  fastify.addHook('preValidation', async (request, reply) => {
    if (!isGraphql(request)) return;
    const operations = Array.isArray(request.body) ? request.body.length : 1;
    if (operations > maxBatch) {
      return graphqlError(
        reply,
        400,
        `a batched request may hold at most ${maxBatch} operations, this one has ${operations} (COMMUNIQUE_GRAPHQL_MAX_BATCH)`,
        { code: 'BAD_USER_INPUT', field: 'body', max: maxBatch, actual: operations },
      );
    }
    const key = bearerKey(request.headers.authorization);
    const principal = key ? findPrincipal(config.apiKeys, key) : undefined;
    const client = principal ? `key:${principal.name}` : `address:${request.ip}`;
    const retryAfter = buckets.take(client, operations);
    if (retryAfter > 0) {
      reply.header('retry-after', String(retryAfter));
      return graphqlError(
        reply,
        429,
        `too many requests from ${principal ? `key "${principal.name}"` : 'this address'}; retry in ${retryAfter} s`,
        {
          code: 'RATE_LIMITED',
          retryAfterSeconds: retryAfter,
        },
      );
    }
  });
  return buckets;
}
