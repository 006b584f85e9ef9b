// Jest on Node 20 cannot require() an ES module, but Node itself can (require(esm)), and a few CommonJS
// packages in the Fastify stack rely on that: @fastify/static requires `content-disposition`, and
// light-my-request requires `cookie`, both ESM-only. Before Jest starts, this file transpiles each of those
// self-contained packages to a CommonJS copy under node_modules/.cache and returns a moduleNameMapper
// entry that points Jest at it. The running service is untouched: Node loads the originals.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BRIDGED = ['content-disposition', 'cookie'];

export function cjsBridge() {
  const require = createRequire(join(root, 'node_modules', '@fastify', 'static', 'index.js'));
  const outDir = join(root, 'node_modules', '.cache', 'communique-jest-cjs');
  mkdirSync(outDir, { recursive: true });
  const mapper = {};
  for (const name of BRIDGED) {
    const source = readFileSync(require.resolve(name), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    });
    const target = join(outDir, `${name}.cjs`);
    writeFileSync(target, outputText);
    mapper[`^${name}$`] = target;
  }
  return mapper;
}
