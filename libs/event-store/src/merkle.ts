import { createHash } from 'node:crypto';

const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);

const sha256 = (...parts: Buffer[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/**
 * The Merkle tree hash of RFC 6962 §2.1 over a sequence of leaves, computed as the leaves arrive, in
 * O(log n) memory: leaf hash = SHA-256(0x00 || leaf), node hash = SHA-256(0x01 || left || right), and for n
 * leaves that are not a power of two the left subtree holds the largest power of two below n. The empty tree
 * hashes to SHA-256 of the empty string.
 *
 * The stack holds the roots of the complete subtrees seen so far (sizes strictly decreasing); folding it from
 * the right at the end gives exactly the RFC's split.
 */
export class MerkleTree {
  private readonly stack: { size: number; hash: Buffer }[] = [];
  private count = 0;

  /** Adds one leaf (its bytes; for the event log, the 32 bytes of an event hash). */
  add(leaf: Buffer): void {
    let node = { size: 1, hash: sha256(LEAF, leaf) };
    this.count += 1;
    for (let top = this.stack.at(-1); top !== undefined && top.size === node.size; top = this.stack.at(-1)) {
      this.stack.pop();
      node = { size: top.size * 2, hash: sha256(NODE, top.hash, node.hash) };
    }
    this.stack.push(node);
  }

  get size(): number {
    return this.count;
  }

  /** The root as lowercase hex. */
  root(): string {
    if (this.stack.length === 0) return sha256().toString('hex');
    let hash = this.stack[this.stack.length - 1].hash;
    for (let i = this.stack.length - 2; i >= 0; i--) hash = sha256(NODE, this.stack[i].hash, hash);
    return hash.toString('hex');
  }
}

/** The RFC 6962 root over event hashes given as hex strings, in order. */
export function merkleRoot(hexHashes: Iterable<string>): string {
  const tree = new MerkleTree();
  for (const hex of hexHashes) tree.add(Buffer.from(hex, 'hex'));
  return tree.root();
}
