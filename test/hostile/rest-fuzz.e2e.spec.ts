import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { RECORD, statementInput } from '../support/api.js';
import { ServerProcess } from '../support/server-process.js';

/**
 * Random and hostile query strings, paths and headers against the REST doors (exports, the timeline page, its
 * assets, GraphiQL, metrics), on the service as a real process. Every answer is a success or a 4xx; none is a
 * 5xx; the store does not change; the process stays up, answers `/health/live` all through the attack, and its
 * resident memory stays under RSS_BOUND_MB.
 */

const REQUESTS = Number(process.env.COMMUNIQUE_FUZZ_RUNS ?? 100) * 6;
const SEED = Number(process.env.COMMUNIQUE_FUZZ_SEED ?? Date.now() % 2 ** 31);
const CONCURRENCY = 8;
const RSS_BOUND_MB = 500;

const DOORS = [
  '/exports/timeline.csv',
  '/exports/timeline.json',
  '/exports/timeline.timelinejs.json',
  '/timeline',
  '/graphiql',
  '/metrics',
  '/assets/timelinejs/js/timeline.js',
  '/assets/timelinejs/',
  '/assets/timelinejs/%2e%2e/%2e%2e/package.json',
  '/assets/timeline-page.js',
  '/%65xports/timeline.csv',
  '/exports/timeline%2Ejson',
  '/%74imeline',
  '//timeline',
  '/timeline/',
  '/exports/',
  '/health',
];

const hostile = fc.constantFrom(
  '',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '=HYPERLINK("http://evil.example")',
  '../../../../etc/passwd',
  '%',
  '%zz',
  '%E0%A4%A',
  '%00',
  '%C0%AE%C0%AE',
  '%uD800',
  'x'.repeat(10_000),
  '9'.repeat(400),
  '-1',
  '1e309',
  'NaN',
  '__proto__',
  'constructor',
  "'; DROP TABLE statements; --",
  '2019-02-30',
  '2019-13',
  '0000',
  '99999-01-01',
  'TR',
  'TUR',
  'Turkey',
  'xinjiang',
  '2019',
  '2020-01-15',
);

/** A query-string value: hostile, random text percent-encoded, or raw random bytes percent-encoded. */
/** Only what an HTTP request target can carry unencoded: spaces and controls percent-encoded, `"<>` kept raw. */
const raw = (text: string): string => text.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));
const value = fc.oneof(
  { weight: 4, arbitrary: hostile.map(raw) },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }).map(encodeURIComponent) },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ maxLength: 20 })
      .map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')),
  },
);
const name = fc.constantFrom(
  'country',
  'topic',
  'from',
  'to',
  'first',
  'after',
  'country[]',
  'topic[a]',
  '__proto__',
  'constructor[prototype][x]',
  'format',
);
const pair = fc.tuple(name, value).map(([n, v]) => `${n}=${v}`);
const query = fc.oneof(
  fc.array(pair, { minLength: 0, maxLength: 6 }).map((pairs) => pairs.join('&')),
  fc.constant(`country=TR&${'a=1&'.repeat(2000)}`),
  fc.constant('country=TR&country=CN&country=US'),
  fc.constant('&&&==&='),
);
const authorization = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('Bearer', 'Bearer ', 'Basic Zm9vOmJhcg==', 'Bearer x y z') },
  {
    weight: 1,
    arbitrary: fc.string({ maxLength: 40 }).map((s) => `Bearer ${s.replace(/[^\x21-\x7e]/g, 'x')}`),
  },
);
const forwarded = fc.option(fc.constantFrom('203.0.113.9', 'for=203.0.113.9', '127.0.0.1, 10.0.0.1'));
const attack = fc.record({
  door: fc.constantFrom(...DOORS),
  query,
  method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'OPTIONS', 'DELETE'),
  authorization,
  forwarded,
});

interface Answer {
  status: number;
  body: string;
}

function send(
  base: URL,
  method: string,
  path: string,
  headers: Record<string, string>,
  timeoutMs = 30_000,
): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = httpRequest(
      { host: base.hostname, port: base.port, method, path, headers, timeout: timeoutMs, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', fail);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms: ${method} ${path}`)));
    req.on('error', fail);
    req.end();
  });
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

describe('fuzzing the REST doors', () => {
  let server: ServerProcess;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'communique-rest-fuzz-'));
    server = await ServerProcess.start({
      COMMUNIQUE_DATA_DIR: dataDir,
      COMMUNIQUE_LOG: 'silent',
      COMMUNIQUE_RATE_LIMIT_BURST: '0',
    });
    for (const occurredOn of ['2019-05-16', '2020-01', '2021']) {
      const recorded = await server.gql(RECORD, { input: statementInput({ occurredOn }) });
      expect(recorded.errors).toBeUndefined();
    }
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`${REQUESTS} hostile requests: no 5xx, no write, /health/live answers throughout, RSS under ${RSS_BOUND_MB} MB`, async () => {
    const base = new URL(server.url);
    const pid = server.child.pid ?? 0;
    const eventsBefore = await server.gql<{ events: { edges: unknown[] } }>(
      '{ events(first: 100) { edges { id } } }',
    );
    const cases = fc.sample(attack, { numRuns: REQUESTS, seed: SEED });
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let maxRss = rssMb(pid);
    let next = 0;
    let attacking = true;

    const live: number[] = [];
    const probe = (async () => {
      while (attacking) {
        const started = performance.now();
        const answer = await send(base, 'GET', '/health/live', {}, 10_000);
        if (answer.status !== 200) failures.push(`/health/live answered ${answer.status} during the attack`);
        live.push(performance.now() - started);
        maxRss = Math.max(maxRss, rssMb(pid));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const worker = async (): Promise<void> => {
      while (next < cases.length) {
        const c = cases[next++];
        if (c === undefined) break;
        const path = c.query === '' ? c.door : `${c.door}?${c.query}`;
        const headers: Record<string, string> = {};
        if (c.authorization !== undefined) headers.authorization = c.authorization;
        if (c.forwarded !== null) headers['x-forwarded-for'] = c.forwarded;
        let answer: Answer;
        try {
          answer = await send(base, c.method, path, headers);
        } catch (error) {
          failures.push(`${c.method} ${path.slice(0, 200)}: ${String(error)}`);
          continue;
        }
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status >= 500 || answer.status < 200) {
          failures.push(`${c.method} ${path.slice(0, 200)}: ${answer.status} ${answer.body.slice(0, 300)}`);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    } finally {
      attacking = false;
      await probe;
    }

    console.log(
      `REST fuzz (seed ${SEED}): ${cases.length} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}, ` +
        `${live.length} liveness probes (slowest ${Math.round(Math.max(...live))} ms), max RSS ${Math.round(maxRss)} MB`,
    );
    expect(failures).toEqual([]);
    expect(server.child.exitCode).toBeNull();
    expect(live.length).toBeGreaterThan(0);
    expect(maxRss).toBeLessThan(RSS_BOUND_MB);
    const eventsAfter = await server.gql<{ events: { edges: unknown[] } }>(
      '{ events(first: 100) { edges { id } } }',
    );
    expect(eventsAfter.data?.events.edges).toEqual(eventsBefore.data?.events.edges);
    expect(eventsAfter.data?.events.edges).toHaveLength(3);
  });
});
