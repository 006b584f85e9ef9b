import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '#event-store';
import { communique, type CommuniqueResult } from '../support/cli.js';

/*
 * Hostile files through the real `communique` binary: each gets a clear message naming the line, exit code
 * 1, no stack trace, no raw control byte on the terminal, and leaves the store as it was.
 */

/** A control byte a terminal would act on: C0 except LF and TAB, DEL, C1. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const STACK_FRAME = /\n\s+at .+\(?.+:\d+:\d+\)?/;
const ESCAPES = '\u001b[2J\u001b]0;owned\u0007\u009b31m';

function expectRefused(result: CommuniqueResult, message: RegExp): void {
  expect(result.stderr).toMatch(message);
  expect(result.status).toBe(1);
  expect(result.stderr).not.toMatch(STACK_FRAME);
  // progress redraws use a carriage return; nothing else may reach the terminal raw
  expect(result.stderr.replaceAll('\r', '')).not.toMatch(RAW_CONTROL);
  expect(result.stdout).not.toMatch(RAW_CONTROL);
}

async function eventCount(dir: string): Promise<number> {
  const file = join(dir, 'events.db');
  if (!existsSync(file)) return 0;
  const store = SqliteEventStore.open(file);
  try {
    return await store.eventCount();
  } finally {
    await store.close();
  }
}

const statementLine = (text: string, id = randomUUID()) =>
  JSON.stringify({
    id,
    occurredOn: '2024-05-01',
    speaker: { name: 'Wang Yi', country: 'CN' },
    speakerCountry: 'CN',
    text,
    attribution: 'DIRECT_QUOTE',
    cameoCode: '020',
    sources: [{ url: 'https://example.org/statement' }],
  });

describe('hostile files through the CLI', () => {
  let dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'communique-hostile-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    dirs = [];
  });

  /** A data folder holding one statement (so "nothing changed" is a count that stays 1 event). */
  const seeded = (): string => {
    const dir = tempDir();
    const file = join(tempDir(), 'one.ndjson');
    writeFileSync(file, statementLine('a first statement') + '\n');
    const result = communique(dir, ['import', file, '--format', 'ndjson', '--no-progress']);
    expect(result.status).toBe(0);
    return dir;
  };

  it('a 3 MB line with no newline fails at the 1 MiB cap naming line 1, in both importers', async () => {
    const dir = seeded();
    const huge = join(tempDir(), 'huge.ndjson');
    writeFileSync(huge, `{"text":"${'x'.repeat(3 * 1024 * 1024)}`);
    expectRefused(
      communique(dir, ['import', huge, '--format', 'ndjson', '--no-progress']),
      /huge\.ndjson: line 1: the line is longer than the limit of 1048576 bytes/,
    );
    expectRefused(communique(dir, ['events', 'import', huge]), /line 1: the line is longer than the limit/);
    for (const format of ['csv', 'gdelt', 'icews']) {
      expectRefused(
        communique(dir, ['import', huge, '--format', format, '--no-progress']),
        /line 1: .*longer than the limit/,
      );
    }
    expect(await eventCount(dir)).toBe(1);
  });

  it('the caps follow COMMUNIQUE_MAX_LINE_BYTES and --max-line-bytes, and refuse a bad value', async () => {
    const dir = seeded();
    const file = join(tempDir(), 'long.ndjson');
    writeFileSync(file, statementLine('y'.repeat(400)) + '\n');
    const args = ['import', file, '--format', 'ndjson', '--no-progress'];
    expectRefused(
      communique(dir, args, { COMMUNIQUE_MAX_LINE_BYTES: '300' }),
      /line 1: the line is longer than the limit of 300 bytes/,
    );
    expectRefused(
      communique(dir, [...args, '--max-line-bytes', '200']),
      /line 1: the line is longer than the limit of 200 bytes/,
    );
    expectRefused(communique(dir, [...args, '--max-line-bytes', 'lots']), /--max-line-bytes must be/);
    expectRefused(communique(dir, args, { COMMUNIQUE_MAX_LINE_BYTES: '0' }), /COMMUNIQUE_MAX_LINE_BYTES: /);
    const csv = join(tempDir(), 'field.csv');
    writeFileSync(csv, `occurredOn,speaker.name,text\n2024-05-01,Wang Yi,"${'z'.repeat(500)}"\n`);
    expectRefused(
      communique(dir, ['import', csv, '--format', 'csv', '--no-progress', '--max-field-bytes', '100']),
      /field\.csv: line 2: column 3: the field is longer than the limit of 100 bytes/,
    );
    expect(await eventCount(dir)).toBe(1);
  });

  it('terminal escape bytes from a file are shown escaped, never raw', async () => {
    const dir = seeded();
    const garbage = join(tempDir(), 'escapes.ndjson');
    writeFileSync(garbage, `${ESCAPES} not json\n`);
    const refused = communique(dir, ['import', garbage, '--format', 'ndjson', '--no-progress']);
    expectRefused(refused, /line 1: not valid JSON/);
    expect(refused.stderr).toContain('\\u{001b}');

    // a rejection inside an import that goes on is listed in the report, escaped too
    const mixed = join(tempDir(), 'mixed.ndjson');
    writeFileSync(mixed, `${statementLine('fine')}\n${ESCAPES}{\n`);
    const report = communique(dir, ['import', mixed, '--format', 'ndjson', '--no-progress']);
    expect(report.status).toBe(0);
    expect(report.stdout).toMatch(/line 2: line: not valid JSON/);
    expect(report.stdout).not.toMatch(RAW_CONTROL);
    const json = communique(dir, ['import', mixed, '--format', 'ndjson', '--no-progress', '--json']);
    expect(json.stdout).not.toMatch(RAW_CONTROL);

    const exported = join(tempDir(), 'escapes-export.ndjson');
    writeFileSync(exported, `{"id":"${ESCAPES}"}\n`);
    expectRefused(communique(dir, ['events', 'import', exported]), /line 1: /);
  });

  it('invalid UTF-8 is refused naming the line, never replaced', async () => {
    const dir = seeded();
    const file = join(tempDir(), 'latin1.ndjson');
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from(statementLine('fine') + '\n'),
        Buffer.from(statementLine('caf\u00e9').replace('é', '\u0000'), 'latin1'),
      ]),
    );
    // the file holds the byte 0xE9 alone where "é" needs two bytes in UTF-8
    writeFileSync(
      file,
      readFileSync(file).map((b) => (b === 0 ? 0xe9 : b)),
    );
    expectRefused(
      communique(dir, ['import', file, '--format', 'ndjson', '--no-progress']),
      /latin1\.ndjson: line 2: not valid UTF-8/,
    );
    expectRefused(communique(dir, ['events', 'import', file]), /line 2: not valid UTF-8/);
    expect(await eventCount(dir)).toBe(1);
  });

  it('an export with a garbage last line, or one byte changed, is refused whole naming the line', async () => {
    const source = seeded();
    const backup = join(tempDir(), 'backup.ndjson');
    expect(communique(source, ['events', 'export', '--out', backup]).status).toBe(0);
    const good = readFileSync(backup, 'utf8');

    const garbage = join(tempDir(), 'garbage.ndjson');
    writeFileSync(garbage, `${good}{"id":"x",\u001b[31m`);
    const target = tempDir();
    expectRefused(
      communique(target, ['events', 'import', garbage]),
      /garbage\.ndjson line 2: line: not valid JSON/,
    );
    expect(await eventCount(target)).toBe(0);

    const tampered = join(tempDir(), 'tampered.ndjson');
    writeFileSync(tampered, good.replace('a first statement', 'a forged statement'));
    expectRefused(
      communique(target, ['events', 'import', tampered]),
      /tampered\.ndjson line 1: broken at position 1: .*does not match its hash.*; nothing imported/,
    );
    expect(await eventCount(target)).toBe(0);
  });

  it('no verb prints a stack trace on bad input', () => {
    const dir = seeded();
    const missing = join(tempDir(), 'missing.ndjson');
    // exit code 1, or 2 where the verb already answers a usage error so (`export`)
    const cases: [string[], RegExp, number?][] = [
      [['events', 'import', missing], /no such file/],
      [['import', missing, '--format', 'ndjson'], /cannot read/],
      [['import', missing, '--format', 'xml'], /--format must be one of/],
      [['export', 'timeline', '--format', 'json', '--country', `Nowhere${ESCAPES}`], /country/i, 2],
      [['audit', 'verify'], /no event store at/],
      [['rebuild'], /./],
      [['keys', 'create', '--name', `x${ESCAPES}`, '--role', 'admin'], /--name/],
      [['keys', 'create', '--name', 'x', '--role', `king${ESCAPES}`], /--role/],
    ];
    for (const [args, message, status = 1] of cases) {
      const result = communique(args[0] === 'audit' || args[0] === 'rebuild' ? tempDir() : dir, args);
      expect([args.join(' '), result.status]).toEqual([args.join(' '), status]);
      expect([args.join(' '), result.stderr]).toEqual([args.join(' '), expect.stringMatching(message)]);
      expect(result.stderr).not.toMatch(STACK_FRAME);
      expect(result.stderr.replaceAll('\r', '')).not.toMatch(RAW_CONTROL);
    }
  });
});
