/**
 * GraphQL: `countryTimeline(first: 50)` requests/s and p50/p99 latency at `BENCH_CONNECTIONS` connections
 * (autocannon, in this process) against three servers, each in a child process of its own, one at a time, on
 * the same data set: the real app (Mercurius driver), a bare Mercurius server (the ceiling) and the app on the
 * Apollo driver, in `BENCH_ROUNDS` rotations, each figure the median of the rounds. Memory: each server's peak
 * RSS (VmHWM) after the load, the highest of the rounds. All three must answer the query with
 * the same body, or the scenario says so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { RESULTS_DIR, ROOT, settings } from '../config.js';
import { dataSet, ensureReadModel } from '../dataset.js';
import { countryPool } from '../generator.js';
import { report, round, type Figures } from '../report.js';
import { timelineBody } from '../servers/query.js';

export const VARIANTS = ['app', 'mercurius', 'apollo'] as const;
type Variant = (typeof VARIANTS)[number];

interface Server {
  child: ChildProcess;
  url: string;
}

function startServer(variant: Variant, eventsFile: string, readModelFile: string): Promise<Server> {
  const profile = settings.cpuProfile
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${join(RESULTS_DIR, 'profiles')}`,
        `--cpu-prof-name=graphql-${variant}.cpuprofile`,
      ]
    : [];
  if (settings.cpuProfile) mkdirSync(join(RESULTS_DIR, 'profiles'), { recursive: true });
  const child = spawn(process.execPath, [...profile, join(ROOT, 'dist/bench/servers/server.js'), variant], {
    cwd: ROOT,
    env: {
      ...process.env,
      COMMUNIQUE_EVENTS_FILE: eventsFile,
      COMMUNIQUE_READ_MODEL_FILE: readModelFile,
      COMMUNIQUE_DEMO: 'false',
      COMMUNIQUE_LOG: 'silent',
      // one client asking as fast as it can: the per-client token bucket (600 burst, 200/s) would answer 429
      // to most of the load and be measured instead of the service
      COMMUNIQUE_RATE_LIMIT_BURST: '0',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${variant} server did not start in 120 s`)), 120_000);
    child.once('exit', (code) => reject(new Error(`${variant} server exited with ${String(code)}`)));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /^listening (\S+)/.exec(line);
      if (!match) return console.log(`[${variant}] ${line}`);
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ child, url: `${match[1]}/graphql` });
    });
  });
}

function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve();
    server.child.once('exit', () => resolve());
    server.child.kill('SIGTERM');
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Peak resident set size of a process, in MB (Linux). */
function peakRssMb(pid: number): number | null {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? round(Number(match[1]) / 1024, 1) : null;
}

async function post(url: string, body: string): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  return text;
}

function load(url: string, body: string, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: settings.connections,
    duration: seconds,
  });
}

export interface GraphQLFigures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  peakRssMb: number | null;
}

export async function graphqlScenario(): Promise<Figures> {
  const set = dataSet(settings.seed, settings.statements);
  await ensureReadModel(set);
  const country = countryPool()[0];
  const body = timelineBody(country);
  const figures: Figures = {
    statements: set.statements,
    country,
    connections: settings.connections,
    'duration s': settings.durationSeconds,
    rounds: settings.rounds,
  };
  const notes: string[] = [];
  const answers = new Map<Variant, string>();
  const samples = new Map<Variant, { rps: number[]; p50: number[]; p99: number[]; rss: number[] }>(
    VARIANTS.map((variant) => [variant, { rps: [], p50: [], p99: [], rss: [] }]),
  );
  // Rounds in rotation (app, mercurius, apollo, app, ...): load from other processes drifts, and rotating
  // spreads that drift over the three variants instead of handing it to whichever ran last.
  for (let turn = 1; turn <= settings.rounds; turn++) {
    for (const variant of VARIANTS) {
      console.log(`round ${turn}/${settings.rounds}: the ${variant} server ...`);
      const server = await startServer(variant, set.eventsFile, set.readModelFile);
      try {
        const answer = await post(server.url, body);
        if (answer.includes('"errors"'))
          throw new Error(`${variant} answered with errors: ${answer.slice(0, 300)}`);
        answers.set(variant, answer);
        if (settings.warmupSeconds > 0) await load(server.url, body, settings.warmupSeconds);
        const result = await load(server.url, body, settings.durationSeconds);
        if (result.errors > 0 || result.non2xx > 0) {
          notes.push(
            `${variant}, round ${turn}: ${result.errors} errors (timeouts), ${result.non2xx} non-2xx`,
          );
        }
        const sample = samples.get(variant)!;
        sample.rps.push(result.requests.average);
        sample.p50.push(result.latency.p50);
        sample.p99.push(result.latency.p99);
        sample.rss.push(peakRssMb(server.child.pid!) ?? Number.NaN);
      } finally {
        await stopServer(server);
      }
    }
  }
  for (const [variant, sample] of samples) {
    figures[`${variant}, requests/s`] = round(median(sample.rps));
    figures[`${variant}, p50 ms`] = median(sample.p50);
    figures[`${variant}, p99 ms`] = median(sample.p99);
    figures[`${variant}, peak RSS MB`] = Math.max(...sample.rss);
    figures[`${variant}, requests/s by round`] = sample.rps.map((r) => round(r)).join(' ');
  }
  const canonical = (text: string): string => JSON.stringify(JSON.parse(text));
  const reference = canonical(answers.get('app')!);
  for (const [variant, answer] of answers) {
    if (canonical(answer) !== reference) notes.push(`${variant} answers the query differently from the app`);
  }
  if (notes.length === 0) notes.push('all three servers answered the query with the same body');
  const rps = (variant: Variant) => Number(figures[`${variant}, requests/s`]);
  figures['app / bare mercurius'] = round(rps('app') / rps('mercurius'), 3);
  figures['app / apollo'] = round(rps('app') / rps('apollo'), 3);
  report('graphql', figures, notes);
  return figures;
}
