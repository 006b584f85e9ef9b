import { randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  START,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { KurrentWireCluster, MAX_CONCURRENT_STREAMS } from './index.js';

/*
 * The wire-level test server against the real client over real gRPC: each server behaviour the adapter
 * depends on, as the client sees it.
 */

const event = (data: Record<string, unknown> = {}, id: string = randomUUID()) =>
  jsonEvent({ id, type: 'Noted', data, metadata: { note: 'x' } });

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function errorOf(work: () => Promise<unknown>): Promise<{ type?: string; message?: string }> {
  try {
    await work();
  } catch (error) {
    return error as { type?: string };
  }
  throw new Error('expected an error');
}

const streamOf = (client: EventStoreDBClient, stream: string) =>
  collect<ResolvedEvent>(client.readStream(stream));

describe.each([
  ['BatchAppend', true],
  ['Append', false],
])('the wire test server (appends over %s)', (_name, batchAppend) => {
  let cluster: KurrentWireCluster;
  let client: EventStoreDBClient;
  beforeEach(async () => {
    cluster = await KurrentWireCluster.start({ batchAppend });
    client = EventStoreDBClient.connectionString(cluster.connectionString);
  });
  afterEach(async () => {
    await client.dispose();
    await cluster.close();
  });

  it('returns ids lower-case, one commit position per event (= prepare), increasing along $all', async () => {
    const upper = randomUUID().toUpperCase();
    const result = await client.appendToStream('s-1', [event({ n: 1 }, upper), event({ n: 2 })], {
      expectedRevision: 'no_stream',
    });
    expect(result).toMatchObject({ success: true, nextExpectedRevision: 1n });
    const read = await streamOf(client, 's-1');
    expect(read.map((e) => e.event?.id)).toEqual([upper.toLowerCase(), expect.any(String)]);
    expect(read.map((e) => e.event?.data)).toEqual([{ n: 1 }, { n: 2 }]);
    const all = await collect<AllStreamResolvedEvent>(client.readAll());
    const positions = all.map((e) => e.event!.position);
    for (const [i, p] of positions.entries()) {
      expect(p.commit).toBe(p.prepare);
      if (i > 0) expect(p.commit).toBeGreaterThan(positions[i - 1].commit + 1n); // byte offsets: gaps
    }
    // the node's own records come first: `$` streams and types
    expect(all[0].event!.streamId.startsWith('$')).toBe(true);
  });

  it('interleaves `$` system events in $all, and a filtered subscription leaves them out', async () => {
    cluster.log.systemEventEvery = 2;
    for (let i = 0; i < 4; i++) await client.appendToStream(`s-${i}`, [event({ i })]);
    const all = await collect<AllStreamResolvedEvent>(client.readAll({ fromPosition: START }));
    const types = all.map((e) => e.event!.type);
    expect(types.filter((t) => t === '$statsCollected')).toHaveLength(2);
    expect(types.lastIndexOf('Noted')).toBeLessThan(types.lastIndexOf('$statsCollected'));

    const subscription = client.subscribeToAll({ fromPosition: START, filter: excludeSystemEvents() });
    const seen: string[] = [];
    for await (const resolved of subscription) {
      seen.push(resolved.event!.type);
      if (seen.length === 4) break;
    }
    expect(seen).toEqual(['Noted', 'Noted', 'Noted', 'Noted']);
  });

  it('reads $all both ways from a position: forwards includes it, backwards starts before it', async () => {
    await client.appendToStream('s', [event({ n: 0 }), event({ n: 1 }), event({ n: 2 })]);
    const mine = (await collect<AllStreamResolvedEvent>(client.readAll())).filter(
      (e) => e.event!.streamId === 's',
    );
    const middle = mine[1].event!.position;
    const forwards = await collect<AllStreamResolvedEvent>(
      client.readAll({ fromPosition: middle, maxCount: 2 }),
    );
    expect(forwards.map((e) => e.event!.data)).toEqual([{ n: 1 }, { n: 2 }]);
    const backwards = await collect<AllStreamResolvedEvent>(
      client.readAll({ fromPosition: middle, direction: BACKWARDS, maxCount: 1 }),
    );
    expect(backwards.map((e) => e.event!.data)).toEqual([{ n: 0 }]);
    const last = await collect<AllStreamResolvedEvent>(
      client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 }),
    );
    expect(last.map((e) => e.event!.data)).toEqual([{ n: 2 }]);
    expect(await collect(client.readAll({ fromPosition: END, maxCount: 5 }))).toEqual([]);
  });

  it('answers a wrong expected version with the current revision, as the client maps it', async () => {
    await client.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
    const conflict = await errorOf(() =>
      client.appendToStream('s', [event()], { expectedRevision: 'no_stream' }),
    );
    expect(conflict).toMatchObject({
      type: ErrorType.WRONG_EXPECTED_VERSION,
      streamName: 's',
      expectedVersion: 'no_stream',
      actualVersion: 0n,
    });
    const missing = await errorOf(() => client.appendToStream('t', [event()], { expectedRevision: 3n }));
    expect(missing).toMatchObject({ type: ErrorType.WRONG_EXPECTED_VERSION, actualVersion: 'no_stream' });
  });

  it('treats the same ids at the same place as an idempotent retry, storing nothing twice', async () => {
    const batch = [event({ n: 1 }), event({ n: 2 })];
    await client.appendToStream('s', batch, { expectedRevision: 'no_stream' });
    const again = await client.appendToStream('s', batch, { expectedRevision: 'no_stream' });
    expect(again).toMatchObject({ success: true, nextExpectedRevision: 1n });
    expect(await streamOf(client, 's')).toHaveLength(2);
  });

  it('refuses an append over MaxAppendSize (1 MiB) with the limit, and stores none of it', async () => {
    const big = 'x'.repeat(300 * 1024);
    const events = [0, 1, 2, 3].map((n) => event({ n, big }));
    const refused = await errorOf(() => client.appendToStream('s', events));
    expect(refused).toMatchObject({ type: ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED, maxAppendSize: 1048576 });
    expect(await errorOf(() => streamOf(client, 's'))).toMatchObject({ type: ErrorType.STREAM_NOT_FOUND });
    // just under the limit is fine
    await client.appendToStream('s', events.slice(0, 3));
    expect(await streamOf(client, 's')).toHaveLength(3);
  });

  it('soft delete: reads say "not found", `no_stream` is refused, `any` recreates the stream at the next revision', async () => {
    await client.appendToStream('s', [event({ n: 0 }), event({ n: 1 })]);
    await client.deleteStream('s');
    expect(await errorOf(() => streamOf(client, 's'))).toMatchObject({ type: ErrorType.STREAM_NOT_FOUND });
    const refused = await errorOf(() =>
      client.appendToStream('s', [event()], { expectedRevision: 'no_stream' }),
    );
    expect(refused).toMatchObject({ type: ErrorType.WRONG_EXPECTED_VERSION, actualVersion: 1n });
    await client.appendToStream('s', [event({ n: 2 })], { expectedRevision: 'any' });
    const read = await streamOf(client, 's');
    expect(read.map((e) => [e.event!.revision, e.event!.data])).toEqual([[2n, { n: 2 }]]);
    // the deleted events stay in $all (until a scavenge), beside the `$metadata` events of `$$s`
    const all = await collect<AllStreamResolvedEvent>(client.readAll());
    expect(all.filter((e) => e.event!.streamId === 's')).toHaveLength(3);
    expect(all.filter((e) => e.event!.streamId === '$$s').map((e) => e.event!.type)).toEqual([
      '$metadata',
      '$metadata',
    ]);
  });

  it('truncation: `$tb` and `$maxAge` hide events from stream reads, revisions go on', async () => {
    await client.appendToStream('s', [event({ n: 0 }), event({ n: 1 }), event({ n: 2 })]);
    await client.setStreamMetadata('s', { truncateBefore: 2 });
    expect((await streamOf(client, 's')).map((e) => e.event!.revision)).toEqual([2n]);
    await client.setStreamMetadata('s', { truncateBefore: 3 });
    expect(await streamOf(client, 's')).toEqual([]); // truncated, not deleted: an empty read

    await client.appendToStream('t', [event({ n: 0 })]);
    await client.setStreamMetadata('t', { maxAge: 60 });
    expect(await streamOf(client, 't')).toHaveLength(1);
    const now = Date.now();
    cluster.log.now = () => now + 61_000;
    expect(await streamOf(client, 't')).toEqual([]);
    const next = await client.appendToStream('t', [event({ n: 1 })], { expectedRevision: 0n });
    expect(next.nextExpectedRevision).toBe(1n);
  });

  it('tombstone: reads and appends fail with "stream deleted" for ever', async () => {
    await client.appendToStream('s', [event()]);
    await client.tombstoneStream('s');
    expect(await errorOf(() => streamOf(client, 's'))).toMatchObject({ type: ErrorType.STREAM_DELETED });
    expect(await errorOf(() => client.appendToStream('s', [event()]))).toMatchObject({
      type: ErrorType.STREAM_DELETED,
    });
  });

  it('rejects a malformed call with an error instead of falling over', async () => {
    const deleted = await errorOf(() => client.deleteStream('never-written', { expectedRevision: 4n }));
    expect(deleted).toMatchObject({ type: ErrorType.WRONG_EXPECTED_VERSION });
    await client.appendToStream('s', [event()]); // still serving
  });
});

describe('the wire test server: subscriptions to $all', () => {
  let cluster: KurrentWireCluster;
  let client: EventStoreDBClient;
  beforeEach(async () => {
    cluster = await KurrentWireCluster.start();
    client = EventStoreDBClient.connectionString(cluster.connectionString);
  });
  afterEach(async () => {
    await client.dispose();
    await cluster.close();
  });

  it('confirms, catches up after the start position (exclusive), says caught up, then goes live', async () => {
    await client.appendToStream('a', [event({ n: 0 }), event({ n: 1 })]);
    const [first] = (await collect<AllStreamResolvedEvent>(client.readAll())).filter(
      (e) => e.event!.streamId === 'a',
    );
    const signals: string[] = [];
    const checkpoints: bigint[] = [];
    const subscription = client.subscribeToAll({
      fromPosition: first.event!.position,
      filter: streamNameFilter({
        prefixes: ['a'],
        checkpointInterval: 1,
        maxSearchWindow: 1,
        checkpointReached: async (_s, position) => void checkpoints.push(position.commit),
      }),
    });
    subscription.on('confirmation', () => signals.push('confirmation'));
    subscription.on('caughtUp', () => signals.push('caughtUp'));
    const seen: unknown[] = [];
    for await (const resolved of subscription) {
      seen.push(resolved.event!.data);
      if (seen.length === 1) await client.appendToStream('a', [event({ n: 2 })]);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([{ n: 1 }, { n: 2 }]);
    expect(signals).toEqual(['confirmation', 'caughtUp']);
    expect(checkpoints.length).toBeGreaterThan(0);
  });

  it('ends the server side of a subscription the client cancels', async () => {
    const subscription = client.subscribeToAll({ fromPosition: END });
    await new Promise<void>((resolve) => subscription.once('confirmation', () => resolve()));
    expect(cluster.openCalls).toBe(1);
    await subscription.unsubscribe();
    for (let i = 0; i < 100 && cluster.openCalls > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(cluster.openCalls).toBe(0);
  });
});

describe('the wire test server: at most 100 concurrent streams per connection', () => {
  it('holds the 101st call while 100 reads stay open, and serves it once one is cancelled', async () => {
    const cluster = await KurrentWireCluster.start();
    const client = EventStoreDBClient.connectionString(cluster.connectionString);
    try {
      // enough in the log that a page of it does not fit HTTP/2's flow-control windows
      const payload = 'p'.repeat(2000);
      for (let i = 0; i < 10; i++) {
        await client.appendToStream(
          `s-${i}`,
          Array.from({ length: 60 }, (_, n) => event({ n, payload })),
        );
      }
      // the client's BatchAppend call stays open for the client's life: it is one of the 100
      expect(cluster.openCalls).toBe(1);
      const reads = Array.from({ length: MAX_CONCURRENT_STREAMS - 1 }, () =>
        client.readAll({ maxCount: 500 }),
      );
      // each read takes its first event and is then left open, as a caller that breaks out of a loop
      for (const read of reads) {
        await new Promise<void>((resolve) => read.once('data', () => (read.pause(), resolve())));
      }
      expect(cluster.openCalls).toBe(MAX_CONCURRENT_STREAMS);
      // The 101st call never reaches the server. What the client does with it depends on Node's HTTP/2: on
      // Node 20 it waits for a free stream; on Node 24 grpc-js refuses it at once with RESOURCE_EXHAUSTED.
      let outcome: 'answered' | 'refused' | undefined;
      const late = collect(client.readStream('s-0', { maxCount: 1 })).then(
        () => (outcome = 'answered'),
        (error: unknown) => {
          expect(String(error)).toMatch(/RESOURCE_EXHAUSTED/);
          outcome = 'refused';
        },
      );
      for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 10));
      expect(outcome === undefined || outcome === 'refused').toBe(true);
      expect(cluster.openCalls).toBe(MAX_CONCURRENT_STREAMS);
      await (reads[0] as unknown as { cancel(): Promise<void> }).cancel();
      await late;
      if (outcome === 'refused') {
        // a stream is free again: the next call is served
        expect(await collect(client.readStream('s-0', { maxCount: 1 }))).toHaveLength(1);
      } else {
        expect(outcome).toBe('answered');
      }
      for (const read of reads.slice(1)) await (read as unknown as { cancel(): Promise<void> }).cancel();
    } finally {
      await client.dispose();
      await cluster.close();
    }
  });
});

describe('the wire test server: a three-node cluster', () => {
  let cluster: KurrentWireCluster;
  beforeEach(async () => {
    cluster = await KurrentWireCluster.start({ nodes: 3 });
  });
  afterEach(() => cluster.close());

  it('lists its members in gossip, and the client finds the leader through any of them', async () => {
    const client = EventStoreDBClient.connectionString(cluster.connectionString);
    try {
      await client.appendToStream('s', [event()]);
      expect(cluster.leader!.openCalls + cluster.nodes[1].openCalls + cluster.nodes[2].openCalls).toBe(1);
    } finally {
      await client.dispose();
    }
  });

  it('a follower answers a leader-only call with "not leader" naming the leader; the client then goes there', async () => {
    const follower = cluster.nodes[1];
    const client = EventStoreDBClient.connectionString(`esdb://127.0.0.1:${follower.port}?tls=false`);
    try {
      const refused = await errorOf(() => client.appendToStream('s', [event()], { requiresLeader: true }));
      expect(refused).toMatchObject({
        type: ErrorType.NOT_LEADER,
        leader: { address: '127.0.0.1', port: cluster.leader!.port },
      });
      await client.appendToStream('s', [event()], { requiresLeader: true });
      expect(await streamOf(client, 's')).toHaveLength(1);
    } finally {
      await client.dispose();
    }
  });

  it('elects a follower when the leader is killed; the client rediscovers and writes to it', async () => {
    const client = EventStoreDBClient.connectionString(cluster.connectionString);
    try {
      await client.appendToStream('s', [event()]);
      const old = cluster.leader!;
      cluster.kill();
      expect(cluster.leader).not.toBe(old);
      // the first call on the dead connection fails; the client then reconnects through gossip
      let written = false;
      for (let attempt = 0; attempt < 5 && !written; attempt++) {
        written = await client.appendToStream('s', [event()]).then(
          () => true,
          () => false,
        );
      }
      expect(written).toBe(true);
      expect(await streamOf(client, 's')).toHaveLength(2);
    } finally {
      await client.dispose();
    }
  });

  it('a leader killed mid-append: before the commit nothing is stored, after it the event is stored once', async () => {
    const client = EventStoreDBClient.connectionString(cluster.connectionString);
    try {
      await client.appendToStream('s', [event({ n: 0 })]);
      cluster.interruptNextAppend('kill-before-commit');
      const lost = event({ n: 1 });
      await expect(client.appendToStream('s', [lost])).rejects.toBeDefined();
      expect(cluster.log.records.filter((r) => r.stream === 's')).toHaveLength(1);

      cluster.interruptNextAppend('kill-after-commit');
      const kept = event({ n: 2 });
      await expect(client.appendToStream('s', [kept], { expectedRevision: 0n })).rejects.toBeDefined();
      expect(cluster.log.records.filter((r) => r.stream === 's')).toHaveLength(2);
      // a retry with the same id at the same revision is idempotent on the new leader
      let retried = false;
      for (let attempt = 0; attempt < 5 && !retried; attempt++) {
        retried = await client.appendToStream('s', [kept], { expectedRevision: 0n }).then(
          () => true,
          () => false,
        );
      }
      expect(retried).toBe(true);
      expect((await streamOf(client, 's')).map((e) => e.event!.data)).toEqual([{ n: 0 }, { n: 2 }]);
    } finally {
      await client.dispose();
    }
  });
});
