/**
 * GraphQL: `countryTimeline(first: 50)` requests/s and p50/p99 latency at `BENCH_CONNECTIONS` connections
 * (autocannon, in this process) against four servers, each in a child process of its own, one at a time, on
 * the same data set: the real app (Mercurius driver, answer cache on), the app with its answer cache off
 * (`app-uncached`: the app before answers were cached), bare Mercurius with graphql-jit (the
 * GraphQL ceiling), the app on the Apollo driver, and a bare Fastify route answering the app's very bytes from
 * memory (the HTTP ceiling). In `BENCH_ROUNDS` rotations, each figure the median of the rounds.
 *
 * Hot: the same request over and over (the app answers it from its answer cache). Cold (app and bare
 * Mercurius): every request a different country, cursor and page size, so no answer repeats within a server's
 * run and the cache never hits; the scenario says how many distinct requests there were and how many were
 * sent. Memory: each server's peak RSS (VmHWM) after the load, the highest of the rounds. The servers must
 * answer with the same body, or the scenario says so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { ReadModel } from '#read-model';
import { RESULTS_DIR, ROOT, settings } from '../config.js';
import { dataSet, ensureReadModel } from '../dataset.js';
import { countryPool } from '../generator.js';
import { report, round, type Figures } from '../report.js';
import { timelineBody, timelinePageBody } from '../servers/query.js';

export const VARIANTS = ['app', 'app-uncached', 'mercurius', 'apollo', 'static'] as const;
/** the servers measured cold too (the static one has one answer; Apollo was measured against the app before) */
const COLD: readonly Variant[] = ['app', 'app-uncached', 'mercurius'];
type Variant = (typeof VARIANTS)[number];

interface Server {
  child: ChildProcess;
  url: string;
}

function startServer(
  variant: Variant,
  eventsFile: string,
  readModelFile: string,
  staticBodyFile: string,
): Promise<Server> {
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
      BENCH_STATIC_BODY_FILE: staticBodyFile,
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

/** Bodies sent in turn, never one twice while `next` stays below their number. */
interface Rotation {
  bodies: string[];
  next: number;
}

function loadRotating(url: string, rotation: Rotation, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections: settings.connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (request) => {
          request.body = rotation.bodies[rotation.next % rotation.bodies.length];
          rotation.next += 1;
          return request;
        },
      },
    ],
  });
}

/**
 * Cold requests: for every country of the pool, the cursors of its first pages (read from the data set's read
 * model), each with page sizes 41 to 50, in a fixed shuffled order.
 */
export function coldBodies(readModelFile: string, pages: number): string[] {
  const readModel = ReadModel.open(readModelFile);
  const bodies: string[] = [];
  try {
    for (const country of countryPool()) {
      let after: string | null = null;
      for (let page = 0; page < pages; page++) {
        for (let first = 41; first <= 50; first++) bodies.push(timelinePageBody(country, first, after));
        const answer = readModel.countryTimeline(country, {
          first: 50,
          after: after ?? undefined,
          order: 'ASC',
        });
        if (!answer.hasNextPage || answer.endCursor === null) break;
        after = answer.endCursor;
      }
    }
  } finally {
    readModel.close();
  }
  let seed = 12345;
  for (let i = bodies.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const j = seed % (i + 1);
    [bodies[i], bodies[j]] = [bodies[j]!, bodies[i]!];
  }
  return bodies;
}

export interface GraphQLFigures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  peakRssMb: number | null;
}

interface Sample {
  rps: number[];
  p50: number[];
  p99: number[];
}
const emptySample = (): Sample => ({ rps: [], p50: [], p99: [] });

export async function graphqlScenario(): Promise<Figures> {
  const set = dataSet(settings.seed, settings.statements);
  await ensureReadModel(set);
  const country = countryPool()[0];
  const body = timelineBody(country);
  const cold = coldBodies(set.readModelFile, 20);
  const staticBodyFile = join(set.dir, 'static-answer.json');
  const figures: Figures = {
    statements: set.statements,
    country,
    connections: settings.connections,
    'duration s': settings.durationSeconds,
    rounds: settings.rounds,
    'cold: distinct requests': cold.length,
  };
  const notes: string[] = [];
  const answers = new Map<Variant, string>();
  const coldAnswers = new Map<Variant, string>();
  const hot = new Map<Variant, Sample>(VARIANTS.map((variant) => [variant, emptySample()]));
  const coldSamples = new Map<Variant, Sample>(COLD.map((variant) => [variant, emptySample()]));
  const rss = new Map<Variant, number[]>(VARIANTS.map((variant) => [variant, []]));
  let mostColdSent = 0;
  const record = (sample: Sample, result: autocannon.Result) => {
    sample.rps.push(result.requests.average);
    sample.p50.push(result.latency.p50);
    sample.p99.push(result.latency.p99);
  };
  // Rounds in rotation (app, mercurius, apollo, static, app, ...): load from other processes drifts, and
  // rotating spreads that drift over the variants instead of handing it to whichever ran last.
  for (let turn = 1; turn <= settings.rounds; turn++) {
    for (const variant of VARIANTS) {
      console.log(`round ${turn}/${settings.rounds}: the ${variant} server ...`);
      const server = await startServer(variant, set.eventsFile, set.readModelFile, staticBodyFile);
      try {
        const answer = await post(server.url, body);
        if (answer.includes('"errors"'))
          throw new Error(`${variant} answered with errors: ${answer.slice(0, 300)}`);
        answers.set(variant, answer);
        if (variant === 'app') writeFileSync(staticBodyFile, answer);
        const problems = (phase: string, result: autocannon.Result) => {
          if (result.errors > 0 || result.non2xx > 0) {
            notes.push(
              `${variant} ${phase}, round ${turn}: ${result.errors} errors (timeouts), ${result.non2xx} non-2xx`,
            );
          }
        };
        if (settings.warmupSeconds > 0) await load(server.url, body, settings.warmupSeconds);
        const result = await load(server.url, body, settings.durationSeconds);
        problems('hot', result);
        record(hot.get(variant)!, result);
        if (COLD.includes(variant)) {
          coldAnswers.set(variant, await post(server.url, cold[0]!));
          // a fresh rotation per server: its cache starts empty and sees every body at most once
          const rotation: Rotation = { bodies: cold, next: 1 };
          if (settings.warmupSeconds > 0) await loadRotating(server.url, rotation, settings.warmupSeconds);
          const coldResult = await loadRotating(server.url, rotation, settings.durationSeconds);
          problems('cold', coldResult);
          record(coldSamples.get(variant)!, coldResult);
          mostColdSent = Math.max(mostColdSent, rotation.next);
        }
        rss.get(variant)!.push(peakRssMb(server.child.pid!) ?? Number.NaN);
      } finally {
        await stopServer(server);
      }
    }
  }
  figures['cold: most requests sent to one server'] = mostColdSent;
  if (mostColdSent > cold.length) {
    notes.push(
      `cold: ${mostColdSent} requests sent to one server but only ${cold.length} distinct: some were cache hits`,
    );
  }
  figures['answer bytes (hot)'] = Buffer.byteLength(answers.get('app') ?? '');
  for (const variant of VARIANTS) {
    const sample = hot.get(variant)!;
    figures[`${variant}, requests/s`] = round(median(sample.rps));
    figures[`${variant}, p50 ms`] = median(sample.p50);
    figures[`${variant}, p99 ms`] = median(sample.p99);
    figures[`${variant}, peak RSS MB`] = Math.max(...rss.get(variant)!);
    figures[`${variant}, requests/s by round`] = sample.rps.map((r) => round(r)).join(' ');
  }
  for (const variant of COLD) {
    const sample = coldSamples.get(variant)!;
    figures[`${variant} cold, requests/s`] = round(median(sample.rps));
    figures[`${variant} cold, p50 ms`] = median(sample.p50);
    figures[`${variant} cold, p99 ms`] = median(sample.p99);
    figures[`${variant} cold, requests/s by round`] = sample.rps.map((r) => round(r)).join(' ');
  }
  const canonical = (text: string): string => JSON.stringify(JSON.parse(text));
  const reference = canonical(answers.get('app')!);
  for (const [variant, answer] of answers) {
    if (canonical(answer) !== reference) notes.push(`${variant} answers the query differently from the app`);
  }
  const coldReference = canonical(coldAnswers.get('app')!);
  for (const [variant, answer] of coldAnswers) {
    if (canonical(answer) !== coldReference)
      notes.push(`${variant} answers a cold request differently from the app`);
  }
  if (notes.length === 0) notes.push('every server answered the hot and the cold request with the same body');
  const rps = (key: string) => Number(figures[key]);
  figures['app / static (hot)'] = round(rps('app, requests/s') / rps('static, requests/s'), 3);
  figures['bare mercurius / static (hot)'] = round(
    rps('mercurius, requests/s') / rps('static, requests/s'),
    3,
  );
  figures['app / bare mercurius'] = round(rps('app, requests/s') / rps('mercurius, requests/s'), 3);
  figures['app / apollo'] = round(rps('app, requests/s') / rps('apollo, requests/s'), 3);
  figures['app / app-uncached (hot)'] = round(rps('app, requests/s') / rps('app-uncached, requests/s'), 3);
  figures['app cold / app-uncached cold'] = round(
    rps('app cold, requests/s') / rps('app-uncached cold, requests/s'),
    3,
  );
  figures['app cold / bare mercurius cold'] = round(
    rps('app cold, requests/s') / rps('mercurius cold, requests/s'),
    3,
  );
  report('graphql', figures, notes);
  return figures;
}
