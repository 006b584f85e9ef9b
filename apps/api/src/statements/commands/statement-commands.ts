import {
  StatementNotFoundError,
  type SourceInput,
  type StatementCommand,
  type StatementInput,
} from '#domain';
import type { CommandContext, StatementRepository } from '../statement.repository.js';
import { StatementMutation, statementCommandHandler } from './statement-command.js';

/** The Nest commands of the statement mutations (DESIGN §8), each a thin wrapper of a domain command. */

export class RecordStatementCommand extends StatementMutation {
  constructor(
    id: string,
    readonly input: StatementInput,
    context: CommandContext,
  ) {
    super(id, undefined, context);
  }
  toDomain(): StatementCommand {
    return { type: 'RecordStatement', id: this.id, input: this.input };
  }
}

export class CorrectStatementCommand extends StatementMutation {
  constructor(
    id: string,
    expectedVersion: number | undefined,
    readonly changes: Partial<StatementInput>,
    readonly reason: string,
    context: CommandContext,
  ) {
    super(id, expectedVersion, context);
  }
  toDomain(): StatementCommand {
    return { type: 'CorrectStatement', id: this.id, changes: this.changes, reason: this.reason };
  }
}

export class AddStatementSourceCommand extends StatementMutation {
  constructor(
    id: string,
    expectedVersion: number | undefined,
    readonly source: SourceInput,
    context: CommandContext,
  ) {
    super(id, expectedVersion, context);
  }
  toDomain(): StatementCommand {
    return { type: 'AddStatementSource', id: this.id, source: this.source };
  }
}

export class TagStatementCommand extends StatementMutation {
  constructor(
    id: string,
    readonly topics: string[],
    context: CommandContext,
  ) {
    super(id, undefined, context);
  }
  toDomain(): StatementCommand {
    return { type: 'TagStatement', id: this.id, topics: this.topics };
  }
}

export class UntagStatementCommand extends StatementMutation {
  constructor(
    id: string,
    readonly topics: string[],
    context: CommandContext,
  ) {
    super(id, undefined, context);
  }
  toDomain(): StatementCommand {
    return { type: 'UntagStatement', id: this.id, topics: this.topics };
  }
}

export class LinkResponseCommand extends StatementMutation {
  constructor(
    id: string,
    readonly respondsTo: string,
    context: CommandContext,
  ) {
    super(id, undefined, context);
  }
  toDomain(): StatementCommand {
    return { type: 'LinkResponse', id: this.id, respondsTo: this.respondsTo };
  }
  /** the statement responded to must exist (the decider sees only this statement's stream) */
  override async verify(repository: StatementRepository): Promise<void> {
    if (this.respondsTo === this.id) return; // the decider names this rule
    const target = await repository.load(this.respondsTo);
    if (!target.state.exists) throw new StatementNotFoundError(this.respondsTo);
  }
}

export class RetractStatementCommand extends StatementMutation {
  constructor(
    id: string,
    expectedVersion: number | undefined,
    readonly reason: string,
    context: CommandContext,
  ) {
    super(id, expectedVersion, context);
  }
  toDomain(): StatementCommand {
    return { type: 'RetractStatement', id: this.id, reason: this.reason };
  }
}

export class RestoreStatementCommand extends StatementMutation {
  constructor(
    id: string,
    readonly reason: string,
    context: CommandContext,
  ) {
    super(id, undefined, context);
  }
  toDomain(): StatementCommand {
    return { type: 'RestoreStatement', id: this.id, reason: this.reason };
  }
}

export const statementCommandHandlers = [
  RecordStatementCommand,
  CorrectStatementCommand,
  AddStatementSourceCommand,
  TagStatementCommand,
  UntagStatementCommand,
  LinkResponseCommand,
  RetractStatementCommand,
  RestoreStatementCommand,
].map((command) => statementCommandHandler(command));
