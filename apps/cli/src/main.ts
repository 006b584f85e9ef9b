#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError } from '#runtime';
import { registerServe } from './commands/serve.js';
import { ImportCommandError, registerImport } from './commands/import.js';
import { registerKeys } from './commands/keys.js';
import { registerExport } from './commands/export.js';
import { registerAudit } from './commands/audit.js';
import { registerEvents } from './commands/events.js';
import { registerRebuild } from './commands/rebuild.js';

const program = new Command()
  .name('communique')
  .description('Communiqué: an event-sourced timeline of what governments say to and about each other.');

// Each verb lives in commands/<verb>.ts and registers itself here (DESIGN §10).
registerServe(program);
registerImport(program);
registerKeys(program);
registerExport(program);
registerAudit(program);
registerEvents(program);
registerRebuild(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`communique: configuration error: ${error.message}`);
  } else if (error instanceof ImportCommandError) {
    console.error(`communique import: ${error.message}`);
  } else if (isAddressInUse(error)) {
    console.error(
      `communique: ${error.message}: another process listens there; set PORT (or HOST) to another value`,
    );
  } else {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  process.exit(1);
});

function isAddressInUse(error: unknown): error is Error {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
}
