import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventStore } from '#event-store';
import type { AppConfig } from '#runtime';
import { APP_CONFIG } from '../infrastructure/tokens.js';
import { LinkResponseCommand, RecordStatementCommand } from '../statements/commands/statement-commands.js';
import { StatementMutations } from '../statements/statement-mutations.js';
import { demoStatements } from './demo-statements.js';

/** Loads the demo data set into an empty store, through the same commands an editor would send. */
@Injectable()
export class DemoLoader {
  private readonly logger = new Logger('Demo');

  constructor(
    private readonly store: EventStore,
    private readonly mutations: StatementMutations,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async loadIfEmpty(): Promise<number> {
    if (!this.config.demo || (await this.store.headPosition()) > 0n) return 0;
    const context = { principal: 'demo', correlationId: 'demo-data-set' };
    for (const { id, input } of demoStatements) {
      await this.mutations.run(
        new RecordStatementCommand({ type: 'RecordStatement', id, input }, undefined, context),
      );
    }
    for (const { id, respondsTo } of demoStatements) {
      if (respondsTo)
        await this.mutations.run(
          new LinkResponseCommand({ type: 'LinkResponse', id, respondsTo }, undefined, context),
        );
    }
    this.logger.log(
      `loaded ${demoStatements.length} demo statements (set COMMUNIQUE_DEMO=false to start empty)`,
    );
    return demoStatements.length;
  }
}
