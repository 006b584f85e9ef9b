import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteEventStore } from '#event-store';
import { runCli } from './support/cli.js';

const FIXTURES = resolve(import.meta.dirname, 'fixtures', 'import');

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
    expect(JSON.parse(first.stdout)).toMatchObject({
      records: 6,
      imported: 3,
      skipped: { 'not a verbal event': 1, 'no country': 1 },
      rejected: 1,
      rejections: [{ line: 6, field: 'Source Country' }],
      events: 3,
      lastPosition: '3',
    });

    const second = JSON.parse((await runCli(args, env())).stdout) as Record<string, unknown>;
    expect(second).toMatchObject({ imported: 0, events: 0, skipped: { 'already imported': 3 } });
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
    expect(JSON.parse(result.stdout)).toMatchObject({ records: 0, imported: 0, rejected: 0 });
  });
});
