import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import {
  LogVerifier,
  describeBroken,
  parseExportLine,
  toExportLine,
  type EventStore,
  type StoredEvent,
} from '#event-store';
import { Progress } from '../progress.js';
import { openExistingEventStore, processEnvironment, progressTotal, type CliEnvironment } from '../stores.js';

const IMPORT_BATCH = 2000;

export function registerEvents(program: Command, environment: CliEnvironment = processEnvironment): void {
  const events = program.command('events').description('the raw event log as NDJSON (backup and restore)');
  events
    .command('export')
    .description('write every stored event, hashes included, one JSON object per line, in log order')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (options: { out?: string }) => {
      const store = openExistingEventStore(environment, environment.loadConfig());
      try {
        await exportEvents(store, options.out);
      } finally {
        await store.close();
      }
    });
  events
    .command('import')
    .argument('<file>', 'an NDJSON file written by `communique events export`')
    .description(
      'verify every hash and chain of the file, then store its events as they are (ids, metadata, hashes); ' +
        'only into an empty store, or one that holds the first events of the same file',
    )
    .action(async (file: string) => {
      const config = environment.loadConfig();
      const ok = await importEvents(() => environment.openEventStore(config), file);
      if (!ok) process.exitCode = 1;
    });
}

/**
 * Writes the log as the store holds it (`readStored`) to `out` (stdout when undefined), on any adapter. An
 * export of an EventStoreDB log carries the global chain computed from `$all` order (DESIGN §11.11).
 */
export async function exportEvents(store: EventStore, out: string | undefined): Promise<void> {
  const output: Writable = out === undefined ? process.stdout : createWriteStream(out);
  try {
    const progress = new Progress('exporting', { unit: 'events', total: await progressTotal(store) });
    let count = 0;
    let chunk = '';
    for await (const event of store.readStored()) {
      chunk += toExportLine(event) + '\n';
      count += 1;
      if (chunk.length > 1 << 16) {
        if (!output.write(chunk)) await once(output, 'drain');
        chunk = '';
        progress.update(count);
      }
    }
    if (chunk !== '' && !output.write(chunk)) await once(output, 'drain');
    const { seconds } = progress.finish(count);
    console.error(`exported ${count} events${out ? ` to ${out}` : ''} in ${seconds.toFixed(1)} s`);
  } finally {
    if (out !== undefined) {
      output.end();
      await once(output, 'finish');
    }
  }
}

/** The file's events one by one, parsed (never the whole file in memory). */
async function* readExport(file: string): AsyncIterable<{ line: number; event: StoredEvent }> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() === '') continue;
    yield { line, event: parseExportLine(text, line) };
  }
}

/**
 * Verifies the whole file, then stores what the store does not hold yet (`importStored`), on any adapter.
 * The store is opened (by `open`) only once the file checks out, and closed here.
 */
export async function importEvents(open: () => EventStore, file: string): Promise<boolean> {
  if (!existsSync(file)) throw new Error(`${file}: no such file`);

  // 1. verify the whole file before anything is stored
  const verifier = new LogVerifier();
  const verifying = new Progress('verifying', { unit: 'events' });
  for await (const { line, event } of readExport(file)) {
    const broken = verifier.check(event);
    if (broken) {
      verifying.finish();
      console.error(
        `communique events import: ${file} line ${line}: ${describeBroken(broken)}; nothing imported`,
      );
      return false;
    }
    verifying.update(verifier.eventCount);
  }
  verifying.finish(verifier.eventCount);
  const report = verifier.report();

  // 2. store what the store does not hold yet
  const store = open();
  const samePosition = store.capabilities.keepsImportedPositions;
  try {
    const storedCount = await store.countEventsAfter();
    const stored = store.readStored()[Symbol.asyncIterator]();
    let already = 0;
    let imported = 0;
    let batch: StoredEvent[] = [];
    const storing = new Progress('importing', { unit: 'events', total: report.eventCount });
    for await (const { line, event } of readExport(file)) {
      if (already < storedCount) {
        const next = await stored.next();
        if (next.done || !sameEvent(next.value, event, samePosition)) {
          storing.finish();
          console.error(
            `communique events import: the store already holds ${storedCount} events and they are not the ` +
              `first events of ${file} (line ${line} differs); import only into an empty store. Nothing imported.`,
          );
          return false;
        }
        already += 1;
        continue;
      }
      batch.push(event);
      if (batch.length >= IMPORT_BATCH) {
        await store.importStored(batch);
        imported += batch.length;
        batch = [];
        storing.update(already + imported);
      }
    }
    if (already < storedCount) {
      storing.finish();
      console.error(
        `communique events import: the store holds ${storedCount} events, more than the ${already} of ${file}; ` +
          'import only into an empty store. Nothing imported.',
      );
      return false;
    }
    if (batch.length > 0) await store.importStored(batch);
    imported += batch.length;
    const { seconds } = storing.finish(already + imported);
    if (imported === 0) {
      console.log(`all ${report.eventCount} events of ${file} are already in the store; nothing imported`);
    } else {
      console.log(
        `imported ${imported} events${already > 0 ? ` (the first ${already} were already stored)` : ''} ` +
          `in ${seconds.toFixed(1)} s`,
      );
    }
    console.log(`events: ${report.eventCount}`);
    console.log(`merkle root: ${report.merkleRoot}`);
    return true;
  } finally {
    await store.close();
  }
}

/**
 * Whether a stored event is the file's event at the same place. Positions are compared only on a store that
 * keeps imported positions (SQLite); EventStoreDB gives its own, in the same order.
 */
function sameEvent(a: StoredEvent, b: StoredEvent, samePosition: boolean): boolean {
  return (
    a.id === b.id &&
    a.stream === b.stream &&
    a.revision === b.revision &&
    a.hash === b.hash &&
    (!samePosition || a.position === b.position)
  );
}
