import { Args, Context, Info, Resolver, Subscription } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { InvalidArgumentError, topicArgument, type StatementView } from '#read-model';
import { badUserInput } from '../graphql/errors.js';
import { CountryCodeScalar, PositionScalar } from '../graphql/scalars.js';
import { LiveSubscriptions, type LiveContext } from '../live/live-subscriptions.js';
import { GraphQLGate } from '../security/graphql-gate.js';
import { StatementType } from '../graphql/statement.types.js';
import { StatementQueries } from '../statements/statement-queries.js';
import {
  changeMatches,
  STATEMENT_CHANGED,
  StatementChanges,
  type StatementChange,
} from './statement-changes.js';

interface ChangeArgs {
  country?: string | null;
  topic?: string | null;
}

/**
 * `Subscription.statementChanged(country, topic, after)` over WebSocket (Mercurius's graphql-ws /
 * graphql-transport-ws). The subscribe step checks the arguments and hands the subscriber to
 * `LiveSubscriptions`, which executes each change once per group of equal subscriptions and writes to the
 * sockets itself (DESIGN §11.20); the iterator returned here never yields.
 */
@Resolver()
export class StatementChangesResolver {
  constructor(
    private readonly changes: StatementChanges,
    private readonly statements: StatementQueries,
    private readonly live: LiveSubscriptions,
    private readonly gate: GraphQLGate,
  ) {}

  @Subscription(() => StatementType, {
    description:
      'A statement was recorded or changed (corrected, sourced, tagged, linked, retracted, restored). With ' +
      '`country` only changes concerning that country in any role, before or after the change; with `topic` ' +
      "only changes tagged with it; with both, both. With `after` (a position from an earlier message's " +
      '`extensions.position`) the changes after it are replayed first, then live ones follow, none twice. ' +
      'Every message carries its position in `extensions.position`.',
    resolve: (payload: StatementChange): StatementView => payload.statementChanged,
  })
  async statementChanged(
    @Args('country', { type: () => CountryCodeScalar, nullable: true }) country: string | undefined,
    @Args('topic', { type: () => String, nullable: true }) topic: string | undefined,
    @Args('after', {
      type: () => PositionScalar,
      nullable: true,
      description: 'resume: replay the changes after this position, then follow live ones',
    })
    after: bigint | undefined,
    @Context() context: LiveContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<AsyncIterableIterator<unknown>> {
    let args: { country?: string; topic?: string };
    try {
      args = this.resolve({ country, topic });
      if (after !== undefined && after !== null) {
        await this.changes.checkResume(after, this.gate.config.ws.maxReplayEvents);
      }
    } catch (error) {
      // Mercurius iterates whatever this returns (a thrown error would reach it as a non-iterable value): a
      // stream that fails at once ends the subscription with the error, which names the argument
      return failing(error instanceof InvalidArgumentError ? badUserInput(error.field, error.reason) : error);
    }
    this.changes.ensureListening();
    return this.live.subscribe<StatementChange>({
      channel: STATEMENT_CHANGED,
      context,
      info,
      matches: (change) => changeMatches(change, args.country, args.topic),
      start: this.changes.checkpoint,
      after: after ?? undefined,
      replay: (from, upTo) => this.changes.replay(from, upTo),
    });
  }

  private resolve(variables: ChangeArgs): { country?: string; topic?: string } {
    return {
      country: variables.country ? this.statements.country(variables.country, 'country') : undefined,
      topic: variables.topic ? topicArgument(variables.topic, 'topic') : undefined,
    };
  }
}

// eslint-disable-next-line require-yield
async function* failing(error: unknown): AsyncGenerator<never> {
  throw error;
}
