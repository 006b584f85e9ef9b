import type { Command } from 'commander';
import { loadApiEntry, loadConfig } from '#runtime';

/**
 * The API's entry module in the build, found from this file's place in it (`dist/apps/cli/src/commands/` ->
 * `dist/apps/api/src/main.js`). The CLI never imports the API's source (apps import libraries only); it loads
 * the built entry at run time and checks that it exports what `ApiEntry` says.
 */
export const API_ENTRY = new URL('../../../api/src/main.js', import.meta.url);

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the API (what `npm start` runs); configured by environment variables, see README')
    .action(async () => {
      const config = loadConfig();
      // Loaded here, not at the top: Nest, GraphQL and the whole API take about a second to load, which
      // every other verb would otherwise pay at start-up.
      const api = await loadApiEntry(API_ENTRY);
      await api.startServer(config);
    });
}
