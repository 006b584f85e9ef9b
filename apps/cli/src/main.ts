#!/usr/bin/env node
import { ConfigError } from '#runtime';
import { ImportCommandError } from './commands/import.js';
import { buildProgram } from './program.js';
import { forTerminal } from './terminal.js';

const program = buildProgram();

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
