// Runs the API's write path for one recordStatement (read stream, decide, append) against the events file
// given, then kills its own process with SIGKILL before any projection can run: the moment between
// appending and projecting. Uses the compiled build (dist/).
import { SqliteEventStore } from '../../dist/libs/event-store/src/index.js';
import { referenceData } from '../../dist/libs/reference/src/index.js';
import { RandomIdGenerator, SystemClock } from '../../dist/apps/api/src/infrastructure/clock.js';
import { StatementRepository } from '../../dist/apps/api/src/statements/statement.repository.js';
import { executeStatementCommand } from '../../dist/apps/api/src/statements/commands/statement-command.js';
import { RecordStatementCommand } from '../../dist/apps/api/src/statements/commands/statement-commands.js';

const [eventsFile, id] = process.argv.slice(2);
const store = SqliteEventStore.open(eventsFile);
const repository = new StatementRepository(store, new SystemClock(), new RandomIdGenerator());
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
const result = await executeStatementCommand(
  new RecordStatementCommand({ type: 'RecordStatement', id, input }, undefined, {
    principal: 'crash-test',
    correlationId: 'crash-test',
  }),
  repository,
  referenceData,
);
process.stdout.write(`appended at ${result.position}\n`);
process.kill(process.pid, 'SIGKILL');
