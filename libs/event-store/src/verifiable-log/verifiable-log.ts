import type { EventStore } from '../event-store.js';
import { MerkleTree } from '../merkle.js';
import type { ConsistencyProof, InclusionProof } from './formats.js';
import { consistencyPath, inclusionPath, rangeHash } from './rfc9162.js';
import { LogRewrittenError, type StoredTreeHead, type TreeFile, type TreeLeaf } from './tree-file.js';
import type { TreeHeadSigner } from './tree-head.js';

/** A proof or listing request that cannot be answered as asked: names the argument and the reason. */
export class ProofRequestError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'ProofRequestError';
  }
}

/** No log key is configured, so no tree head can be signed. */
export class NoLogKeyError extends Error {
  constructor(where: string) {
    super(`no log key: create one with \`communique keys create --signing\` (looked for ${where})`);
    this.name = 'NoLogKeyError';
  }
}

/** What is proved: an event by its id, or by its log position. */
export type ProofTarget = { eventId: string } | { position: bigint };

const BATCH = 5000;
const MAX_TREE_HEADS_PAGE = 100;

function leafOf(event: { position: bigint; id: string; hash: string }): TreeLeaf {
  return { position: event.position, eventId: event.id, eventHash: Buffer.from(event.hash, 'hex') };
}

/**
 * The verifiable log of docs/AUDIT.md over any event store: the leaves are the stored event hashes in log
 * order, read through the port (`readStored`); the tree (level table) and the signed tree heads live in a
 * `TreeFile`. Proofs are served from the tree after an incremental catch-up; a tree head is signed only after
 * the WHOLE log has been read again and found to extend every earlier signed head (a rewritten event refuses).
 */
export class VerifiableLog {
  constructor(
    private readonly store: EventStore,
    private readonly tree: TreeFile,
    private readonly signer: TreeHeadSigner | undefined,
    private readonly keyLocation = 'the configured key file',
    private readonly clock: () => number = Date.now,
  ) {}

  /** Adds the events stored since the tree's last leaf; returns the tree size. */
  async sync(): Promise<number> {
    let start = this.tree.size();
    let batch: TreeLeaf[] = [];
    for await (const event of this.store.readStored({ fromPosition: this.tree.lastPosition() })) {
      batch.push(leafOf(event));
      if (batch.length === BATCH) {
        this.tree.extend(start, batch);
        start += batch.length;
        batch = [];
      }
    }
    if (batch.length > 0) this.tree.extend(start, batch);
    return this.tree.size();
  }

  /**
   * Reads the whole log through the port, checks that it holds the tree's leaves unchanged and that every
   * signed tree head's root is the root of the log's first `treeSize` events, adds the new leaves, and signs
   * a tree head at the new size. `rebuild` forgets the tree first and builds it again from the log (the
   * signed heads are still checked). `onlyIfGrown`: return undefined when the latest head already has this
   * size. Throws LogRewrittenError naming the first leaf or head that does not hold.
   */
  async checkpoint(
    options: { rebuild?: boolean; onlyIfGrown?: boolean; onProgress?: (count: number) => void } = {},
  ): Promise<StoredTreeHead | undefined> {
    const signer = this.signer;
    if (signer === undefined) throw new NoLogKeyError(this.keyLocation);
    if (options.rebuild) this.tree.resetLeaves();
    const heads = this.tree.allTreeHeads();
    let nextHead = 0;
    let mismatch: LogRewrittenError | undefined;
    const merkle = new MerkleTree();
    const checkHeads = (): void => {
      while (nextHead < heads.length && heads[nextHead].treeSize <= merkle.size) {
        const head = heads[nextHead];
        if (head.treeSize === merkle.size && merkle.root() !== head.rootHash) {
          mismatch ??= new LogRewrittenError(
            head.treeSize - 1,
            `the first ${head.treeSize} events of the log hash to ${merkle.root()}, not to the root ` +
              `${head.rootHash} of tree head ${head.seq} signed at ${new Date(head.timestamp).toISOString()}`,
          );
        }
        nextHead += 1;
      }
    };
    checkHeads();
    let start = 0;
    let batch: TreeLeaf[] = [];
    const flush = (): void => {
      this.tree.extend(start, batch);
      start += batch.length;
      batch = [];
    };
    for await (const event of this.store.readStored()) {
      batch.push(leafOf(event));
      merkle.add(Buffer.from(event.hash, 'hex'));
      checkHeads();
      if (batch.length === BATCH) {
        flush();
        options.onProgress?.(start);
      }
    }
    flush();
    options.onProgress?.(start);
    if (mismatch !== undefined) throw mismatch;
    const latest = this.tree.latestTreeHead();
    if (latest !== undefined && latest.treeSize > merkle.size) {
      throw new LogRewrittenError(
        merkle.size,
        `the log holds ${merkle.size} events, fewer than the ${latest.treeSize} of tree head ${latest.seq}`,
      );
    }
    if (this.tree.size() > merkle.size) {
      throw new LogRewrittenError(
        merkle.size,
        `the log holds ${merkle.size} events, fewer than the ${this.tree.size()} leaves of the tree`,
      );
    }
    if (options.onlyIfGrown && latest !== undefined && latest.treeSize === merkle.size) return undefined;
    const head = signer.sign(merkle.size, merkle.root(), this.clock());
    return this.tree.addTreeHead(head);
  }

  /** Signed tree heads in signing order, after the head with sequence number `after`; `first` at most 100. */
  treeHeads(first: number, after: number): StoredTreeHead[] {
    if (!Number.isSafeInteger(first) || first < 0) {
      throw new ProofRequestError('first', `must be an integer >= 0, got ${first}`);
    }
    if (!Number.isSafeInteger(after) || after < 0) {
      throw new ProofRequestError('after', `must be an integer >= 0 (a tree head's seq), got ${after}`);
    }
    return this.tree.treeHeads(Math.min(first, MAX_TREE_HEADS_PAGE), after);
  }

  latestTreeHead(): StoredTreeHead | undefined {
    return this.tree.latestTreeHead();
  }

  /** The RFC 6962 root of the first `treeSize` leaves (lowercase hex). */
  async rootAt(treeSize: number): Promise<string> {
    const size = await this.sync();
    checkSize('treeSize', treeSize, 0, size);
    return rangeHash(this.tree, 0, treeSize).toString('hex');
  }

  /**
   * The inclusion proof of an event in the tree of `treeSize` leaves (default: the latest signed tree head's
   * size, else the current tree).
   */
  async inclusionProof(target: ProofTarget, treeSize?: number): Promise<InclusionProof> {
    const size = await this.sync();
    const index =
      'eventId' in target
        ? this.tree.indexOfEvent(target.eventId)
        : this.tree.indexOfPosition(target.position);
    if (index === undefined) {
      throw 'eventId' in target
        ? new ProofRequestError('eventId', `no event with id ${JSON.stringify(target.eventId)} in the log`)
        : new ProofRequestError('position', `no event at position ${target.position} in the log`);
    }
    const against = treeSize ?? this.latestTreeHead()?.treeSize ?? size;
    checkSize('treeSize', against, 1, size);
    if (index >= against) {
      throw new ProofRequestError(
        'treeSize',
        `the event is leaf ${index} of the log, so it is not in the tree of ${against} leaves (ask for a size ` +
          `above ${index})`,
      );
    }
    const leaf = this.tree.leaf(index);
    return {
      version: 1,
      type: 'inclusion',
      treeSize: against,
      leafIndex: index,
      eventId: leaf.eventId,
      position: leaf.position,
      leafInput: leaf.eventHash.toString('hex'),
      auditPath: inclusionPath(this.tree, index, against).map((hash) => hash.toString('hex')),
    };
  }

  /** The consistency proof from the tree of `from` leaves to the tree of `to` leaves (1 <= from <= to). */
  async consistencyProof(from: number, to: number): Promise<ConsistencyProof> {
    const size = await this.sync();
    checkSize('from', from, 1, size);
    checkSize('to', to, 1, size);
    if (from > to) throw new ProofRequestError('from', `must not exceed to (${to}), got ${from}`);
    return {
      version: 1,
      type: 'consistency',
      firstTreeSize: from,
      secondTreeSize: to,
      path: consistencyPath(this.tree, from, to).map((hash) => hash.toString('hex')),
    };
  }
}

function checkSize(field: string, value: number, min: number, size: number): void {
  if (!Number.isSafeInteger(value)) throw new ProofRequestError(field, `must be an integer, got ${value}`);
  if (value < min) {
    throw new ProofRequestError(
      field,
      min === 1 && value === 0
        ? 'must be at least 1 (the empty tree holds no event and every tree extends it)'
        : `must be at least ${min}, got ${value}`,
    );
  }
  if (value > size) {
    throw new ProofRequestError(field, `${value} is beyond the log, which holds ${size} events`);
  }
}
