import Database from 'better-sqlite3';
import { leafHash, nodeHash, type SubtreeSource } from './rfc9162.js';
import type { SignedTreeHead } from './tree-head.js';

/** One leaf of the log tree: an event's position and id (to find it) and its stored hash (the leaf input). */
export interface TreeLeaf {
  position: bigint;
  eventId: string;
  /** the event's stored hash, 32 bytes */
  eventHash: Buffer;
}

/** A signed tree head as stored, with its sequence number (the `after` cursor of listings). */
export interface StoredTreeHead extends SignedTreeHead {
  seq: number;
}

/** The log no longer holds the leaves the tree was built from: named by leaf index, position and reason. */
export class LogRewrittenError extends Error {
  constructor(
    readonly leafIndex: number,
    readonly reason: string,
  ) {
    super(`the log was rewritten at leaf ${leafIndex}: ${reason}`);
    this.name = 'LogRewrittenError';
  }
}

const SCHEMA_VERSION = 1;

/*
 * `leaves` holds one row per event in log order (idx = 0-based leaf index): what a proof request looks up
 * (event id or position) and the leaf input. `nodes` is the level table: the hash of every COMPLETE subtree of
 * 2^level leaves (level >= 1; level 0 is computed from `leaves`), written once when its last leaf arrives and
 * never changed, so any proof needs O(log n) lookups. `tree_heads` are the signed tree heads, kept for ever.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS leaves (
    idx        INTEGER PRIMARY KEY,
    position   TEXT    NOT NULL,
    event_id   TEXT    NOT NULL,
    event_hash BLOB    NOT NULL CHECK (length(event_hash) = 32)
  );
  CREATE INDEX IF NOT EXISTS leaves_event_id ON leaves (event_id);
  CREATE INDEX IF NOT EXISTS leaves_position ON leaves (position);
  CREATE TABLE IF NOT EXISTS nodes (
    level INTEGER NOT NULL CHECK (level >= 1),
    idx   INTEGER NOT NULL,
    hash  BLOB    NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS tree_heads (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    tree_size INTEGER NOT NULL,
    root_hash TEXT    NOT NULL,
    timestamp INTEGER NOT NULL,
    key_id    TEXT    NOT NULL,
    signature TEXT    NOT NULL
  );
  CREATE TRIGGER IF NOT EXISTS tree_heads_no_update BEFORE UPDATE ON tree_heads
    BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END;
  CREATE TRIGGER IF NOT EXISTS tree_heads_no_delete BEFORE DELETE ON tree_heads
    BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END;
`;

interface HeadRow {
  seq: number;
  tree_size: number;
  root_hash: string;
  timestamp: number;
  key_id: string;
  signature: string;
}

function headOf(row: HeadRow): StoredTreeHead {
  return {
    seq: row.seq,
    version: 1,
    treeSize: row.tree_size,
    rootHash: row.root_hash,
    timestamp: row.timestamp,
    keyId: row.key_id,
    signature: row.signature,
  };
}

/**
 * The log tree kept beside the event store (any adapter): a SQLite file of its own (default
 * `<data dir>/log-tree.db`). It is derived from the store's leaves (`EventStore.readStored`) by
 * `VerifiableLog`, which checks it against the store before every signature; several processes may share it.
 */
export class TreeFile implements SubtreeSource {
  private readonly db: Database.Database;
  private readonly statements;

  private constructor(db: Database.Database) {
    this.db = db;
    this.statements = {
      size: db.prepare<[], { n: number | null }>('SELECT max(idx) AS n FROM leaves'),
      leaf: db.prepare<[number], { idx: number; position: string; event_id: string; event_hash: Buffer }>(
        'SELECT idx, position, event_id, event_hash FROM leaves WHERE idx = ?',
      ),
      leafHashes: db.prepare<[number, number], { event_hash: Buffer }>(
        'SELECT event_hash FROM leaves WHERE idx >= ? AND idx < ? ORDER BY idx',
      ),
      byEventId: db.prepare<[string], { idx: number }>(
        'SELECT idx FROM leaves WHERE event_id = ? ORDER BY idx LIMIT 1',
      ),
      byPosition: db.prepare<[string], { idx: number }>('SELECT idx FROM leaves WHERE position = ? LIMIT 1'),
      node: db.prepare<[number, number], { hash: Buffer }>(
        'SELECT hash FROM nodes WHERE level = ? AND idx = ?',
      ),
      insertLeaf: db.prepare<[number, string, string, Buffer]>(
        'INSERT INTO leaves (idx, position, event_id, event_hash) VALUES (?, ?, ?, ?)',
      ),
      insertNode: db.prepare<[number, number, Buffer]>(
        'INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)',
      ),
      insertHead: db.prepare<[number, string, number, string, string]>(
        'INSERT INTO tree_heads (tree_size, root_hash, timestamp, key_id, signature) VALUES (?, ?, ?, ?, ?)',
      ),
      heads: db.prepare<[number, number], HeadRow>(
        'SELECT * FROM tree_heads WHERE seq > ? ORDER BY seq LIMIT ?',
      ),
      latestHead: db.prepare<[], HeadRow>('SELECT * FROM tree_heads ORDER BY seq DESC LIMIT 1'),
      allHeads: db.prepare<[], HeadRow>('SELECT * FROM tree_heads ORDER BY tree_size, seq'),
    };
  }

  static open(file: string): TreeFile {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    const version = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema'").get();
    if (version === undefined) {
      db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run(String(SCHEMA_VERSION));
    } else if (version.value !== String(SCHEMA_VERSION)) {
      db.close();
      throw new Error(`${file}: log tree schema ${version.value}, this version reads ${SCHEMA_VERSION}`);
    }
    return new TreeFile(db);
  }

  /** How many leaves the tree holds. */
  size(): number {
    const n = this.statements.size.get()?.n;
    return n === null || n === undefined ? 0 : n + 1;
  }

  /** The position of the last leaf (0n for an empty tree): where an incremental read resumes. */
  lastPosition(): bigint {
    const size = this.size();
    if (size === 0) return 0n;
    return BigInt(this.leaf(size - 1).position);
  }

  leaf(index: number): { index: number; position: string; eventId: string; eventHash: Buffer } {
    const row = this.statements.leaf.get(index);
    if (row === undefined) throw new RangeError(`the log tree has no leaf ${index}`);
    return { index: row.idx, position: row.position, eventId: row.event_id, eventHash: row.event_hash };
  }

  indexOfEvent(eventId: string): number | undefined {
    return this.statements.byEventId.get(eventId)?.idx;
  }

  indexOfPosition(position: bigint): number | undefined {
    return this.statements.byPosition.get(String(position))?.idx;
  }

  node(level: number, index: number): Buffer {
    if (level === 0) return leafHash(this.leaf(index).eventHash);
    const row = this.statements.node.get(level, index);
    if (row === undefined) throw new RangeError(`the log tree has no node at level ${level}, index ${index}`);
    return row.hash;
  }

  /**
   * Adds `leaves` as the leaves from index `start` on, in one transaction. Leaves the tree already holds are
   * compared instead (another process may have added them): a different event hash is a LogRewrittenError.
   * `start` beyond the tree's size is a RangeError (a gap).
   */
  extend(start: number, leaves: readonly TreeLeaf[]): void {
    this.db.transaction(() => {
      let size = this.size();
      if (start > size) throw new RangeError(`leaf ${start} would leave a gap after leaf ${size - 1}`);
      const overlap = Math.min(size - start, leaves.length);
      if (overlap > 0) {
        const stored = this.statements.leafHashes.all(start, start + overlap);
        stored.forEach((row, i) => {
          if (!row.event_hash.equals(leaves[i].eventHash)) {
            throw new LogRewrittenError(
              start + i,
              `the event at position ${leaves[i].position} (id ${leaves[i].eventId}) has hash ` +
                `${leaves[i].eventHash.toString('hex')}, the tree holds ${row.event_hash.toString('hex')}`,
            );
          }
        });
      }
      // the pending left siblings of the next leaf: for each bit L of size, the complete node ending there
      const frontier: (Buffer | undefined)[] = [];
      for (let level = 0; 2 ** level <= size; level++) {
        if (Math.floor(size / 2 ** level) % 2 === 1) {
          frontier[level] = this.node(level, Math.floor(size / 2 ** level) - 1);
        }
      }
      for (const leaf of leaves.slice(overlap)) {
        this.statements.insertLeaf.run(size, String(leaf.position), leaf.eventId, leaf.eventHash);
        let hash = leafHash(leaf.eventHash);
        let level = 0;
        while (Math.floor(size / 2 ** level) % 2 === 1) {
          const left = frontier[level];
          if (left === undefined) throw new Error(`log tree frontier missing at level ${level}`);
          frontier[level] = undefined;
          hash = nodeHash(left, hash);
          level += 1;
          this.statements.insertNode.run(level, Math.floor(size / 2 ** level), hash);
        }
        frontier[level] = hash;
        size += 1;
      }
    })();
  }

  /** Forgets every leaf and node (tree heads stay): the tree is then rebuilt from the store. */
  resetLeaves(): void {
    this.db.transaction(() => {
      this.db.exec('DELETE FROM leaves; DELETE FROM nodes;');
    })();
  }

  addTreeHead(head: SignedTreeHead): StoredTreeHead {
    const result = this.statements.insertHead.run(
      head.treeSize,
      head.rootHash,
      head.timestamp,
      head.keyId,
      head.signature,
    );
    return { ...head, seq: Number(result.lastInsertRowid) };
  }

  treeHeads(first: number, after: number): StoredTreeHead[] {
    return this.statements.heads.all(after, first).map(headOf);
  }

  latestTreeHead(): StoredTreeHead | undefined {
    const row = this.statements.latestHead.get();
    return row === undefined ? undefined : headOf(row);
  }

  /** Every signed tree head by tree size (the rewrite check compares the store against each). */
  allTreeHeads(): StoredTreeHead[] {
    return this.statements.allHeads.all().map(headOf);
  }

  close(): void {
    this.db.close();
  }
}
