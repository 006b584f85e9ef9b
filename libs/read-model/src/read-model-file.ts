import { closeSync, existsSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ReadModelUnusableError } from './errors.js';
import { BULK_LOAD_DEFERRED_INDEXES, SCHEMA, SCHEMA_VERSION } from './schema.js';
import type { Sql } from './sql.js';

/**
 * The read model as a file: opening it (with the health checks that decide whether it is usable), its
 * durability settings, closing it durably, swapping a rebuilt file into place, and the checkpoints stored in
 * it. What the tables hold and how they are queried belongs to the question modules.
 *
 * Durability: WAL with `synchronous=NORMAL`. A power cut may lose the last few committed transactions, but
 * never tears one; since every batch commits its rows together with the checkpoint, a lost transaction only
 * means the runner re-applies those events from the log. The read model is disposable, the log is not (the
 * event store keeps `synchronous=FULL`).
 */

export interface ReadModelOpenOptions {
  /**
   * For a read model being rebuilt, which nobody reads until it is complete: no journal at all,
   * `synchronous=OFF`, a large page cache and the secondary indexes left out, so a crash or a failed batch
   * may leave it damaged (it is then thrown away and rebuilt). `closeDurably()` creates the indexes and makes it durable before it is put into
   * service; until then only primary-key reads (`statement`, `dump`, `rows`) are fast.
   */
  relaxedDurability?: boolean;
  /** open an existing file for reading only (no schema set-up, no writes) */
  readonly?: boolean;
  /**
   * Files up to this size get SQLite's `quick_check` (every page read) when opened; larger ones only the
   * checks that read no pages (header, size against the header's page count). Default
   * `FULL_CHECK_MAX_BYTES`.
   */
  fullCheckMaxBytes?: number;
}

/**
 * The largest read-model file whose every page is checked (`pragma quick_check`) at open: about 1 s of
 * start-up per 100 MB, so a 1M-statement file (2.4 GB) would wait minutes before serving. Above it a damaged
 * page is found by the first query that reads it (an SQLITE_CORRUPT error for that request), and the
 * operator rebuilds with `communique rebuild`; truncation is still caught at open from the header.
 */
export const FULL_CHECK_MAX_BYTES = 512 * 1024 * 1024;

/**
 * SQLite page cache per connection, in KiB: 1 GiB while rebuilding (bulk writes touch every index), 16 MiB
 * for a serving process, whose reads touch the few pages of the hot timeline pages (a larger cache only kept
 * the pages the start-up check had read resident).
 */
const REBUILD_CACHE_KIB = 1_048_576;
const SERVING_CACHE_KIB = 16_384;

/**
 * Opens (or creates) the read-model file: checks it is a read model of this schema version and undamaged
 * (a ReadModelUnusableError otherwise), sets its durability and creates what is missing of its schema.
 */
export function openReadModelFile(file: string, options: ReadModelOpenOptions = {}): Database.Database {
  if (options.readonly !== true) {
    const truncated = truncation(file);
    if (truncated !== undefined) throw new ReadModelUnusableError(file, `damaged (${truncated})`);
  }
  let db: Database.Database;
  try {
    db = new Database(file, {
      readonly: options.readonly === true,
      fileMustExist: options.readonly === true,
    });
    db.pragma('user_version', { simple: true }); // reads the header: fails at once on a file that is not SQLite
  } catch (error) {
    throw unusable(file, error);
  }
  if (options.readonly === true) {
    db.pragma('busy_timeout = 5000');
    return db;
  }
  try {
    if (options.relaxedDurability === true) {
      // better-sqlite3 opens connections in SQLite's defensive mode, where `journal_mode = OFF` is ignored
      // (the file would keep a rollback journal on disk): lift it for this one pragma
      db.unsafeMode(true);
      db.pragma('journal_mode = OFF');
      db.unsafeMode(false);
    } else {
      db.pragma('journal_mode = WAL');
    }
    db.pragma(options.relaxedDurability === true ? 'synchronous = OFF' : 'synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('temp_store = MEMORY');
    // a rebuild inserts into B-trees keyed by random ids: the more of them stays cached, the fewer pages
    // are written and read back (SQLite takes the pages as it needs them, so a small rebuild uses little)
    db.pragma(`cache_size = -${options.relaxedDurability === true ? REBUILD_CACHE_KIB : SERVING_CACHE_KIB}`);
    const version = db.pragma('user_version', { simple: true });
    if (version !== 0 && version !== SCHEMA_VERSION) {
      throw new ReadModelUnusableError(
        file,
        `schema version ${String(version)}, this code writes version ${SCHEMA_VERSION}`,
      );
    }
    // A truncated file or a damaged page can still have a readable header: check every page's structure
    // when the file is small enough for that to be quick (the size against the header is checked first).
    if (fileSize(file) <= (options.fullCheckMaxBytes ?? FULL_CHECK_MAX_BYTES)) {
      const check: unknown = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new ReadModelUnusableError(file, `damaged (quick_check: ${String(check)})`);
    }
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    if (options.relaxedDurability === true) {
      for (const index of BULK_LOAD_DEFERRED_INDEXES) db.exec(`DROP INDEX IF EXISTS ${index}`);
    }
  } catch (error) {
    db.close();
    throw unusable(file, error);
  }
  return db;
}

/**
 * Closes the file with everything on disk: the indexes a relaxed rebuild deferred created, WAL checkpointed
 * into the main file (a relaxed rebuild has no WAL), the file fsynced. After this the file can be renamed into
 * service.
 */
export function closeDurably(db: Database.Database, file: string): void {
  if (!db.open) return;
  db.exec(SCHEMA);
  if (String(db.pragma('journal_mode', { simple: true })) === 'wal') db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  fsyncFile(file);
}

// ---- checkpoints: the last position each projection applied, written in the batch's transaction ----

export function saveCheckpoint(sql: Sql, name: string, position: bigint): void {
  sql.run(
    'INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position',
    name,
    position,
  );
}

/** The last position a projection applied; 0n when it has applied nothing. */
export function checkpointOf(sql: Sql, name: string): bigint {
  return (
    sql.get<{ position: bigint }>('SELECT position FROM checkpoints WHERE name = ?', name)?.position ?? 0n
  );
}

/** SQLite's answer for a file that is not a database or is damaged, as a ReadModelUnusableError. */
function unusable(file: string, error: unknown): unknown {
  if (error instanceof ReadModelUnusableError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new ReadModelUnusableError(file, error instanceof Error ? error.message : String(code));
  }
  return error;
}

/**
 * Renames `from` over `to` (atomically, same folder) after removing `to`'s WAL and shared-memory files, which
 * belong to the file being replaced and would otherwise be read as part of the new one; then fsyncs the folder
 * so the rename itself survives a power cut.
 */
export function moveIntoPlace(from: string, to: string): void {
  for (const suffix of ['-wal', '-shm']) rmSync(to + suffix, { force: true });
  renameSync(from, to);
  fsyncFile(dirname(to));
}

const fileSize = (file: string): number => (existsSync(file) ? statSync(file).size : 0);

/**
 * Why the main file is shorter than its header says, or undefined. The header's page count (offset 28) is
 * valid when its "version-valid-for" number (offset 92) equals the change counter (offset 24); the file may
 * then be longer than that count (pages freed but not yet cut off), never shorter. Not judged while a WAL
 * with frames is beside it: a checkpoint cut short may have written the header first, and SQLite completes it
 * from the WAL. Reads 100 bytes.
 */
function truncation(file: string): string | undefined {
  const size = fileSize(file);
  if (size < 100 || fileSize(`${file}-wal`) > 0) return undefined; // empty or new, or a WAL to replay
  const header = Buffer.alloc(100);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65_536 : rawPageSize;
  const pages = header.readUInt32BE(28);
  if (pages === 0 || header.readUInt32BE(92) !== header.readUInt32BE(24)) return undefined;
  const expected = pages * pageSize;
  return size < expected ? `${size} bytes, its header counts ${pages} pages of ${pageSize} bytes` : undefined;
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
