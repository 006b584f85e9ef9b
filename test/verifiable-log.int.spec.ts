/**
 * The verifiable log checked by a verifier written here from the text of RFC 6962 §2.1 / RFC 9162 §2.1.3.2,
 * §2.1.4.2 and RFC 6962 §3.5 alone. It shares no code with libs/ or apps/: its hashing, its tree, its proof
 * checks and the signed bytes are its own (node:crypto). The log under test is built by the real adapters.
 */
import { createHash, createPublicKey, verify as verifySignature, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStoreDBClient } from '@eventstore/db-client';
import Database from 'better-sqlite3';
import {
  SqliteEventStore,
  TreeFile,
  TreeHeadSigner,
  VerifiableLog,
  createLogKey,
  type EventStore,
  type StreamWrite,
} from '#event-store';
import { EventStoreDbEventStore } from '#event-store';
import { InMemoryEventStore, KurrentWireCluster } from '#event-store/testing';

// ---------------------------------------------------------------- the independent verifier (RFC text only)
const H = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const leafHashOf = (input: Buffer): Buffer => H(Buffer.of(0), input);
const nodeHashOf = (l: Buffer, r: Buffer): Buffer => H(Buffer.of(1), l, r);

/** MTH(D[n]) of RFC 6962 §2.1, by its recursive definition. */
function mth(d: Buffer[]): Buffer {
  if (d.length === 0) return H();
  if (d.length === 1) return leafHashOf(d[0]);
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return nodeHashOf(mth(d.slice(0, k)), mth(d.slice(k)));
}

/** RFC 9162 §2.1.3.2. */
function rfcVerifyInclusion(
  index: number,
  size: number,
  leaf: Buffer,
  path: Buffer[],
  root: Buffer,
): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHashOf(leaf);
  for (const p of path) {
    if (p.length !== 32 || sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHashOf(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHashOf(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2 (first < second). */
function rfcVerifyConsistency(
  first: number,
  second: number,
  path: Buffer[],
  r1: Buffer,
  r2: Buffer,
): boolean {
  if (first >= second || path.length === 0) return false;
  const nodes = (first & (first - 1)) === 0 ? [r1, ...path] : [...path];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = nodes[0];
  let sr = nodes[0];
  for (const c of nodes.slice(1)) {
    if (c.length !== 32 || sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHashOf(c, fr);
      sr = nodeHashOf(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHashOf(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(r1) && sr.equals(r2);
}

interface HeadJson {
  treeSize: number;
  rootHash: string;
  timestamp: number;
  keyId: string;
  signature: string;
}

/** RFC 6962 §3.5 TreeHeadSignature: version 0, signature_type 1, uint64 timestamp, uint64 tree_size, root. */
function signedBytes(head: HeadJson): Buffer {
  const b = Buffer.alloc(50);
  b.writeUInt8(0, 0);
  b.writeUInt8(1, 1);
  b.writeBigUInt64BE(BigInt(head.timestamp), 2);
  b.writeBigUInt64BE(BigInt(head.treeSize), 10);
  Buffer.from(head.rootHash, 'hex').copy(b, 18);
  return b;
}

function rfcVerifyHead(head: HeadJson, publicKeyPem: string): boolean {
  const key = createPublicKey(publicKeyPem);
  const keyId = createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex');
  return (
    keyId === head.keyId &&
    verifySignature(null, signedBytes(head), key, Buffer.from(head.signature, 'base64'))
  );
}

// ---------------------------------------------------------------- helpers
/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function random(seed: number): (below: number) => number {
  let a = seed;
  return (below) => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * below);
  };
}

const hex = (b: Buffer): string => b.toString('hex');
const buf = (h: string): Buffer => Buffer.from(h, 'hex');

/** The same buffer with one byte changed (bit flip) at `at`. */
function flipped(b: Buffer, at: number): Buffer {
  const copy = Buffer.from(b);
  copy[at % copy.length] ^= 0x01;
  return copy;
}

async function fill(store: EventStore, count: number, prefix = 'proof'): Promise<void> {
  const streams = 37;
  let written = 0;
  const revisions = new Map<string, number>();
  while (written < count) {
    const writes: StreamWrite[] = [];
    for (let i = 0; i < 250 && written < count; i++, written++) {
      const stream = `${prefix}-${written % streams}`;
      const revision = revisions.get(stream) ?? -1;
      revisions.set(stream, revision + 1);
      writes.push({
        stream,
        expectedRevision: revision === -1 ? 'no_stream' : revision,
        events: [
          {
            id: randomUUID(),
            type: 'Noted',
            data: { n: written },
            metadata: {
              recordedAt: new Date(Date.UTC(2026, 0, 1) + written * 1000).toISOString(),
              recordedBy: 'test',
              correlationId: 'c',
              causationId: 'c',
              schemaVersion: 1,
            },
          },
        ],
      });
    }
    await store.appendToStreams(writes);
  }
}

async function eventHashes(store: EventStore): Promise<{ id: string; position: bigint; hash: Buffer }[]> {
  const all: { id: string; position: bigint; hash: Buffer }[] = [];
  for await (const e of store.readAll())
    all.push({ id: e.id, position: e.position, hash: buf(e.metadata.hash) });
  return all;
}

describe.each([
  ['SQLite', 3000],
  ['the in-memory double', 700],
  ['the EventStoreDB adapter (real client over the wire-level server, positions far from leaf indexes)', 500],
])('the verifiable log on %s, checked by a verifier written from the RFCs alone', (adapter, count) => {
  let dir: string;
  let store: EventStore;
  let tree: TreeFile;
  let log: VerifiableLog;
  let publicKeyPem: string;
  let leaves: { id: string; position: bigint; hash: Buffer }[];
  let wire: KurrentWireCluster | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'communique-vlog-'));
    store =
      adapter === 'SQLite'
        ? SqliteEventStore.open(join(dir, 'events.db'))
        : adapter === 'the in-memory double'
          ? new InMemoryEventStore()
          : new EventStoreDbEventStore(
              EventStoreDBClient.connectionString(
                (wire = await KurrentWireCluster.start({ firstPosition: 10n ** 12n })).connectionString,
              ),
            );
    await fill(store, count);
    tree = TreeFile.open(join(dir, 'log-tree.db'));
    const key = createLogKey();
    publicKeyPem = key.publicKey.publicKeyPem;
    log = new VerifiableLog(store, tree, TreeHeadSigner.fromPem(key.privateKeyPem));
    leaves = await eventHashes(store);
  });
  afterAll(async () => {
    tree.close();
    await store.close();
    await wire?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs a tree head whose root is MTH of every event hash in log order, and the signature checks', async () => {
    const head = await log.checkpoint();
    expect(head?.treeSize).toBe(count);
    expect(head?.rootHash).toBe(hex(mth(leaves.map((l) => l.hash))));
    expect(rfcVerifyHead(head!, publicKeyPem)).toBe(true);
  });

  it('a changed byte of the root, the size, the time or the signature makes the tree head fail', async () => {
    const head = log.latestTreeHead()!;
    expect(rfcVerifyHead({ ...head, rootHash: hex(flipped(buf(head.rootHash), 7)) }, publicKeyPem)).toBe(
      false,
    );
    expect(rfcVerifyHead({ ...head, treeSize: head.treeSize + 1 }, publicKeyPem)).toBe(false);
    expect(rfcVerifyHead({ ...head, timestamp: head.timestamp + 1 }, publicKeyPem)).toBe(false);
    const signature = Buffer.from(head.signature, 'base64');
    for (const at of [0, 31, 63]) {
      expect(
        rfcVerifyHead({ ...head, signature: flipped(signature, at).toString('base64') }, publicKeyPem),
      ).toBe(false);
    }
    expect(rfcVerifyHead(head, createLogKey().publicKey.publicKeyPem)).toBe(false);
  });

  it('inclusion proofs of random events (by id and by position) at random tree sizes verify, and fail when one byte changes', async () => {
    const next = random(15);
    for (let i = 0; i < 60; i++) {
      const index = next(count);
      const size = index + 1 + next(count - index);
      const leaf = leaves[index];
      const proof = await log.inclusionProof(
        i % 2 === 0 ? { eventId: leaf.id } : { position: leaf.position },
        size,
      );
      expect({ leafIndex: proof.leafIndex, treeSize: proof.treeSize }).toEqual({
        leafIndex: index,
        treeSize: size,
      });
      expect(proof.leafInput).toBe(hex(leaf.hash));
      const root = mth(leaves.slice(0, size).map((l) => l.hash));
      const path = proof.auditPath.map(buf);
      expect(rfcVerifyInclusion(index, size, leaf.hash, path, root)).toBe(true);
      // one byte of the proof, the leaf or the root
      path.forEach((_, p) => {
        const changed = path.map((h, j) => (j === p ? flipped(h, i) : h));
        expect(rfcVerifyInclusion(index, size, leaf.hash, changed, root)).toBe(false);
      });
      expect(rfcVerifyInclusion(index, size, flipped(leaf.hash, i), path, root)).toBe(false);
      expect(rfcVerifyInclusion(index, size, leaf.hash, path, flipped(root, i))).toBe(false);
      if (size > 1) expect(rfcVerifyInclusion((index + 1) % size, size, leaf.hash, path, root)).toBe(false);
    }
  });

  it('consistency proofs between random pairs of tree sizes verify, and fail when one byte changes', async () => {
    const next = random(9162);
    for (let i = 0; i < 60; i++) {
      const first = 1 + next(count - 1);
      const second = first + 1 + next(count - first);
      const proof = await log.consistencyProof(first, second);
      const r1 = mth(leaves.slice(0, first).map((l) => l.hash));
      const r2 = mth(leaves.slice(0, second).map((l) => l.hash));
      const path = proof.path.map(buf);
      expect(rfcVerifyConsistency(first, second, path, r1, r2)).toBe(true);
      path.forEach((_, p) => {
        const changed = path.map((h, j) => (j === p ? flipped(h, i) : h));
        expect(rfcVerifyConsistency(first, second, changed, r1, r2)).toBe(false);
      });
      expect(rfcVerifyConsistency(first, second, path, flipped(r1, i), r2)).toBe(false);
      expect(rfcVerifyConsistency(first, second, path, r1, flipped(r2, i))).toBe(false);
    }
  });

  it('answers for events appended after the last tree head (the tree catches up through the port)', async () => {
    await fill(store, 5, 'later');
    const all = await eventHashes(store);
    const last = all[all.length - 1];
    const proof = await log.inclusionProof({ eventId: last.id }, all.length);
    expect(
      rfcVerifyInclusion(
        all.length - 1,
        all.length,
        last.hash,
        proof.auditPath.map(buf),
        mth(all.map((l) => l.hash)),
      ),
    ).toBe(true);
    const head = await log.checkpoint();
    expect(head?.treeSize).toBe(all.length);
    const consistency = await log.consistencyProof(count, all.length);
    expect(
      rfcVerifyConsistency(
        count,
        all.length,
        consistency.path.map(buf),
        mth(all.slice(0, count).map((l) => l.hash)),
        buf(head!.rootHash),
      ),
    ).toBe(true);
  });
});

describe('a log rewritten behind the store (SQLite, triggers dropped)', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to sign over it, and a tree rebuilt from it is not consistent with the head signed before', async () => {
    dir = mkdtempSync(join(tmpdir(), 'communique-vlog-tamper-'));
    const file = join(dir, 'events.db');
    const key = createLogKey();
    const signer = TreeHeadSigner.fromPem(key.privateKeyPem);
    let store = SqliteEventStore.open(file);
    await fill(store, 400);
    let tree = TreeFile.open(join(dir, 'log-tree.db'));
    const before = (await new VerifiableLog(store, tree, signer).checkpoint())!;
    await store.close();

    // event 100 gets another stored hash, as when its content is rewritten and its hash recomputed
    const db = new Database(file);
    db.exec('DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;');
    const row = db.prepare('SELECT hash FROM events WHERE position = 100').get() as { hash: string };
    db.prepare('UPDATE events SET hash = ? WHERE position = 100').run(hex(flipped(buf(row.hash), 0)));
    db.close();

    store = SqliteEventStore.open(file);
    await fill(store, 50, 'after');
    const log = new VerifiableLog(store, tree, signer);
    await expect(log.checkpoint()).rejects.toThrow(/rewritten at leaf 99/);
    await expect(log.checkpoint({ rebuild: true })).rejects.toThrow(/not to the root .* of tree head 1/);
    expect(log.latestTreeHead()?.seq).toBe(before.seq);

    // the tree rebuilt from the rewritten store: a proof from the old head to it does not verify
    const now = await eventHashes(store);
    const proof = await log.consistencyProof(before.treeSize, now.length);
    const currentRoot = mth(now.map((l) => l.hash));
    expect(
      rfcVerifyConsistency(
        before.treeSize,
        now.length,
        proof.path.map(buf),
        buf(before.rootHash),
        currentRoot,
      ),
    ).toBe(false);
    tree.close();
    tree = TreeFile.open(join(dir, 'log-tree.db'));
    tree.close();
    await store.close();
  });
});
