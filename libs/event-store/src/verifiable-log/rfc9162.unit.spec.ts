import { createHash } from 'node:crypto';
import { merkleRoot } from '../merkle.js';
import {
  consistencyPath,
  inclusionPath,
  leafHash,
  nodeHash,
  rangeHash,
  verifyConsistency,
  verifyInclusion,
  type SubtreeSource,
} from './rfc9162.js';

/** A level table computed naively from the leaves, for sizes up to 40. */
function table(leaves: Buffer[]): SubtreeSource {
  return {
    node(level, index) {
      const width = 2 ** level;
      const slice = leaves.slice(index * width, (index + 1) * width);
      if (slice.length !== width) throw new RangeError(`no complete node ${level}/${index}`);
      const hashes = slice.map(leafHash);
      let row = hashes;
      while (row.length > 1) row = row.flatMap((_, i) => (i % 2 === 0 ? [nodeHash(row[i], row[i + 1])] : []));
      return row[0];
    },
  };
}

const leaves = Array.from({ length: 40 }, (_, i) => createHash('sha256').update(`leaf ${i}`).digest());
const source = table(leaves);
const rootOf = (n: number): Buffer =>
  Buffer.from(merkleRoot(leaves.slice(0, n).map((l) => l.toString('hex'))), 'hex');

describe('RFC 6962 proofs over a level table', () => {
  it('the root folded from complete subtrees equals the streaming tree of audit verify, for every size', () => {
    for (let n = 0; n <= 40; n++) expect(rangeHash(source, 0, n).equals(rootOf(n))).toBe(true);
  });

  it('every inclusion proof of every leaf in every tree size up to 40 verifies, and not for another leaf', () => {
    for (let n = 1; n <= 40; n++) {
      for (let m = 0; m < n; m++) {
        const path = inclusionPath(source, m, n);
        expect(verifyInclusion(leaves[m], m, n, path, rootOf(n))).toBe(true);
        if (n > 1) expect(verifyInclusion(leaves[(m + 1) % n], m, n, path, rootOf(n))).toBe(false);
        // the size is bound to its root by the signed tree head: a path for n does not lead to the root of n + 1
        if (n < leaves.length) expect(verifyInclusion(leaves[m], m, n + 1, path, rootOf(n + 1))).toBe(false);
      }
    }
  });

  it('every consistency proof between sizes 1 <= m <= n <= 33 verifies, and not against another root', () => {
    for (let n = 1; n <= 33; n++) {
      for (let m = 1; m <= n; m++) {
        const path = consistencyPath(source, m, n);
        expect([m, n, verifyConsistency(m, n, path, rootOf(m), rootOf(n))]).toEqual([m, n, true]);
        if (m < n) {
          if (m > 1) expect(verifyConsistency(m, n, path, rootOf(m - 1), rootOf(n))).toBe(false);
          expect(verifyConsistency(m, n, path, rootOf(m), rootOf(n - 1))).toBe(false);
        }
      }
    }
  });

  it('refuses sizes and indexes out of range, and hashes that are not 32 bytes', () => {
    expect(verifyInclusion(leaves[0], 0, 0, [], rootOf(0))).toBe(false);
    expect(verifyInclusion(leaves[0], -1, 1, [], rootOf(1))).toBe(false);
    expect(verifyInclusion(leaves[0], 0.5, 2, [], rootOf(2))).toBe(false);
    expect(verifyInclusion(leaves[0], 0, 2, [Buffer.alloc(31)], rootOf(2))).toBe(false);
    expect(verifyConsistency(0, 3, [], rootOf(0), rootOf(3))).toBe(false);
    expect(verifyConsistency(4, 3, [], rootOf(4), rootOf(3))).toBe(false);
    expect(verifyConsistency(3, 3, [leaves[0]], rootOf(3), rootOf(3))).toBe(false);
    expect(verifyConsistency(2, 3, [], rootOf(2), rootOf(3))).toBe(false);
    expect(consistencyPath(source, 0, 3)).toEqual([]);
  });
});
