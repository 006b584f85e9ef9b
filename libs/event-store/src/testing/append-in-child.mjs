// Appends events to an SQLite event store file from a separate OS process, using the real SqliteEventStore.
//
//   echo '{"file":"…","stream":"…","events":[…],"expectedRevision":"any","oneByOne":false}' | node append-in-child.mjs
//
// Tests run from TypeScript sources without a build, and plain Node 20 cannot load .ts, so this script
// transpiles the event-store sources (not specs, not testing/) with the TypeScript compiler into a private
// folder under node_modules/.cache (so that `better-sqlite3` resolves) and imports them from there. The
// sources import other libraries for types only, which transpiling erases, except the canonical JSON of
// #domain, transpiled beside them. Prints the last AppendResult as
// JSON on stdout; exits non-zero with the error on stderr.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const sourceDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(sourceDir, '..', '..', '..');
const outDir = join(root, 'node_modules', '.cache', 'communique-event-store-child', String(process.pid));

let input = '';
for await (const chunk of process.stdin.setEncoding('utf8')) input += chunk;
const { file, stream, events, expectedRevision = 'any', oneByOne = false } = JSON.parse(input);

mkdirSync(outDir, { recursive: true });
try {
  // the one value the event store takes from #domain is its canonical JSON (hash-chain.ts)
  writeFileSync(
    join(outDir, 'package.json'),
    JSON.stringify({ type: 'module', imports: { '#domain': './domain-canonical-json.js' } }) + '\n',
  );
  const canonical = join(root, 'libs', 'domain', 'src', 'canonical-json.ts');
  writeFileSync(
    join(outDir, 'domain-canonical-json.js'),
    ts.transpileModule(readFileSync(canonical, 'utf8'), {
      fileName: 'canonical-json.ts',
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText,
  );
  for (const name of readdirSync(sourceDir)) {
    if (!name.endsWith('.ts') || name.endsWith('.spec.ts')) continue;
    const { outputText } = ts.transpileModule(readFileSync(join(sourceDir, name), 'utf8'), {
      fileName: name,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(outDir, name.replace(/\.ts$/, '.js')), outputText);
  }
  // the SQLite adapter alone: index.js also re-exports adapters in subfolders, which are not transpiled here
  const { SqliteEventStore } = await import(pathToFileURL(join(outDir, 'sqlite-event-store.js')).href);
  const store = SqliteEventStore.open(file);
  try {
    let result;
    const batches = oneByOne ? events.map((event) => [event]) : [events];
    for (const batch of batches) result = await store.appendToStream(stream, batch, { expectedRevision });
    process.stdout.write(
      JSON.stringify({ nextRevision: result?.nextRevision, position: String(result?.position) }) + '\n',
    );
  } finally {
    await store.close();
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
