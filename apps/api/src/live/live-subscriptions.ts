import { Logger } from '@nestjs/common';
import {
  execute,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  Kind,
  print,
  typeFromAST,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLInputType,
  type GraphQLResolveInfo,
  type OperationDefinitionNode,
} from 'graphql';
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import type { RequestAuth } from '../security/access.js';
import type { ConnectionState } from '../security/websocket-door.js';

/**
 * Live updates at dashboard scale (DESIGN §11.20): execute once, send many; a bound on what waits for a
 * subscriber; resumable subscriptions.
 *
 * - Subscribers of a channel with the same document (the resume argument left out), variables and caller
 *   (role, key name, what the access decision reads) form a group. A change is filtered and executed once per
 *   group and serialised once; each socket of the group gets that text with its own subscription id around
 *   it. The work per change grows with the number of groups, not of sockets.
 * - Every message carries its log position in `payload.extensions.position`. A connection whose send buffer
 *   (`bufferedAmount`) would pass `maxBufferedBytes` gets, for each of its subscriptions, an `error` message
 *   with `extensions.code: "SUBSCRIBER_FELL_BEHIND"` and `lastPosition` (resume after it), and is closed
 *   with 4413; nothing more is queued for it.
 * - A subscriber that gives `after` first gets the changes after that position up to the projection's
 *   checkpoint at the time it subscribed (`replay`, paced by its own socket), then the live ones after what
 *   it was sent: live changes arriving meanwhile wait (bounded by the same limit) and are sent after the
 *   replay, each only if its position is past the last one sent. Positions only grow, so nothing is sent
 *   twice or skipped.
 *
 * - Sends are coalesced: a connection's socket is corked at its first message of a turn of the event loop (or
 *   of `flushDelayMs`) and uncorked once for all, so the messages of a batch of changes (and of every group
 *   the connection is in) leave in one write; with a thousand sockets the system calls, not the executions,
 *   are what a change costs.
 *
 * The subscription resolver returns the iterator `subscribe` gives; it never yields (this class writes to
 * the socket), and it ends when Mercurius returns it (the client's `complete`, or the connection closing).
 */

/** A change published on a channel, at the log position it reflects. */
export interface LiveEvent<P> {
  payload: P;
  position: bigint;
}

/** Pages of past changes after `after`, up to and including `upTo`, in position order. */
export type Replay<P> = (after: bigint, upTo: bigint) => AsyncIterable<readonly LiveEvent<P>[]>;

export interface LiveOptions {
  /** most bytes waiting in one connection's send buffer */
  maxBufferedBytes: number;
  /** false: every subscriber executes alone (for comparison) */
  sharedExecution: boolean;
  /** how a result with errors is formatted on a WebSocket (Mercurius's `errorFormatter` of the app) */
  formatResult: (result: ExecutionResult) => unknown;
  /** how long a replay waits for a full send buffer to drain before the subscriber is told it fell behind */
  replayStallMs?: number;
  /**
   * How long changes are held to go out together (0: only those of one turn of the event loop, which adds no
   * wait); each connection then gets one system call per flush instead of one per change.
   */
  flushDelayMs?: number;
}

export interface SubscribeOptions<P> {
  channel: string;
  /** the subscription's GraphQL context (Mercurius's, with the door's `wsConnection`) and resolve info */
  context: LiveContext;
  info: GraphQLResolveInfo;
  /** the filter of the subscription's arguments (the same for the whole group) */
  matches: (payload: P) => boolean;
  /** the position live changes start after (the projection's checkpoint now) */
  start: bigint;
  /** resume after this position (replaying from `replay`), else live from `start` */
  after?: bigint;
  replay: Replay<P>;
}

/** What the subscription's context holds that this class reads. */
export interface LiveContext {
  id?: unknown;
  auth?: RequestAuth;
  wsConnection?: ConnectionState;
}

/** The members of a subscription's context a group's executions get (a connection's own parts stay out). */
const SHARED_CONTEXT_MEMBERS = ['loaders', 'auth', 'principal', 'requestId'];

export const FELL_BEHIND_CLOSE_CODE = 4413;
/** a connection told it fell behind that does not finish the close handshake is cut off after this */
const TERMINATE_AFTER_MS = 30_000;

interface Rendered {
  text: string;
  bytes: number;
  /**
   * The whole message, encoded, by its prefix (message type and subscription id): subscribers whose prefix is
   * the same (clients number their subscriptions from 1) share one encoding of each change.
   */
  messages: Map<string, Buffer>;
}

/** The message of one change for one prefix, encoded once for every subscriber with that prefix. */
function messageOf(rendered: Rendered, prefix: string): Buffer {
  let message = rendered.messages.get(prefix);
  if (message === undefined) {
    message = Buffer.from(prefix + rendered.text + '}');
    rendered.messages.set(prefix, message);
  }
  return message;
}

export class LiveSubscriptions {
  private readonly logger = new Logger('LiveSubscriptions');
  private readonly groups = new Map<string, LiveGroup<unknown>>();
  private readonly byChannel = new Map<string, Set<LiveGroup<unknown>>>();
  private readonly outboxes = new WeakMap<WebSocket, Outbox>();
  private readonly flusher: Flusher;
  private separateGroups = 0;
  /** executions run (each a GraphQL execution of a group for one change): for tests and metrics */
  executions = 0;

  constructor(readonly options: LiveOptions) {
    this.flusher = new Flusher(options.flushDelayMs ?? 0);
  }

  /** Groups live now (each one execution per change). */
  get groupCount(): number {
    return this.groups.size;
  }

  /** Delivers changes to every group of the channel, in order. */
  publish<P>(channel: string, events: readonly LiveEvent<P>[]): void {
    const groups = this.byChannel.get(channel);
    if (!groups) return;
    for (const group of groups) for (const event of events) group.deliver(event as LiveEvent<unknown>);
  }

  /** Adds a subscriber; the iterator ends when it is returned or the subscriber is ended. */
  subscribe<P>(options: SubscribeOptions<P>): AsyncIterableIterator<never> {
    const connection = options.context.wsConnection;
    const socket = connection?.socket;
    if (socket === undefined) throw new Error('live subscriptions need a WebSocket connection');
    const outbox = this.outboxOf(socket);
    const group = this.groupFor(options);
    const subscriber = new LiveSubscriber(
      String(options.context.id),
      outbox,
      group,
      options.after ?? options.start,
    );
    outbox.subscribers.add(subscriber);
    group.subscribers.add(subscriber);
    subscriber.onEnd(() => {
      outbox.subscribers.delete(subscriber);
      group.subscribers.delete(subscriber);
      if (group.subscribers.size === 0) this.dropGroup(group);
    });
    if (options.after !== undefined && options.after < options.start) {
      subscriber.replaying = true;
      void this.replay(subscriber, options.after, options.start, options.replay as Replay<unknown>);
    }
    return subscriber.iterator();
  }

  private async replay(
    subscriber: LiveSubscriber,
    after: bigint,
    upTo: bigint,
    replay: Replay<unknown>,
  ): Promise<void> {
    const group = subscriber.group;
    try {
      for await (const page of replay(after, upTo)) {
        for (const event of page) {
          if (subscriber.ended) return;
          if (event.position <= subscriber.lastPosition || !group.matches(event.payload)) continue;
          const rendered = await group.render(event);
          if (!(await subscriber.outbox.room(this.options.replayStallMs ?? 30_000))) return;
          subscriber.send(event.position, rendered);
        }
      }
      subscriber.endReplay();
    } catch (error) {
      this.logger.error(`replay for subscription ${subscriber.id} failed: ${String(error)}`);
      subscriber.fail(
        'the changes after `after` could not be read; subscribe again',
        'INTERNAL_SERVER_ERROR',
      );
    }
  }

  private outboxOf(socket: WebSocket): Outbox {
    let outbox = this.outboxes.get(socket);
    if (!outbox) {
      outbox = new Outbox(socket, this.options.maxBufferedBytes, this.flusher);
      this.outboxes.set(socket, outbox);
    }
    return outbox;
  }

  private groupFor<P>(options: SubscribeOptions<P>): LiveGroup<unknown> {
    const { info, context } = options;
    const document: DocumentNode = {
      kind: Kind.DOCUMENT,
      definitions: [info.operation, ...Object.values(info.fragments)],
    };
    const variables = rawVariables(info);
    const key = this.options.sharedExecution
      ? [
          options.channel,
          callerKey(context.auth),
          sharingKey(info.operation, variables, info.fieldName),
          print({ kind: Kind.DOCUMENT, definitions: Object.values(info.fragments) }),
        ].join('\n')
      : `separate ${++this.separateGroups}`;
    const existing = this.groups.get(key);
    if (existing) return existing;
    const group = new LiveGroup<unknown>(
      key,
      options.channel,
      (payload) => {
        this.executions++;
        return execute({
          schema: info.schema,
          document,
          rootValue: payload,
          contextValue: sharedContext(context),
          variableValues: variables,
          operationName: info.operation.name?.value,
        });
      },
      options.matches as (payload: unknown) => boolean,
      this.options.formatResult,
      this.logger,
    );
    this.groups.set(key, group);
    let channel = this.byChannel.get(options.channel);
    if (!channel) {
      channel = new Set();
      this.byChannel.set(options.channel, channel);
    }
    channel.add(group);
    return group;
  }

  private dropGroup(group: LiveGroup<unknown>): void {
    this.groups.delete(group.key);
    this.byChannel.get(group.channel)?.delete(group);
  }
}

/** Subscribers of one document, variables and caller: one execution and one serialisation per change. */
class LiveGroup<P> {
  readonly subscribers = new Set<LiveSubscriber>();
  private queue: Promise<void> = Promise.resolve();
  /** one context for all executions of the group: the budget is per execution (its root value) */
  constructor(
    readonly key: string,
    readonly channel: string,
    private readonly run: (payload: P) => ReturnType<typeof execute>,
    readonly matches: (payload: P) => boolean,
    private readonly formatResult: (result: ExecutionResult) => unknown,
    private readonly logger: Logger,
  ) {}

  deliver(event: LiveEvent<P>): void {
    if (!this.matches(event.payload)) return;
    // executions of a group are chained so that its messages leave in position order
    this.queue = this.queue.then(async () => {
      if (this.subscribers.size === 0) return;
      try {
        const rendered = await this.render(event);
        for (const subscriber of this.subscribers) subscriber.offer(event.position, rendered);
      } catch (error) {
        this.logger.error(`a change at ${event.position} was not delivered: ${String(error)}`);
      }
    });
  }

  /** The change executed for this group and serialised, its position in `extensions`. */
  async render(event: LiveEvent<P>): Promise<Rendered> {
    const result = await this.run(event.payload);
    const formatted = (
      result.errors && result.errors.length > 0 ? this.formatResult(result) : result
    ) as Record<string, unknown>;
    const extensions = {
      ...(formatted.extensions as Record<string, unknown> | undefined),
      position: String(event.position),
    };
    const text = JSON.stringify({ ...formatted, extensions });
    return { text, bytes: Buffer.byteLength(text), messages: new Map() };
  }
}

/** One connection's sending side: the bound on its buffer, shared by its subscriptions. */
class Outbox {
  readonly subscribers = new Set<LiveSubscriber>();
  readonly dataType: 'next' | 'data';
  fellBehind = false;

  constructor(
    readonly socket: WebSocket,
    readonly maxBufferedBytes: number,
    private readonly flusher: Flusher,
  ) {
    this.dataType = socket.protocol === 'graphql-ws' ? 'data' : 'next';
  }

  get open(): boolean {
    return !this.fellBehind && this.socket.readyState === this.socket.OPEN;
  }

  /** Whether `bytes` more fit under the bound; past it the connection falls behind. */
  fits(bytes: number): boolean {
    if (!this.open) return false;
    if (this.socket.bufferedAmount + bytes <= this.maxBufferedBytes) return true;
    this.fallBehind();
    return false;
  }

  /** Waits until the buffer is at most half full (a replay paces itself so); false if it never drains. */
  async room(stallMs: number): Promise<boolean> {
    const deadline = Date.now() + stallMs;
    while (this.open && this.socket.bufferedAmount > this.maxBufferedBytes / 2) {
      if (Date.now() > deadline) {
        this.fallBehind();
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.open;
  }

  /**
   * Every subscription of the connection gets the typed `error` message with the last position it was sent,
   * and the connection is closed (4413). A client that does not read them is cut off after 30 s.
   */
  fallBehind(): void {
    if (this.fellBehind) return;
    this.fellBehind = true;
    for (const subscriber of [...this.subscribers]) {
      const error = {
        message:
          `the subscriber fell behind: more than ${this.maxBufferedBytes} bytes waited to be sent ` +
          `(COMMUNIQUE_WS_MAX_BUFFERED_BYTES); subscribe again with after: "${subscriber.lastPosition}"`,
        extensions: {
          code: 'SUBSCRIBER_FELL_BEHIND',
          lastPosition: String(subscriber.lastPosition),
          maxBufferedBytes: this.maxBufferedBytes,
        },
      };
      this.write(JSON.stringify({ type: 'error', id: subscriber.id, payload: [error] }));
      subscriber.end();
    }
    if (this.socket.readyState === this.socket.OPEN) {
      this.socket.close(FELL_BEHIND_CLOSE_CODE, 'SUBSCRIBER_FELL_BEHIND');
      setTimeout(() => this.socket.terminate(), TERMINATE_AFTER_MS).unref();
    }
  }

  /** A text frame; a Buffer is sent as the UTF-8 text it holds (a live message, encoded once for many). */
  write(message: string | Buffer): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.flusher.hold(this.socket);
    this.socket.send(message, { binary: false });
  }
}

/**
 * Corks sockets until the next flush, then uncorks them all: what was sent meanwhile leaves in one write per
 * socket. Works on the TCP socket under the WebSocket (ws keeps it in `_socket`); without one it does nothing.
 * `bufferedAmount` counts what is corked, so the bound holds as before.
 */
class Flusher {
  private readonly held = new Set<Duplex>();
  private scheduled = false;

  constructor(private readonly delayMs: number) {}

  hold(socket: WebSocket): void {
    const raw = (socket as unknown as { _socket?: Duplex })._socket;
    if (raw === undefined || this.held.has(raw) || raw.destroyed) return;
    raw.cork();
    this.held.add(raw);
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.delayMs > 0) setTimeout(this.flush, this.delayMs);
    else setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const held = [...this.held];
    this.held.clear();
    for (const raw of held) raw.uncork();
  };
}

class LiveSubscriber {
  ended = false;
  replaying = false;
  /** changes that arrived live during the replay, sent after it */
  private pending: { position: bigint; rendered: Rendered }[] = [];
  private pendingBytes = 0;
  private readonly prefix: string;
  private readonly endListeners: (() => void)[] = [];
  private wake?: () => void;

  constructor(
    readonly id: string,
    readonly outbox: Outbox,
    readonly group: LiveGroup<unknown>,
    /** the last position sent (or resumed after): the client has everything up to it */
    public lastPosition: bigint,
  ) {
    this.prefix = `{"type":"${outbox.dataType}","id":${JSON.stringify(id)},"payload":`;
  }

  /** A live change: sent now, or kept until the replay is over. */
  offer(position: bigint, rendered: Rendered): void {
    if (this.ended || position <= this.lastPosition) return;
    if (!this.replaying) return this.send(position, rendered);
    this.pendingBytes += rendered.bytes;
    if (this.pendingBytes > this.outbox.maxBufferedBytes) return this.outbox.fallBehind();
    this.pending.push({ position, rendered });
  }

  send(position: bigint, rendered: Rendered): void {
    if (this.ended || position <= this.lastPosition) return;
    const message = messageOf(rendered, this.prefix);
    if (!this.outbox.fits(message.length)) return;
    this.outbox.write(message);
    this.lastPosition = position;
  }

  endReplay(): void {
    this.replaying = false;
    const pending = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const { position, rendered } of pending) this.send(position, rendered);
  }

  /** Ends the subscription with a typed error (not for falling behind: the outbox does that). */
  fail(message: string, code: string): void {
    if (this.ended) return;
    this.outbox.write(
      JSON.stringify({ type: 'error', id: this.id, payload: [{ message, extensions: { code } }] }),
    );
    this.end();
  }

  onEnd(listener: () => void): void {
    this.endListeners.push(listener);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.pending = [];
    for (const listener of this.endListeners) listener();
    this.wake?.();
  }

  /** What the subscribe resolver returns: never yields; done when the subscriber ends. */
  iterator(): AsyncIterableIterator<never> {
    const done = (): IteratorResult<never> => ({ done: true, value: undefined });
    const iterator: AsyncIterableIterator<never> = {
      next: () =>
        this.ended
          ? Promise.resolve(done())
          : new Promise<IteratorResult<never>>((resolve) => {
              this.wake = () => resolve(done());
            }),
      return: () => {
        this.end();
        return Promise.resolve(done());
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}

/** Who executes: what the access decision and the field checks read (a role, a key name, a proxy). */
function callerKey(auth: RequestAuth | undefined): string {
  return JSON.stringify([
    auth?.principal?.role ?? null,
    auth?.principal?.name ?? null,
    auth?.problem ?? null,
    auth?.proxied ?? null,
  ]);
}

/** A group's context: the caller's parts of the first subscriber's context, none of its connection. */
function sharedContext(context: LiveContext): object {
  const shared = {};
  for (const member of SHARED_CONTEXT_MEMBERS) {
    const descriptor = Object.getOwnPropertyDescriptor(context, member);
    if (descriptor) Object.defineProperty(shared, member, descriptor);
  }
  return shared;
}

/**
 * The operation printed without the root field's `after` argument, and the variables without the one that
 * argument uses (when it uses it alone): subscribers that resumed from different positions share execution.
 */
function sharingKey(
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  rootField: string,
): string {
  let resumeVariable: string | undefined;
  const selections = operation.selectionSet.selections.map((selection) => {
    if (selection.kind !== Kind.FIELD || selection.name.value !== rootField) return selection;
    const after = selection.arguments?.find((argument) => argument.name.value === 'after');
    if (after === undefined) return selection;
    if (after.value.kind === Kind.VARIABLE) resumeVariable = after.value.name.value;
    return { ...selection, arguments: selection.arguments?.filter((argument) => argument !== after) };
  });
  const printed = print({ ...operation, selectionSet: { ...operation.selectionSet, selections } });
  // the variable's definition stays in the text: a second mention means another field uses it too
  const mentions =
    resumeVariable === undefined ? 0 : printed.split(new RegExp(`\\$${resumeVariable}\\b`)).length - 1;
  const keyVariables = Object.fromEntries(
    Object.entries(variables).filter(([name]) => name !== resumeVariable || mentions > 1),
  );
  return `${printed}\n${JSON.stringify(keyVariables)}`;
}

/**
 * The operation's variables as a client would send them, from the coerced values in `info` (Mercurius
 * does not hand the raw ones to resolvers): each value serialised back by its input type.
 */
export function rawVariables(info: GraphQLResolveInfo): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const definition of info.operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (!Object.hasOwn(info.variableValues, name)) continue;
    const type = typeFromAST(info.schema, definition.type) as GraphQLInputType | undefined;
    raw[name] = type === undefined ? info.variableValues[name] : toRaw(type, info.variableValues[name]);
  }
  return raw;
}

function toRaw(type: GraphQLInputType, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (isNonNullType(type)) return toRaw(type.ofType, value);
  if (isListType(type)) {
    return Array.isArray(value) ? value.map((item) => toRaw(type.ofType, item)) : toRaw(type.ofType, value);
  }
  if (isInputObjectType(type)) {
    const fields = type.getFields();
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([name, item]) => [
        name,
        fields[name] ? toRaw(fields[name].type, item) : item,
      ]),
    );
  }
  if (isLeafType(type)) return type.serialize(value);
  return value;
}
