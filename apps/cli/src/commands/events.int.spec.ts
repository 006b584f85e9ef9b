import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogVerifier, SqliteEventStore, readExportFile } from '#event-store';
import { communique } from '../../../../test/support/cli.js';

async function seed(file: string, streams: number, perStream: number): Promise<void> {
  const store = SqliteEventStore.open(file);
  try {
    for (let revision = 0; revision < perStream; revision++) {
      for (let s = 0; s < streams; s++) {
        await store.appendToStream(
          `backup-${s}`,
          [
            {
              id: randomUUID(),
              type: revision === 0 ? 'Opened' : 'Noted',
              data: { n: revision, text: `ünïcode “quotes” \\ and\nnewlines ${s}`, big: 2 ** 53 + 0.5 },
              metadata: {
                recordedAt: new Date(Date.UTC(2026, 0, 1, 0, revision, s)).toISOString(),
                recordedBy: `editor-${s}`,
                correlationId: randomUUID(),
                causationId: randomUUID(),
                schemaVersion: 1,
              },
            },
          ],
          { expectedRevision: 'any' },
        );
      }
    }
  } finally {
    await store.close();
  }
}

const line = (output: string, label: string): string | undefined =>
  output.split('\n').find((l) => l.startsWith(`${label}: `));

describe('communique events export / import', () => {
  let dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'communique-backup-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    dirs = [];
  });

  it('round-trips the log into an empty data folder: same count, same hashes, same Merkle root', async () => {
    const source = tempDir();
    await seed(join(source, 'events.db'), 4, 5);
    const backup = join(tempDir(), 'backup.ndjson');
    const exported = communique(source, ['events', 'export', '--out', backup]);
    expect(exported.status).toBe(0);
    const lines = readFileSync(backup, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(20);
    expect(JSON.parse(lines[0])).toMatchObject({
      revision: 0,
      position: '1',
      type: 'Opened',
      stream: 'backup-0',
    });

    const target = tempDir();
    const imported = communique(target, ['events', 'import', backup]);
    expect(imported.stderr).not.toContain('communique events import:');
    expect(imported.status).toBe(0);
    expect(imported.stdout).toContain('imported 20 events');

    const before = communique(source, ['audit', 'verify']);
    const after = communique(target, ['audit', 'verify']);
    expect(after.status).toBe(0);
    expect(line(after.stdout, 'events')).toBe('events: 20');
    expect(line(after.stdout, 'merkle root')).toBe(line(before.stdout, 'merkle root'));
    expect(line(imported.stdout, 'merkle root')).toBe(line(before.stdout, 'merkle root'));
    // every stored field, hashes and metadata included, comes back byte for byte
    const again = join(tempDir(), 'again.ndjson');
    expect(communique(target, ['events', 'export', '--out', again]).status).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(backup, 'utf8'));

    // importing the same file again stores nothing and says so
    const twice = communique(target, ['events', 'import', backup]);
    expect(twice.status).toBe(0);
    expect(twice.stdout).toContain('all 20 events of');
    expect(twice.stdout).toContain('already in the store; nothing imported');
  });

  it('refuses a store that holds other events, and stores nothing', async () => {
    const source = tempDir();
    await seed(join(source, 'events.db'), 2, 2);
    const backup = join(tempDir(), 'backup.ndjson');
    expect(communique(source, ['events', 'export', '--out', backup]).status).toBe(0);
    const other = tempDir();
    await seed(join(other, 'events.db'), 1, 1);
    const result = communique(other, ['events', 'import', backup]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('the store already holds 1 events and they are not the first events of');
    expect(line(communique(other, ['audit', 'verify']).stdout, 'events')).toBe('events: 1');
  });

  it('resumes an interrupted import: a store holding the first events of the file gets the rest', async () => {
    const source = tempDir();
    await seed(join(source, 'events.db'), 3, 2);
    const backup = join(tempDir(), 'backup.ndjson');
    expect(communique(source, ['events', 'export', '--out', backup]).status).toBe(0);
    const lines = readFileSync(backup, 'utf8').trimEnd().split('\n');
    const partial = join(tempDir(), 'partial.ndjson');
    writeFileSync(partial, lines.slice(0, 4).join('\n') + '\n');
    const target = tempDir();
    expect(communique(target, ['events', 'import', partial]).status).toBe(0);
    const rest = communique(target, ['events', 'import', backup]);
    expect(rest.status).toBe(0);
    expect(rest.stdout).toContain('imported 2 events (the first 4 were already stored)');
  });

  it('verifies the whole file first: a changed byte, a missing line or two swapped lines store nothing', async () => {
    const source = tempDir();
    await seed(join(source, 'events.db'), 2, 3);
    const backup = join(tempDir(), 'backup.ndjson');
    expect(communique(source, ['events', 'export', '--out', backup]).status).toBe(0);
    const lines = readFileSync(backup, 'utf8').trimEnd().split('\n');
    const variants: [string, string[], string][] = [
      ['changed', lines.map((l, i) => (i === 4 ? l.replace('"n":2', '"n":3') : l)), 'line 5:'],
      ['missing', lines.filter((_, i) => i !== 2), 'line 3:'],
      ['swapped', [lines[0], lines[2], lines[1], ...lines.slice(3)], 'line 2:'],
      ['not json', [...lines.slice(0, 3), '{"id": "x",', ...lines.slice(3)], 'line 4: line: not valid JSON'],
      [
        'bad field',
        [...lines.slice(0, 1), lines[1].replace('"revision":0', '"revision":-1')],
        'line 2: revision',
      ],
    ];
    for (const [name, content, message] of variants) {
      const file = join(tempDir(), `${name}.ndjson`);
      writeFileSync(file, content.join('\n') + '\n');
      const target = tempDir();
      const result = communique(target, ['events', 'import', file]);
      expect([name, result.status]).toEqual([name, 1]);
      expect(result.stderr).toContain(message);
      const verify = communique(target, ['audit', 'verify']);
      expect([name, verify.stderr]).toEqual([name, expect.stringContaining('no event store at')]);
    }
  });

  it('refuses a file in which ANY byte of ANY field of an exported event was changed, naming the line', async () => {
    const source = tempDir();
    await seed(join(source, 'events.db'), 2, 2);
    const backup = join(tempDir(), 'backup.ndjson');
    expect(communique(source, ['events', 'export', '--out', backup]).status).toBe(0);
    const bytes = readFileSync(backup);
    // the third line of the file (stream backup-0, revision 1): where it starts and ends
    const start = bytes.indexOf(0x0a, bytes.indexOf(0x0a) + 1) + 1;
    const end = bytes.indexOf(0x0a, start);
    const line = bytes.subarray(start, end).toString('utf8');
    const fields = ['id', 'stream', 'revision', 'position', 'type', 'data', 'metadata', 'hash', 'chainHash'];
    /** where each field's value sits in the line, in bytes: from after `"name":` to before the next `,"` */
    const ranges = fields.map((field, i) => {
      const from = Buffer.byteLength(line.slice(0, line.indexOf(`"${field}":`))) + field.length + 3;
      const next = fields[i + 1];
      const to =
        next === undefined ? end - start - 1 : Buffer.byteLength(line.slice(0, line.indexOf(`,"${next}":`)));
      return { field, from: start + from, to: start + to };
    });
    const flip = (at: number): Buffer => {
      const copy = Buffer.from(bytes);
      copy[at] ^= 0x01;
      return copy;
    };
    /** what the import's first pass says of a file: the first refusal (a thrown error or a broken event) */
    const firstRefusal = async (file: Buffer): Promise<string | undefined> => {
      const verifier = new LogVerifier();
      try {
        for await (const { line: number, event } of readExportFile([file])) {
          if (verifier.check(event)) return `line ${number}`;
        }
      } catch (error) {
        return (error as Error).message;
      }
      return undefined;
    };

    // in process, every byte of every field (and the keys and punctuation between them)
    expect(await firstRefusal(bytes)).toBeUndefined();
    for (let at = start; at < end; at++) {
      const refusal = await firstRefusal(flip(at));
      expect([at - start, refusal]).toEqual([at - start, expect.stringMatching(/^line 3(:|$)/)]);
    }

    // through the real CLI, one byte in the middle of each field: refused naming line 3, nothing stored
    for (const { field, from, to } of ranges) {
      expect([field, to > from]).toEqual([field, true]);
      const file = join(tempDir(), `${field}.ndjson`);
      writeFileSync(file, flip(Math.floor((from + to) / 2)));
      const target = tempDir();
      const result = communique(target, ['events', 'import', file]);
      expect([field, result.status]).toEqual([field, 1]);
      expect([field, result.stderr]).toEqual([field, expect.stringMatching(/ line 3: .*; nothing imported/)]);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(communique(target, ['audit', 'verify']).stderr).toContain('no event store at');
    }
  });
});
