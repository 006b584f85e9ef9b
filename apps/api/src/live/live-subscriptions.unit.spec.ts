import {
  buildSchema,
  parse,
  subscribe,
  type ExecutionResult,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
} from 'graphql';
import { Writable } from 'node:stream';
import type WebSocket from 'ws';
import { LiveSubscriptions, type LiveContext, type LiveEvent, type Replay } from './live-subscriptions.js';

/**
 * LiveSubscriptions on a real graphql-js schema, subscribed through graphql-js's own `subscribe` (as Mercurius
 * does), with sockets that record what they are sent.
 */

interface Change {
  item: { id: string; secret: string };
  country: string;
}

const SDL = `
  type Item { id: ID!  secret: String }
  type Query { ok: Boolean }
  type Subscription { changed(country: String, after: String): Item! }
`;

class FakeSocket {
  readonly sent: unknown[] = [];
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  closed?: { code: number; reason: string };
  constructor(readonly protocol = 'graphql-transport-ws') {}
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
  }
  terminate(): void {}
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 20));

/** A socket over a stream that records each system call it would make: one `_writev` per uncorked batch. */
class StreamSocket extends FakeSocket {
  readonly writes: string[][] = [];
  readonly _socket = new Writable({
    writev: (chunks, done) => {
      this.writes.push(chunks.map(({ chunk }) => String(chunk)));
      done();
    },
    write: (chunk, _encoding, done) => {
      this.writes.push([String(chunk)]);
      done();
    },
  });
  override send(text: string): void {
    super.send(text);
    this._socket.write(text); // as ws does, under its framing
  }
}

function setUp(
  options: {
    maxBufferedBytes?: number;
    shared?: boolean;
    replay?: Replay<Change>;
    flushDelayMs?: number;
  } = {},
) {
  const live = new LiveSubscriptions({
    maxBufferedBytes: options.maxBufferedBytes ?? 1 << 20,
    sharedExecution: options.shared ?? true,
    formatResult: (result) => result,
    flushDelayMs: options.flushDelayMs,
  });
  let start = 0n;
  const schema = buildSchema(SDL);
  const fields = schema.getSubscriptionType()!.getFields();
  fields.changed!.resolve = (change: Change) => change.item;
  fields.changed!.subscribe = (
    _root: unknown,
    args: { country?: string; after?: string },
    context: LiveContext,
    info: GraphQLResolveInfo,
  ) =>
    live.subscribe<Change>({
      channel: 'changes',
      context,
      info,
      matches: (change) => args.country === undefined || change.country === args.country,
      start,
      after: args.after === undefined ? undefined : BigInt(args.after),
      replay: options.replay ?? async function* () {},
    });
  // `secret` only for an auditor, as the access matrix does it
  (schema.getType('Item') as GraphQLObjectType).getFields().secret!.resolve = (
    item: Change['item'],
    _args: unknown,
    context: LiveContext,
  ) => {
    if (context.auth?.principal?.role !== 'auditor') throw new Error('FORBIDDEN');
    return item.secret;
  };

  const connect = async (
    query: string,
    variables: Record<string, unknown> = {},
    role?: string,
    socket = new FakeSocket(),
    id = '1',
  ) => {
    const auth = role ? { principal: { name: `${role}-key`, role } } : {};
    const context = {
      id,
      auth,
      wsConnection: { subscriptions: new Set([id]), socket: socket as unknown as WebSocket },
    };
    const iterator = (await subscribe({
      schema,
      document: parse(query),
      contextValue: context,
      variableValues: variables,
    })) as AsyncIterableIterator<ExecutionResult>;
    // Mercurius waits on the iterator: it must not yield
    const yielded = iterator.next();
    return { socket, iterator, yielded };
  };
  return { live, connect, setStart: (position: bigint) => (start = position) };
}

const event = (position: number, id: string, country = 'DE'): LiveEvent<Change> => ({
  position: BigInt(position),
  payload: { item: { id, secret: `secret of ${id}` }, country },
});

describe('LiveSubscriptions', () => {
  it.each([0, 30])(
    'sends the changes of one turn (flushDelayMs %i) to a connection in one write, in order, and leaves nothing corked',
    async (flushDelayMs) => {
      const { live, connect } = setUp({ flushDelayMs });
      const query = 'subscription { changed { id } }';
      const sockets = [new StreamSocket(), new StreamSocket()];
      for (const socket of sockets) await connect(query, {}, undefined, socket);
      // two subscriptions on the second connection, in two groups: their messages go out together too
      await connect('subscription { changed { id secret } }', {}, 'auditor', sockets[1], '2');

      live.publish('changes', [event(1, 'a'), event(2, 'b'), event(3, 'c')]);
      await new Promise((resolve) => setImmediate(resolve));
      if (flushDelayMs > 0) expect(sockets[0]!.writes).toEqual([]); // still held
      await flush();
      await flush();
      const ids = (chunks: string[]) =>
        chunks.map(
          (c) =>
            (JSON.parse(c) as { payload: { data: { changed: { id: string } } } }).payload.data.changed.id,
        );
      expect(sockets[0]!.writes.map(ids)).toEqual([['a', 'b', 'c']]);
      expect(sockets[1]!.writes).toHaveLength(1);
      expect(sockets[1]!.writes[0]).toHaveLength(6);
      for (const socket of sockets) expect(socket._socket.writableCorked).toBe(0);

      // a later change is a write of its own
      live.publish('changes', [event(4, 'd')]);
      await flush();
      await flush();
      expect(sockets[0]!.writes.map(ids)).toEqual([['a', 'b', 'c'], ['d']]);
    },
  );

  it('executes a change once per group of equal subscriptions, however many sockets and resume positions', async () => {
    const { live, connect } = setUp();
    const a = 'subscription($c: String, $after: String) { changed(country: $c, after: $after) { id } }';
    const b = 'subscription { changed { id } }';
    const clients = [];
    // resumed from different positions (none behind the start: no replay), they still share
    for (let i = 0; i < 60; i++) clients.push(await connect(a, { c: 'DE', after: String(i % 5) }));
    for (let i = 0; i < 40; i++) clients.push(await connect(b));
    expect(live.groupCount).toBe(2);

    live.publish('changes', [event(7, 's1')]);
    await flush();
    expect(live.executions).toBe(2);
    for (const { socket } of clients) {
      expect(socket.sent).toEqual([
        {
          type: 'next',
          id: '1',
          payload: { data: { changed: { id: 's1' } }, extensions: { position: '7' } },
        },
      ]);
    }
    // a change the filter refuses is not executed for that group
    live.publish('changes', [event(8, 's2', 'FR')]);
    await flush();
    expect(live.executions).toBe(3);
    expect(clients[0]!.socket.sent).toHaveLength(1);
    expect(clients[99]!.socket.sent).toHaveLength(2);

    // returning the iterators (a client's complete, a closed connection) ends the groups
    await Promise.all(clients.map(({ iterator }) => iterator.return?.()));
    await Promise.all(
      clients.map(({ yielded }) => expect(yielded).resolves.toEqual({ done: true, value: undefined })),
    );
    expect(live.groupCount).toBe(0);
  });

  it('keeps callers apart: a reader and an auditor get what each would get alone', async () => {
    const shared = setUp();
    const separate = setUp({ shared: false });
    const query = 'subscription { changed { id secret } }';
    const run = async (setup: ReturnType<typeof setUp>, copies: number) => {
      const byRole = new Map<string, FakeSocket[]>();
      for (const role of ['reader', 'auditor']) {
        const sockets = [];
        for (let i = 0; i < copies; i++) sockets.push((await setup.connect(query, {}, role)).socket);
        byRole.set(role, sockets);
      }
      setup.live.publish('changes', [event(3, 's1')]);
      await flush();
      return byRole;
    };
    const together = await run(shared, 5);
    const alone = await run(separate, 1);
    expect(shared.live.executions).toBe(2);
    expect(separate.live.executions).toBe(2);
    for (const role of ['reader', 'auditor']) {
      const expected = JSON.stringify(alone.get(role)![0]!.sent);
      for (const socket of together.get(role)!) expect(JSON.stringify(socket.sent)).toBe(expected);
    }
    expect(JSON.stringify(together.get('auditor')![0]!.sent)).toContain('secret of s1');
    expect(JSON.stringify(together.get('reader')![0]!.sent)).toContain('FORBIDDEN');
    expect(JSON.stringify(together.get('reader')![0]!.sent)).not.toContain('secret of s1');
  });

  it('tells a connection past its buffer bound that it fell behind, with the last position sent, and closes it', async () => {
    const { live, connect } = setUp({ maxBufferedBytes: 1000 });
    const slow = new FakeSocket('graphql-ws');
    await connect('subscription { changed { id } }', {}, undefined, slow, 'a');
    await connect('subscription { changed { id } }', {}, undefined, slow, 'b');
    const healthy = await connect('subscription { changed { id } }');
    live.publish('changes', [event(5, 's1')]);
    await flush();
    expect(slow.sent.map((m) => (m as { type: string }).type)).toEqual(['data', 'data']);
    slow.bufferedAmount = 990; // the client stopped reading
    live.publish('changes', [event(6, 's2'), event(9, 's3')]);
    await flush();
    expect(slow.sent.slice(2)).toEqual(
      ['a', 'b'].map((id) => ({
        type: 'error',
        id,
        payload: [
          {
            message: expect.stringContaining('fell behind'),
            extensions: { code: 'SUBSCRIBER_FELL_BEHIND', lastPosition: '5', maxBufferedBytes: 1000 },
          },
        ],
      })),
    );
    expect(slow.closed).toEqual({ code: 4413, reason: 'SUBSCRIBER_FELL_BEHIND' });
    expect(healthy.socket.sent).toHaveLength(3);
    expect(healthy.socket.closed).toBeUndefined();
  });

  it('replays after `after`, holds live changes meanwhile, and sends each position once, in order', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const replayed: [bigint, bigint][] = [];
    const { live, connect, setStart } = setUp({
      replay: async function* (after, upTo) {
        replayed.push([after, upTo]);
        yield [event(3, 's3'), event(4, 's4', 'FR')];
        await gate; // live changes arrive while the replay is under way
        yield [event(6, 's6')];
      },
    });
    setStart(6n);
    const { socket } = await connect(
      'subscription($after: String) { changed(country: "DE", after: $after) { id } }',
      { after: '2' },
    );
    live.publish('changes', [event(6, 's6'), event(8, 's8')]); // 6 is also the replay's last: once only
    live.publish('changes', [event(9, 's9')]);
    await flush();
    release();
    await flush();
    live.publish('changes', [event(10, 's10')]);
    await flush();
    expect(replayed).toEqual([[2n, 6n]]);
    const positions = socket.sent.map(
      (m) => (m as { payload: { extensions: { position: string } } }).payload.extensions.position,
    );
    expect(positions).toEqual(['3', '6', '8', '9', '10']);
  });
});
