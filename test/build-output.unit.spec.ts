import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** Test doubles, contract suites and fixtures: code only tests may load. */
const isTestOnly = (path: string): boolean =>
  path.split(/[\\/]/).some((part) => part === 'testing' || part === 'fixtures') ||
  /(^|[\\/])fake-[^\\/]*$/.test(path) ||
  /\.spec\.[cm]?[jt]s(\.map)?$/.test(path);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

describe('the build (dist/) ships no test code', () => {
  it('compiles no test double, contract suite, fixture or spec', () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const inputs = execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--listFilesOnly'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(
        (file) =>
          file !== '' && !file.includes(`${sep}node_modules${sep}`) && !file.includes('/node_modules/'),
      )
      .map((file) => relative(root, file));
    // the list is the project's own sources: a sanity check that the filter above kept them
    expect(inputs).toContain(
      join('libs', 'event-store', 'src', 'eventstoredb', 'eventstoredb-event-store.ts'),
    );
    expect(inputs.filter(isTestOnly)).toEqual([]);
  });

  it('holds no testing module after the build (`npm test` builds first)', () => {
    const dist = join(root, 'dist');
    if (!existsSync(dist)) throw new Error('no dist/: run `npm run build` first (npm test does)');
    const shipped = filesUnder(dist)
      .map((file) => relative(root, file))
      .filter(isTestOnly);
    // a file listed here is shipped; if it is only left over from an older build, remove dist/ and rebuild
    expect(shipped).toEqual([]);
  });

  it('the check recognises test code where it would be', () => {
    expect(isTestOnly('dist/libs/event-store/src/testing/fake-eventstoredb-client.js')).toBe(true);
    expect(isTestOnly('dist/libs/event-store/src/eventstoredb/fake-eventstoredb-client.js')).toBe(true);
    expect(isTestOnly('dist/libs/read-model/src/read-model.int.spec.js')).toBe(true);
    expect(isTestOnly('dist/libs/event-store/src/eventstoredb/eventstoredb-event-store.js')).toBe(false);
  });
});
