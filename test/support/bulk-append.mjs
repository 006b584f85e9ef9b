// A bulk writer for the fault tests: appends statements to the events file given, each as one batch of
// three events (recorded, tagged, source added) in ONE appendToStream call, and projects into the read model
// file given after every batch, as the embedded service does. After each batch is acknowledged by the store
// it prints "ack <statement id>" on stdout. Stops after `count` statements (default: until killed).
// Uses the compiled build (dist/).
import { randomUUID } from 'node:crypto';
import { statementStream } from '../../dist/libs/domain/src/index.js';
import { SqliteEventStore } from '../../dist/libs/event-store/src/index.js';
import { ProjectionRunner } from '../../dist/libs/projections/src/index.js';
import { ReadModel } from '../../dist/libs/read-model/src/index.js';

const [eventsFile, readModelFile, label = 'bulk', countArg = 'Infinity'] = process.argv.slice(2);
const count = Number(countArg);
const store = SqliteEventStore.open(eventsFile);
const readModel = readModelFile === '-' ? undefined : ReadModel.open(readModelFile);
const runner = readModel && new ProjectionRunner(store, readModel);
if (runner) await runner.catchUp();

const metadata = (n) => ({
  recordedAt: new Date().toISOString(),
  recordedBy: label,
  correlationId: `${label}-${n}`,
  causationId: `${label}-${n}`,
  schemaVersion: 1,
});

process.stdout.write('ready\n');
for (let n = 0; n < count; n++) {
  const id = randomUUID();
  const statement = {
    id,
    occurredOn: '2021-03-04',
    speaker: { name: 'Bulk Writer', country: 'CN' },
    speakerCountry: 'CN',
    targets: ['TR'],
    mentions: [],
    topics: ['bulk'],
    kind: 'STATEMENT',
    text: `${label} statement ${n} ${'x'.repeat(200)}`,
    attribution: 'PARAPHRASE',
    sources: [{ url: `https://example.org/${label}/${n}` }],
  };
  try {
    await store.appendToStream(
      statementStream(id),
      [
        { id: randomUUID(), type: 'StatementRecorded', data: statement, metadata: metadata(n) },
        {
          id: randomUUID(),
          type: 'StatementTopicsTagged',
          data: { statementId: id, topics: ['fault-test'] },
          metadata: metadata(n),
        },
        {
          id: randomUUID(),
          type: 'StatementSourceAdded',
          data: { statementId: id, source: { url: `https://example.org/${label}/${n}/mirror` } },
          metadata: metadata(n),
        },
      ],
      { expectedRevision: 'no_stream' },
    );
  } catch (error) {
    process.stderr.write(
      `append failed after ${n} statements: ${error?.code ?? ''} ${error?.message ?? error}\n`,
    );
    process.exit(2);
  }
  process.stdout.write(`ack ${id}\n`);
  if (runner) await runner.catchUp();
}
await runner?.catchUp();
readModel?.close();
await store.close();
