import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECORD, TestApi, statementInput } from './support/api.js';
import { CLI, assertBuilt, freePort } from './support/server-process.js';

const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    timeout: 30000,
  });

describe('communique keys create, and keys at start-up', () => {
  beforeAll(() => assertBuilt());

  it('prints a key once and a hashed entry that, configured, lets that key write as its name', async () => {
    const run = cli(['keys', 'create', '--name', 'newsdesk', '--role', 'editor']);
    expect(run.status).toBe(0);
    const key = /^key .*: (cq_\S+)$/m.exec(run.stdout)?.[1];
    const entry = /^entry for COMMUNIQUE_API_KEYS .*: (\S+)$/m.exec(run.stdout)?.[1];
    expect(key).toBeDefined();
    expect(entry).toMatch(/^newsdesk:editor:sha256:[0-9a-f]{64}$/);
    expect(entry).not.toContain(key);

    // `recordedBy` is for auditors (docs/SECURITY.md, access matrix): a second key reads it back
    const audit = cli(['keys', 'create', '--name', 'desk-audit', '--role', 'auditor']);
    const auditKey = /^key .*: (cq_\S+)$/m.exec(audit.stdout)?.[1];
    const auditEntry = /^entry for COMMUNIQUE_API_KEYS .*: (\S+)$/m.exec(audit.stdout)?.[1];
    const api = await TestApi.start({ COMMUNIQUE_API_KEYS: `${entry ?? ''},${auditEntry ?? ''}` });
    try {
      const recorded = await api.gql<{ recordStatement: { statement: { id: string } } }>(
        'mutation($input: RecordStatementInput!) { recordStatement(input: $input) { statement { id } } }',
        { input: statementInput() },
        { authorization: `Bearer ${key}` },
      );
      expect(recorded.errors).toBeUndefined();
      const id = recorded.data?.recordStatement.statement.id;
      const history = await api.gql<{ statement: { history: { recordedBy: string }[] } }>(
        'query($id: ID!) { statement(id: $id) { history { recordedBy } } }',
        { id },
        { authorization: `Bearer ${auditKey}` },
      );
      expect(history.errors).toBeUndefined();
      expect(history.data?.statement.history).toEqual([{ recordedBy: 'newsdesk' }]);
      expect((await api.gql(RECORD, { input: statementInput() })).errors?.[0].extensions?.code).toBe(
        'UNAUTHENTICATED',
      );
    } finally {
      await api.stop();
    }
  });

  it('refuses an unknown role or a bad name with a message saying why', () => {
    const role = cli(['keys', 'create', '--name', 'x', '--role', 'owner']);
    expect(role.status).not.toBe(0);
    expect(role.stderr).toMatch(/Allowed choices are reader, editor, auditor, admin/);
    const name = cli(['keys', 'create', '--name', 'two words', '--role', 'reader']);
    expect(name.status).not.toBe(0);
    expect(name.stderr).toMatch(/the name must be 1-64 letters/);
  });

  it('a malformed COMMUNIQUE_API_KEYS stops the service at start-up, naming the entry but not the key', () => {
    const run = cli(['serve'], {
      COMMUNIQUE_API_KEYS: 'ok:editor:0123456789abcdef0123,bad:boss:s3cr3t-s3cr3t-s3cr3t',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /configuration error: COMMUNIQUE_API_KEYS: entry 2 \(bad\): role must be one of reader, editor, auditor, admin/,
    );
    expect(run.stderr).not.toContain('s3cr3t');
  });

  it('on a non-loopback address without keys, start-up says mutations are refused and why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'communique-open-'));
    const child = spawn(process.execPath, [CLI, 'serve'], {
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        COMMUNIQUE_LOG: '',
        COMMUNIQUE_DEMO: 'false',
        COMMUNIQUE_DATA_DIR: dir,
        HOST: '0.0.0.0',
        PORT: String(await freePort()),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    try {
      await new Promise<void>((done, fail) => {
        const seen = (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('GraphQL on')) done();
        };
        child.stdout.on('data', seen);
        child.stderr.on('data', seen);
        child.once('exit', () => fail(new Error(`the service exited: ${output}`)));
      });
      expect(output).toMatch(
        /listens on a non-loopback address and no API keys are configured \(COMMUNIQUE_API_KEYS\), so it refuses every mutation/,
      );
    } finally {
      child.kill('SIGTERM');
      await new Promise((done) => child.once('close', done));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
