/**
 * Profiles the rebuild, GraphQL and import scenarios and prints where the CPU time goes: `npm run bench:profile`.
 * The rebuild and the import run in a child under `--cpu-prof` (the import profile mixes our store, the raw
 * floor, Emmett and the generator: read its inclusive section); the GraphQL servers run with `BENCH_CPU_PROF=1`.
 * Profiles go to `bench/results/profiles/`; each is summarised (self time by function and by area, inclusive
 * time of the project's own functions) into `bench/results/profile.json`. `node dist/bench/profile.js
 * --summarise-only` summarises the profiles already there. Uses the same BENCH_* settings as the suite.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_DIR, ROOT } from './config.js';
import { report, round, type Figures } from './report.js';

const PROFILES = join(RESULTS_DIR, 'profiles');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** `node_modules/<package>`, `libs/<lib>`, `apps/<app>`, `bench`, `node:<module>` or the V8 pseudo-frame. */
function areaOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  const own = /\/dist\/(libs\/[^/]+|apps\/[^/]+|bench)\//.exec(url);
  if (own) return own[1];
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
}

const label = (node: ProfileNode): string => {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/(node_modules|dist)\//, '').replace(/^file:\/\//, '');
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
};

function summarise(file: string): Figures {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const idle = [...byId.values()]
    .filter((node) => node.callFrame.functionName === '(idle)')
    .reduce((sum, node) => sum + (self.get(node.id) ?? 0), 0);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const busy = total - idle;
  const pct = (micros: number): number => round((100 * micros) / busy, 1);

  const add = (map: Map<string, number>, key: string, micros: number) =>
    map.set(key, (map.get(key) ?? 0) + micros);
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, micros] of self) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') continue;
    add(functions, label(node), micros);
    add(areas, areaOf(node.callFrame.url, node.callFrame.functionName), micros);
  }
  // inclusive time of the project's own functions (a function counted once per sample, even when recursive)
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusive = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at)!;
      if (!/\/dist\/(libs|apps)\//.test(node.callFrame.url)) continue;
      const key = label(node);
      if (!seen.has(key)) add(inclusive, key, profile.timeDeltas[i] ?? 0);
      seen.add(key);
    }
  });
  const top = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, micros]) => `${pct(micros).toFixed(1).padStart(5)}%  ${key}`);
  const name = file.replace(/^.*\//, '');
  console.log(`\n== profile ${name}: ${round(busy / 1e6, 1)} s busy, ${round(idle / 1e6, 1)} s idle`);
  const sections = {
    'self time by area': top(areas, 12),
    'self time by function': top(functions, 20),
    "inclusive time of the project's functions": top(inclusive, 20),
  };
  for (const [title, lines] of Object.entries(sections)) {
    console.log(`-- ${title} (% of busy time)`);
    for (const line of lines) console.log(`   ${line}`);
  }
  return { profile: name, 'busy seconds': round(busy / 1e6, 1), ...flatten(sections) };
}

const flatten = (sections: Record<string, string[]>): Figures =>
  Object.fromEntries(Object.entries(sections).map(([title, lines]) => [title, lines.join('\n')]));

function run(env: Record<string, string>, nodeArgs: string[]): void {
  const result = spawnSync(process.execPath, [...nodeArgs, join(ROOT, 'dist/bench/run.js')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  if (result.status !== 0)
    throw new Error(`profiled run ${JSON.stringify(env)} exited with ${result.status}`);
}

function main(): void {
  if (!process.argv.includes('--summarise-only')) {
    rmSync(PROFILES, { recursive: true, force: true });
    mkdirSync(PROFILES, { recursive: true });
    // prepare the data set first, so the rebuild profile holds the rebuild alone
    run({ BENCH_SCENARIOS: 'disk' }, []);
    run({ BENCH_SCENARIOS: 'rebuild' }, [
      '--cpu-prof',
      `--cpu-prof-dir=${PROFILES}`,
      '--cpu-prof-name=rebuild.cpuprofile',
    ]);
    run({ BENCH_SCENARIOS: 'graphql', BENCH_CPU_PROF: '1' }, []);
    run({ BENCH_SCENARIOS: 'import' }, [
      '--cpu-prof',
      `--cpu-prof-dir=${PROFILES}`,
      '--cpu-prof-name=import.cpuprofile',
    ]);
  }
  if (!existsSync(PROFILES)) throw new Error(`no profiles in ${PROFILES}`);
  const summaries: Figures[] = readdirSync(PROFILES)
    .filter((file) => file.endsWith('.cpuprofile'))
    .sort()
    .map((file) => summarise(join(PROFILES, file)));
  report(
    'profile',
    Object.fromEntries(summaries.map((s) => [String(s.profile), JSON.stringify(s)])),
    [],
    false,
  );
}

main();
