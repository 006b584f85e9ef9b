import type { Command } from 'commander';
import { loadConfig } from '../../../api/src/config/app-config.js';
import { startServer } from '../../../api/src/main.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the API (what `npm start` runs); configured by environment variables, see README')
    .action(async () => {
      await startServer(loadConfig());
    });
}
