import {
  type AddStatementSource,
  type CorrectStatement,
  type LinkResponse,
  type RecordStatement,
  type RestoreStatement,
  type RetractStatement,
  type TagStatement,
  type UntagStatement,
} from '#domain';
import { StatementMutation, statementCommandHandler } from './statement-command.js';

/** The Nest commands of the statement mutations (DESIGN §8): one class per domain command. */
export class RecordStatementCommand extends StatementMutation<RecordStatement> {}
export class CorrectStatementCommand extends StatementMutation<CorrectStatement> {}
export class AddStatementSourceCommand extends StatementMutation<AddStatementSource> {}
export class TagStatementCommand extends StatementMutation<TagStatement> {}
export class UntagStatementCommand extends StatementMutation<UntagStatement> {}
export class RetractStatementCommand extends StatementMutation<RetractStatement> {}
export class RestoreStatementCommand extends StatementMutation<RestoreStatement> {}

/** The statement responded to must exist: the core checks it (it needs that statement's stream). */
export class LinkResponseCommand extends StatementMutation<LinkResponse> {}

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
