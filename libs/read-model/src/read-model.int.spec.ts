import { mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { ReadModelUnusableError } from './errors.js';
import { ReadModel } from './read-model.js';
import type { StatementView, TimelineRequest } from './types.js';

let dir: string;
let readModel: ReadModel;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'communique-read-model-'));
  readModel = ReadModel.open(join(dir, 'read-model.db'));
});

afterEach(() => {
  readModel.close();
  rmSync(dir, { recursive: true, force: true });
});

const view = (position: bigint, fields: Partial<StatementView> = {}): StatementView => ({
  id: 'a',
  occurredOn: '2019',
  speaker: { name: 'Wang Yi', country: 'CN' },
  speakerCountry: 'CN',
  targets: [],
  mentions: [],
  topics: [],
  kind: 'STATEMENT',
  text: 'text',
  attribution: 'PARAPHRASE',
  sources: [{ url: 'https://example.org' }],
  status: 'ACTIVE',
  version: 1,
  recordedAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
  respondsTo: [],
  recordedPosition: 3n,
  lastPosition: position,
  ...fields,
});

describe('read model', () => {
  it('a timeline page is an index range scan with no sort step, current or as of a position', () => {
    const cursor = Buffer.from(JSON.stringify(['2019-00-00', '5', 'x', 'country:CN'])).toString('base64url');
    const cases: ['country' | 'topic', TimelineRequest, string][] = [
      ['country', { first: 50, order: 'ASC' }, 'country_entries_timeline'],
      ['country', { first: 50, order: 'DESC', after: cursor }, 'country_entries_timeline'],
      [
        'country',
        {
          first: 50,
          order: 'ASC',
          filter: {
            from: '2019',
            to: '2020',
            kinds: ['APPEAL'],
            roles: ['TARGET'],
            topics: ['x'],
            counterpart: 'TR',
          },
        },
        'country_entries_timeline',
      ],
      ['country', { first: 50, order: 'ASC', asOf: 10n, after: cursor }, 'country_entries_timeline'],
      ['topic', { first: 50, order: 'DESC', filter: { includeRetracted: true } }, 'topic_entries_timeline'],
      ['topic', { first: 50, order: 'ASC', asOf: 10n }, 'topic_entries_timeline'],
    ];
    for (const [timeline, req, index] of cases) {
      const plan = readModel.explainTimeline(timeline, 'CN', req);
      expect(plan[0]).toMatch(
        new RegExp(`^SEARCH e USING (COVERING )?INDEX ${index} \\((country|topic)=\\?`),
      );
      expect(plan.join('\n')).not.toMatch(/TEMP B-TREE|SCAN e\b|SCAN s\b/);
    }
  });

  it('counts a timeline from its timeline index alone, without reading the table', () => {
    for (const [timeline, index] of [
      ['country', 'country_entries_timeline'],
      ['topic', 'topic_entries_timeline'],
    ] as const) {
      const req: TimelineRequest = { first: 50, order: 'ASC', filter: { from: '2019', kinds: ['APPEAL'] } };
      const [first] = readModel.explainTimeline(timeline, 'CN', req, 'count');
      expect(first).toMatch(new RegExp(`^SEARCH e USING COVERING INDEX ${index} \\((country|topic)=\\?`));
    }
  });

  it('a new statement row closes the previous one at its position, so both answer as-of reads', () => {
    readModel.transaction(() => readModel.apply(3n, [{ type: 'putStatement', statement: view(3n) }]));
    readModel.transaction(() =>
      readModel.apply(7n, [{ type: 'putStatement', statement: view(7n, { text: 'corrected', version: 2 }) }]),
    );

    expect(readModel.dump().statements).toMatchObject([
      { id: 'a', valid_from: 3n, valid_to: 7n, version: 1n },
      { id: 'a', valid_from: 7n, valid_to: null, version: 2n },
    ]);
    expect(readModel.statement('a', 2n)).toBeUndefined();
    expect(readModel.statement('a', 6n)).toMatchObject({ text: 'text', version: 1, lastPosition: 3n });
    expect(readModel.statement('a', 7n)).toMatchObject({ text: 'corrected', version: 2, lastPosition: 7n });
    expect(readModel.statement('a')).toEqual(view(7n, { text: 'corrected', version: 2 }));
  });

  it('a failing write inside a transaction leaves no row behind', () => {
    expect(() =>
      readModel.transaction(() => {
        readModel.apply(3n, [{ type: 'putStatement', statement: view(3n) }]);
        readModel.saveCheckpoint('statements', 3n);
        readModel.apply(4n, [{ type: 'putStatement', statement: view(3n) }]);
      }),
    ).toThrow(/lastPosition 3 written at position 4/);
    expect(readModel.checkpoint('statements')).toBe(0n);
    expect(readModel.dump().statements).toEqual([]);
  });

  it('reopens an existing file with its rows and checkpoints', () => {
    readModel.transaction(() => {
      readModel.apply(3n, [{ type: 'putStatement', statement: view(3n) }]);
      readModel.saveCheckpoint('statements', 3n);
    });
    const before = readModel.dump();
    readModel.close();
    readModel = ReadModel.open(join(dir, 'read-model.db'));
    expect(readModel.dump()).toEqual(before);
    expect(readModel.checkpoint('statements')).toBe(3n);
  });

  it('refuses, with a typed error, a file of another schema version or one that is not a database', () => {
    const other = join(dir, 'other-version.db');
    const db = new Database(other);
    db.pragma('user_version = 99');
    db.close();
    expect(() => ReadModel.open(other)).toThrow(ReadModelUnusableError);
    const garbage = join(dir, 'garbage.db');
    writeFileSync(garbage, 'this is not a database, but it is long enough to have a header '.repeat(100));
    expect(() => ReadModel.open(garbage)).toThrow(ReadModelUnusableError);
  });

  it('notices a truncated file from its header, without reading its pages', () => {
    // enough rows that the schema and the root pages stay in the first half of the file
    readModel.transaction(() => {
      for (let position = 1n; position <= 2000n; position++) {
        readModel.apply(position, [
          { type: 'putStatement', statement: view(position, { id: `s${position}` }) },
        ]);
      }
      readModel.saveCheckpoint('statements', 2000n);
    });
    readModel.closeDurably(); // checkpoints the WAL into the file and removes it
    const file = join(dir, 'read-model.db');
    const whole = statSync(file).size;
    // still whole: opens, also with the page-by-page check turned off
    ReadModel.open(file, { fullCheckMaxBytes: 0 }).close();
    truncateSync(file, Math.floor(whole / 2));
    expect(() => ReadModel.open(file, { fullCheckMaxBytes: 0 })).toThrow(
      /damaged \(\d+ bytes, its header counts/,
    );
    readModel = ReadModel.open(join(dir, 'fresh.db'));
  });
});
