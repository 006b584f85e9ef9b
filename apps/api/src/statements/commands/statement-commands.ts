import {
  StatementNotFoundError,
  type AddStatementSource,
  type CorrectStatement,
  type LinkResponse,
  type RecordStatement,
  type RestoreStatement,
  type RetractStatement,
  type TagStatement,
  type UntagStatement,
} from '#domain';
import type { StatementRepository } from '../statement.repository.js';
import { StatementMutation, statementCommandHandler } from './statement-command.js';

/** The Nest commands of the statement mutations (DESIGN §8): one class per domain command. */
export class RecordStatementCommand extends StatementMutation<RecordStatement> {}
export class CorrectStatementCommand extends StatementMutation<CorrectStatement> {}
export class AddStatementSourceCommand extends StatementMutation<AddStatementSource> {}
export class TagStatementCommand extends StatementMutation<TagStatement> {}
export class UntagStatementCommand extends StatementMutation<UntagStatement> {}
export class RetractStatementCommand extends StatementMutation<RetractStatement> {}
export class RestoreStatementCommand extends StatementMutation<RestoreStatement> {}

export class LinkResponseCommand extends StatementMutation<LinkResponse> {
  /** the statement responded to must exist (the decider sees only this statement's stream) */
  override async verify(repository: StatementRepository): Promise<void> {
    const { id, respondsTo } = this.command;
    if (respondsTo === id) return; // the decider names this rule
    const target = await repository.load(respondsTo);
    if (!target.state.exists) throw new StatementNotFoundError(respondsTo);
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
