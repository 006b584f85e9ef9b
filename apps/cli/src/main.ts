#!/usr/bin/env node
import { ConfigError } from '../../api/src/config/app-config.js';
import { ImportCommandError } from './commands/import.js';
import { buildProgram } from './program.js';

const program = buildProgram();

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
