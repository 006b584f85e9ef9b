/**
 * The explorer's first result page on a 100,000-statement store, in headless Chromium: the time from the start
 * of the navigation to the moment the page shows its 20 results, for a country's timeline, a country with a
 * counterpart and a kind, and a word search. Each view is loaded cold (a new page: the HTML, the app's build
 * files, then GraphQL) `BENCH_EXPLORER_RUNS` times (5). A measurement, never a test assertion.
 *
 *   npm run build && BENCH_STATEMENTS=100000 node dist/bench/explorer.js
 *
 * The data set is the benchmarks' generated one (bench/dataset.ts: prepared once, then cached); the service runs
 * as `communique serve` on a copy of it, with the demo data off.
 */
import { spawn } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, settings } from './config.js';
import { dataSet, ensureReadModel } from './dataset.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RUNS = Number(process.env.BENCH_EXPLORER_RUNS ?? 5);
const VIEWS: Record<string, string> = {
  'country timeline (US)': '#/search?country=US',
  'country + counterpart + kind (CN, RU, appeal)': '#/search?country=CN&counterpart=RU&kind=APPEAL',
  'word search ("restraint")': '#/search?q=restraint',
};

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}`);
  const set = dataSet(settings.seed, settings.statements);
  await ensureReadModel(set);
  const dir = mkdtempSync(join(tmpdir(), 'communique-bench-explorer-'));
  copyFileSync(set.eventsFile, join(dir, 'events.db'));
  copyFileSync(set.readModelFile, join(dir, 'read-model.db'));
  // written out before the service starts: half a gigabyte of copy still being flushed is the bench's setup,
  // not the first page's cost
  for (const file of ['events.db', 'read-model.db']) {
    const fd = openSync(join(dir, file), 'r');
    fsyncSync(fd);
    closeSync(fd);
  }
  const port = 4000 + Math.floor(Math.random() * 2000);
  const server = spawn(process.execPath, [join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js'), 'serve'], {
    env: {
      ...process.env,
      COMMUNIQUE_DATA_DIR: dir,
      COMMUNIQUE_DEMO: 'false',
      COMMUNIQUE_LOG: 'silent',
      PORT: String(port),
    },
    stdio: 'inherit',
  });
  const url = `http://127.0.0.1:${port}`;
  let close = async (): Promise<void> => {};
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}/health/ready`)).ok) break;
      } catch {
        // not listening yet
      }
      if (i > 600) throw new Error('the service did not start within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    close = () => browser.close();
    // the browser itself warmed up (its first renderer started) on a page that is not the service's, as a
    // reader's browser is already running; each measured load then gets a context of its own, so its cache
    // is empty: every load is a first visit
    const warm = await browser.newPage();
    await warm.goto('about:blank');
    await warm.close();
    console.log(
      `explorer, first result page, ${settings.statements} statements, ${RUNS} cold loads each (ms from navigation start):`,
    );
    for (const [name, hash] of Object.entries(VIEWS)) {
      const times: number[] = [];
      let shown = 0;
      for (let run = 0; run < RUNS; run++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        const page = await context.newPage();
        await page.goto(`${url}/${hash}`);
        // (the page's CSP refuses string evaluation, so the wait is a locator and the clock a function)
        await page.locator('ol.statements > li').first().waitFor({ timeout: 30000 });
        times.push(await page.evaluate(() => performance.now()));
        shown = await page.locator('ol.statements > li').count();
        await context.close();
      }
      const inOrder = times.map((t) => t.toFixed(0)).join(', ');
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)] ?? NaN;
      console.log(
        `  ${name}: median ${median.toFixed(0)}, min ${times[0]?.toFixed(0)}, max ${times[times.length - 1]?.toFixed(0)} (${shown} shown; in order: ${inOrder})`,
      );
    }
  } finally {
    await close();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  // Chromium's pipe can keep the event loop alive after the browser closed: end here
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
