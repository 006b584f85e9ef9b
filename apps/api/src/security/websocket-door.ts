import type { IncomingMessage } from 'node:http';
import fastifyWebsocket from '@fastify/websocket';
import { Injectable } from '@nestjs/common';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GraphQLError, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type WebSocket from 'ws';
import { withErrorCode } from '../graphql/errors.js';
import type { RequestAuth, SecureContext } from './access.js';
import type { GraphQLGate } from './graphql-gate.js';
import type { WebSocketConfig } from '#runtime';

/**
 * The WebSocket door of `/graphql` (Mercurius's subscriptions, protocols `graphql-transport-ws` and the
 * legacy `graphql-ws`). Mercurius neither limits nor validates what arrives there; this module puts it
 * through the same gate as HTTP and adds what only a WebSocket needs:
 *
 * - at the upgrade: the `Origin` allow-list (403) and the open connections per client (429);
 * - per message: the size (`maxPayload`: a larger message closes the connection with 1009) and the client's
 *   token bucket, shared with HTTP (an empty bucket closes the connection with 4429, reason `RATE_LIMITED`);
 * - per subscription: the gate's `admit` (size, tokens, syntax, every validation rule), the access decision,
 *   and the number of live subscriptions of the connection; a refusal is an `error` message with
 *   `extensions.code`;
 * - every `error` message Mercurius sends carries `extensions.code`.
 */

/** What a connection keeps: its live subscription ids, and its socket (live updates write to it, §11.20). */
export interface ConnectionState {
  subscriptions: Set<string>;
  socket?: WebSocket;
}

/** The context members the WebSocket door adds. */
export interface WebSocketContext extends SecureContext {
  wsConnection: ConnectionState;
}

/** Documents the gate admitted, by the per-subscription context Mercurius hands to both hooks. */
const admitted = new WeakMap<object, DocumentNode>();

/**
 * Nest's Mercurius driver, installing the door on Fastify just before it registers Mercurius (the HTTP
 * adapter exists by then, however the application was built).
 */
export function mercuriusDriverWithDoor(gate: GraphQLGate): typeof MercuriusDriver {
  @Injectable()
  class MercuriusDriverWithDoor extends MercuriusDriver {
    override async start(options: MercuriusDriverConfig): Promise<void> {
      await installWebSocketDoor(this.httpAdapterHost.httpAdapter.getInstance<FastifyInstance>(), gate);
      return super.start(options);
    }
  }
  return MercuriusDriverWithDoor;
}

/**
 * Registers `@fastify/websocket` with the door's limits, before Mercurius (which then uses this server
 * instead of registering its own with a 1 MiB message limit and no checks).
 */
export async function installWebSocketDoor(fastify: FastifyInstance, gate: GraphQLGate): Promise<void> {
  const config = gate.config.ws;
  const open = new Map<string, number>();
  await fastify.register(fastifyWebsocket, {
    options: {
      maxPayload: config.maxMessageBytes,
      verifyClient: (
        info: { origin?: string; req: IncomingMessage },
        done: (result: boolean, code?: number, message?: string) => void,
      ) => {
        const origin = info.req.headers.origin;
        if (!originAllowed(origin, info.req.headers.host, config)) {
          done(
            false,
            403,
            `the origin ${String(origin)} may not open a WebSocket here (COMMUNIQUE_WS_ALLOWED_ORIGINS)`,
          );
          return;
        }
        const client = gate.client(info.req.headers.authorization, info.req.socket.remoteAddress);
        const count = open.get(client) ?? 0;
        if (count >= config.maxConnectionsPerClient) {
          done(
            false,
            429,
            `too many WebSocket connections from ${describe(client)}: the limit is ${config.maxConnectionsPerClient} (COMMUNIQUE_WS_MAX_CONNECTIONS_PER_CLIENT)`,
          );
          return;
        }
        open.set(client, count + 1);
        info.req.socket.once('close', () => {
          const left = (open.get(client) ?? 1) - 1;
          if (left > 0) open.set(client, left);
          else open.delete(client);
        });
        done(true);
      },
    },
  });
  fastify.websocketServer.on('connection', (socket: WebSocket, request: IncomingMessage) =>
    watchConnection(socket, gate.client(request.headers.authorization, request.socket.remoteAddress), gate),
  );
}

/** Every message takes a token from the client's bucket; every error message gets a code. */
function watchConnection(socket: WebSocket, client: string, gate: GraphQLGate): void {
  socket.on('message', () => {
    const retryAfter = gate.buckets.take(client, 1);
    if (retryAfter > 0 && socket.readyState === socket.OPEN) {
      socket.close(4429, `RATE_LIMITED: too many messages; retry in ${retryAfter} s`);
    }
  });
  const send = socket.send.bind(socket) as (data: unknown, ...rest: unknown[]) => void;
  (socket as unknown as { send: (data: unknown, ...rest: unknown[]) => void }).send = (data, ...rest) =>
    send(typeof data === 'string' ? withCodes(data) : data, ...rest);
}

/** An `error` message whose errors all carry `extensions.code` (Mercurius's own refusals have none). */
export function withCodes(message: string): string {
  if (!message.startsWith('{"type":"error"')) return message;
  try {
    const parsed = JSON.parse(message) as { payload?: unknown };
    if (!Array.isArray(parsed.payload)) return message;
    const payload = (parsed.payload as GraphQLFormattedError[]).map((error) =>
      withErrorCode(typeof error === 'object' && error !== null ? error : { message: String(error) }),
    );
    return JSON.stringify({ ...parsed, payload });
  } catch {
    return message;
  }
}

export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  config: WebSocketConfig,
): boolean {
  if (origin === undefined) return true; // not a browser: no ambient credentials to abuse
  if (config.allowedOrigins === '*') return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, files) and garbage
  }
  if (config.allowedOrigins.includes(url.origin)) return true;
  // the service's own pages (GraphiQL): same host and port as the request was sent to
  return host !== undefined && url.host === host.toLowerCase();
}

function describe(client: string): string {
  return client.startsWith('key:') ? `key "${client.slice(4)}"` : 'this address';
}

/** The key a client may send in `connection_init` (browsers cannot set headers on a WebSocket). */
function keyHeaderOf(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const record = payload as Record<string, unknown>;
  const headers =
    typeof record.headers === 'object' && record.headers !== null
      ? (record.headers as Record<string, unknown>)
      : record;
  const value = headers.authorization ?? headers.Authorization;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Mercurius's `subscription` options and hooks for the door. `makeContext` gives the rest of a
 * connection's context (loaders, request id, principal) for the caller it authenticated.
 */
export function subscriptionDoor<T extends object>(gate: GraphQLGate, makeContext: (auth: RequestAuth) => T) {
  const options = {
    context: (socket: WebSocket, request: FastifyRequest): T & WebSocketContext => {
      const auth = gate.authenticate(request.headers.authorization);
      return { ...makeContext(auth), auth, wsConnection: { subscriptions: new Set<string>(), socket } };
    },
    // a key in connection_init replaces the upgrade request's
    onConnect: (message: { payload?: unknown }): true | Partial<T & WebSocketContext> => {
      const header = keyHeaderOf(message.payload);
      if (header === undefined) return true;
      const auth = gate.authenticate(header);
      return { ...makeContext(auth), auth };
    },
  };

  const hooks = {
    // Everything is decided here, before Mercurius keeps any state for the subscription id.
    preSubscriptionParsing: async (
      schema: GraphQLSchema,
      source: string,
      context: object,
      id: unknown,
    ): Promise<void> => {
      const document = gate.admit(schema, source);
      const { auth, wsConnection } = context as Partial<WebSocketContext>;
      gate.authorize(auth ?? {}, 'subscription');
      if (wsConnection) {
        const key = String(id);
        if (wsConnection.subscriptions.has(key)) {
          throw new GraphQLError(
            `a subscription with id ${JSON.stringify(key).slice(0, 80)} is already running`,
            { extensions: { code: 'BAD_USER_INPUT', field: 'id', reason: 'already in use' } },
          );
        }
        const max = gate.config.ws.maxSubscriptionsPerConnection;
        if (wsConnection.subscriptions.size >= max) {
          throw new GraphQLError(
            `a connection may hold at most ${max} subscriptions (COMMUNIQUE_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION); complete one first`,
            { extensions: { code: 'BUDGET_EXCEEDED', limit: 'subscriptions', max } },
          );
        }
        wsConnection.subscriptions.add(key);
      }
      admitted.set(context, document);
    },
    preSubscriptionExecution: async (
      _schema: GraphQLSchema,
      _document: DocumentNode,
      context: object,
    ): Promise<void> => {
      if (!admitted.has(context)) {
        // Mercurius also takes a parsed document as `query` and then skips the hook above: no checks ran
        throw new GraphQLError('the subscription must be sent as GraphQL source text in payload.query', {
          extensions: { code: 'BAD_USER_INPUT', field: 'payload.query', reason: 'must be a string' },
        });
      }
    },
    onSubscriptionEnd: async (context: object, id: unknown): Promise<void> => {
      (context as Partial<WebSocketContext>).wsConnection?.subscriptions.delete(String(id));
    },
  };
  return { options, hooks };
}
