/**
 * Live updates (issue 18, DESIGN §11.20): real WebSocket clients (`graphql-transport-ws`, one subscription per
 * connection) subscribed to `statementChanged(country: "DE")` while two HTTP writers record FR→DE statements
 * as fast as they are answered, against the real service (`communique serve`, a fresh data folder per row,
 * `NODE_ENV=production`, rate limit off, connection cap raised).
 *
 * Rows: `BENCH_LIVE_SUBSCRIBERS` (1, 300, 1000) subscribers; from 300 on split over 10 distinct subscriptions
 * (10 selections of the same statement), so 10 executions per change. A last row runs 1,000 with
 * `COMMUNIQUE_WS_SHARED_EXECUTION=false` (every subscriber executes alone) for comparison. Each row: writes
 * acknowledged/s, messages delivered/s (all clients, during the writes), delivery latency p50/p99 (from the
 * writer sending the mutation, whose text carries the time, to a client receiving the change; measured on 20
 * sampled clients, which parse every message, the others only count), whether every subscriber got every
 * change, and the service's RSS (at the start of the writes, at the end, peak).
 *
 * Slow consumers: 100 subscribers; 5 s of writes to warm up, then `BENCH_LIVE_SLOW_DURATION` (25 s) of writes
 * while they read (the control: what the writes alone add to RSS), then they stop reading (`socket.pause()`)
 * for as long again (`BENCH_LIVE_SLOW_PER_CONNECTION` subscriptions on each of the
 * 100 connections, default 1: more fill the buffers sooner on a slow machine) with 4,000-character texts: the service's RSS growth and the
 * writers' rate paused / reading; then the clients read again and the scenario counts the
 * SUBSCRIBER_FELL_BEHIND messages and 4413 closes they find.
 *
 * `BENCH_LIVE_SERVICE=<path of another build's dist/apps/cli/src/main.js>` measures that build instead (the
 * separate-execution row is then left out): the same scenario before and after a change, on the same machine.
 *
 * The clients run in the bench process on the same machine as the service: they compete with it for the
 * cores, so the figures are a floor.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { RESULTS_DIR, ROOT, SCRATCH_DIR, settings } from '../config.js';
import { percentile, report, round, type Figures } from '../report.js';

/** the service to measure: this build, or another one's `main.js` (`BENCH_LIVE_SERVICE`, e.g. the build before) */
const CLI = process.env.BENCH_LIVE_SERVICE ?? join(ROOT, 'dist/apps/cli/src/main.js');

const SELECTIONS = [
  'id text',
  'id text kind',
  'id text speakerCountry',
  'id text targets',
  'id text topics',
  'id text status',
  'id text version',
  'id text occurredOn',
  'id text speaker { name }',
  'id text sources { url }',
];
const subscriptionOf = (index: number): string =>
  `subscription { statementChanged(country: "DE") { ${SELECTIONS[index % SELECTIONS.length]} } }`;

interface Service {
  child: ChildProcess;
  url: string;
  dir: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function startService(name: string, env: Record<string, string> = {}): Promise<Service> {
  const dir = join(SCRATCH_DIR, `communique-live-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const profile = settings.cpuProfile
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${join(RESULTS_DIR, 'profiles')}`,
        `--cpu-prof-name=live-${name}.cpuprofile`,
      ]
    : [];
  const child = spawn(process.execPath, [...profile, CLI, 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      COMMUNIQUE_DATA_DIR: dir,
      COMMUNIQUE_DEMO: 'false',
      COMMUNIQUE_LOG: 'silent',
      COMMUNIQUE_RATE_LIMIT_BURST: '0',
      COMMUNIQUE_WS_MAX_CONNECTIONS_PER_CLIENT: '5000',
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/health`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return { child, url, dir };
    if (Date.now() > deadline) throw new Error('the service did not start in 120 s');
    await sleep(200);
  }
}

async function stopService(service: Service): Promise<void> {
  if (service.child.exitCode === null) {
    const exited = new Promise((resolve) => service.child.once('exit', resolve));
    service.child.kill('SIGTERM');
    await exited;
  }
  rmSync(service.dir, { recursive: true, force: true });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : Number.NaN;
}
const mb = (kb: number): number => round(kb / 1024, 1);

const NEXT = Buffer.from('{"type":"next"');

/** One subscriber on a connection of its own. */
class Subscriber {
  received = 0;
  readonly latencies: number[] = [];
  readonly errors: string[] = [];
  closeCode?: number;
  private constructor(
    readonly socket: WebSocket,
    readonly sampled: boolean,
  ) {}

  static connect(baseUrl: string, query: string, sampled: boolean, subscriptions = 1): Promise<Subscriber> {
    const socket = new WebSocket(baseUrl.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
    const subscriber = new Subscriber(socket, sampled);
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
      socket.on('close', (code) => (subscriber.closeCode = code));
      socket.on('message', (raw: WebSocket.RawData) => {
        // the count-only clients look at the first bytes: a thousand clients decoding every message to a
        // string would take the cores the service is measured on
        if (!sampled && Buffer.isBuffer(raw) && raw.subarray(0, NEXT.length).equals(NEXT)) {
          subscriber.received++;
          return;
        }
        const text = raw.toString();
        if (text.startsWith('{"type":"next"')) {
          subscriber.received++;
          if (sampled) {
            const sent = /"text":"t=(\d+) /.exec(text);
            if (sent) subscriber.latencies.push(Date.now() - Number(sent[1]));
          }
        } else if (text.includes('"connection_ack"')) {
          for (let id = 1; id <= subscriptions; id++) {
            socket.send(JSON.stringify({ id: String(id), type: 'subscribe', payload: { query } }));
          }
          resolve(subscriber);
        } else if (text.includes('"type":"error"')) {
          subscriber.errors.push(text);
        }
      });
    });
  }
}

async function connectAll(
  url: string,
  count: number,
  distinct: number,
  perConnection = 1,
): Promise<Subscriber[]> {
  const subscribers: Subscriber[] = [];
  // in waves: a thousand handshakes at once would time out on a busy machine
  for (let start = 0; start < count; start += 50) {
    const wave = Array.from({ length: Math.min(50, count - start) }, (_, i) => start + i);
    subscribers.push(
      ...(await Promise.all(
        wave.map((i) =>
          Subscriber.connect(
            url,
            subscriptionOf(i % distinct),
            i % Math.ceil(count / 20) === 0,
            perConnection,
          ),
        ),
      )),
    );
  }
  return subscribers;
}

const RECORD = `mutation($input: RecordStatementInput!) { recordStatement(input: $input) { position } }`;
/** characters of text per statement: the table's writes, and the slow consumers' (larger, to fill buffers) */
const TEXT = 200;
const SLOW_TEXT = 4000;

async function write(url: string, characters = TEXT): Promise<void> {
  const input = {
    occurredOn: '2024-03-01',
    speaker: { name: 'Bench Writer', country: 'FR' },
    targets: ['DE'],
    topics: ['bench'],
    kind: 'STATEMENT',
    text: `t=${Date.now()} `.padEnd(characters, 'x'),
    attribution: 'PARAPHRASE',
    sources: [{ url: 'https://example.org/bench' }],
  };
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: RECORD, variables: { input } }),
  });
  const body = await response.text();
  if (!response.ok || body.includes('"errors"')) throw new Error(`write failed: ${body.slice(0, 300)}`);
}

/** Two writers as fast as they are answered for `seconds`; writes acknowledged. */
async function writeFor(url: string, seconds: number, characters = TEXT): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let acknowledged = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (Date.now() < end) {
        await write(url, characters);
        acknowledged++;
      }
    }),
  );
  return acknowledged;
}

/** Writes until every subscriber has received one change: the subscriptions are live. */
async function untilLive(url: string, subscribers: Subscriber[]): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!subscribers.every((s) => s.received > 0)) {
    if (Date.now() > deadline) throw new Error('the subscriptions did not start in 120 s');
    await write(url);
    await sleep(100);
  }
}

interface Row {
  subscribers: number;
  distinct: number;
  shared: boolean;
  writesPerSecond: number;
  messagesPerSecond: number;
  p50: number;
  p99: number;
  complete: boolean;
  rssStartMb: number;
  rssEndMb: number;
  peakRssMb: number;
}

async function measure(count: number, shared: boolean): Promise<Row> {
  const distinct = count >= 10 ? 10 : 1;
  const service = await startService(`${count}-${shared ? 'shared' : 'separate'}`, {
    COMMUNIQUE_WS_SHARED_EXECUTION: String(shared),
  });
  const subscribers: Subscriber[] = [];
  try {
    subscribers.push(...(await connectAll(service.url, count, distinct)));
    await untilLive(service.url, subscribers);
    await sleep(1000);
    for (const s of subscribers) {
      s.received = 0;
      s.latencies.length = 0;
    }
    const pid = service.child.pid ?? 0;
    const rssStart = statusKb(pid, 'VmRSS');
    const started = performance.now();
    const writes = await writeFor(service.url, settings.liveSeconds);
    const seconds = (performance.now() - started) / 1000;
    const deliveredDuringWrites = subscribers.reduce((sum, s) => sum + s.received, 0);
    const rssEnd = statusKb(pid, 'VmRSS');
    // the rest drains: every subscriber must get every change
    const drainDeadline = Date.now() + 30_000;
    while (Date.now() < drainDeadline && subscribers.some((s) => s.received < writes)) await sleep(100);
    const latencies = subscribers.flatMap((s) => s.latencies).sort((a, b) => a - b);
    return {
      subscribers: count,
      distinct,
      shared,
      writesPerSecond: round(writes / seconds),
      messagesPerSecond: round(deliveredDuringWrites / seconds),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      complete: subscribers.every((s) => s.received === writes && s.errors.length === 0),
      rssStartMb: mb(rssStart),
      rssEndMb: mb(rssEnd),
      peakRssMb: mb(statusKb(pid, 'VmHWM')),
    };
  } finally {
    for (const s of subscribers) s.socket.terminate();
    await stopService(service);
  }
}

async function slowConsumers(): Promise<Figures> {
  const service = await startService('slow');
  const subscribers: Subscriber[] = [];
  try {
    subscribers.push(...(await connectAll(service.url, 100, 1, settings.liveSlowPerConnection)));
    await untilLive(service.url, subscribers);
    // The same writes first while the 100 subscribers read (their rate, and the RSS the writes alone add:
    // the store's and the read model's caches and the heap grow with the data), then while they do not.
    const pid = service.child.pid ?? 0;
    const growthDuring = async (seconds: number) => {
      const before = statusKb(pid, 'VmRSS');
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, statusKb(pid, 'VmRSS'))), 500);
      const started = performance.now();
      const writes = await writeFor(service.url, seconds, SLOW_TEXT);
      const elapsed = (performance.now() - started) / 1000;
      clearInterval(sampler);
      const after = statusKb(pid, 'VmRSS');
      return { before, after, growth: Math.max(after, peak) - before, writes, elapsed };
    };
    await writeFor(service.url, Math.min(5, settings.liveSlowSeconds), SLOW_TEXT); // warm-up
    const reading = await growthDuring(settings.liveSlowSeconds);
    const readingRate = reading.writes / reading.elapsed;
    for (const s of subscribers) s.socket.pause();
    await sleep(1000);
    const paused = await growthDuring(settings.liveSlowSeconds);
    const { writes, elapsed: seconds } = paused;
    const rssStart = paused.before;
    const rssEnd = paused.after;
    for (const s of subscribers) s.socket.resume();
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline && subscribers.some((s) => s.closeCode === undefined)) await sleep(200);
    const fellBehind = subscribers.filter((s) => s.errors.some((e) => e.includes('SUBSCRIBER_FELL_BEHIND')));
    return {
      'slow: paused connections': subscribers.length,
      'slow: subscriptions per connection': settings.liveSlowPerConnection,
      'slow: statement text characters': SLOW_TEXT,
      'slow: writes/s while they read': round(readingRate),
      'slow: seconds of writes while paused': round(seconds, 1),
      'slow: writes/s while paused': round(writes / seconds),
      'slow: writes/s paused / reading': round(writes / seconds / readingRate, 2),
      'slow: RSS at start MB': mb(rssStart),
      'slow: RSS at end MB': mb(rssEnd),
      'slow: RSS growth MB': mb(paused.growth),
      'slow: RSS growth, same writes read, MB': mb(reading.growth),
      'slow: told SUBSCRIBER_FELL_BEHIND': fellBehind.length,
      'slow: closed with 4413': subscribers.filter((s) => s.closeCode === 4413).length,
    };
  } finally {
    for (const s of subscribers) s.socket.terminate();
    await stopService(service);
  }
}

export async function liveScenario(): Promise<Figures> {
  const rows: Row[] = [];
  for (const count of settings.liveSubscribers) {
    console.log(`live: ${count} subscribers ...`);
    rows.push(await measure(count, true));
  }
  const largest = Math.max(...settings.liveSubscribers);
  if (process.env.BENCH_LIVE_SERVICE === undefined) {
    console.log(`live: ${largest} subscribers, each executing alone ...`);
    rows.push(await measure(largest, false));
  }
  console.table(rows);

  console.log('live: 100 paused subscribers ...');
  const slow = await slowConsumers();

  const baseline = rows.find((r) => r.subscribers === 1 && r.shared) ?? rows[0];
  const top = rows.find((r) => r.subscribers === largest && r.shared);
  const figures: Figures = {};
  for (const row of rows) {
    const label = `${row.subscribers}${row.shared ? '' : ' separate'}`;
    figures[`${label}: writes/s`] = row.writesPerSecond;
    figures[`${label}: messages/s`] = row.messagesPerSecond;
    figures[`${label}: p50 ms`] = row.p50;
    figures[`${label}: p99 ms`] = row.p99;
    figures[`${label}: every change to every subscriber`] = row.complete ? 'yes' : 'NO';
    figures[`${label}: RSS start/end/peak MB`] = `${row.rssStartMb} / ${row.rssEndMb} / ${row.peakRssMb}`;
  }
  if (baseline && top) {
    figures['largest / 1 subscriber, writes/s'] = round(top.writesPerSecond / baseline.writesPerSecond, 2);
    figures['largest, messages/s'] = top.messagesPerSecond;
    figures['largest, p99 ms'] = top.p99;
  }
  Object.assign(figures, slow);
  report('live', figures, [
    'clients and service share the machine; writers are two HTTP loops in the bench process',
  ]);
  return figures;
}
