import type { Type } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { StatementCommand } from '#domain';
import { StatementCommands, type CommandContext, type StatementCommandResult } from '#statements';

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
}

/**
 * The Nest handler of one statement command: it hands the command to the application core
 * (`StatementCommands.execute` in libs/statements), which reads, decides and appends. Every statement command
 * is handled the same way, so the handler classes are made here rather than written out eight times.
 */
export function statementCommandHandler(commandType: Type<StatementMutation>): Type<ICommandHandler> {
  @CommandHandler(commandType)
  class Handler implements ICommandHandler<StatementMutation> {
    constructor(readonly core: StatementCommands) {}
    execute({ command, expectedVersion, context }: StatementMutation): Promise<StatementCommandResult> {
      return this.core.execute({ command, expectedVersion, context });
    }
  }
  Object.defineProperty(Handler, 'name', { value: `${commandType.name.replace(/Command$/, '')}Handler` });
  return Handler;
}
