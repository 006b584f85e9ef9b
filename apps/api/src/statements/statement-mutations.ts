import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ProjectionRunner } from '#projections';
import { ReadModel } from '#read-model';
import type { StatementMutation } from './commands/statement-command.js';
import type { StatementNode } from '../graphql/statement-node.js';
import type { Position } from '#event-store';

export interface StatementResult {
  statement: StatementNode;
  version: number;
  position: Position;
}

/**
 * Runs a statement command and answers with the statement as projected. In embedded mode the projection
 * runs in this process, so the mutation returns only after its events are in the read model: a client
 * always reads its own write.
 */
@Injectable()
export class StatementMutations {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly projections: ProjectionRunner,
    private readonly readModel: ReadModel,
  ) {}

  async run(command: StatementMutation): Promise<StatementResult> {
    const result = await this.commandBus.execute(command);
    await this.projections.catchUp();
    const statement = this.readModel.statement(result.id);
    if (!statement)
      throw new Error(`statement ${result.id} is missing from the read model after its command`);
    return { statement, version: result.version, position: result.position };
  }
}
