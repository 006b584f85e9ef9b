import { createHash } from 'node:crypto';
import { MerkleTree, merkleRoot } from './merkle.js';

// Expected roots are composed by hand here from SHA-256 and the RFC 6962 §2.1 definition, independently of
// the incremental algorithm under test.
const sha = (...parts: Buffer[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();
const leaf = (data: Buffer): Buffer => sha(Buffer.from([0]), data);
const node = (left: Buffer, right: Buffer): Buffer => sha(Buffer.from([1]), left, right);
const eventHash = (i: number): string => createHash('sha256').update(`event ${i}`).digest('hex');
const L = (i: number): Buffer => leaf(Buffer.from(eventHash(i), 'hex'));
const hashes = (n: number): string[] => Array.from({ length: n }, (_, i) => eventHash(i));

describe('RFC 6962 Merkle tree hash', () => {
  it('of no leaves is SHA-256 of the empty string', () => {
    expect(merkleRoot([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('of one leaf is SHA-256(0x00 || leaf)', () => {
    expect(merkleRoot(hashes(1))).toBe(L(0).toString('hex'));
    // a fixed vector: the leaf hash of the 32 zero bytes
    expect(merkleRoot(['00'.repeat(32)])).toBe(sha(Buffer.alloc(33)).toString('hex'));
  });

  it('of two leaves is SHA-256(0x01 || left || right)', () => {
    expect(merkleRoot(hashes(2))).toBe(node(L(0), L(1)).toString('hex'));
  });

  it('splits 3 leaves as 2 + 1 and 5 as 4 + 1', () => {
    expect(merkleRoot(hashes(3))).toBe(node(node(L(0), L(1)), L(2)).toString('hex'));
    const four = node(node(L(0), L(1)), node(L(2), L(3)));
    expect(merkleRoot(hashes(5))).toBe(node(four, L(4)).toString('hex'));
  });

  it('splits 7 leaves as 4 + (2 + 1)', () => {
    const left = node(node(L(0), L(1)), node(L(2), L(3)));
    const right = node(node(L(4), L(5)), L(6));
    expect(merkleRoot(hashes(7))).toBe(node(left, right).toString('hex'));
  });

  it('agrees with the recursive definition for every size up to 40', () => {
    const reference = (leaves: Buffer[]): Buffer => {
      if (leaves.length === 1) return leaves[0];
      let k = 1;
      while (k * 2 < leaves.length) k *= 2;
      return node(reference(leaves.slice(0, k)), reference(leaves.slice(k)));
    };
    for (let n = 1; n <= 40; n++) {
      const leaves = Array.from({ length: n }, (_, i) => L(i));
      expect(merkleRoot(hashes(n))).toBe(reference(leaves).toString('hex'));
    }
  });

  it('changes when two leaves are swapped', () => {
    const swapped = hashes(6);
    [swapped[2], swapped[3]] = [swapped[3], swapped[2]];
    expect(merkleRoot(swapped)).not.toBe(merkleRoot(hashes(6)));
    const tree = new MerkleTree();
    for (const h of hashes(6)) tree.add(Buffer.from(h, 'hex'));
    expect(tree.size).toBe(6);
    expect(tree.root()).toBe(merkleRoot(hashes(6)));
  });
});
