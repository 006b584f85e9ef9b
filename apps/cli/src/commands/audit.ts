import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { SqliteEventStore, describeBroken, verifyLog } from '#event-store';
import { loadConfig, type AppConfig } from '../../../api/src/config/app-config.js';
import { Progress } from '../progress.js';
import { forTerminal } from '../terminal.js';
import { openEventStore } from '../stores.js';

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('checks on the event log');
  audit
    .command('verify')
    .description(
      'recompute every event hash, each stream chain and the global chain; print the event count and the ' +
        'Merkle root (RFC 6962) over all event hashes; exit 1 naming the first broken event',
    )
    .action(async () => {
      const ok = await auditVerify(loadConfig());
      if (!ok) process.exitCode = 1;
    });
}

/** Opens the configured SQLite event store, refusing to create one where none exists. */
export function openExistingSqliteStore(config: AppConfig): SqliteEventStore {
  if (!existsSync(config.eventsFile)) throw new Error(`no event store at ${config.eventsFile}`);
  const store = openEventStore(config);
  if (!(store instanceof SqliteEventStore)) {
    void store.close();
    throw new Error('this command reads the SQLite event store file directly (EVENT_STORE=sqlite)');
  }
  return store;
}

async function auditVerify(config: AppConfig): Promise<boolean> {
  const store = openExistingSqliteStore(config);
  try {
    const total = await store.eventCount();
    const progress = new Progress('verifying', { unit: 'events', total });
    const report = await verifyLog(store.readStored(), (count) => progress.update(count));
    progress.finish(report.eventCount);
    console.log(`events: ${report.eventCount}`);
    console.log(`head position: ${report.headPosition}`);
    console.log(`merkle root: ${report.merkleRoot}`);
    console.log(
      `hash rules: ${report.hashVersions[2]} events checked under version 2 (id included), ` +
        `${report.hashVersions[1]} under version 1 (written before version 2; the id is not hashed)`,
    );
    if (report.broken) {
      console.error(forTerminal(`communique audit verify: FAILED: ${describeBroken(report.broken)}`));
      return false;
    }
    console.log('ok: every event hash, stream chain and the global chain check out');
    return true;
  } finally {
    await store.close();
  }
}
