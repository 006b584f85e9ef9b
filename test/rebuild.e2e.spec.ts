import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ReadModel } from '#read-model';
import { RECORD, TestApi, statementInput } from './support/api.js';
import { communique, type CommuniqueResult } from './support/cli.js';
import { CLI, ServerProcess } from './support/server-process.js';

type Gql = (
  query: string,
  variables?: Record<string, unknown>,
) => Promise<{ data?: unknown; errors?: unknown[] }>;

/** Statements with corrections, tags, links and a retraction, so every read-model table has rows. */
async function populate(gql: Gql, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const result = (await gql(RECORD, {
      input: statementInput({
        occurredOn: `2020-0${(i % 9) + 1}-1${i % 10}`,
        text: `Statement ${i}.`,
        targets: i % 2 === 0 ? ['TR'] : ['US', 'TR'],
        topics: [`topic-${i % 3}`],
      }),
    })) as { data?: { recordStatement: { statement: { id: string } } }; errors?: unknown[] };
    if (!result.data) throw new Error(JSON.stringify(result.errors));
    const id = result.data.recordStatement.statement.id;
    ids.push(id);
    if (i % 3 === 0) {
      await gql(
        `mutation($id: ID!) { correctStatement(id: $id, input: { text: "Corrected ${i}.", reason: "typo" }) { version } }`,
        { id },
      );
    }
    if (i % 4 === 1)
      await gql(`mutation($id: ID!) { tagStatement(id: $id, topics: ["extra"]) { version } }`, { id });
    if (i % 5 === 2)
      await gql(`mutation($id: ID!) { retractStatement(id: $id, reason: "duplicate") { version } }`, { id });
    if (i > 0 && i % 3 === 1) {
      await gql(`mutation($id: ID!, $to: ID!) { linkResponse(id: $id, respondsTo: $to) { version } }`, {
        id,
        to: ids[i - 1],
      });
    }
  }
  return ids;
}

function dumpOf(file: string) {
  const readModel = ReadModel.open(file, { readonly: true });
  try {
    return readModel.dump();
  } finally {
    readModel.close();
  }
}

const FINAL_LINE = /^rebuilt \d+ events in \d+\.\d s \(\d+ events\/s\)$/;
const lastLine = (result: CommuniqueResult): string => result.stdout.trimEnd().split('\n').at(-1) ?? '';

describe('communique rebuild', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'communique-rebuild-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const liveFile = (): string => join(dir, 'read-model.db');

  it('without a running API: builds a read model equal to the live one row for row and swaps the files', async () => {
    const api = await TestApi.start({}, dir);
    await populate((q, v) => api.gql(q, v), 12);
    await api.stop();
    const before = dumpOf(liveFile());
    const inode = statSync(liveFile()).ino;

    const result = communique(dir, ['rebuild']);
    expect(result.stderr).not.toContain('communique rebuild:');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('equal, row for row');
    expect(result.stdout).toContain('swapped the files');
    expect(lastLine(result)).toMatch(FINAL_LINE);
    expect(statSync(liveFile()).ino).not.toBe(inode);
    expect(dumpOf(liveFile())).toEqual(before);
    expect(before.statements.length).toBeGreaterThan(12);
    expect(readdirSync(dir).filter((name) => name.includes('.rebuild-'))).toEqual([]);

    // the API starts on the swapped-in file and serves from it
    const again = await TestApi.start({}, dir);
    try {
      const { countryTimeline } = await again.ok<{ countryTimeline: { totalCount: number } }>(
        '{ countryTimeline(country: "TR") { totalCount } }',
      );
      expect(countryTimeline.totalCount).toBe(10); // 12 recorded, 2 retracted (i = 2 and 7)
    } finally {
      await again.stop();
    }
  });

  it('refuses to swap when the live read model differs from the rebuild, naming the table and row', async () => {
    const api = await TestApi.start({}, dir);
    await populate((q, v) => api.gql(q, v), 4);
    await api.stop();
    const db = new Database(liveFile());
    db.prepare(`UPDATE statements SET data = replace(data, 'Statement 2.', 'Statement 9.')`).run();
    db.close();
    const tampered = dumpOf(liveFile());

    const result = communique(dir, ['rebuild']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('differs from the live one');
    expect(result.stderr).toContain('table statements');
    expect(dumpOf(liveFile())).toEqual(tampered);
    expect(readdirSync(dir).filter((name) => name.includes('.rebuild-'))).toEqual([]);
  });

  it('with a running API: queries and mutations keep succeeding during the rebuild, and the API then serves and writes the new file', async () => {
    const server = await ServerProcess.start({ COMMUNIQUE_DATA_DIR: dir });
    try {
      const gql: Gql = (q, v) => server.gql(q, v);
      await populate(gql, 10);
      const inode = statSync(liveFile()).ino;

      let stop = false;
      let succeeded = 0;
      const failures: unknown[] = [];
      const load = (async () => {
        for (let i = 0; !stop; i++) {
          const result =
            i % 10 === 9
              ? await gql(RECORD, { input: statementInput({ text: `During the rebuild ${i}.` }) })
              : await gql(
                  '{ countryTimeline(country: "TR", first: 100) { totalCount edges { node { id text } } } }',
                );
          if (result.errors || !result.data) failures.push(result.errors);
          else succeeded += 1;
        }
      })();
      const rebuild = await new Promise<CommuniqueResult>((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, 'rebuild'], {
          env: { ...process.env, COMMUNIQUE_DATA_DIR: dir, COMMUNIQUE_DEMO: 'false', NODE_OPTIONS: '' },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', reject);
        child.on('close', (status) => resolve({ status, stdout, stderr }));
      });
      stop = true;
      await load;

      expect(rebuild.stderr).not.toContain('communique rebuild:');
      expect(rebuild.status).toBe(0);
      expect(rebuild.stdout).toContain('equal, row for row');
      expect(rebuild.stdout).toMatch(/the running API \(pid \d+\) now serves the rebuilt read model/);
      expect(lastLine(rebuild)).toMatch(FINAL_LINE);
      expect(failures).toEqual([]);
      expect(succeeded).toBeGreaterThan(0);
      expect(statSync(liveFile()).ino).not.toBe(inode);

      // the API writes into the file now at the configured path
      const after = (await gql(RECORD, { input: statementInput({ text: 'After the swap.' }) })) as {
        data: { recordStatement: { statement: { id: string } } };
      };
      const id = after.data.recordStatement.statement.id;
      const readModel = ReadModel.open(liveFile(), { readonly: true });
      try {
        expect(readModel.statement(id)?.text).toBe('After the swap.');
      } finally {
        readModel.close();
      }
    } finally {
      await server.stop();
    }
  });
});
