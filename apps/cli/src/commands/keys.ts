import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { createLogKey } from '#event-store';
import { KEY_NAME_RULE, ROLES, createApiKey, isKeyName, loadConfig, type Role } from '#runtime';

function keyName(value: string): string {
  if (!isKeyName(value)) throw new InvalidArgumentError(KEY_NAME_RULE);
  return value;
}

/**
 * `communique keys create --name N --role R`: prints a new random key once, and the hashed entry for
 * `COMMUNIQUE_API_KEYS`, so the key itself need not be stored where the service runs.
 * `communique keys create --signing [--out FILE]`: writes a new Ed25519 log key (docs/AUDIT.md) to the
 * configured key file (or FILE), never over an existing one, readable by its owner only, and prints its public
 * half.
 */
export function registerKeys(program: Command): void {
  const keys = program
    .command('keys')
    .description(
      'API keys for the GraphQL API (see docs/SECURITY.md) and the log signing key (docs/AUDIT.md)',
    );
  keys
    .command('create')
    .description(
      'print a new API key (shown once) and its entry for COMMUNIQUE_API_KEYS; with --signing, write a new ' +
        'log signing key instead and print its public key',
    )
    .option('--name <name>', 'who holds the key; recorded as recordedBy on every event it writes', keyName)
    .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES))
    .option('--signing', 'make the Ed25519 key that signs tree heads (COMMUNIQUE_LOG_KEY_FILE)')
    .option(
      '--out <file>',
      'with --signing: where to write the private key (default COMMUNIQUE_LOG_KEY_FILE)',
    )
    .action((options: { name?: string; role?: Role; signing?: boolean; out?: string }, command: Command) => {
      if (options.signing) {
        if (options.name !== undefined || options.role !== undefined) {
          command.error('error: --signing makes the log key; it takes no --name or --role');
        }
        createSigningKey(
          options.out === undefined ? loadConfig().verifiableLog.keyFile : resolve(options.out),
        );
        return;
      }
      if (options.out !== undefined) command.error("error: option '--out <file>' goes with --signing only");
      if (options.name === undefined) command.error("error: required option '--name <name>' not specified");
      if (options.role === undefined) command.error("error: required option '--role <role>' not specified");
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

function createSigningKey(file: string): void {
  const { privateKeyPem, publicKey } = createLogKey();
  mkdirSync(dirname(file), { recursive: true });
  try {
    // 'wx': never replace a key that signed tree heads already
    writeFileSync(file, privateKeyPem, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new Error(
        `${file} exists: a log key is never replaced (tree heads signed with it would be orphaned)`,
        { cause: error },
      );
    }
    throw error;
  }
  process.stdout.write(
    [
      `log signing key written to ${file} (keep it secret; the service reads it from COMMUNIQUE_LOG_KEY_FILE)`,
      `key id: ${publicKey.keyId}`,
      'public key (served at /.well-known/communique-log-key; give it to whoever checks tree heads):',
      publicKey.publicKeyPem.trimEnd(),
      '',
    ].join('\n'),
  );
}
