import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventStore, merkleRoot, type StoredEvent } from '#event-store';
import { communique } from '../../../../test/support/cli.js';

/** Nine events in three streams, interleaved in global order: a(0) b(0) c(0) a(1) b(1) c(1) a(2) b(2) c(2). */
async function seed(file: string): Promise<void> {
  const store = SqliteEventStore.open(file);
  try {
    for (let revision = 0; revision < 3; revision++) {
      for (const stream of ['audit-a', 'audit-b', 'audit-c']) {
        await store.appendToStream(
          stream,
          [
            {
              id: randomUUID(),
              type: 'Noted',
              data: { stream, revision, text: `note ${revision} of ${stream}` },
              metadata: {
                recordedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, revision)).toISOString(),
                recordedBy: 'test',
                correlationId: 'c',
                causationId: 'c',
                schemaVersion: 1,
              },
            },
          ],
          { expectedRevision: revision === 0 ? 'no_stream' : revision - 1 },
        );
      }
    }
  } finally {
    await store.close();
  }
}

/** Opens the events file behind the store's back, with the append-only triggers dropped. */
function tamper(file: string, change: (db: Database.Database) => void): void {
  const db = new Database(file);
  try {
    db.exec('DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;');
    change(db);
  } finally {
    db.close();
  }
}

function storedHashes(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT hash FROM events ORDER BY position').all() as { hash: string }[]).map(
      (r) => r.hash,
    );
  } finally {
    db.close();
  }
}

describe('communique audit verify', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'communique-audit-'));
    file = join(dir, 'events.db');
    await seed(file);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes on a clean store and prints the event count and the Merkle root of the event hashes', () => {
    const result = communique(dir, ['audit', 'verify']);
    expect(result.stderr).not.toContain('FAILED');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('events: 9\n');
    expect(result.stdout).toContain(`merkle root: ${merkleRoot(storedHashes(file))}\n`);
    expect(result.stdout).toMatch(/^ok: /m);
  });

  it('fails naming the event when one byte of its stored data is changed', () => {
    tamper(file, (db) =>
      db.prepare(`UPDATE events SET data = replace(data, 'note 1', 'note 7') WHERE position = 5`).run(),
    );
    const result = communique(dir, ['audit', 'verify']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('broken at position 5: stream audit-b, revision 1');
    expect(result.stderr).toContain('does not match its hash');
  });

  it('fails when one byte of the stored metadata is changed (a recorded time moved by a second)', () => {
    tamper(file, (db) =>
      db
        .prepare(`UPDATE events SET metadata = replace(metadata, ':00:02.', ':00:03.') WHERE position = 8`)
        .run(),
    );
    const result = communique(dir, ['audit', 'verify']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('broken at position 8: stream audit-b, revision 2');
  });

  it('fails naming the event after the gap when an event is deleted', () => {
    tamper(file, (db) => db.prepare('DELETE FROM events WHERE position = 4').run());
    const result = communique(dir, ['audit', 'verify']);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('events: 8\n');
    expect(result.stderr).toContain('broken at position 5: stream audit-b, revision 1');
    expect(result.stderr).toContain('global chain is broken');
  });

  it('fails when the last event of a stream (not of the log) is deleted', () => {
    tamper(file, (db) => db.prepare('DELETE FROM events WHERE position = 7').run());
    const result = communique(dir, ['audit', 'verify']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('broken at position 8: stream audit-b, revision 2');
  });

  it('fails when two events of DIFFERENT streams are swapped in global order', () => {
    // positions 4 (audit-a rev 1) and 5 (audit-b rev 1): each stream's own order stays intact
    tamper(file, (db) =>
      db.exec(`UPDATE events SET position = -1 WHERE position = 4;
               UPDATE events SET position = 4 WHERE position = 5;
               UPDATE events SET position = 5 WHERE position = -1;`),
    );
    const result = communique(dir, ['audit', 'verify']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('broken at position 4: stream audit-b, revision 1');
    expect(result.stderr).toContain('global chain is broken');
  });

  it('fails when two events of the same stream are swapped', () => {
    tamper(file, (db) =>
      db.exec(`UPDATE events SET position = -1 WHERE position = 1;
               UPDATE events SET position = 1 WHERE position = 4;
               UPDATE events SET position = 4 WHERE position = -1;`),
    );
    const result = communique(dir, ['audit', 'verify']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('broken at position 1: stream audit-a, revision 1');
  });

  it('refuses to run where there is no event store, without creating one', () => {
    const empty = mkdtempSync(join(tmpdir(), 'communique-audit-none-'));
    try {
      const result = communique(empty, ['audit', 'verify']);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('no event store at');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('fails naming the event when ONE byte of ANY stored column is changed (every column, in turn)', () => {
    // position 5 is audit-b revision 1; the position itself is changed on the last event (9 -> 13), which
    // keeps the log's order, so the broken event is the changed one; integers get one bit flipped (1 -> 3, 9 -> 13)
    const columns = ['event_id', 'stream', 'type', 'data', 'metadata', 'hash', 'chain_hash', 'recorded_at'];
    const pristine = join(dir, 'pristine.db');
    copyFileSync(file, pristine);
    const flipped = (text: string): string => {
      const i = Math.floor(text.length / 2);
      return text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ 1) + text.slice(i + 1);
    };
    const cases: [string, (db: Database.Database) => void, RegExp][] = [
      ...columns.map((column): [string, (db: Database.Database) => void, RegExp] => [
        column,
        (db) => {
          const row = db.prepare(`SELECT ${column} AS v FROM events WHERE position = 5`).get() as {
            v: string;
          };
          db.prepare(`UPDATE events SET ${column} = ? WHERE position = 5`).run(flipped(row.v));
        },
        /broken at position 5: stream [^,]+, revision 1 \(event [^)]+\)/,
      ]),
      [
        'revision',
        (db) => db.exec('UPDATE events SET revision = 3 WHERE position = 5'),
        /broken at position 5: stream audit-b, revision 3/,
      ],
      [
        'position',
        (db) => db.exec('UPDATE events SET position = 13 WHERE position = 9'),
        /broken at position 13: stream audit-c, revision 2/,
      ],
    ];
    for (const [column, change, named] of cases) {
      copyFileSync(pristine, file);
      tamper(file, change);
      const result = communique(dir, ['audit', 'verify']);
      expect([column, result.status]).toEqual([column, 1]);
      expect([column, result.stderr]).toEqual([column, expect.stringMatching(named)]);
    }
  });

  it('verifies a store written before hash version 2, stating the rule each event was checked under', () => {
    const fixture = JSON.parse(
      readFileSync(join(process.cwd(), 'test/fixtures/event-store/stored-hashes.json'), 'utf8'),
    ) as { stored: (Omit<StoredEvent, 'position'> & { position: string })[] };
    const old = mkdtempSync(join(tmpdir(), 'communique-audit-v1-'));
    try {
      const store = SqliteEventStore.open(join(old, 'events.db'));
      store.importStored(fixture.stored.map((row) => ({ ...row, position: BigInt(row.position) })));
      void store.close();
      const result = communique(old, ['audit', 'verify']);
      expect(result.stderr).not.toContain('FAILED');
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(`events: ${fixture.stored.length}\n`);
      expect(result.stdout).toContain(
        `hash rules: 0 events checked under version 2 (id included), ${fixture.stored.length} under version 1`,
      );
      expect(communique(dir, ['audit', 'verify']).stdout).toContain(
        'hash rules: 9 events checked under version 2 (id included), 0 under version 1',
      );
    } finally {
      rmSync(old, { recursive: true, force: true });
    }
  });
});
