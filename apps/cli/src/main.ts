#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError } from '../../api/src/config/app-config.js';
import { registerServe } from './commands/serve.js';
import { ImportCommandError, registerImport } from './commands/import.js';
import { registerKeys } from './commands/keys.js';
import { registerExport } from './commands/export.js';
import { registerAudit } from './commands/audit.js';
import { registerEvents } from './commands/events.js';
import { registerRebuild } from './commands/rebuild.js';
import { forTerminal } from './terminal.js';

const program = new Command()
  .name('communique')
  .description('Communiqué: an event-sourced timeline of what governments say to and about each other.')
  // commander's own errors quote the arguments they refuse: escaped like every other message
  .configureOutput({ outputError: (text, write) => write(forTerminal(text)) });

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
    console.error(forTerminal(`communique: configuration error: ${error.message}`));
  } else if (error instanceof ImportCommandError) {
    console.error(forTerminal(`communique import: ${error.message}`));
  } else if (isAddressInUse(error)) {
    console.error(
      `communique: ${error.message}: another process listens there; set PORT (or HOST) to another value`,
    );
  } else if (error instanceof Error && process.env.COMMUNIQUE_DEBUG) {
    console.error(forTerminal(error.stack ?? error.message));
  } else {
    // a one-line message, never a stack trace (COMMUNIQUE_DEBUG=1 shows it), never raw control bytes
    const message = error instanceof Error ? error.message : String(error);
    console.error(forTerminal(`communique: ${message}`));
  }
  process.exit(1);
});

function isAddressInUse(error: unknown): error is Error {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
}
