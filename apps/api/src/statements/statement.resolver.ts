import { Args, Context, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { StatementInput } from '#domain';
import type { Position } from '#event-store';
import { IdGenerator } from '../infrastructure/clock.js';
import { SortOrderEnum, type SortOrder } from '../graphql/enums.js';
import {
  CorrectStatementInput,
  RecordStatementInput,
  SourceInput,
  TimelineFilter,
} from '../graphql/statement.inputs.js';
import type { GraphQLContext } from '../graphql/statement-loaders.js';
import type { StatementNode } from '../graphql/statement-node.js';
import { CountryCodeScalar, DateTimeScalar, PositionScalar } from '../graphql/scalars.js';
import { LIST_CAPS } from '../security/graphql-limits.js';
import {
  ProjectionStatus,
  Source,
  StatementConnectionType,
  StatementEventType,
  StatementResultType,
  StatementType,
  TopicCount,
} from '../graphql/statement.types.js';
import {
  AddStatementSourceCommand,
  CorrectStatementCommand,
  LinkResponseCommand,
  RecordStatementCommand,
  RestoreStatementCommand,
  RetractStatementCommand,
  TagStatementCommand,
  UntagStatementCommand,
} from './commands/statement-commands.js';
import type { CommandContext } from '#statements';
import { StatementMutations, type StatementResult } from './statement-mutations.js';
import { StatementQueries } from './statement-queries.js';

const timelineArgs = {
  filter: { type: () => TimelineFilter, nullable: true },
  first: {
    type: () => Int,
    nullable: true,
    description:
      'Relay: the first items after `after` (50 when neither `first` nor `last` is given; at most 100)',
  },
  after: { type: () => String, nullable: true },
  last: {
    type: () => Int,
    nullable: true,
    description: 'Relay: the last items before `before` (not together with `first`; at most 100)',
  },
  before: { type: () => String, nullable: true, description: 'Relay: only items before this cursor' },
  order: { type: () => SortOrderEnum, defaultValue: 'ASC' },
  minPosition: { type: () => PositionScalar, nullable: true },
  asOf: {
    type: () => DateTimeScalar,
    nullable: true,
    description:
      'answer as things stood at this recorded time (the last log position recorded at or before it); ' +
      'before the first event nothing exists yet, a moment still to come reads as now',
  },
  asOfPosition: {
    type: () => PositionScalar,
    nullable: true,
    description: 'answer as things stood right after this log position (not together with asOf)',
  },
} as const;

/** Maps GraphQL to commands and queries; nothing else happens here. */
@Resolver(() => StatementType)
export class StatementResolver {
  constructor(
    private readonly queries: StatementQueries,
    private readonly mutations: StatementMutations,
    private readonly ids: IdGenerator,
  ) {}

  // ---- queries

  @Query(() => StatementType, { nullable: true, description: 'One statement, retracted ones included.' })
  async statement(
    @Args('id', { type: () => ID }) id: string,
    @Args('asOf', timelineArgs.asOf) asOf: string | undefined,
    @Args('asOfPosition', timelineArgs.asOfPosition) asOfPosition: Position | undefined,
  ): Promise<StatementNode | undefined> {
    return this.queries.statement(
      id,
      await this.queries.asOfPosition(asOf ?? undefined, asOfPosition ?? undefined),
    );
  }

  @Query(() => StatementConnectionType, {
    description: 'Statements concerning a country (as speaker, target or mention), by date said.',
  })
  async countryTimeline(
    @Args('country', { type: () => CountryCodeScalar }) country: string,
    @Args('filter', timelineArgs.filter) filter: TimelineFilter, // the class, not a union, so the pipe validates it (null when absent)
    @Args('first', timelineArgs.first) first: number | undefined,
    @Args('after', timelineArgs.after) after: string | undefined,
    @Args('last', timelineArgs.last) last: number | undefined,
    @Args('before', timelineArgs.before) before: string | undefined,
    @Args('order', timelineArgs.order) order: SortOrder,
    @Args('minPosition', timelineArgs.minPosition) minPosition: Position | undefined,
    @Args('asOf', timelineArgs.asOf) asOf: string | undefined,
    @Args('asOfPosition', timelineArgs.asOfPosition) asOfPosition: Position | undefined,
  ) {
    return this.queries.countryTimeline(country, {
      filter: filter ?? undefined,
      first: first ?? undefined,
      after: after ?? undefined,
      last: last ?? undefined,
      before: before ?? undefined,
      order,
      minPosition: minPosition ?? undefined,
      asOf: await this.queries.asOfPosition(asOf ?? undefined, asOfPosition ?? undefined),
    });
  }

  @Query(() => StatementConnectionType, { description: 'Statements tagged with a topic, by date said.' })
  async topicTimeline(
    @Args('topic') topic: string,
    @Args('filter', timelineArgs.filter) filter: TimelineFilter, // the class, not a union, so the pipe validates it (null when absent)
    @Args('first', timelineArgs.first) first: number | undefined,
    @Args('after', timelineArgs.after) after: string | undefined,
    @Args('last', timelineArgs.last) last: number | undefined,
    @Args('before', timelineArgs.before) before: string | undefined,
    @Args('order', timelineArgs.order) order: SortOrder,
    @Args('minPosition', timelineArgs.minPosition) minPosition: Position | undefined,
    @Args('asOf', timelineArgs.asOf) asOf: string | undefined,
    @Args('asOfPosition', timelineArgs.asOfPosition) asOfPosition: Position | undefined,
  ) {
    return this.queries.topicTimeline(topic, {
      filter: filter ?? undefined,
      first: first ?? undefined,
      after: after ?? undefined,
      last: last ?? undefined,
      before: before ?? undefined,
      order,
      minPosition: minPosition ?? undefined,
      asOf: await this.queries.asOfPosition(asOf ?? undefined, asOfPosition ?? undefined),
    });
  }

  @Query(() => [TopicCount], { description: 'Topics with the number of active statements tagged with each.' })
  topics(
    @Args('prefix', { type: () => String, nullable: true }) prefix: string | undefined,
    @Args('first', { type: () => Int, defaultValue: 100 }) first: number,
  ) {
    return this.queries.topics(prefix ?? undefined, first);
  }

  @Query(() => [ProjectionStatus], {
    description: 'Each projection: checkpoint, log head and lag in events.',
  })
  projections() {
    return this.queries.projectionStatus();
  }

  // ---- fields

  @ResolveField(() => [StatementType], {
    description: `Statements this one responds to (a statement responds to at most ${LIST_CAPS['Statement.respondsTo'].max}).`,
  })
  async respondsTo(
    @Parent() node: StatementNode,
    @Context() context: GraphQLContext,
    @Args('first', { type: () => Int, defaultValue: LIST_CAPS['Statement.respondsTo'].default })
    first: number,
  ): Promise<StatementNode[]> {
    const size = this.queries.listSize(first, 'first', LIST_CAPS['Statement.respondsTo'].max);
    const found = await context.loaders.statement(node.asOf).loadMany(node.respondsTo.slice(0, size));
    return found.filter((s): s is StatementNode => s !== undefined && !(s instanceof Error));
  }

  @ResolveField(() => [StatementType], {
    description:
      'Active statements that respond to this one, by date said: at most `first` ' +
      `(default ${LIST_CAPS['Statement.responses'].default}, at most ${LIST_CAPS['Statement.responses'].max}); ` +
      'for the next ones pass the id of the last one you have as `after`.',
  })
  responses(
    @Parent() node: StatementNode,
    @Context() context: GraphQLContext,
    @Args('first', { type: () => Int, defaultValue: LIST_CAPS['Statement.responses'].default }) first: number,
    @Args('after', { type: () => ID, nullable: true }) after: string | undefined,
  ): Promise<StatementNode[]> {
    const size = this.queries.listSize(first, 'first', LIST_CAPS['Statement.responses'].max);
    return context.loaders.responsesTo(node.asOf, { first: size, after: after ?? undefined }).load(node.id);
  }

  @ResolveField(() => [StatementEventType], {
    description:
      'Events of this statement, oldest first: at most `first` ' +
      `(default and most ${LIST_CAPS['Statement.history'].max}); for the next ones pass the \`revision\` of ` +
      'the last one you have as `after`.',
  })
  history(
    @Parent() node: StatementNode,
    @Args('first', { type: () => Int, defaultValue: LIST_CAPS['Statement.history'].default }) first: number,
    @Args('after', { type: () => Int, nullable: true }) after: number | undefined,
  ): Promise<StatementEventType[]> {
    return this.queries.history(node.id, first, after ?? undefined);
  }

  @ResolveField(() => [Source], {
    description: `Where the statement is reported (at most ${LIST_CAPS['Statement.sources'].max}).`,
  })
  sources(
    @Parent() node: StatementNode,
    @Args('first', { type: () => Int, defaultValue: LIST_CAPS['Statement.sources'].default }) first: number,
  ): Source[] {
    return node.sources.slice(0, this.queries.listSize(first, 'first', LIST_CAPS['Statement.sources'].max));
  }

  // ---- mutations

  @Mutation(() => StatementResultType)
  recordStatement(
    @Args('input') input: RecordStatementInput,
    @Context() context: GraphQLContext,
  ): Promise<StatementResult> {
    // `id` is optional: absent and an explicit null both mean "give it a new one"
    const { id, ...fields } = input;
    return this.mutations.run(
      new RecordStatementCommand(
        { type: 'RecordStatement', id: id ?? this.ids.newId(), input: fields as StatementInput },
        undefined,
        commandContext(context),
      ),
    );
  }

  @Mutation(() => StatementResultType)
  correctStatement(
    @Args('id', { type: () => ID }) id: string,
    @Args('expectedVersion', { type: () => Int, nullable: true }) expectedVersion: number | undefined,
    @Args('input') input: CorrectStatementInput,
    @Context() context: GraphQLContext,
  ): Promise<StatementResult> {
    const { reason, ...changes } = input;
    return this.mutations.run(
      new CorrectStatementCommand(
        { type: 'CorrectStatement', id, changes: changes as Partial<StatementInput>, reason },
        expectedVersion ?? undefined,
        commandContext(context),
      ),
    );
  }

  @Mutation(() => StatementResultType)
  addStatementSource(
    @Args('id', { type: () => ID }) id: string,
    @Args('expectedVersion', { type: () => Int, nullable: true }) expectedVersion: number | undefined,
    @Args('source') source: SourceInput,
    @Context() context: GraphQLContext,
  ): Promise<StatementResult> {
    return this.mutations.run(
      new AddStatementSourceCommand(
        { type: 'AddStatementSource', id, source },
        expectedVersion ?? undefined,
        commandContext(context),
      ),
    );
  }

  @Mutation(() => StatementResultType)
  tagStatement(
    @Args('id', { type: () => ID }) id: string,
    @Args('topics', { type: () => [String] }) topics: string[],
    @Context() context: GraphQLContext,
  ): Promise<StatementResult> {
    return this.mutations.run(
      new TagStatementCommand({ type: 'TagStatement', id, topics }, undefined, commandContext(context)),
    );
  }

  @Mutation(() => StatementResultType)
  untagStatement(
    @Args('id', { type: () => ID }) id: string,
    @Args('topics', { type: () => [String] }) topics: string[],
    @Context() context: GraphQLContext,
  ): Promise<StatementResult> {
    return this.mutations.run(
      new UntagStatementCommand({ type: 'UntagStatement', id, topics }, undefined, commandContext(context)),
    );
  }

  @Mutation(() => StatementResultType)
  linkResponse(
    @Args('id', { type: () => ID }) id: string,
    @Args('respondsTo', { type: () => ID }) respondsTo: string,
    @Context() context: GraphQLContext,
  ): Promise<StatementResult> {
    return this.mutations.run(
      new LinkResponseCommand({ type: 'LinkResponse', id, respondsTo }, undefined, commandContext(context)),
    );
  }

  @Mutation(() => StatementResultType)
  retractStatement(
    @Args('id', { type: () => ID }) id: string,
    @Args('expectedVersion', { type: () => Int, nullable: true }) expectedVersion: number | undefined,
    @Args('reason') reason: string,
    @Context() context: GraphQLContext,
  ): Promise<StatementResult> {
    return this.mutations.run(
      new RetractStatementCommand(
        { type: 'RetractStatement', id, reason },
        expectedVersion ?? undefined,
        commandContext(context),
      ),
    );
  }

  @Mutation(() => StatementResultType)
  restoreStatement(
    @Args('id', { type: () => ID }) id: string,
    @Args('reason') reason: string,
    @Context() context: GraphQLContext,
  ): Promise<StatementResult> {
    return this.mutations.run(
      new RestoreStatementCommand(
        { type: 'RestoreStatement', id, reason },
        undefined,
        commandContext(context),
      ),
    );
  }
}

/** The key's name (or "anonymous" while no keys are configured) is `recordedBy`; the request id correlates. */
function commandContext(context: GraphQLContext): CommandContext {
  return { principal: context.principal, correlationId: context.requestId };
}
