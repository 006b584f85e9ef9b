import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { asOfWrites } from './as-of.js';
import { InvalidArgumentError, ReadModelUnusableError } from './errors.js';
import { ReadModel } from './read-model.js';

let dir: string;
let readModel: ReadModel;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'communique-as-of-'));
  readModel = ReadModel.open(join(dir, 'read-model.db'));
});

afterEach(() => {
  readModel.close();
  rmSync(dir, { recursive: true, force: true });
});

/** [position, recordedAt] of a log, indexed as the projection runner does: one batch. */
function index(model: ReadModel, log: readonly [bigint, string][]): void {
  model.writeBatch((batch) => {
    for (const [position, recordedAt] of log) batch.apply(position, asOfWrites(recordedAt));
  });
}

const LOG: [bigint, string][] = [
  [1n, '2026-03-01T10:00:00Z'],
  [2n, '2026-03-01T12:00:00.000+02:00'], // 10:00Z, as position 1
  [3n, '2026-03-02T00:00:00Z'],
  [4n, '2026-03-01T23:00:00Z'], // a skewed clock: counts as recorded at its predecessor's time
  [5n, 'not a time'], // unreadable: counts with its predecessor
  [6n, '2026-03-03T00:00:00Z'],
];

describe('the as-of index (recorded time -> position)', () => {
  it('gives the last position recorded at or before a moment, never going back in time', () => {
    index(readModel, LOG);
    expect(readModel.positionAt('2026-02-28T00:00:00Z')).toEqual({ position: 0n, final: true });
    expect(readModel.positionAt('2026-03-01T10:00:00.000Z')).toEqual({ position: 2n, final: true });
    expect(readModel.positionAt('2026-03-01T23:30:00Z')).toEqual({ position: 2n, final: true });
    expect(readModel.positionAt('2026-03-02T00:00:00+00:00')).toEqual({ position: 5n, final: true });
    // at or after the last time it has seen, the answer may still grow with events not yet applied
    expect(readModel.positionAt('2026-03-03T00:00:00Z')).toEqual({ position: 6n, final: false });
    expect(readModel.positionAt('2030-01-01T00:00:00Z')).toEqual({ position: 6n, final: false });
    // one row per recorded time
    expect(readModel.dump().log_times).toEqual([
      { recorded_at: '2026-03-01T10:00:00.000Z', position: 2n },
      { recorded_at: '2026-03-02T00:00:00.000Z', position: 5n },
      { recorded_at: '2026-03-03T00:00:00.000Z', position: 6n },
    ]);
  });

  it('holds the same rows whether built in one batch, in several, event by event, or replayed', () => {
    index(readModel, LOG);
    const once = readModel.dump().log_times;
    const pieces = ReadModel.open(join(dir, 'pieces.db'));
    const single = ReadModel.open(join(dir, 'single.db'));
    try {
      index(pieces, LOG.slice(0, 3));
      index(pieces, LOG.slice(3));
      for (const [position, recordedAt] of LOG) {
        single.transaction(() => single.apply(position, asOfWrites(recordedAt)));
      }
      expect(pieces.dump().log_times).toEqual(once);
      expect(single.dump().log_times).toEqual(once);
      index(readModel, LOG);
      index(readModel, LOG.slice(1, 4));
      expect(readModel.dump().log_times).toEqual(once);
    } finally {
      pieces.close();
      single.close();
    }
  });

  it('is empty before the first event: every moment is position 0, not final', () => {
    expect(readModel.positionAt('2026-03-01T10:00:00Z')).toEqual({ position: 0n, final: false });
  });

  it('refuses a moment that is not an ISO-8601 instant, naming asOf', () => {
    for (const bad of ['yesterday', '', '2026-13-45T99:00:00Z']) {
      expect(() => readModel.positionAt(bad)).toThrow(InvalidArgumentError);
      try {
        readModel.positionAt(bad);
      } catch (error) {
        expect((error as InvalidArgumentError).field).toBe('asOf');
      }
    }
  });

  it('belongs to schema version 4 and later: a version-3 file is unusable and gets rebuilt', () => {
    const file = join(dir, 'old.db');
    const old = new Database(file);
    old.pragma('user_version = 3');
    old.close();
    expect(() => ReadModel.open(file)).toThrow(ReadModelUnusableError);
    expect(() => ReadModel.open(file)).toThrow(/schema version 3, this code writes version 8/);
  });
});
