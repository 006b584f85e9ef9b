import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteEventStore } from '#event-store';
import { runCli } from './support/cli.js';

const FIXTURES = resolve(import.meta.dirname, 'fixtures', 'import');

/** The NDJSON lines `--json` prints. */
const jsonLines = (stdout: string): Record<string, unknown>[] =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('communique import', () => {
  let dir: string;
  const env = () => ({ COMMUNIQUE_DATA_DIR: dir });
  const eventCount = async (): Promise<number> => {
    const store = SqliteEventStore.open(join(dir, 'events.db'));
    try {
      return await store.eventCount();
    } finally {
      await store.close();
    }
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'communique-import-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('imports a file with rejections: exit code 0, a readable report on stdout, progress on stderr', async () => {
    const result = await runCli(['import', join(FIXTURES, 'statements.csv'), '--format', 'csv'], env());

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('imported: 2');
    expect(result.stdout).toContain('rejected: 4');
    expect(result.stdout).toMatch(/line 5: occurredOn: /);
    expect(result.stdout).toContain('line 6: row: column 3: text after the closing quote');
    expect(result.stdout).toMatch(/line 8: kind: /);
    expect(result.stderr).toMatch(/import statements\.csv: .*bytes/);
    expect(await eventCount()).toBe(2);
  });

  it('--json prints the report as JSON; a second run reports everything as already imported', async () => {
    const args = ['import', join(FIXTURES, 'icews.tab'), '--format', 'icews', '--json', '--batch-size', '2'];
    const first = await runCli(args, env());
    expect(first.code).toBe(0);
    const lines = jsonLines(first.stdout);
    expect(lines[0]).toEqual({ type: 'start', file: args[1], format: 'icews', batchSize: 2 });
    // one line per committed batch, in file order, then the report
    const batches = lines.slice(1, -1);
    expect(batches.map((b) => b.type)).toEqual(batches.map(() => 'batch'));
    expect(batches.map((b) => b.batch)).toEqual(batches.map((_, i) => i + 1));
    expect(batches.reduce((n, b) => n + (b.statements as number), 0)).toBe(3);
    const ranges = batches.map((b) => b.lines as [number, number]);
    for (const [i, [from, to]] of ranges.entries()) {
      expect(from).toBeLessThanOrEqual(to);
      if (i > 0) expect(from).toBeGreaterThan(ranges[i - 1][1]);
    }
    expect(batches[batches.length - 1]).toMatchObject({ imported: 3, lastPosition: '3' });
    expect(lines[lines.length - 1]).toMatchObject({
      type: 'report',
      records: 6,
      imported: 3,
      skipped: { 'not a verbal event': 1, 'no country': 1 },
      rejected: 1,
      rejections: [{ line: 6, field: 'Source Country' }],
      events: 3,
      lastPosition: '3',
    });

    const second = jsonLines((await runCli(args, env())).stdout);
    expect(second[second.length - 1]).toMatchObject({
      type: 'report',
      imported: 0,
      events: 0,
      skipped: { 'already imported': 3 },
    });
    // a batch stored by the first run is reported again, with nothing appended
    expect(
      second.filter((b) => b.type === 'batch').every((b) => b.statements === 0 && b.lastPosition === null),
    ).toBe(true);
    expect(await eventCount()).toBe(3);
  });

  it('exits non-zero, naming the problem, when the file cannot be read or is not in the format', async () => {
    const missing = await runCli(['import', join(dir, 'nope.ndjson'), '--format', 'ndjson'], env());
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/cannot read .*nope\.ndjson.*ENOENT/);

    const wrongFormat = await runCli(
      ['import', join(FIXTURES, 'statements.ndjson'), '--format', 'gdelt'],
      env(),
    );
    expect(wrongFormat.code).not.toBe(0);
    expect(wrongFormat.stderr).toMatch(/not a valid GDELT file: line 1 has 1 tab-separated columns/);

    const unknownFormat = await runCli(
      ['import', join(FIXTURES, 'statements.ndjson'), '--format', 'xml'],
      env(),
    );
    expect(unknownFormat.code).not.toBe(0);
    expect(unknownFormat.stderr).toContain('--format must be one of ndjson, csv, gdelt, icews, got "xml"');

    const badBatch = await runCli(
      ['import', join(FIXTURES, 'statements.ndjson'), '--format', 'ndjson', '--batch-size', '0'],
      env(),
    );
    expect(badBatch.code).not.toBe(0);
    expect(badBatch.stderr).toContain('--batch-size must be an integer >= 1, got "0"');

    const directory = await runCli(['import', dir, '--format', 'ndjson'], env());
    expect(directory.code).not.toBe(0);
    expect(directory.stderr).toMatch(/cannot read .*is not a file/);

    expect(await eventCount()).toBe(0);
  });

  it('an empty NDJSON file imports nothing and succeeds', async () => {
    const empty = join(dir, 'empty.ndjson');
    writeFileSync(empty, '');
    const result = await runCli(['import', empty, '--format', 'ndjson', '--json'], env());
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout).map((line) => line.type)).toEqual(['start', 'report']);
    expect(jsonLines(result.stdout)[1]).toMatchObject({ records: 0, imported: 0, rejected: 0 });
  });
});
