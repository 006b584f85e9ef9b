import { randomUUID } from 'node:crypto';
import { Socket, createServer, type Server as TcpServer } from 'node:net';
import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import anyPb from 'google-protobuf/google/protobuf/any_pb.js';
import emptyPb from 'google-protobuf/google/protobuf/empty_pb.js';
import gossipGrpc from '@eventstore/db-client/generated/gossip_grpc_pb.js';
import gossipPb from '@eventstore/db-client/generated/gossip_pb.js';
import featuresGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import featuresPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import statusPb from '@eventstore/db-client/generated/status_pb.js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import { KurrentLog, type AppendOutcome, type Expected, type LogRecord, type ProposedEvent } from './log.js';

/*
 * TEST SUPPORT: a wire-level KurrentDB/EventStoreDB test server. It speaks the server's gRPC API (the
 * Streams, Gossip and ServerFeatures services, with the client's own generated protobuf stubs) on
 * 127.0.0.1, so `@eventstore/db-client` talks to it over real HTTP/2 with its real connection, discovery,
 * error and retry code: what the adapter meets is what a server sends, not what a fake at the client's API
 * was written to return. It models the server behaviours the adapter depends on (each rule says where
 * KurrentDB does it); it is NOT a database: one in-memory log per cluster, no persistence, no scavenge, no
 * projections, no persistent subscriptions, no ACLs, no TLS.
 */

/** KurrentDB's default `MaxAppendSize` (ClusterVNodeOptions: 1,048,576 bytes). */
export const DEFAULT_MAX_APPEND_SIZE = 1024 * 1024;

/**
 * Kestrel's default `Http2.MaxStreamsPerConnection` (100), which KurrentDB keeps: a client's 101st open call
 * on one connection waits until one of the others ends.
 */
export const MAX_CONCURRENT_STREAMS = 100;

export interface KurrentWireOptions {
  /** number of nodes (1, or 3 for a cluster with a leader and two followers); default 1 */
  nodes?: number;
  maxAppendSize?: number;
  /** a `$statsCollected` system event after every n client records (0: never); default 0 */
  systemEventEvery?: number;
  /** position of the first record; default 0 */
  firstPosition?: bigint;
  /** list BatchAppend among the supported methods, as KurrentDB 21.10+ does (the client then uses it); true */
  batchAppend?: boolean;
}

/** What happens to the next write that reaches the leader (to kill it "mid-append"). */
export type AppendInterruption = 'kill-before-commit' | 'kill-after-commit';

type NodeState = 'leader' | 'follower' | 'dead';

/** One node: a gRPC server on its own port over the cluster's shared log. */
export class KurrentWireNode {
  readonly instanceId = randomUUID();
  state: NodeState;
  port = 0;
  /** calls in progress on this node (reads, subscriptions, appends): a read nobody cancels stays here */
  openCalls = 0;
  private readonly server: Server;
  private relay: TcpServer | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly cluster: KurrentWireCluster,
    state: NodeState,
  ) {
    this.state = state;
    // KurrentDB runs gRPC on Kestrel, whose HTTP/2 limit of concurrent streams per connection is 100.
    this.server = new Server({ 'grpc.max_concurrent_streams': MAX_CONCURRENT_STREAMS });
    this.server.addService(streamsGrpc.StreamsService, {
      read: (call: ServerWritableStream<streamsPb.ReadReq, streamsPb.ReadResp>) =>
        this.track(this.read(call)),
      append: (
        call: ServerReadableStream<streamsPb.AppendReq, streamsPb.AppendResp>,
        callback: sendUnaryData<streamsPb.AppendResp>,
      ) => this.track(this.append(call, callback)),
      batchAppend: (call: ServerDuplexStream<streamsPb.BatchAppendReq, streamsPb.BatchAppendResp>) =>
        this.track(this.batchAppend(call)),
      delete: (
        call: ServerUnaryCall<streamsPb.DeleteReq, streamsPb.DeleteResp>,
        callback: sendUnaryData<streamsPb.DeleteResp>,
      ) => this.track(this.deleteStream(call, callback, false)),
      tombstone: (
        call: ServerUnaryCall<streamsPb.TombstoneReq, streamsPb.TombstoneResp>,
        callback: sendUnaryData<streamsPb.TombstoneResp>,
      ) => this.track(this.deleteStream(call, callback, true)),
    });
    this.server.addService(gossipGrpc.GossipService, {
      read: (
        _call: ServerUnaryCall<sharedPb.Empty, gossipPb.ClusterInfo>,
        callback: sendUnaryData<gossipPb.ClusterInfo>,
      ) => callback(null, this.cluster.gossip()),
    });
    this.server.addService(featuresGrpc.ServerFeaturesService, {
      getSupportedMethods: (
        _call: ServerUnaryCall<sharedPb.Empty, featuresPb.SupportedMethods>,
        callback: sendUnaryData<featuresPb.SupportedMethods>,
      ) => callback(null, this.cluster.supportedMethods()),
    });
  }

  /**
   * Binds the gRPC server on a private port behind a TCP relay on the advertised one: killing the node
   * resets every client connection at the TCP level, as the death of the server process does (a gRPC
   * shutdown would instead end each call politely with CANCELLED).
   */
  async listen(): Promise<void> {
    const inner = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
    this.relay = createServer((client) => {
      const upstream = new Socket();
      this.sockets.add(client).add(upstream);
      client.setNoDelay(true); // a relay must not add Nagle's delay to HTTP/2's small frames
      upstream.setNoDelay(true);
      const forget = (): void => {
        this.sockets.delete(client);
        this.sockets.delete(upstream);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', forget).on('close', forget);
      upstream.on('error', forget).on('close', forget);
      upstream.connect(inner, '127.0.0.1', () => client.pipe(upstream).pipe(client));
    });
    const relay = this.relay;
    this.port = await new Promise<number>((resolve, reject) => {
      relay.once('error', reject);
      relay.listen(0, '127.0.0.1', () => {
        const address = relay.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  }

  /** Stops at once, as a killed process: every connection is reset, every open call ends on the client. */
  kill(): void {
    this.state = 'dead';
    this.relay?.close();
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
    this.server.forceShutdown();
  }

  private get log(): KurrentLog {
    return this.cluster.log;
  }

  private track(work: Promise<void>): void {
    this.openCalls += 1;
    void work
      .catch(() => undefined) // a handler answers its own errors; a write to a cancelled call may throw
      .finally(() => (this.openCalls -= 1));
  }

  /**
   * Whether this node may serve a call: a follower refuses a call that carries `requires-leader: true`
   * with "not leader" (naming the leader, which the client reconnects to), and every node refuses writes
   * while there is no leader. A follower forwards other writes to the leader (KurrentDB's request forwarding;
   * here the log is shared, so forwarding is writing).
   */
  private refusal(metadata: Metadata, write: boolean): ServiceError | undefined {
    const leader = this.cluster.leader;
    if (this.state === 'follower' && metadata.get('requires-leader')[0] === 'true') {
      if (leader === undefined) return notReady();
      return notLeader(leader.port);
    }
    if (write && leader === undefined) return notReady();
    return undefined;
  }

  // ---- Streams.Read: stream and $all reads, and subscriptions to $all ----

  private async read(call: ServerWritableStream<streamsPb.ReadReq, streamsPb.ReadResp>): Promise<void> {
    const stop = new AbortController();
    call.on('cancelled', () => stop.abort());
    call.on('close', () => stop.abort());
    call.on('error', () => stop.abort());
    const refused = this.refusal(call.metadata, false);
    if (refused) return void call.emit('error', refused);
    const options = call.request.getOptions();
    if (options === undefined) return void call.emit('error', invalid('ReadReq.options is required'));
    const count = BigInt(options.getCount() || '0');
    const backwards = options.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.BACKWARDS;
    const filter = readFilter(options);
    const writer = new Writer(call, stop.signal);

    if (options.hasSubscription()) {
      if (!options.hasAll()) {
        return void call.emit('error', unimplemented('subscriptions to a single stream'));
      }
      await this.subscribeToAll(options.getAll()!, filter, writer, stop.signal);
    } else if (options.hasStream()) {
      const stream = streamName(options.getStream()!.getStreamIdentifier());
      if (this.log.isTombstoned(stream)) return void call.emit('error', streamDeleted(stream));
      const events = this.log.visibleEvents(stream);
      if (events === undefined) {
        // a missing (or soft-deleted) stream is a message in the read, not an error (Streams.Read)
        const notFound = new streamsPb.ReadResp.StreamNotFound();
        notFound.setStreamIdentifier(identifier(stream));
        const resp = new streamsPb.ReadResp();
        resp.setStreamNotFound(notFound);
        await writer.send(resp);
      } else {
        const from = options.getStream()!;
        const ordered = backwards ? [...events].reverse() : events;
        const start = from.hasRevision() ? BigInt(from.getRevision()) : undefined;
        let sent = 0n;
        for (const record of ordered) {
          if (sent >= count) break;
          if (start !== undefined && (backwards ? record.revision > start : record.revision < start))
            continue;
          if (from.hasEnd() && !backwards) break; // forwards from the end: nothing
          if (!(await writer.send(eventResp(record)))) return;
          sent += 1n;
        }
      }
    } else if (options.hasAll()) {
      await this.readAll(options.getAll()!, backwards, count, filter, writer);
    } else {
      return void call.emit('error', invalid('ReadReq.options needs stream or all'));
    }
    if (!stop.signal.aborted) call.end();
  }

  /**
   * `$all` in log order, every record (system events and events of deleted or truncated streams included:
   * `$all` shows what the log holds until a scavenge). Forwards from a position includes the record at it;
   * backwards from a position starts before it (the TF chunk reader's forward/backward semantics).
   */
  private async readAll(
    all: streamsPb.ReadReq.Options.AllOptions,
    backwards: boolean,
    count: bigint,
    filter: RecordFilter | undefined,
    writer: Writer,
  ): Promise<void> {
    const records = this.log.records;
    let index: number;
    if (all.hasPosition()) {
      const at = BigInt(all.getPosition()!.getCommitPosition());
      index = backwards ? this.log.indexAtOrAfter(at) - 1 : this.log.indexAtOrAfter(at);
    } else if (all.hasEnd()) {
      index = backwards ? records.length - 1 : records.length;
    } else {
      index = backwards ? -1 : 0;
    }
    let sent = 0n;
    while (sent < count && index >= 0 && index < records.length) {
      const record = records[index];
      index += backwards ? -1 : 1;
      if (filter && !filter.matches(record)) continue;
      if (!(await writer.send(eventResp(record)))) return;
      sent += 1n;
    }
  }

  /**
   * A catch-up subscription to `$all` as KurrentDB 23.10+ runs it (Enumerators.AllSubscription and
   * AllSubscriptionFiltered): a confirmation first; the events after the start position (exclusive); with a
   * filter, a checkpoint every `checkpointIntervalMultiplier × maxSearchWindow` records looked at (32 when
   * the client asks for `count`) and one on catching up; `CaughtUp` once live; then each new record as it
   * is written. A slow reader is held by HTTP/2 flow control here (the server would drop it behind a full
   * live queue and catch it up again: the client sees the same events).
   */
  private async subscribeToAll(
    all: streamsPb.ReadReq.Options.AllOptions,
    filter: RecordFilter | undefined,
    writer: Writer,
    signal: AbortSignal,
  ): Promise<void> {
    const confirmation = new streamsPb.ReadResp.SubscriptionConfirmation();
    confirmation.setSubscriptionId(randomUUID());
    const confirm = new streamsPb.ReadResp();
    confirm.setConfirmation(confirmation);
    if (!(await writer.send(confirm))) return;

    const records = this.log.records;
    let index: number;
    if (all.hasPosition()) {
      const at = BigInt(all.getPosition()!.getCommitPosition());
      index = this.log.indexAtOrAfter(at);
      if (records[index]?.position === at) index += 1;
    } else if (all.hasEnd()) {
      index = records.length;
    } else {
      index = 0;
    }
    let caughtUp = false;
    let scanned = 0;
    let lastScanned: LogRecord | undefined;
    while (!signal.aborted) {
      if (index >= records.length) {
        if (!caughtUp) {
          caughtUp = true;
          if (filter && lastScanned && !(await writer.send(checkpointResp(lastScanned.position)))) return;
          const resp = new streamsPb.ReadResp();
          resp.setCaughtUp(new streamsPb.ReadResp.CaughtUp());
          if (!(await writer.send(resp))) return;
        }
        const next = this.log.nextWrite(signal);
        // the log may have moved between the length check and here: look again before waiting
        if (index >= this.log.records.length) await next;
        continue;
      }
      const record = records[index];
      index += 1;
      lastScanned = record;
      if (filter === undefined || filter.matches(record)) {
        if (!(await writer.send(eventResp(record)))) return;
      }
      if (filter) {
        scanned += 1;
        if (scanned >= filter.checkpointInterval) {
          scanned = 0;
          if (!(await writer.send(checkpointResp(record.position)))) return;
        }
      }
    }
  }

  // ---- Streams.Append (client streaming) and Streams.BatchAppend (bidirectional) ----

  /**
   * Streams.Append: the options, then the events; a write over `MaxAppendSize` is refused with
   * InvalidArgument and `exception: maximum-append-size-exceeded` as soon as it passes the limit (the size
   * of an event as Event.SizeOnDisk counts it: data + metadata + 2 × type length); a wrong expected version
   * is an `AppendResp.wrong_expected_version`, not an error (since 20.6.1).
   */
  private async append(
    call: ServerReadableStream<streamsPb.AppendReq, streamsPb.AppendResp>,
    callback: sendUnaryData<streamsPb.AppendResp>,
  ): Promise<void> {
    let options: streamsPb.AppendReq.Options | undefined;
    const events: ProposedEvent[] = [];
    let size = 0;
    try {
      for await (const req of call as AsyncIterable<streamsPb.AppendReq>) {
        if (options === undefined) {
          options = req.getOptions();
          if (options === undefined) return callback(invalid('the first AppendReq must carry the options'));
          continue;
        }
        const message = req.getProposedMessage();
        if (message === undefined) return callback(invalid('AppendReq.proposed_message is required'));
        const event = proposed(message);
        size += sizeOnDisk(event);
        if (size > this.cluster.maxAppendSize)
          return callback(maxAppendSizeExceeded(this.cluster.maxAppendSize));
        events.push(event);
      }
    } catch {
      return; // the client went away mid-write
    }
    if (options === undefined) return callback(invalid('AppendReq.options is required'));
    const refused = this.refusal(call.metadata, true);
    if (refused) return callback(refused);
    const stream = streamName(options.getStreamIdentifier());
    const expected = appendExpected(options);
    const outcome = await this.cluster.write(() => this.log.append(stream, events, expected));
    if (outcome === undefined) return; // the node died with the call
    if (outcome.kind === 'stream_deleted') return callback(streamDeleted(stream));
    const resp = new streamsPb.AppendResp();
    if (outcome.kind === 'wrong_expected_version') {
      const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
      if (outcome.current === undefined) wrong.setCurrentNoStream(new sharedPb.Empty());
      else wrong.setCurrentRevision(outcome.current.toString());
      setExpected(wrong, outcome.expected, {
        revision: (r) => wrong.setExpectedRevision(r),
        any: () => wrong.setExpectedAny(new sharedPb.Empty()),
        exists: () => wrong.setExpectedStreamExists(new sharedPb.Empty()),
        noStream: () => wrong.setExpectedNoStream(new sharedPb.Empty()),
      });
      resp.setWrongExpectedVersion(wrong);
    } else {
      const success = new streamsPb.AppendResp.Success();
      if (outcome.currentRevision === -1n) success.setNoStream(new sharedPb.Empty());
      else success.setCurrentRevision(outcome.currentRevision.toString());
      const position = new streamsPb.AppendResp.Position();
      position.setCommitPosition(outcome.position.toString());
      position.setPreparePosition(outcome.position.toString());
      success.setPosition(position);
      resp.setSuccess(success);
    }
    callback(null, resp);
  }

  /**
   * Streams.BatchAppend: one long-lived call per client carries many writes, each in chunks under one
   * correlation id until `is_final`; each write is answered on the call by correlation id, a failure as a
   * `google.rpc.Status` whose details pack WrongExpectedVersion, StreamDeleted or MaximumAppendSizeExceeded
   * (Streams.BatchAppend.cs). A follower that may not serve it fails the whole call (NotLeader).
   */
  private async batchAppend(
    call: ServerDuplexStream<streamsPb.BatchAppendReq, streamsPb.BatchAppendResp>,
  ): Promise<void> {
    const stop = new AbortController();
    call.on('cancelled', () => stop.abort());
    const writer = new Writer(call, stop.signal);
    const pending = new Map<
      string,
      { options: streamsPb.BatchAppendReq.Options; events: ProposedEvent[]; size: number; refused: boolean }
    >();
    try {
      for await (const req of call as AsyncIterable<streamsPb.BatchAppendReq>) {
        const refused = this.refusal(call.metadata, true);
        if (refused) return void call.emit('error', refused);
        const correlation = req.getCorrelationId();
        const key = correlation?.getString() ?? '';
        let batch = pending.get(key);
        if (batch === undefined) {
          const options = req.getOptions();
          if (options === undefined)
            return void call.emit('error', invalid('BatchAppendReq.options is required'));
          batch = { options, events: [], size: 0, refused: false };
          pending.set(key, batch);
        }
        for (const message of req.getProposedMessagesList()) {
          const event = proposed(message);
          batch.size += sizeOnDisk(event);
          batch.events.push(event);
        }
        if (!req.getIsFinal()) continue;
        pending.delete(key);
        const stream = streamName(batch.options.getStreamIdentifier());
        const resp = new streamsPb.BatchAppendResp();
        resp.setCorrelationId(correlation);
        resp.setStreamIdentifier(identifier(stream));
        const expected = batchExpected(batch.options);
        setExpected(resp, expected, {
          revision: (r) => resp.setStreamPosition(r),
          any: () => resp.setAny(new emptyPb.Empty()),
          exists: () => resp.setStreamExists(new emptyPb.Empty()),
          noStream: () => resp.setNoStream(new emptyPb.Empty()),
        });
        if (batch.size > this.cluster.maxAppendSize) {
          const detail = new sharedPb.MaximumAppendSizeExceeded();
          detail.setMaxappendsize(this.cluster.maxAppendSize);
          resp.setError(
            rpcStatus(
              3,
              `Maximum Append Size of ${this.cluster.maxAppendSize} Exceeded.`,
              detail,
              'MaximumAppendSizeExceeded',
            ),
          );
        } else {
          const events = batch.events;
          const outcome = await this.cluster.write(() => this.log.append(stream, events, expected));
          if (outcome === undefined) return;
          this.fillBatchOutcome(resp, stream, outcome);
        }
        if (!(await writer.send(resp))) return;
      }
    } catch {
      return;
    }
    if (!stop.signal.aborted) call.end();
  }

  private fillBatchOutcome(resp: streamsPb.BatchAppendResp, stream: string, outcome: AppendOutcome): void {
    if (outcome.kind === 'success') {
      const success = new streamsPb.BatchAppendResp.Success();
      if (outcome.currentRevision === -1n) success.setNoStream(new emptyPb.Empty());
      else success.setCurrentRevision(outcome.currentRevision.toString());
      const position = new sharedPb.AllStreamPosition();
      position.setCommitPosition(outcome.position.toString());
      position.setPreparePosition(outcome.position.toString());
      success.setPosition(position);
      resp.setSuccess(success);
    } else if (outcome.kind === 'stream_deleted') {
      const detail = new sharedPb.StreamDeleted();
      detail.setStreamIdentifier(identifier(stream));
      resp.setError(rpcStatus(9, `Event stream '${stream}' is deleted.`, detail, 'StreamDeleted'));
    } else {
      const detail = new sharedPb.WrongExpectedVersion();
      if (outcome.current === undefined) detail.setCurrentNoStream(new emptyPb.Empty());
      else detail.setCurrentStreamRevision(outcome.current.toString());
      setExpected(detail, outcome.expected, {
        revision: (r) => detail.setExpectedStreamPosition(r),
        any: () => detail.setExpectedAny(new emptyPb.Empty()),
        exists: () => detail.setExpectedStreamExists(new emptyPb.Empty()),
        noStream: () => detail.setExpectedNoStream(new emptyPb.Empty()),
      });
      resp.setError(rpcStatus(9, 'Wrong expected version.', detail, 'WrongExpectedVersion'));
    }
  }

  // ---- Streams.Delete (soft) and Streams.Tombstone (hard) ----

  private async deleteStream(
    call: ServerUnaryCall<
      streamsPb.DeleteReq | streamsPb.TombstoneReq,
      streamsPb.DeleteResp | streamsPb.TombstoneResp
    >,
    callback: sendUnaryData<streamsPb.DeleteResp | streamsPb.TombstoneResp>,
    hard: boolean,
  ): Promise<void> {
    const refused = this.refusal(call.metadata, true);
    if (refused) return callback(refused);
    const options = call.request.getOptions();
    if (options === undefined) return callback(invalid('options are required'));
    const stream = streamName(options.getStreamIdentifier());
    const expected: Expected = options.hasRevision()
      ? { kind: 'revision', revision: BigInt(options.getRevision()) }
      : options.hasNoStream()
        ? { kind: 'no_stream' }
        : options.hasStreamExists()
          ? { kind: 'stream_exists' }
          : { kind: 'any' };
    const outcome = await this.cluster.write(() =>
      hard ? this.log.tombstone(stream, expected) : this.log.softDelete(stream, expected),
    );
    if (outcome === undefined) return;
    if (outcome.kind === 'stream_deleted') return callback(streamDeleted(stream));
    if (outcome.kind === 'wrong_expected_version') {
      // Delete and Tombstone report a conflict as an error (RpcExceptions.WrongExpectedVersion)
      return callback(
        rpcError(status.FAILED_PRECONDITION, 'Wrong expected version.', {
          exception: 'wrong-expected-version',
          'stream-name': stream,
          'expected-version': expected.kind === 'revision' ? expected.revision.toString() : '-2',
          ...(outcome.current === undefined ? {} : { 'actual-version': outcome.current.toString() }),
        }),
      );
    }
    const resp = hard ? new streamsPb.TombstoneResp() : new streamsPb.DeleteResp();
    const position = hard ? new streamsPb.TombstoneResp.Position() : new streamsPb.DeleteResp.Position();
    position.setCommitPosition(outcome.position.toString());
    position.setPreparePosition(outcome.position.toString());
    (resp as streamsPb.DeleteResp).setPosition(position as streamsPb.DeleteResp.Position);
    callback(null, resp);
  }
}

/**
 * A test cluster: one node (a single-node server) or a leader and followers, sharing one log. `kill` a
 * node, or `interruptNextAppend` to kill the leader while it handles a write; the first live follower then
 * becomes leader and gossip says so.
 */
export class KurrentWireCluster {
  readonly log: KurrentLog;
  readonly nodes: KurrentWireNode[] = [];
  readonly maxAppendSize: number;
  private readonly batchAppend: boolean;
  private interruption: AppendInterruption | undefined;

  private constructor(options: KurrentWireOptions) {
    this.log = new KurrentLog({
      firstPosition: options.firstPosition,
      systemEventEvery: options.systemEventEvery,
    });
    this.maxAppendSize = options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE;
    this.batchAppend = options.batchAppend ?? true;
  }

  static async start(options: KurrentWireOptions = {}): Promise<KurrentWireCluster> {
    const count = options.nodes ?? 1;
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`nodes must be an integer >= 1, got ${count}`);
    const cluster = new KurrentWireCluster(options);
    for (let i = 0; i < count; i++)
      cluster.nodes.push(new KurrentWireNode(cluster, i === 0 ? 'leader' : 'follower'));
    await Promise.all(cluster.nodes.map((node) => node.listen()));
    return cluster;
  }

  /** `esdb://127.0.0.1:port[,…]?tls=false`: one node, or every node as gossip seeds (discovery). */
  get connectionString(): string {
    return `esdb://${this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',')}?tls=false`;
  }

  get leader(): KurrentWireNode | undefined {
    return this.nodes.find((node) => node.state === 'leader');
  }

  /** calls in progress over all live nodes */
  get openCalls(): number {
    return this.nodes.reduce((sum, node) => sum + (node.state === 'dead' ? 0 : node.openCalls), 0);
  }

  /** Kills the node (the leader by default); a live follower is elected leader at once. */
  kill(node: KurrentWireNode | undefined = this.leader): void {
    if (node === undefined || node.state === 'dead') return;
    const wasLeader = node.state === 'leader';
    node.kill();
    if (wasLeader) {
      const next = this.nodes.find((candidate) => candidate.state === 'follower');
      if (next) next.state = 'leader';
    }
  }

  /** The next write kills the leader before it is written, or after it is written but before the answer. */
  interruptNextAppend(how: AppendInterruption): void {
    this.interruption = how;
  }

  /** Runs a write on the leader; undefined when the leader was killed with the call (no answer is sent). */
  async write(apply: () => AppendOutcome): Promise<AppendOutcome | undefined> {
    const how = this.interruption;
    this.interruption = undefined;
    if (how === 'kill-before-commit') {
      this.kill();
      return undefined;
    }
    const outcome = apply();
    if (how === 'kill-after-commit') {
      this.kill();
      return undefined;
    }
    return outcome;
  }

  /** Gossip.Read: every node, with its state and liveness (ClusterInfo as the gossip service sends it). */
  gossip(): gossipPb.ClusterInfo {
    const info = new gossipPb.ClusterInfo();
    info.setMembersList(
      this.nodes.map((node) => {
        const member = new gossipPb.MemberInfo();
        const id = new sharedPb.UUID();
        id.setString(node.instanceId);
        member.setInstanceId(id);
        member.setTimeStamp((BigInt(Date.now()) * 10000n).toString());
        member.setState(
          node.state === 'leader'
            ? gossipPb.MemberInfo.VNodeState.LEADER
            : node.state === 'follower'
              ? gossipPb.MemberInfo.VNodeState.FOLLOWER
              : gossipPb.MemberInfo.VNodeState.SHUTDOWN,
        );
        member.setIsAlive(node.state !== 'dead');
        const endpoint = new gossipPb.EndPoint();
        endpoint.setAddress('127.0.0.1');
        endpoint.setPort(node.port);
        member.setHttpEndPoint(endpoint);
        return member;
      }),
    );
    return info;
  }

  /** ServerFeatures.GetSupportedMethods: what the client asks before choosing Append or BatchAppend. */
  supportedMethods(): featuresPb.SupportedMethods {
    const methods = new featuresPb.SupportedMethods();
    methods.setEventStoreServerVersion('25.0.0-wire-test');
    const entries: [string, string, string[]][] = [
      ['event_store.client.streams.streams', 'read', ['position', 'events']],
      ['event_store.client.streams.streams', 'append', []],
      ['event_store.client.streams.streams', 'delete', []],
      ['event_store.client.streams.streams', 'tombstone', []],
      ['event_store.client.gossip.gossip', 'read', []],
      ['event_store.client.server_features.serverfeatures', 'getsupportedmethods', []],
    ];
    if (this.batchAppend) entries.push(['event_store.client.streams.streams', 'batchappend', []]);
    methods.setMethodsList(
      entries.map(([service, method, features]) => {
        const supported = new featuresPb.SupportedMethod();
        supported.setServiceName(service);
        supported.setMethodName(method);
        supported.setFeaturesList(features);
        return supported;
      }),
    );
    return methods;
  }

  async close(): Promise<void> {
    for (const node of this.nodes) if (node.state !== 'dead') node.kill();
  }
}

/** Writes to a call with HTTP/2 flow control: waits for `drain`; false once the call is gone. */
class Writer {
  constructor(
    private readonly call: {
      write(message: unknown): boolean;
      once(event: 'drain', listener: () => void): unknown;
    },
    private readonly signal: AbortSignal,
  ) {}

  async send(message: unknown): Promise<boolean> {
    if (this.signal.aborted) return false;
    if (!this.call.write(message)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.signal.removeEventListener('abort', done);
          resolve();
        };
        this.call.once('drain', done);
        this.signal.addEventListener('abort', done);
      });
    }
    return !this.signal.aborted;
  }
}

interface RecordFilter {
  matches(record: LogRecord): boolean;
  checkpointInterval: number;
}

function readFilter(options: streamsPb.ReadReq.Options): RecordFilter | undefined {
  if (!options.hasFilter()) return undefined;
  const filter = options.getFilter()!;
  const onStream = filter.hasStreamIdentifier();
  const expression = onStream ? filter.getStreamIdentifier() : filter.getEventType();
  const prefixes = expression?.getPrefixList() ?? [];
  const regex = expression?.getRegex() ? new RegExp(expression.getRegex()) : undefined;
  const window = filter.hasMax() ? filter.getMax() : 32;
  return {
    checkpointInterval: Math.max(1, filter.getCheckpointintervalmultiplier() * window),
    matches: (record) => {
      const subject = onStream ? record.stream : record.type;
      if (prefixes.length > 0 && !prefixes.some((prefix) => subject.startsWith(prefix))) return false;
      return regex === undefined || regex.test(subject);
    },
  };
}

function eventResp(record: LogRecord): streamsPb.ReadResp {
  const recorded = new streamsPb.ReadResp.ReadEvent.RecordedEvent();
  const id = new sharedPb.UUID();
  id.setString(record.id);
  recorded.setId(id);
  recorded.setStreamIdentifier(identifier(record.stream));
  recorded.setStreamRevision(record.revision.toString());
  recorded.setCommitPosition(record.position.toString());
  recorded.setPreparePosition(record.position.toString());
  const map = recorded.getMetadataMap();
  map.set('type', record.type);
  map.set('content-type', record.contentType);
  map.set('created', record.created.toString());
  recorded.setData(record.data);
  recorded.setCustomMetadata(record.metadata);
  const event = new streamsPb.ReadResp.ReadEvent();
  event.setEvent(recorded);
  event.setCommitPosition(record.position.toString());
  const resp = new streamsPb.ReadResp();
  resp.setEvent(event);
  return resp;
}

function checkpointResp(position: bigint): streamsPb.ReadResp {
  const checkpoint = new streamsPb.ReadResp.Checkpoint();
  checkpoint.setCommitPosition(position.toString());
  checkpoint.setPreparePosition(position.toString());
  const resp = new streamsPb.ReadResp();
  resp.setCheckpoint(checkpoint);
  return resp;
}

function proposed(
  message: streamsPb.AppendReq.ProposedMessage | streamsPb.BatchAppendReq.ProposedMessage,
): ProposedEvent {
  const map = message.getMetadataMap();
  return {
    id: message.getId()?.getString() ?? randomUUID(),
    type: map.get('type') ?? '',
    contentType: map.get('content-type') ?? 'application/octet-stream',
    data: message.getData_asU8(),
    metadata: message.getCustomMetadata_asU8(),
  };
}

/** Event.SizeOnDisk: what counts towards MaxAppendSize. */
function sizeOnDisk(event: ProposedEvent): number {
  return event.data.length + event.metadata.length + event.type.length * 2;
}

function appendExpected(options: streamsPb.AppendReq.Options): Expected {
  if (options.hasRevision()) return { kind: 'revision', revision: BigInt(options.getRevision()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

function batchExpected(options: streamsPb.BatchAppendReq.Options): Expected {
  if (options.hasStreamPosition()) return { kind: 'revision', revision: BigInt(options.getStreamPosition()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

function setExpected(
  _target: unknown,
  expected: Expected,
  set: { revision(r: string): void; any(): void; exists(): void; noStream(): void },
): void {
  switch (expected.kind) {
    case 'revision':
      return set.revision(expected.revision.toString());
    case 'any':
      return set.any();
    case 'stream_exists':
      return set.exists();
    case 'no_stream':
      return set.noStream();
  }
}

function streamName(id: sharedPb.StreamIdentifier | undefined): string {
  return Buffer.from(id?.getStreamName_asU8() ?? new Uint8Array(0)).toString('utf8');
}

function identifier(stream: string): sharedPb.StreamIdentifier {
  const id = new sharedPb.StreamIdentifier();
  id.setStreamName(Buffer.from(stream, 'utf8'));
  return id;
}

/** A `google.rpc.Status` whose details pack `detail` as `event_store.client.<name>`. */
function rpcStatus(
  code: number,
  message: string,
  detail: { serializeBinary(): Uint8Array },
  name: string,
): statusPb.Status {
  const result = new statusPb.Status();
  result.setCode(code);
  result.setMessage(message);
  const any = new anyPb.Any();
  any.pack(detail.serializeBinary(), `event_store.client.${name}`);
  result.setDetails(any);
  return result;
}

/** An error as KurrentDB's RpcExceptions build them: a status, and the `exception` key the client maps. */
function rpcError(code: status, details: string, metadata: Record<string, string>): ServiceError {
  const md = new Metadata();
  for (const [key, value] of Object.entries(metadata)) md.set(key, value);
  return Object.assign(new Error(details), { code, details, metadata: md });
}

/** RpcExceptions.LeaderInfo: NotFound, "Leader info available", the leader's host and port. */
function notLeader(port: number): ServiceError {
  return rpcError(status.NOT_FOUND, 'Leader info available', {
    exception: 'not-leader',
    'leader-endpoint-host': '127.0.0.1',
    'leader-endpoint-port': String(port),
  });
}

/** RpcExceptions.ServerNotReady: Unavailable while no node leads (an election). */
function notReady(): ServiceError {
  return rpcError(status.UNAVAILABLE, 'Server Is Not Ready', {});
}

/** RpcExceptions.StreamDeleted: FailedPrecondition, `exception: stream-deleted`, the stream's name. */
function streamDeleted(stream: string): ServiceError {
  return rpcError(status.FAILED_PRECONDITION, `Event stream '${stream}' is deleted.`, {
    exception: 'stream-deleted',
    'stream-name': stream,
  });
}

/** RpcExceptions.MaxAppendSizeExceeded: InvalidArgument and the limit in `maximum-append-size`. */
function maxAppendSizeExceeded(limit: number): ServiceError {
  return rpcError(status.INVALID_ARGUMENT, `Maximum Append Size of ${limit} Exceeded.`, {
    exception: 'maximum-append-size-exceeded',
    'maximum-append-size': String(limit),
  });
}

function invalid(message: string): ServiceError {
  return rpcError(status.INVALID_ARGUMENT, message, {});
}

function unimplemented(what: string): ServiceError {
  return rpcError(status.UNIMPLEMENTED, `the wire test server does not implement ${what}`, {});
}
