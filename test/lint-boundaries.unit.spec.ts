import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';

const root = resolve(import.meta.dirname, '..');
const fixture = (name: string) => readFileSync(join(root, 'test/fixtures/lint', name), 'utf8');

async function restrictedImports(code: string, filePath: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax')
    .map((m) => m.message);
}

describe('the dependency-direction lint rule', () => {
  it('fires when the domain imports the event store or Nest', async () => {
    const messages = await restrictedImports(
      fixture('domain-imports-event-store.ts'),
      'libs/domain/src/misplaced.ts',
    );
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain('libs/domain is pure');
  });

  it('fires when a library imports from an app', async () => {
    const messages = await restrictedImports(
      fixture('read-model-imports-api.ts'),
      'libs/read-model/src/misplaced.ts',
    );
    expect(messages).toEqual([expect.stringContaining('never import from apps')]);
  });

  it('fires when the command line imports the API, by any path', async () => {
    const messages = await restrictedImports(
      fixture('cli-imports-api.ts'),
      'apps/cli/src/commands/misplaced.ts',
    );
    // three static imports and one dynamic import(), each named
    expect(messages).toHaveLength(4);
    for (const message of messages) expect(message).toContain('apps/cli never imports apps/api');
  });

  it('fires when the API imports the command line', async () => {
    const messages = await restrictedImports(fixture('api-imports-cli.ts'), 'apps/api/src/misplaced.ts');
    expect(messages).toEqual([expect.stringContaining('apps/api never imports apps/cli')]);
  });

  it('lets the command line reach what it shares with the API through #runtime', async () => {
    const messages = await restrictedImports(
      fixture('cli-imports-runtime.ts'),
      'apps/cli/src/commands/fine.ts',
    );
    expect(messages).toEqual([]);
  });

  it('keeps libraries off #runtime, which belongs to the apps', async () => {
    const messages = await restrictedImports(
      fixture('cli-imports-runtime.ts'),
      'libs/projections/src/misplaced.ts',
    );
    expect(messages).toEqual([expect.stringContaining('libs/projections depends on')]);
  });

  it('lets an app import any library', async () => {
    const messages = await restrictedImports(
      fixture('domain-imports-event-store.ts'),
      'apps/api/src/fine.ts',
    );
    expect(messages).toEqual([]);
  });

  it('fires when the application core imports Nest or the read side', async () => {
    const messages = await restrictedImports(
      fixture('statements-imports-nest.ts'),
      'libs/statements/src/misplaced.ts',
    );
    expect(messages).toHaveLength(2);
    for (const message of messages) expect(message).toContain('libs/statements is the framework-free');
  });

  it('lets the application core import the domain and the event-store port', async () => {
    const messages = await restrictedImports(
      fixture('statements-imports-ports.ts'),
      'libs/statements/src/fine.ts',
    );
    expect(messages).toEqual([]);
  });

  it('keeps the domain and the event store from importing the application core', async () => {
    const code = "import { StatementCommands } from '#statements';\nexport const x = StatementCommands;\n";
    expect(await restrictedImports(code, 'libs/domain/src/misplaced.ts')).toHaveLength(1);
    expect(await restrictedImports(code, 'libs/event-store/src/misplaced.ts')).toHaveLength(1);
    expect(await restrictedImports(code, 'libs/importers/src/fine.ts')).toEqual([]);
  });
});
