import type { Command } from 'commander';
import { loadConfig } from '../../../api/src/config/app-config.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the API (what `npm start` runs); configured by environment variables, see README')
    .action(async () => {
      const config = loadConfig();
      // Loaded here, not at the top: Nest, GraphQL and the whole API take about a second to load, which
      // every other verb would otherwise pay at start-up.
      const { startServer } = await import('../../../api/src/main.js');
      await startServer(config);
    });
}
