// Runs the write path of one recordStatement (the application core: read stream, decide, append) against the events file
// given, then kills its own process with SIGKILL before any projection can run: the moment between
// appending and projecting. Uses the compiled build (dist/).
import { SqliteEventStore } from '../../dist/libs/event-store/src/index.js';
import { referenceData } from '../../dist/libs/reference/src/index.js';
import { StatementCommands } from '../../dist/libs/statements/src/index.js';
import { RandomIdGenerator, SystemClock } from '../../dist/apps/api/src/infrastructure/clock.js';

const [eventsFile, id] = process.argv.slice(2);
const store = SqliteEventStore.open(eventsFile);
const core = new StatementCommands({
  store,
  reference: referenceData,
  clock: new SystemClock(),
  ids: new RandomIdGenerator(),
});
const input = {
  occurredOn: '2019-05-16',
  speaker: { name: 'Wang Yi', country: 'CN' },
  targets: ['TR'],
  topics: ['crash-test'],
  kind: 'STATEMENT',
  text: 'Appended by a process that died before projecting.',
  attribution: 'PARAPHRASE',
  sources: [{ url: 'https://example.org/crash' }],
};
const result = await core.execute({
  command: { type: 'RecordStatement', id, input },
  context: { principal: 'crash-test', correlationId: 'crash-test' },
});
process.stdout.write(`appended at ${result.position}\n`);
process.kill(process.pid, 'SIGKILL');
