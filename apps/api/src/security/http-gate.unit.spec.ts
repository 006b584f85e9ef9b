import { GraphQLError } from 'graphql';
import {
  GRAPHQL_RESPONSE_JSON,
  JSON_MEDIA_TYPE,
  checkParameters,
  graphqlOutcome,
  negotiateResponseType,
  proxiedBecause,
  requestMediaTypeProblem,
} from './http-gate.js';
import { parseApiKeys } from '#runtime';
import { authenticateRequest, decideAccess } from './access.js';
import type { SecurityConfig } from '#runtime';

describe('Accept negotiation', () => {
  it.each([
    [undefined, JSON_MEDIA_TYPE],
    ['', JSON_MEDIA_TYPE],
    ['*/*', JSON_MEDIA_TYPE],
    ['application/*', JSON_MEDIA_TYPE],
    ['application/json', JSON_MEDIA_TYPE],
    [GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON],
    [`${GRAPHQL_RESPONSE_JSON}; charset=utf-8`, GRAPHQL_RESPONSE_JSON],
    [`${GRAPHQL_RESPONSE_JSON}, application/json;q=0.9`, GRAPHQL_RESPONSE_JSON],
    [`application/json, ${GRAPHQL_RESPONSE_JSON}`, GRAPHQL_RESPONSE_JSON],
    [`${GRAPHQL_RESPONSE_JSON};q=0.5, application/json`, JSON_MEDIA_TYPE],
    [`${GRAPHQL_RESPONSE_JSON}, */*`, GRAPHQL_RESPONSE_JSON],
    [`${GRAPHQL_RESPONSE_JSON};q=0, */*`, JSON_MEDIA_TYPE],
    ['APPLICATION/JSON', JSON_MEDIA_TYPE],
    ['text/html, application/xhtml+xml', undefined],
    ['application/json;q=0', undefined],
    ['text/html, */*;q=0.1', JSON_MEDIA_TYPE],
  ])('Accept %p answers %p', (accept, expected) => {
    expect(negotiateResponseType(accept)).toBe(expected);
  });
});

describe('request media type', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"'])(
    '%p is accepted',
    (type) => expect(requestMediaTypeProblem(type)).toBeUndefined(),
  );
  it.each([
    [undefined, /needs a Content-Type/],
    ['application/x-www-form-urlencoded', /"application\/x-www-form-urlencoded" is not accepted/],
    ['multipart/form-data; boundary=x', /"multipart\/form-data" is not accepted/],
    ['text/plain', /"text\/plain" is not accepted/],
    ['application/graphql', /"application\/graphql" is not accepted/],
    ['application/json; charset=latin1', /charset "latin1" is not accepted/],
    ['\u001b[31mevil', /"\?\[31mevil" is not accepted/],
  ])('%p is refused saying why', (type, reason) => {
    expect(requestMediaTypeProblem(type)).toMatch(reason);
  });
});

describe('request parameters', () => {
  it('null stands for "not given"', () => {
    expect(
      checkParameters({ query: '{ a }', variables: null, operationName: null, extensions: null }, ''),
    ).toEqual({ query: '{ a }' });
  });
  it.each([
    [null, 'body'],
    [[], 'body'],
    [{}, 'query'],
    [{ query: 1 }, 'query'],
    [{ query: '{ a }', operationName: 1 }, 'operationName'],
    [{ query: '{ a }', variables: [] }, 'variables'],
    [{ query: '{ a }', variables: '{}' }, 'variables'],
    [{ query: '{ a }', extensions: true }, 'extensions'],
  ])('%p is refused naming %p', (body, field) => {
    expect(() => checkParameters(body, '')).toThrow(expect.objectContaining({ field }));
  });
  it('a batch element is named by its index', () => {
    expect(() => checkParameters({ query: 2 }, 'body[3]')).toThrow(
      expect.objectContaining({ field: 'body[3].query' }),
    );
  });
});

describe('the HTTP outcome of a GraphQL result', () => {
  const validation = Object.assign(new Error('Graphql validation error'), {
    code: 'MER_ERR_GQL_VALIDATION',
    statusCode: 400,
    errors: [new GraphQLError('Cannot query field "x"')],
  });
  const request = (accept: string) =>
    ({ raw: {}, headers: { accept } }) as unknown as Parameters<typeof graphqlOutcome>[1];

  it('an executed result is 200 with data, whatever the errors', () => {
    expect(graphqlOutcome({ data: null, errors: [new GraphQLError('x')] }, undefined)).toEqual({
      executed: true,
      statusCode: 200,
    });
  });
  it('a GraphQL request error is 200 under application/json (no negotiation seen: the default)', () => {
    const error = new GraphQLError('Graphql validation error', { originalError: validation });
    expect(graphqlOutcome({ errors: [error] }, request('application/json'))).toEqual({
      executed: false,
      statusCode: 200,
    });
    expect(graphqlOutcome({ errors: [new GraphQLError('Unknown operation')] }, undefined)).toEqual({
      executed: false,
      statusCode: 200,
    });
  });
  it('an HTTP-level failure keeps its status and is typed; an unexpected one is a 500', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413 });
    expect(
      graphqlOutcome({ errors: [new GraphQLError('x', { originalError: tooLarge })] }, undefined),
    ).toEqual({ executed: false, statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    const notJson = Object.assign(new SyntaxError('Unexpected token'), { statusCode: 400 });
    expect(
      graphqlOutcome({ errors: [new GraphQLError('x', { originalError: notJson })] }, undefined),
    ).toEqual({ executed: false, statusCode: 400, code: 'BAD_USER_INPUT' });
    expect(
      graphqlOutcome({ errors: [new GraphQLError('x', { originalError: new TypeError('bug') })] }, undefined),
    ).toEqual({ executed: false, statusCode: 500, code: 'INTERNAL_SERVER_ERROR' });
  });
});

describe('proxied requests without keys', () => {
  const noKeys: SecurityConfig = {
    apiKeys: [],
    publicReads: true,
    loopback: true,
    limits: {
      maxDepth: 10,
      maxAliases: 15,
      maxCost: 20000,
      maxTokens: 2000,
      maxDocumentChars: 20000,
      maxBatch: 10,
      queryTimeoutMs: 1000,
      bodyLimitBytes: 1024,
      maxNodes: 20000,
    },
    rateLimit: { burst: 0, perSecond: 1 },
    ws: {
      allowedOrigins: [],
      maxConnectionsPerClient: 16,
      maxSubscriptionsPerConnection: 20,
      maxMessageBytes: 65536,
      maxBufferedBytes: 131072,
      maxReplayEvents: 10000,
      sharedExecution: true,
      flushDelayMs: 0,
    },
    metrics: { host: '127.0.0.1' },
  };
  const local = { remoteAddress: '127.0.0.1' };

  it.each([
    [{}, local, undefined],
    [{}, { remoteAddress: '::1' }, undefined],
    [{}, { remoteAddress: '::ffff:127.0.0.1' }, undefined],
    [{ 'x-forwarded-for': '127.0.0.1' }, local, /x-forwarded-for/],
    [{ forwarded: 'for=1.2.3.4' }, local, /forwarded/],
    [{ 'x-real-ip': '1.2.3.4' }, local, /x-real-ip/],
    [{}, { remoteAddress: '192.0.2.1' }, /non-loopback/],
    [{}, {}, /non-loopback/],
  ])('headers %p from %p: %p', (headers, socket, reason) => {
    const found = proxiedBecause({ headers, socket });
    if (reason === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(reason);
  });

  it('may read but not write; with keys the proxy changes nothing', () => {
    const proxied = authenticateRequest({ headers: { 'x-forwarded-for': '1.2.3.4' }, socket: local }, noKeys);
    expect(() => decideAccess(noKeys, proxied, 'query', undefined)).not.toThrow();
    expect(() => decideAccess(noKeys, proxied, 'mutation', undefined)).toThrow(
      /no API keys are configured .*came through a proxy \(x-forwarded-for header\)/,
    );
    expect(() => decideAccess(noKeys, proxied, 'query', 'auditor')).toThrow(GraphQLError);
    const direct = authenticateRequest({ headers: {}, socket: local }, noKeys);
    expect(() => decideAccess(noKeys, direct, 'mutation', undefined)).not.toThrow();
    const withKeys = { ...noKeys, apiKeys: parseApiKeys('eve:editor:editor-key-0123456789') };
    const editor = authenticateRequest(
      {
        headers: { authorization: 'Bearer editor-key-0123456789', 'x-forwarded-for': '1.2.3.4' },
        socket: local,
      },
      withKeys,
    );
    expect(() => decideAccess(withKeys, editor, 'mutation', undefined)).not.toThrow();
  });
});
