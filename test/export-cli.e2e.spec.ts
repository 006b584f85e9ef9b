import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ServerProcess } from './support/server-process.js';

/** `communique export timeline` against a data folder the service filled with the demo data set. */
describe('communique export timeline', () => {
  let dataDir: string;
  let expectedIds: string[];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'communique-export-'));
    const server = await ServerProcess.start({
      COMMUNIQUE_DEMO: 'true',
      COMMUNIQUE_DATA_DIR: dataDir,
      COMMUNIQUE_LOG: 'silent',
    });
    try {
      const response = await server.gql<{ countryTimeline: { edges: { node: { id: string } }[] } }>(
        `{ countryTimeline(country: "CN", first: 100) { edges { node { id } } } }`,
      );
      expectedIds = response.data?.countryTimeline.edges.map((edge) => edge.node.id) ?? [];
    } finally {
      await server.stop();
    }
    expect(expectedIds.length).toBeGreaterThan(0);
  });

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  const run = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, 'export', 'timeline', ...args], {
      env: { ...process.env, COMMUNIQUE_DATA_DIR: dataDir, NODE_OPTIONS: '' },
      encoding: 'utf8',
    });

  it('writes the JSON export to --out with the statements of the timeline in order', () => {
    const out = join(dataDir, 'cn.json');
    const result = run('--country', 'China', '--format', 'json', '--out', out);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const exported = JSON.parse(readFileSync(out, 'utf8')) as {
      country: string;
      statements: { id: string }[];
    };
    expect(exported.country).toBe('CN');
    expect(exported.statements.map((s) => s.id)).toEqual(expectedIds);
  });

  it('writes CSV and TimelineJS JSON to stdout, with from/to', () => {
    const csv = run('--country', 'CN', '--format', 'csv', '--from', '2019', '--to', '2019');
    expect(csv.status).toBe(0);
    const lines = csv.stdout.split('\r\n').filter((line) => line !== '');
    expect(lines[0]?.startsWith('Year,Month,Day,Time,')).toBe(true);
    expect(lines.slice(1).every((line) => line.startsWith('2019,'))).toBe(true);
    const tl = run('--country', 'CN', '--format', 'timelinejs');
    expect(tl.status).toBe(0);
    expect((JSON.parse(tl.stdout) as { events: unknown[] }).events).toHaveLength(expectedIds.length);
  });

  it('exits 2 naming the option on bad input', () => {
    const both = run('--country', 'CN', '--topic', 'xinjiang', '--format', 'csv');
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--country/--topic');
    const unknown = run('--country', 'Atlantis', '--format', 'csv');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('--country: unknown country "Atlantis"');
    const date = run('--topic', 'xinjiang', '--from', '2019-02-30', '--format', 'csv');
    expect(date.stderr).toContain('--from');
    const format = run('--topic', 'xinjiang', '--format', 'xml');
    expect(format.status).not.toBe(0);
    expect(format.stderr).toContain('--format');
  });
});
