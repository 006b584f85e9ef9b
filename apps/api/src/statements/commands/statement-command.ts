import { Inject, type Type } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  StatementConflictError,
  decide,
  type ReferenceData,
  type StatementCommand,
  type StatementEvent,
} from '#domain';
import { WrongExpectedRevisionError, type Position } from '#event-store';
import { REFERENCE_DATA } from '../../infrastructure/tokens.js';
import { StatementRepository, type CommandContext } from '../statement.repository.js';

/** What every statement mutation returns: the id, the stream's version after it, and its last position. */
export interface StatementCommandResult {
  id: string;
  version: number;
  position: Position;
  /** the events this command appended (none for an idempotent repeat) */
  events: StatementEvent[];
}

/**
 * Base of the Nest commands: a domain command, the version the caller expects (optimistic concurrency), and
 * who is asking. Each mutation has its own subclass because the CommandBus routes by class.
 */
export abstract class StatementMutation<
  C extends StatementCommand = StatementCommand,
> extends Command<StatementCommandResult> {
  constructor(
    readonly command: C,
    readonly expectedVersion: number | undefined,
    readonly context: CommandContext,
  ) {
    super();
  }
  get id(): string {
    return this.command.id;
  }
  /** checks that need other streams (e.g. that a linked statement exists); the default has none */
  async verify(_repository: StatementRepository): Promise<void> {}
}

/** Attempts without an expected version before a conflict is reported (another writer kept winning). */
export const MAX_ATTEMPTS = 5;

/**
 * Read the stream, decide, append with the expected revision: the whole of every statement command handler.
 * With an `expectedVersion` a stale version is a CONFLICT at once; without one, a lost race is retried on
 * fresh state a bounded number of times.
 */
export async function executeStatementCommand(
  command: StatementMutation,
  repository: StatementRepository,
  reference: ReferenceData,
): Promise<StatementCommandResult> {
  await command.verify(repository);
  for (let attempt = 1; ; attempt++) {
    const { state, revision, lastPosition } = await repository.load(command.id);
    if (command.expectedVersion !== undefined && command.expectedVersion !== state.version) {
      throw staleVersion(command.id, command.expectedVersion, state.version);
    }
    const events = decide(command.command, state, reference);
    if (events.length === 0) {
      return { id: command.id, version: state.version, position: lastPosition, events };
    }
    try {
      const result = await repository.append(
        command.id,
        events,
        revision === -1 ? 'no_stream' : revision,
        command.context,
      );
      return { id: command.id, version: result.nextRevision + 1, position: result.position, events };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      if (command.expectedVersion !== undefined || attempt >= MAX_ATTEMPTS) {
        throw staleVersion(command.id, command.expectedVersion ?? state.version, error.actual + 1);
      }
    }
  }
}

function staleVersion(id: string, expected: number, actual: number): StatementConflictError {
  return new StatementConflictError(
    `statement ${id} is at version ${actual}, not the expected ${expected}`,
    expected,
    actual,
  );
}

/**
 * The Nest handler of one statement command. Every statement command is handled the same way, so the
 * handler classes are made here rather than written out eight times.
 */
export function statementCommandHandler(commandType: Type<StatementMutation>): Type<ICommandHandler> {
  @CommandHandler(commandType)
  class Handler implements ICommandHandler<StatementMutation> {
    constructor(
      readonly repository: StatementRepository,
      @Inject(REFERENCE_DATA) readonly reference: ReferenceData,
    ) {}
    execute(command: StatementMutation): Promise<StatementCommandResult> {
      return executeStatementCommand(command, this.repository, this.reference);
    }
  }
  Object.defineProperty(Handler, 'name', { value: `${commandType.name.replace(/Command$/, '')}Handler` });
  return Handler;
}
