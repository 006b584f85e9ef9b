import { Command } from 'commander';
import { registerServe } from './commands/serve.js';
import { registerImport } from './commands/import.js';
import { registerKeys } from './commands/keys.js';
import { registerExport } from './commands/export.js';
import { registerAudit } from './commands/audit.js';
import { registerEvents } from './commands/events.js';
import { registerRebuild } from './commands/rebuild.js';
import { processEnvironment, type CliEnvironment } from './stores.js';

/**
 * The `communique` program with every verb. `environment` gives the configuration and the event store to
 * the verbs that work on the raw log; `main.ts` passes the process's own.
 */
export function buildProgram(environment: CliEnvironment = processEnvironment): Command {
  const program = new Command()
    .name('communique')
    .description('Communiqué: an event-sourced timeline of what governments say to and about each other.');

  // Each verb lives in commands/<verb>.ts and registers itself here (DESIGN §10).
  registerServe(program);
  registerImport(program);
  registerKeys(program);
  registerExport(program);
  registerAudit(program, environment);
  registerEvents(program, environment);
  registerRebuild(program, environment);
  return program;
}
