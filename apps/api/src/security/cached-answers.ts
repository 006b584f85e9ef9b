import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import type { ReadModel } from '#read-model';
import type { AnswersConfig, SecurityConfig } from '#runtime';
import {
  AnswerCache,
  NO_STORE,
  PersistedQueries,
  PolicyMemo,
  cacheControlFor,
  entityTag,
  ifNoneMatchNames,
  sha256Hex,
  type DocumentPolicy,
} from '../graphql/answer-cache.js';
import { authenticateRequest } from './access.js';
import {
  graphqlRequestErrorStatus,
  isGraphQLRoute,
  isWebSocketUpgrade,
  responseMediaTypeOf,
  sendGraphQLError,
} from './http-gate.js';

/**
 * The HTTP side of answers cached by log position and of persisted queries (DESIGN §11.22). Both sit inside
 * the HTTP gate of `/graphql` (http-gate.ts): a request reaches them only after the media types, body size,
 * batch size and rate limit were checked, and a persisted query's document then meets the parameter checks,
 * the method check, and GraphQL's parse, limits, validation and access decision like any other.
 */

interface RequestState {
  /** the request sent a document with its hash: register it once the answer was executed */
  register?: string;
  /** set when the answer may be kept */
  key?: string;
  generation?: number;
  roleClass?: string;
  keyed?: boolean;
  policy?: DocumentPolicy;
}

const states = new WeakMap<IncomingMessage, RequestState>();
const stateOf = (request: FastifyRequest): RequestState => {
  let state = states.get(request.raw);
  if (!state) {
    state = {};
    states.set(request.raw, state);
  }
  return state;
};

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const HASH_FIELD = 'extensions.persistedQuery.sha256Hash';

/** A persisted-query refusal: the status, the message and the extensions of its error. */
class PersistedQueryError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extensions: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The request's `extensions` map (a GET's is URL-encoded JSON), or undefined; bad JSON is left to the gate. */
function extensionsOf(request: FastifyRequest): Record<string, unknown> | undefined {
  if (request.method === 'POST') {
    const body = request.body;
    return isMap(body) && isMap(body.extensions) ? body.extensions : undefined;
  }
  const query = request.query;
  if (!isMap(query) || typeof query.extensions !== 'string') return undefined;
  try {
    const parsed = JSON.parse(query.extensions) as unknown;
    return isMap(parsed) ? parsed : undefined;
  } catch {
    return undefined; // the parameter gate names the field
  }
}

/** The hash a persisted query names, checked: version 1, 64 lowercase hexadecimal digits. */
function persistedHash(persisted: unknown): string {
  const badInput = (field: string, reason: string) =>
    new PersistedQueryError(400, `${field}: ${reason}`, { code: 'BAD_USER_INPUT', field, reason });
  if (!isMap(persisted))
    throw badInput('extensions.persistedQuery', 'must be a map with version and sha256Hash');
  if (persisted.version !== 1) throw badInput('extensions.persistedQuery.version', 'must be 1');
  const hash = persisted.sha256Hash;
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) {
    throw badInput(HASH_FIELD, 'must be the sha256 of the document: 64 lowercase hexadecimal digits');
  }
  return hash;
}

/**
 * Persisted queries (preValidation, after the rate limit, before the parameter checks): a request whose
 * `extensions.persistedQuery` names a `sha256Hash` may leave out `query`; the registered document is put in
 * its place, and everything after this runs on it as if it had been sent. A request that sends both is
 * checked (the hash must be the document's) and registers the document once its answer was executed. An
 * unknown hash is `PERSISTED_QUERY_NOT_FOUND`: send the document once with its hash.
 */
export function installPersistedQueries(fastify: FastifyInstance, documents: PersistedQueries): void {
  fastify.addHook('preValidation', async (request, reply) => {
    if (!isGraphQLRoute(request) || isWebSocketUpgrade(request)) return;
    if (request.method === 'POST' && !isMap(request.body)) return; // batches: persisted queries are not taken
    const persisted = extensionsOf(request)?.persistedQuery;
    if (persisted === undefined || persisted === null) return;
    try {
      const hash = persistedHash(persisted);
      const params = (request.method === 'POST' ? request.body : request.query) as Record<string, unknown>;
      if (typeof params.query === 'string') {
        if (sha256Hex(params.query) !== hash) {
          throw new PersistedQueryError(
            400,
            `${HASH_FIELD}: is not the sha256 of the document sent in query`,
            { code: 'BAD_USER_INPUT', field: HASH_FIELD, reason: 'does not match the document' },
          );
        }
        if (documents.maxChars > 0) stateOf(request).register = params.query;
        return;
      }
      if (params.query !== undefined && params.query !== null) return; // the parameter gate names the type
      if (documents.maxChars === 0) {
        throw new PersistedQueryError(
          graphqlRequestErrorStatus(request),
          'PersistedQueryNotSupported: this service keeps no persisted queries (COMMUNIQUE_PERSISTED_QUERY_CHARS is 0); send the document in query',
          { code: 'PERSISTED_QUERY_NOT_SUPPORTED', field: HASH_FIELD },
        );
      }
      const text = documents.get(hash);
      if (text === undefined) {
        throw new PersistedQueryError(
          graphqlRequestErrorStatus(request),
          'PersistedQueryNotFound: no document is registered under this sha256Hash; send the document once in query together with its hash',
          { code: 'PERSISTED_QUERY_NOT_FOUND', field: HASH_FIELD },
        );
      }
      params.query = text;
    } catch (error) {
      if (!(error instanceof PersistedQueryError)) throw error;
      reply.header('cache-control', NO_STORE);
      return sendGraphQLError(reply, error.status, error.message, error.extensions);
    }
  });

  fastify.addHook('onSend', async (request, reply, payload) => {
    const text = states.get(request.raw)?.register;
    if (text !== undefined && reply.statusCode === 200 && executed(payload)) documents.register(text);
    return payload;
  });
}

const DATA_START = '{"data":';

/**
 * An executed answer: it has a `data` entry (a refusal before execution has none). Mercurius's answers reach
 * onSend as text, the cache's as bytes.
 */
const executed = (payload: unknown): boolean =>
  typeof payload === 'string'
    ? payload.startsWith(DATA_START)
    : Buffer.isBuffer(payload) && payload.subarray(0, DATA_START.length).toString('latin1') === DATA_START;

/** What the answer cache needs from the rest of the service. */
export interface AnswerCacheOptions {
  security: SecurityConfig;
  answers: AnswersConfig;
  readModel: ReadModel;
  /** the executable schema (Mercurius's), once the application is ready */
  schema: () => GraphQLSchema | undefined;
}

/** Whether the client asked for an answer computed now (`Cache-Control: no-cache` or `Pragma: no-cache`). */
function wantsFresh(request: FastifyRequest): boolean {
  const control = request.headers['cache-control'];
  const pragma = request.headers.pragma;
  return (
    (typeof control === 'string' && /(^|,)\s*(no-cache|no-store|max-age=0)\s*(,|$)/i.test(control)) ||
    (typeof pragma === 'string' && /no-cache/i.test(pragma))
  );
}

/**
 * The answer cache (preHandler, after every check of the gate, before Mercurius builds a context): a query
 * whose answer is kept at the read model's current generation is answered from memory, with its `ETag`; a
 * GET whose `If-None-Match` names that tag gets 304. Otherwise GraphQL runs, and onSend keeps the answer when
 * it was executed without errors and the read model did not move while it ran. Every answer of `/graphql`
 * gets a `Cache-Control`: `no-store` unless it is a cacheable query answer (see `cacheControlFor`).
 */
export function installAnswerCache(fastify: FastifyInstance, options: AnswerCacheOptions): AnswerCache {
  const { security, answers, readModel } = options;
  const cache = new AnswerCache(answers.cacheBytes);
  const policies = new PolicyMemo(4 * 1024 * 1024);
  const maxTokens = security.limits.maxTokens;

  fastify.addHook('preHandler', async (request, reply) => {
    if (!isGraphQLRoute(request) || isWebSocketUpgrade(request)) return;
    if (request.method !== 'GET' && request.method !== 'POST') return;
    const params = request.method === 'POST' ? request.body : request.query;
    if (!isMap(params) || typeof params.query !== 'string') return;
    const auth = authenticateRequest(request, security);
    if (auth.problem) return;
    const schema = options.schema();
    if (!schema) return;
    const operationName = typeof params.operationName === 'string' ? params.operationName : undefined;
    const policy = policies.get(schema, params.query, operationName, maxTokens);
    if (!policy) return;
    const state = stateOf(request);
    state.policy = policy;
    if (policy.kind !== 'shared' || answers.cacheBytes === 0) return;
    const roleClass = `${auth.principal?.role ?? 'anonymous'}${auth.proxied ? '+proxied' : ''}`;
    const variables =
      request.method === 'POST'
        ? JSON.stringify(params.variables ?? null)
        : typeof params.variables === 'string'
          ? params.variables
          : 'null';
    const media = responseMediaTypeOf(request);
    const key = `${roleClass}\u0000${media}\u0000${operationName ?? ''}\u0000${variables}\u0000${params.query}`;
    const generation = readModel.generation;
    state.key = key;
    state.generation = generation;
    state.roleClass = roleClass;
    state.keyed = auth.principal !== undefined;
    if (wantsFresh(request)) {
      reply.header('x-communique-cache', 'bypass');
      return;
    }
    const hit = cache.get(key, generation);
    if (!hit) {
      reply.header('x-communique-cache', 'miss');
      return;
    }
    state.key = undefined; // nothing to keep
    reply
      .header('etag', hit.etag)
      .header('cache-control', hit.cacheControl)
      .header('vary', 'Accept, Authorization')
      .header('x-communique-cache', 'hit');
    if (request.method === 'GET' && ifNoneMatchNames(request.headers['if-none-match'], hit.etag)) {
      return reply.code(304).send();
    }
    return reply.header('content-type', hit.contentType).code(200).send(hit.body);
  });

  fastify.addHook('onSend', async (request, reply, payload) => {
    if (!isGraphQLRoute(request) || isWebSocketUpgrade(request)) return payload;
    if (reply.hasHeader('cache-control') && reply.getHeader('x-communique-cache') === 'hit') return payload;
    const state = states.get(request.raw);
    const key = state?.key;
    if (
      state === undefined ||
      key === undefined ||
      reply.statusCode !== 200 ||
      typeof payload !== 'string' ||
      !executed(payload) ||
      // `"errors":` outside a string can only be a key: an error list, or an alias so named (then not kept)
      payload.includes('"errors":') ||
      state.generation !== readModel.generation
    ) {
      reply.header('cache-control', NO_STORE);
      return payload;
    }
    const media = responseMediaTypeOf(request);
    const answer = {
      generation: state.generation,
      body: Buffer.from(payload),
      etag: entityTag(state.roleClass ?? '', media, payload),
      cacheControl: cacheControlFor(state.keyed === true, answers.publicMaxAgeSeconds),
      contentType: `${media}; charset=utf-8`,
    };
    cache.set(key, answer, readModel.generation);
    reply
      .header('etag', answer.etag)
      .header('cache-control', answer.cacheControl)
      .header('vary', 'Accept, Authorization');
    if (request.method === 'GET' && ifNoneMatchNames(request.headers['if-none-match'], answer.etag)) {
      reply.code(304);
      return '';
    }
    return payload;
  });
  return cache;
}
