import { Args, Context, Resolver, Subscription } from '@nestjs/graphql';
import type { PubSub } from 'mercurius';
import { InvalidArgumentError, topicArgument, type StatementView } from '#read-model';
import { badUserInput } from '../graphql/errors.js';
import { CountryCodeScalar } from '../graphql/scalars.js';
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

/** The filter runs for every message and subscriber: it compares the resolved arguments the subscribe step stored. */
const resolvedArgs = new WeakMap<object, { country?: string; topic?: string }>();

/** `Subscription.statementChanged(country, topic)` over WebSocket (Mercurius's graphql-ws / graphql-transport-ws). */
@Resolver()
export class StatementChangesResolver {
  constructor(
    private readonly changes: StatementChanges,
    private readonly statements: StatementQueries,
  ) {}

  @Subscription(() => StatementType, {
    description:
      'A statement was recorded or changed (corrected, sourced, tagged, linked, retracted, restored). With ' +
      '`country` only changes concerning that country in any role, before or after the change; with `topic` ' +
      'only changes tagged with it; with both, both.',
    filter(this: StatementChangesResolver, payload: StatementChange, variables: ChangeArgs) {
      const args = resolvedArgs.get(variables) ?? this.resolve(variables);
      return changeMatches(payload, args.country, args.topic);
    },
    resolve: (payload: StatementChange): StatementView => payload.statementChanged,
  })
  async statementChanged(
    @Args('country', { type: () => CountryCodeScalar, nullable: true }) country: string | undefined,
    @Args('topic', { type: () => String, nullable: true }) topic: string | undefined,
    @Context('pubsub') pubsub: PubSub,
  ) {
    try {
      this.resolve({ country, topic });
    } catch (error) {
      // Mercurius iterates whatever this returns (a thrown error would reach it as a non-iterable value): a
      // stream that fails at once ends the subscription with the error, which names the argument
      return failing(error instanceof InvalidArgumentError ? badUserInput(error.field, error.reason) : error);
    }
    this.changes.ensureListening();
    return pubsub.subscribe(STATEMENT_CHANGED);
  }

  private resolve(variables: ChangeArgs): { country?: string; topic?: string } {
    const resolved = {
      country: variables.country ? this.statements.country(variables.country, 'country') : undefined,
      topic: variables.topic ? topicArgument(variables.topic, 'topic') : undefined,
    };
    resolvedArgs.set(variables, resolved);
    return resolved;
  }
}

// eslint-disable-next-line require-yield
async function* failing(error: unknown): AsyncGenerator<never> {
  throw error;
}
