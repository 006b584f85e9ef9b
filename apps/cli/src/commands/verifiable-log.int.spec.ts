import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventStore, merkleRoot } from '#event-store';
import { communique } from '../../../../test/support/cli.js';

async function append(file: string, count: number, prefix: string): Promise<void> {
  const store = SqliteEventStore.open(file);
  try {
    for (let i = 0; i < count; i++) {
      await store.appendToStream(
        `${prefix}-${i % 4}`,
        [
          {
            id: randomUUID(),
            type: 'Noted',
            data: { i },
            metadata: {
              recordedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
              recordedBy: 'test',
              correlationId: 'c',
              causationId: 'c',
              schemaVersion: 1,
            },
          },
        ],
        { expectedRevision: 'any' },
      );
    }
  } finally {
    await store.close();
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

describe('communique keys create --signing, audit checkpoint / prove / consistency / check', () => {
  let dir: string;
  let events: string;
  const at = (name: string): string => join(dir, name);
  const run = (args: string[]) => communique(dir, args);
  const ok = (args: string[]): string => {
    const result = run(args);
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    return result.stdout;
  };
  const check = (proof: string, head: string, extra: string[] = []) =>
    run(['audit', 'check', proof, '--head', head, '--key', at('key.json'), ...extra]);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'communique-vlog-cli-'));
    events = at('events.db');
    await append(events, 30, 'a');
    const created = ok(['keys', 'create', '--signing']);
    expect(created).toMatch(/key id: [0-9a-f]{64}\n/);
    expect(created).toContain('-----BEGIN PUBLIC KEY-----');
    writeFileSync(at('key.json'), ok(['audit', 'key']));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the key readable by its owner only and never replaces it', () => {
    expect(statSync(at('log-key.pem')).mode & 0o077).toBe(0);
    const before = readFileSync(at('log-key.pem'), 'utf8');
    const again = run(['keys', 'create', '--signing']);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('exists: a log key is never replaced');
    expect(readFileSync(at('log-key.pem'), 'utf8')).toBe(before);
    expect(run(['keys', 'create', '--signing', '--role', 'admin']).stderr).toContain(
      'takes no --name or --role',
    );
    expect(run(['keys', 'create', '--name', 'x']).stderr).toContain("'--role <role>' not specified");
  });

  it('signs the root audit verify prints, proves an event and a consistency that audit check accepts offline', async () => {
    ok(['audit', 'checkpoint', '--out', at('head-30.json')]);
    const head30 = JSON.parse(readFileSync(at('head-30.json'), 'utf8')) as {
      treeSize: number;
      rootHash: string;
    };
    expect(head30.treeSize).toBe(30);
    expect(head30.rootHash).toBe(merkleRoot(storedHashes(events)));
    expect(ok(['audit', 'verify'])).toContain(`merkle root: ${head30.rootHash}\n`);

    writeFileSync(at('proof.json'), ok(['audit', 'prove', '--position', '7']));
    const accepted = check(at('proof.json'), at('head-30.json'));
    expect(accepted.stderr).not.toContain('FAILED');
    expect(accepted.status).toBe(0);
    expect(accepted.stdout).toMatch(/^ok: event .* is leaf 6 of the tree of 30 events/);

    await append(events, 9, 'b');
    ok(['audit', 'checkpoint', '--out', at('head-39.json')]);
    ok(['audit', 'consistency', '--from', '30', '--to', '39', '--out', at('consistency.json')]);
    const consistent = check(at('consistency.json'), at('head-39.json'), ['--old-head', at('head-30.json')]);
    expect(consistent.status).toBe(0);
    expect(consistent.stdout).toMatch(/^ok: the tree of 39 events .* extends the tree of 30 events/);
    const lines = ok(['audit', 'tree-heads']).trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { treeSize: number }).treeSize)).toEqual([30, 39]);

    // one changed byte anywhere fails (exit 1), whichever file it is in
    const flip = (file: string, member: RegExp): string => {
      const text = readFileSync(at(file), 'utf8');
      const changed = text.replace(member, (hex) => hex.slice(0, -1) + (hex.endsWith('0') ? '1' : '0'));
      expect(changed).not.toBe(text);
      const out = at(`changed-${file}`);
      writeFileSync(out, changed);
      return out;
    };
    expect(check(flip('proof.json', /"leafInput":"[0-9a-f]{64}/), at('head-30.json')).status).toBe(1);
    expect(check(flip('proof.json', /"auditPath":\["[0-9a-f]{64}/), at('head-30.json')).status).toBe(1);
    const badRoot = check(at('proof.json'), flip('head-30.json', /"rootHash":"[0-9a-f]{64}/));
    expect(badRoot.status).toBe(1);
    expect(badRoot.stderr).toContain('signature does not verify');
    const badSignature = check(at('proof.json'), flip('head-30.json', /"signature":"[A-Za-z0-9+/]{10}/));
    expect(badSignature.status).toBe(1);
    const badPath = check(flip('consistency.json', /"path":\["[0-9a-f]{64}/), at('head-39.json'), [
      '--old-head',
      at('head-30.json'),
    ]);
    expect(badPath.status).toBe(1);
    expect(badPath.stderr).toContain('FAILED: the consistency proof does not connect');
    // a proof against the wrong head, and the wrong key
    expect(check(at('proof.json'), at('head-39.json')).stderr).toContain('for a tree of 30 events');
    const otherDir = mkdtempSync(join(tmpdir(), 'communique-vlog-other-'));
    try {
      communique(otherDir, ['keys', 'create', '--signing']);
      writeFileSync(at('other.json'), communique(otherDir, ['audit', 'key']).stdout);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
    const wrongKey = run([
      'audit',
      'check',
      at('proof.json'),
      '--head',
      at('head-30.json'),
      '--key',
      at('other.json'),
    ]);
    expect(wrongKey.status).toBe(1);
    expect(wrongKey.stderr).toMatch(/signed by key [0-9a-f]{64}, not by [0-9a-f]{64}/);
  });

  it('refuses malformed proof, tree-head and key files with exit 2, naming the member', () => {
    ok(['audit', 'checkpoint', '--out', at('head.json')]);
    writeFileSync(at('proof.json'), ok(['audit', 'prove', '--position', '3']));
    const proof = JSON.parse(readFileSync(at('proof.json'), 'utf8')) as Record<string, unknown>;
    const head = JSON.parse(readFileSync(at('head.json'), 'utf8')) as Record<string, unknown>;
    const cases: [string, string, string, RegExp][] = [
      ['proof', 'not json', '', /is not valid JSON/],
      ['proof', '[]', '', /proof: must be a JSON object/],
      ['proof', JSON.stringify({ ...proof, version: 2 }), '', /version: must be 1/],
      [
        'proof',
        JSON.stringify({ ...proof, type: 'audit' }),
        '',
        /type: must be "inclusion" or "consistency"/,
      ],
      ['proof', JSON.stringify({ ...proof, treeSize: -1 }), '', /treeSize: must be an integer >= 1/],
      ['proof', JSON.stringify({ ...proof, treeSize: 1.5 }), '', /treeSize: must be an integer >= 1/],
      ['proof', JSON.stringify({ ...proof, leafIndex: 99 }), '', /leafIndex: must be below treeSize/],
      ['proof', JSON.stringify({ ...proof, leafInput: 'ABC' }), '', /leafInput: must be 64 lowercase hex/],
      ['proof', JSON.stringify({ ...proof, auditPath: ['zz'] }), '', /auditPath.0: must be 64 lowercase hex/],
      ['proof', JSON.stringify({ ...proof, auditPath: 'x' }), '', /auditPath: must be an array/],
      ['head', '{', '', /--head .*is not valid JSON/],
      ['head', JSON.stringify({ ...head, treeSize: '30' }), '', /--head: treeSize: must be an integer/],
      [
        'head',
        JSON.stringify({ ...head, signature: 'abc' }),
        '',
        /signature: must be the base64 of 64 bytes/,
      ],
      ['head', JSON.stringify({ ...head, rootHash: null }), '', /rootHash: must be 64 lowercase hex/],
      ['key', '', 'not a key', /the key is not a PEM public key/],
      ['key', '', '{"publicKeyPem":1}', /no publicKeyPem string/],
    ];
    for (const [which, text, keyText, message] of cases) {
      writeFileSync(at('case.json'), which === 'key' ? keyText : text);
      const result = run([
        'audit',
        'check',
        which === 'proof' ? at('case.json') : at('proof.json'),
        '--head',
        which === 'head' ? at('case.json') : at('head.json'),
        '--key',
        which === 'key' ? at('case.json') : at('key.json'),
      ]);
      expect({ which, text, status: result.status }).toEqual({ which, text, status: 2 });
      expect(result.stderr).toMatch(message);
    }
    expect(
      run(['audit', 'check', at('missing.json'), '--head', at('head.json'), '--key', at('key.json')]).stderr,
    ).toMatch(/cannot read .*missing\.json: ENOENT/);
    writeFileSync(at('c.json'), ok(['audit', 'consistency', '--from', '3', '--to', '30']));
    expect(check(at('c.json'), at('head.json')).stderr).toContain('--old-head: a consistency proof needs');
  });

  it('refuses tree sizes 0, negative, fractional or beyond the head, unknown events and positions', () => {
    const cases: [string[], RegExp][] = [
      [['audit', 'prove', '--position', '3', '--tree-size', '0'], /treeSize: must be at least 1/],
      [
        ['audit', 'prove', '--position', '3', '--tree-size', '31'],
        /treeSize: 31 is beyond the log, which holds 30/,
      ],
      [
        ['audit', 'prove', '--position', '3', '--tree-size', '-1'],
        /'--tree-size <n>' argument '-1' is invalid/,
      ],
      [['audit', 'prove', '--position', '3', '--tree-size', '2.5'], /argument '2.5' is invalid/],
      [
        ['audit', 'prove', '--position', '20', '--tree-size', '10'],
        /leaf 19 of the log, so it is not in the tree of 10/,
      ],
      [['audit', 'prove', '--event', randomUUID()], /eventId: no event with id/],
      [['audit', 'prove', '--position', '999'], /position: no event at position 999/],
      [['audit', 'prove', '--position', 'x'], /must be a log position/],
      [['audit', 'prove'], /exactly one of --event <id> and --position <position>/],
      [['audit', 'consistency', '--from', '0', '--to', '3'], /from: must be at least 1/],
      [['audit', 'consistency', '--from', '5', '--to', '3'], /from: must not exceed to \(3\)/],
      [['audit', 'consistency', '--from', '3', '--to', '31'], /to: 31 is beyond the log/],
      [['audit', 'consistency', '--from', '1e3', '--to', '31'], /argument '1e3' is invalid/],
      [['audit', 'tree-heads', '--first', '-2'], /argument '-2' is invalid/],
    ];
    for (const [args, message] of cases) {
      const result = run(args);
      expect({ args, status: result.status }).toEqual({ args, status: 1 });
      expect(result.stderr).toMatch(message);
    }
  });

  it('after an event is rewritten by hand, no tree head is signed and the rebuilt tree fails the old head', async () => {
    ok(['audit', 'checkpoint', '--out', at('before.json')]);
    const db = new Database(events);
    try {
      db.exec('DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;');
      db.prepare(`UPDATE events SET hash = ? WHERE position = 12`).run('0'.repeat(64));
    } finally {
      db.close();
    }
    await append(events, 5, 'c');
    const refused = run(['audit', 'checkpoint']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/the log was rewritten at leaf 11: the event at position 12/);
    const rebuilt = run(['audit', 'checkpoint', '--rebuild']);
    expect(rebuilt.status).toBe(1);
    expect(rebuilt.stderr).toMatch(/the first 30 events of the log hash to [0-9a-f]{64}, not to the root/);
    expect(ok(['audit', 'tree-heads']).trim().split('\n')).toHaveLength(1);
    // the operator signs the rewritten log with a new key file anyway: the proof to it fails the old head
    const forged = communique(dir, ['audit', 'checkpoint'], {
      COMMUNIQUE_LOG_TREE_FILE: at('forged-tree.db'),
    });
    expect(forged.status).toBe(0);
    writeFileSync(at('forged.json'), forged.stdout);
    writeFileSync(
      at('forged-consistency.json'),
      communique(dir, ['audit', 'consistency', '--from', '30', '--to', '35'], {
        COMMUNIQUE_LOG_TREE_FILE: at('forged-tree.db'),
      }).stdout,
    );
    const result = check(at('forged-consistency.json'), at('forged.json'), ['--old-head', at('before.json')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('FAILED: the consistency proof does not connect the two signed roots');
  });
});
