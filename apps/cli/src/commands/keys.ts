import { InvalidArgumentError, Option, type Command } from 'commander';
import { KEY_NAME_RULE, ROLES, createApiKey, isKeyName, type Role } from '#runtime';

function keyName(value: string): string {
  if (!isKeyName(value)) throw new InvalidArgumentError(KEY_NAME_RULE);
  return value;
}

/**
 * `communique keys create --name N --role R`: prints a new random key once, and the hashed entry for
 * `COMMUNIQUE_API_KEYS`, so the key itself need not be stored where the service runs.
 */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('API keys for the GraphQL API (see docs/SECURITY.md)');
  keys
    .command('create')
    .description('print a new API key (shown once) and its entry for COMMUNIQUE_API_KEYS')
    .requiredOption(
      '--name <name>',
      'who holds the key; recorded as recordedBy on every event it writes',
      keyName,
    )
    .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES).makeOptionMandatory())
    .action((options: { name: string; role: Role }) => {
      const { key, entry } = createApiKey(options.name, options.role);
      process.stdout.write(
        [
          `key (give it to ${options.name}; it is not shown again): ${key}`,
          `entry for COMMUNIQUE_API_KEYS (comma-separate several): ${entry}`,
          `use it as: Authorization: Bearer ${key}`,
          '',
        ].join('\n'),
      );
    });
}
