import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError, getOperationAST, parse, type DocumentNode } from 'graphql';
import { isLoopbackHost, type LimitsConfig } from './security-config.js';

/**
 * The HTTP door of GraphQL, as the GraphQL-over-HTTP specification describes it: which requests reach the
 * GraphQL handler (media types, methods, parameters of the right JSON types), which media type the answer
 * is in (`Accept` negotiation) and the status code each outcome gets. Everything here is decided by the route
 * Fastify matched (`request.routeOptions.url`), never by the URL string, so every spelling that reaches the
 * handler (`/%67raphql`, an absolute-form target, ...) meets the same checks.
 */

export const GRAPHQL_PATH = '/graphql';
export const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json';
export const JSON_MEDIA_TYPE = 'application/json';
export type ResponseMediaType = typeof GRAPHQL_RESPONSE_JSON | typeof JSON_MEDIA_TYPE;

/** Whether Fastify routed the request to the GraphQL handler (whatever spelling the URL had). */
export const isGraphQLRoute = (request: FastifyRequest): boolean => request.routeOptions.url === GRAPHQL_PATH;

/** A WebSocket upgrade of `/graphql` (subscriptions): its own gate, not the HTTP one. */
export function isWebSocketUpgrade(request: FastifyRequest): boolean {
  const raw = request.raw as IncomingMessage & { upgrade?: boolean };
  return raw.upgrade === true || (request as FastifyRequest & { ws?: boolean }).ws === true;
}

interface Range {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string): Range[] {
  const ranges: Range[] = [];
  for (const part of header.split(',')) {
    const [range = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const [type, subtype] = range.split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const param of params) {
      const match = /^q\s*=\s*([01](?:\.\d{0,3})?)$/.exec(param);
      if (match) q = Number(match[1]);
    }
    ranges.push({ type, subtype, q });
  }
  return ranges;
}

/** The quality and specificity (3 exact, 2 `type/*`, 1 `*\/*`) the most specific matching range gives `media`. */
function quality(ranges: Range[], media: string): { q: number; specificity: number } {
  const [type, subtype] = media.split('/');
  let best = { q: 0, specificity: 0 };
  for (const range of ranges) {
    const specificity =
      range.type === type && range.subtype === subtype
        ? 3
        : range.type === type && range.subtype === '*'
          ? 2
          : range.type === '*' && range.subtype === '*'
            ? 1
            : 0;
    if (specificity > best.specificity) best = { q: range.q, specificity };
  }
  return best;
}

/**
 * The media type of the answer: `application/graphql-response+json` when the client names it at least as
 * highly as `application/json`, else `application/json` (also for no `Accept`, `*\/*` and `application/*`,
 * which older clients send); undefined when the client accepts neither.
 */
export function negotiateResponseType(accept: string | string[] | undefined): ResponseMediaType | undefined {
  const header = Array.isArray(accept) ? accept.join(',') : accept;
  if (header === undefined || header.trim() === '') return JSON_MEDIA_TYPE;
  const ranges = parseAccept(header);
  if (ranges.length === 0) return JSON_MEDIA_TYPE;
  const graphql = quality(ranges, GRAPHQL_RESPONSE_JSON);
  const json = quality(ranges, JSON_MEDIA_TYPE);
  if (graphql.q === 0 && json.q === 0) return undefined;
  if (graphql.q !== json.q) return graphql.q > json.q ? GRAPHQL_RESPONSE_JSON : JSON_MEDIA_TYPE;
  return graphql.specificity === 3 && graphql.specificity >= json.specificity
    ? GRAPHQL_RESPONSE_JSON
    : JSON_MEDIA_TYPE;
}

/** A header value fit to quote in an error message: short, printable. */
function quoted(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(printable.length > 60 ? `${printable.slice(0, 60)}…` : printable);
}

/** Why a POST body of this `Content-Type` is refused (415), or undefined when it is `application/json`. */
export function requestMediaTypeProblem(contentType: string | undefined): string | undefined {
  const expected = 'send the request as "Content-Type: application/json"';
  if (contentType === undefined || contentType.trim() === '')
    return `a POST to /graphql needs a Content-Type: ${expected}`;
  const [media = '', ...params] = contentType.split(';').map((p) => p.trim().toLowerCase());
  if (media !== JSON_MEDIA_TYPE) return `the media type ${quoted(media)} is not accepted: ${expected}`;
  for (const param of params) {
    const [name, value = ''] = param.split('=').map((p) => p.trim());
    if (name === 'charset' && value.replace(/^"|"$/g, '') !== 'utf-8')
      return `the charset ${quoted(value)} is not accepted: GraphQL requests are UTF-8 (${expected})`;
  }
  return undefined;
}

/**
 * Why a request seems to have come through a proxy or from another machine, or undefined: a `Forwarded`,
 * `X-Forwarded-For` or `X-Real-IP` header, or a peer address that is not loopback. Without API keys such a
 * request may not write, whatever address the service listens on (a reverse proxy on the same host
 * connects from 127.0.0.1 and would otherwise give everyone write access).
 */
export function proxiedBecause(request: {
  headers: IncomingMessage['headers'];
  socket?: { remoteAddress?: string };
}): string | undefined {
  for (const header of ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const) {
    if (request.headers[header] !== undefined) return `it came through a proxy (${header} header)`;
  }
  const peer = request.socket?.remoteAddress;
  if (peer === undefined || !isLoopbackHost(peer)) return 'it came from a non-loopback address';
  return undefined;
}

const mediaTypes = new WeakMap<IncomingMessage, ResponseMediaType>();

/** The negotiated media type of a GraphQL request's answer (`application/json` before negotiation). */
export function responseMediaTypeOf(request: FastifyRequest | undefined): ResponseMediaType {
  return (request && mediaTypes.get(request.raw)) ?? JSON_MEDIA_TYPE;
}

/** Answers a GraphQL HTTP request with an error of its own and no `data` (nothing was executed). */
export function sendGraphQLError(
  reply: FastifyReply,
  status: number,
  message: string,
  extensions: Record<string, unknown>,
) {
  return reply
    .code(status)
    .header('content-type', `${responseMediaTypeOf(reply.request)}; charset=utf-8`)
    .send(JSON.stringify({ errors: [{ message, extensions }] }));
}

/** A refusal of the request's parameters: 400 naming the field. */
class ParameterError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks one GraphQL request's parameters (a POST body or a batch element): `query` a string, `operationName`
 * a string, `variables` and `extensions` maps; `null` stands for "not given". Returns the request with the
 * nulls left out.
 */
export function checkParameters(value: unknown, at: string): Record<string, unknown> {
  if (!isMap(value)) throw new ParameterError(at || 'body', 'must be a JSON object');
  const name = (key: string) => (at ? `${at}.${key}` : key);
  const { query, operationName, variables, extensions } = value;
  if (query === undefined || query === null)
    throw new ParameterError(name('query'), 'is required (the GraphQL document, a string)');
  if (typeof query !== 'string') throw new ParameterError(name('query'), 'must be a string');
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string')
    throw new ParameterError(name('operationName'), 'must be a string or null');
  if (variables !== undefined && variables !== null && !isMap(variables))
    throw new ParameterError(name('variables'), 'must be a map (JSON object) or null');
  if (extensions !== undefined && extensions !== null && !isMap(extensions))
    throw new ParameterError(name('extensions'), 'must be a map (JSON object) or null');
  const checked: Record<string, unknown> = { ...value };
  for (const key of ['operationName', 'variables', 'extensions']) {
    if (checked[key] === null) delete checked[key];
  }
  return checked;
}

/** A GET's query-string parameters: the same rules, with `variables` and `extensions` as JSON text. */
function checkGetParameters(query: unknown): { query: string; operationName?: string } {
  const params = isMap(query) ? query : {};
  for (const key of ['query', 'operationName', 'variables', 'extensions']) {
    if (Array.isArray(params[key])) throw new ParameterError(key, 'must be given once');
  }
  const json = (key: string): unknown => {
    const text = params[key];
    if (text === undefined) return undefined;
    try {
      return JSON.parse(String(text)) as unknown;
    } catch {
      throw new ParameterError(key, 'must be a JSON map (URL-encoded) or null');
    }
  };
  const checked = checkParameters(
    { ...params, variables: json('variables'), extensions: json('extensions') },
    '',
  );
  return {
    query: checked.query as string,
    operationName: checked.operationName as string | undefined,
  };
}

/** A well-formed request the GraphQL layer refuses before executing it (parse or operation problems). */
class RequestError extends Error {}

/** The operation a GET would run, refusing (405) anything but a query. */
function getOperation(query: string, operationName: string | undefined, limits: LimitsConfig): string {
  if (query.length > limits.maxDocumentChars) return 'query'; // refused by the document size limit
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: limits.maxTokens });
  } catch {
    return 'query'; // the GraphQL layer answers the syntax error
  }
  const operation = getOperationAST(document, operationName);
  if (!operation) {
    throw new RequestError(
      operationName === undefined
        ? 'the document holds several operations: name one with operationName'
        : `the document holds no operation named ${quoted(operationName)}`,
    );
  }
  return operation.operation;
}

/**
 * The first part of the HTTP gate of `/graphql` (onRequest, before the body is read): the `Accept`
 * negotiation (406) and the POST media type (415). Batched answers that were executed are 200, each element
 * carrying its own errors.
 */
export function installMediaTypeGate(fastify: FastifyInstance): void {
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (!isGraphQLRoute(request) || !Array.isArray(request.body)) return payload;
    // an executed batch: every operation answered in its own element (refusals of the whole batch are objects)
    if (typeof payload === 'string' && payload.startsWith('[')) reply.code(200);
    return payload;
  });

  fastify.addHook('onRequest', async (request, reply) => {
    if (!isGraphQLRoute(request) || isWebSocketUpgrade(request)) return;
    const media = negotiateResponseType(request.headers.accept);
    if (media === undefined) {
      return sendGraphQLError(
        reply,
        406,
        `the Accept header ${quoted(String(request.headers.accept))} names no media type this service answers in: accept ${GRAPHQL_RESPONSE_JSON} or ${JSON_MEDIA_TYPE}`,
        { code: 'NOT_ACCEPTABLE', accepted: [GRAPHQL_RESPONSE_JSON, JSON_MEDIA_TYPE] },
      );
    }
    mediaTypes.set(request.raw, media);
    reply.header('content-type', `${media}; charset=utf-8`);
    reply.header('vary', 'Accept');
    if (request.method === 'POST') {
      const problem = requestMediaTypeProblem(request.headers['content-type']);
      if (problem) {
        reply.header('accept', JSON_MEDIA_TYPE);
        return sendGraphQLError(reply, 415, problem, {
          code: 'UNSUPPORTED_MEDIA_TYPE',
          accepted: [JSON_MEDIA_TYPE],
        });
      }
    }
  });
}

/**
 * The second part (preValidation, once the body is parsed, before Mercurius sees it): the parameters' JSON
 * types (400), and for GET (and HEAD) that the operation is a query (405 with `Allow: POST`).
 */
export function installParameterGate(fastify: FastifyInstance, limits: LimitsConfig): void {
  fastify.addHook('preValidation', async (request, reply) => {
    if (!isGraphQLRoute(request) || isWebSocketUpgrade(request)) return;
    try {
      if (request.method === 'POST') {
        const body = request.body;
        if (Array.isArray(body)) {
          if (body.length === 0) throw new ParameterError('body', 'a batch must hold at least one operation');
          request.body = body.map((element, index) => checkParameters(element, `body[${index}]`));
        } else {
          request.body = checkParameters(body, '');
        }
        return;
      }
      const { query, operationName } = checkGetParameters(request.query);
      const operation = getOperation(query, operationName, limits);
      if (operation !== 'query') {
        reply.header('allow', 'POST');
        return sendGraphQLError(
          reply,
          405,
          `a ${operation} cannot be sent with ${request.method}: send it with POST`,
          { code: 'METHOD_NOT_ALLOWED', operation, allow: ['POST'] },
        );
      }
    } catch (error) {
      if (error instanceof ParameterError) {
        return sendGraphQLError(reply, 400, error.message, {
          code: 'BAD_USER_INPUT',
          field: error.field,
          reason: error.reason,
        });
      }
      if (error instanceof RequestError) {
        return sendGraphQLError(reply, graphqlRequestErrorStatus(request), error.message, {
          code: 'BAD_USER_INPUT',
          field: 'operationName',
        });
      }
      throw error;
    }
  });
}

/**
 * The status of a well-formed request that GraphQL refused before executing it (a syntax or validation
 * error, variables that do not coerce): 200 for `application/json`, 400 for
 * `application/graphql-response+json`, as the GraphQL-over-HTTP specification says.
 */
export function graphqlRequestErrorStatus(request: FastifyRequest | undefined): number {
  return responseMediaTypeOf(request) === GRAPHQL_RESPONSE_JSON ? 400 : 200;
}

/** The typed code of a refusal at the HTTP level, by its status. */
function httpCode(status: number): string {
  switch (status) {
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 406:
      return 'NOT_ACCEPTABLE';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'RATE_LIMITED';
    default:
      return status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_USER_INPUT';
  }
}

interface ErrorLike {
  originalError?: unknown;
}

/**
 * How the outcome of a GraphQL request is answered over HTTP: whether it was executed (then 200 and a `data`
 * entry), refused by GraphQL before execution (see `graphqlRequestErrorStatus`, no `data`), or refused at the
 * HTTP level (the error's own 4xx, or 500, no `data`; `code` then types it).
 */
export function graphqlOutcome(
  execution: { data?: unknown; errors?: readonly ErrorLike[] },
  request: FastifyRequest | undefined,
): { executed: boolean; statusCode: number; code?: string } {
  if (execution.data !== undefined) return { executed: true, statusCode: 200 };
  const original = execution.errors?.[0]?.originalError;
  if (original === undefined || original instanceof GraphQLError)
    return { executed: false, statusCode: graphqlRequestErrorStatus(request) };
  const { code, errors, statusCode } = original as { code?: unknown; errors?: unknown; statusCode?: unknown };
  if (
    code === 'MER_ERR_GQL_VALIDATION' &&
    Array.isArray(errors) &&
    errors.every((e) => e instanceof GraphQLError)
  )
    return { executed: false, statusCode: graphqlRequestErrorStatus(request) };
  const status = typeof statusCode === 'number' && statusCode >= 400 && statusCode < 600 ? statusCode : 500;
  return { executed: false, statusCode: status, code: httpCode(status) };
}
