import {
  StatementNotFoundError,
  type ReferenceData,
  type StatementCommand,
  type StatementEvent,
} from '#domain';
import {
  WrongExpectedRevisionError,
  type EventStore,
  type ExpectedRevision,
  type Position,
} from '#event-store';
import { decideBatch, staleVersion } from './decide-batch.js';
import { loadStatement, type LoadedStatement } from './statement-stream.js';
import {
  appendWithRetries,
  prepareWrites,
  type Clock,
  type CommandContext,
  type IdGenerator,
} from './writes.js';

/** Attempts without an expected version before a conflict is reported (another writer kept winning). */
export const MAX_ATTEMPTS = 5;

/** A statement command as a caller sends it: the domain command, the version it expects, who asks. */
export interface StatementCommandRequest<C extends StatementCommand = StatementCommand> {
  command: C;
  /** the statement's version the caller expects (optimistic concurrency); undefined means any */
  expectedVersion?: number | undefined;
  context: CommandContext;
}

/** What every statement command returns: the id, the stream's version after it, and its last position. */
export interface StatementCommandResult {
  id: string;
  version: number;
  position: Position;
  /** the events this command appended (none for an idempotent repeat) */
  events: StatementEvent[];
  /** the command's id: the `causationId` of its events */
  commandId: string;
}

export interface StatementCoreDependencies {
  store: EventStore;
  reference: ReferenceData;
  clock: Clock;
  ids: IdGenerator;
}

/**
 * The application core of the statement commands, with no framework in it: the checks that need other
 * streams, then read the stream, decide, append with the expected revision (`decideBatch`, `prepareWrites`,
 * `appendWithRetries`, which the importer uses too). With an `expectedVersion` a stale version is a
 * `StatementConflictError` at once; without one, a lost race is decided again on fresh state up to
 * `MAX_ATTEMPTS` times.
 */
export class StatementCommands {
  constructor(private readonly deps: StatementCoreDependencies) {}

  load(id: string): Promise<LoadedStatement> {
    return loadStatement(this.deps.store, id);
  }

  async execute(request: StatementCommandRequest): Promise<StatementCommandResult> {
    const { store, reference, clock, ids } = this.deps;
    const { command, expectedVersion, context } = request;
    const { id } = command;
    const commandId = ids.newId();
    await this.checkOtherStreams(command);
    try {
      const { value: outcome, results } = await appendWithRetries(store, MAX_ATTEMPTS, async () => {
        const [outcome] = await decideBatch(store, reference, [{ command, expectedVersion, commandId }]);
        if (outcome.kind === 'refused') throw outcome.error;
        const writes =
          outcome.kind === 'decided' ? prepareWrites([outcome.decision], context, clock, ids) : [];
        return { writes, value: outcome };
      });
      if (outcome.kind === 'unchanged') {
        const { state, lastPosition } = outcome.loaded;
        return { id, version: state.version, position: lastPosition, events: [], commandId };
      }
      const [result] = results;
      const { events } = outcome.decision;
      return { id, version: result.nextRevision + 1, position: result.position, events, commandId };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      // every attempt lost its race
      throw staleVersion(id, expectedVersion ?? versionAt(error.expected), error.actual + 1);
    }
  }

  /** The rules the decider cannot see, because they need another statement's stream. */
  private async checkOtherStreams(command: StatementCommand): Promise<void> {
    if (command.type === 'LinkResponse') {
      const { id, respondsTo } = command;
      if (respondsTo === id) return; // the decider names this rule
      const target = await this.load(respondsTo);
      if (!target.state.exists) throw new StatementNotFoundError(respondsTo);
    }
  }
}

/** The statement version an expected revision stands for (a version counts events; a revision is 0-based). */
function versionAt(expected: ExpectedRevision): number {
  return typeof expected === 'number' ? expected + 1 : 0;
}
