/**
 * The file readers on hostile and normal input: time and peak RSS of reading a file through the NDJSON
 * statement reader (`communique import --format ndjson`; GDELT and ICEWS share its line splitter) and the
 * `events import` reader, each in a fresh child process so the peak RSS is the reader's own.
 *
 *   npm run build && node dist/bench/readers.js [--dist <dist folder of another build>] [--sizes 20,50,200]
 *
 * Inputs, written to bench/.data/readers/: one line of N MB with no newline (N from --sizes), and a normal
 * file of 100,000 NDJSON statement lines. `--dist` runs the readers of another build (e.g. the main branch
 * before this change, `/work/main/dist`) for a before/after comparison; a run is stopped after
 * `--timeout` seconds (default 300). Figures go to docs/RELIABILITY.md by hand.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DATA_DIR, ROOT } from './config.js';

const here = fileURLToPath(import.meta.url);

interface Outcome {
  records: number;
  error?: string;
  seconds: number;
  maxRssMb: number;
}

/** In the child: read `file` with the reader `kind` of the build in `dist`; print the outcome as JSON. */
async function child(dist: string, kind: string, file: string): Promise<void> {
  let started = performance.now();
  let records = 0;
  let error: string | undefined;
  try {
    if (kind.startsWith('ndjson')) {
      const importers = (await import(pathToFileURL(join(dist, 'libs/importers/src/index.js')).href)) as {
        openTextFile(file: string): { chunks: AsyncIterable<string> };
        readNdjson(chunks: AsyncIterable<string>, limits?: object): AsyncIterable<unknown>;
      };
      // 'ndjson-uncapped': the cap raised above the input, to show that the reading itself is linear
      const big = 256 * 1024 * 1024;
      const limits = kind === 'ndjson-uncapped' ? { maxLineBytes: big, maxFieldBytes: big } : undefined;
      started = performance.now(); // loading the modules (reference data) is not reading
      for await (const _record of importers.readNdjson(importers.openTextFile(file).chunks, limits))
        records += 1;
    } else {
      // `events import`: the new build reads through readExportFile; an older one through readline
      const store = (await import(pathToFileURL(join(dist, 'libs/event-store/src/index.js')).href)) as {
        readExportFile?: (bytes: AsyncIterable<Uint8Array>) => AsyncIterable<unknown>;
        parseExportLine(text: string, line: number): unknown;
      };
      const { createReadStream } = await import('node:fs');
      started = performance.now();
      if (store.readExportFile) {
        for await (const _event of store.readExportFile(createReadStream(file))) records += 1;
      } else {
        const { createInterface } = await import('node:readline');
        let line = 0;
        for await (const text of createInterface({
          input: createReadStream(file, 'utf8'),
          crlfDelay: Infinity,
        })) {
          line += 1;
          store.parseExportLine(text, line);
          records += 1;
        }
      }
    }
  } catch (caught) {
    error = (caught as Error).message.slice(0, 100);
  }
  const outcome: Outcome = {
    records,
    error,
    seconds: (performance.now() - started) / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(outcome));
}

const READERS: Record<string, string> = {
  ndjson: 'import (ndjson)',
  events: 'events import',
  'ndjson-uncapped': 'import, cap raised to 256 MiB',
};

async function writeSingleLine(file: string, megabytes: number): Promise<void> {
  if (existsSync(file)) return;
  const out = createWriteStream(file);
  out.write('{"text":"');
  const block = 'x'.repeat(1024 * 1024);
  for (let i = 0; i < megabytes; i++) if (!out.write(block)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1], args[2], args[3]);
  const option = (name: string, fallback: string) => {
    const at = args.indexOf(name);
    return at === -1 ? fallback : args[at + 1];
  };
  const dist = resolve(option('--dist', join(ROOT, 'dist')));
  const sizes = option('--sizes', '20,50,200').split(',').map(Number);
  const timeout = Number(option('--timeout', '300')) * 1000;
  const dir = join(DATA_DIR, 'readers');
  mkdirSync(dir, { recursive: true });

  const inputs: { name: string; file: string; kinds: string[] }[] = [];
  for (const size of sizes) {
    const file = join(dir, `line-${size}mb.ndjson`);
    await writeSingleLine(file, size);
    const kinds =
      dist === resolve(ROOT, 'dist') ? ['ndjson', 'events', 'ndjson-uncapped'] : ['ndjson', 'events'];
    inputs.push({ name: `one ${size} MB line, no newline`, file, kinds });
  }
  const normal = join(dir, 'normal-100k.ndjson');
  if (!existsSync(normal)) {
    execFileSync(process.execPath, [join(ROOT, 'test/support/generate-ndjson.mjs'), normal, '100000'], {
      stdio: 'inherit',
    });
  }
  inputs.push({ name: '100,000 statement lines', file: normal, kinds: ['ndjson'] });

  const lines: string[] = [`readers of ${dist} (node ${process.version})`];
  for (const input of inputs) {
    for (const kind of input.kinds) {
      const run = spawnSync(process.execPath, [here, '--child', dist, kind, input.file], {
        encoding: 'utf8',
        timeout,
        maxBuffer: 1 << 20,
      });
      const outcome = run.stdout ? (JSON.parse(run.stdout) as Outcome) : undefined;
      const figures =
        outcome === undefined
          ? `stopped after ${timeout / 1000} s (${run.signal ?? run.status})`
          : `${outcome.seconds.toFixed(2)} s, peak RSS ${outcome.maxRssMb.toFixed(0)} MB, ` +
            `${outcome.records} records${outcome.error ? `, refused: ${outcome.error}` : ''}`;
      lines.push(`${input.name} | ${READERS[kind] ?? kind} | ${figures}`);
      console.log(lines[lines.length - 1]);
    }
  }
  writeFileSync(join(dir, `results-${Date.now()}.txt`), lines.join('\n') + '\n');
}

await main();
