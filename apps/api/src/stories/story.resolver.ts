import { Args, Context, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { FastifyReply } from 'fastify';
import type { StoryCommand } from '#domain';
import { ProjectionRunner } from '#projections';
import { ReadModel } from '#read-model';
import { StoryCommands } from '#statements';
import type { GraphQLContext } from '../graphql/statement-loaders.js';
import type { StatementNode } from '../graphql/statement-node.js';
import { StatementType } from '../graphql/statement.types.js';
import { IdGenerator } from '../infrastructure/clock.js';
import type { SecureContext } from '../security/access.js';
import { embedSnippet } from './story-page.js';
import {
  StoryReads,
  toStoryNode,
  type StoryItemChange,
  type StoryItemNode,
  type StoryNode,
} from './story-reads.js';
import {
  CreateStoryInput,
  StoryConnectionType,
  StoryDraftType,
  StoryItemChangeType,
  StoryItemType,
  StoryResultType,
  StoryStatusEnum,
  StoryType,
} from './story.types.js';
import type { StoryStatus } from '#domain';
import { GraphQLError } from 'graphql';
import { badUserInput } from '../graphql/errors.js';
import { LIST_CAPS } from '../security/graphql-limits.js';

type Context_ = GraphQLContext & SecureContext & { reply?: FastifyReply };

export interface StoryResult {
  story: StoryNode;
  position: bigint;
}

/** Stories over GraphQL: maps arguments to story commands and queries, nothing else. */
@Resolver(() => StoryType)
export class StoryResolver {
  constructor(
    private readonly reads: StoryReads,
    private readonly core: StoryCommands,
    private readonly projections: ProjectionRunner,
    private readonly readModel: ReadModel,
    private readonly ids: IdGenerator,
  ) {}

  // ---- queries

  @Query(() => StoryType, {
    nullable: true,
    description: 'A story: published ones for everyone who may read, drafts for editors (null otherwise).',
  })
  story(@Args('id', { type: () => ID }) id: string, @Context() context: Context_): StoryNode | undefined {
    return this.reads.story(id, context.auth);
  }

  @Query(() => StoryConnectionType, {
    description:
      'Stories, newest first (Relay: `first`/`after` towards older ones, `last`/`before` towards newer). ' +
      'Readers see published stories; editors also drafts (`status: DRAFT` is FORBIDDEN below editor).',
  })
  stories(
    @Context() context: Context_,
    @Args('first', { type: () => Int, nullable: true }) first: number | undefined,
    @Args('after', { type: () => String, nullable: true }) after: string | undefined,
    @Args('last', { type: () => Int, nullable: true }) last: number | undefined,
    @Args('before', { type: () => String, nullable: true }) before: string | undefined,
    @Args('status', { type: () => StoryStatusEnum, nullable: true }) status: StoryStatus | undefined,
  ): StoryConnectionType {
    const editor = this.reads.mayEdit(context.auth);
    if (status === 'DRAFT' && !editor) {
      throw new GraphQLError('drafts are for editors: status DRAFT needs an editor key or higher', {
        extensions: { code: 'FORBIDDEN', requiredRole: 'editor', field: 'status' },
      });
    }
    const page = this.readModel.stories({
      status: status ?? (editor ? undefined : 'PUBLISHED'),
      first: first ?? undefined,
      after: after ?? undefined,
      last: last ?? undefined,
      before: before ?? undefined,
    });
    return {
      edges: page.stories.map(({ cursor, story }) => ({
        cursor,
        node: toStoryNode(story) as unknown as StoryType,
      })),
      pageInfo: {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: page.hasPreviousPage,
        startCursor: page.startCursor,
        endCursor: page.endCursor,
      },
      totalCount: page.totalCount,
    };
  }

  // ---- fields

  @ResolveField(() => [StoryItemType], {
    description:
      'The statements, in the order they were said: the published snapshot of a published story, the working copy of a draft.',
  })
  items(@Parent() story: StoryNode): StoryItemNode[] {
    return this.reads.itemsInDateOrder(story.shown).map((row) => row.item);
  }

  @ResolveField(() => StoryDraftType, {
    description: 'The working copy (editors): what the next publishStory makes public.',
  })
  draft(@Parent() story: StoryNode): StoryNode['draft'] {
    return { ...story.draft, items: this.reads.itemsInDateOrder(story.draft.items).map((row) => row.item) };
  }

  @ResolveField(() => String, {
    nullable: true,
    description: 'An <iframe> snippet that embeds the public page /stories/<id> (null for a draft).',
  })
  embedHtml(@Parent() story: StoryNode, @Context() context: Context_): string | null {
    if (story.status !== 'PUBLISHED') return null;
    const request = context.reply?.request;
    const origin = request === undefined ? '' : `${request.protocol}://${request.host}`;
    return embedSnippet(origin, story.id, story.title);
  }

  // ---- mutations

  @Mutation(() => StoryResultType)
  createStory(@Args('input') input: CreateStoryInput, @Context() context: Context_): Promise<StoryResult> {
    return this.run(
      { type: 'CreateStory', id: this.ids.newId(), title: input.title, summary: input.summary ?? undefined },
      context,
    );
  }

  @Mutation(() => StoryResultType)
  addStoryItem(
    @Args('storyId', { type: () => ID }) storyId: string,
    @Args('statementId', { type: () => ID }) statementId: string,
    @Args('headline', { type: () => String, nullable: true }) headline: string | undefined,
    @Args('note', { type: () => String, nullable: true }) note: string | undefined,
    @Context() context: Context_,
  ): Promise<StoryResult> {
    return this.run(
      { type: 'AddStoryItem', id: this.reads.storyId(storyId, 'storyId'), statementId, headline, note },
      context,
    );
  }

  @Mutation(() => StoryResultType, {
    description: 'Changes the headline and/or note of a statement in the story; an empty string removes it.',
  })
  annotateStoryItem(
    @Args('storyId', { type: () => ID }) storyId: string,
    @Args('statementId', { type: () => ID }) statementId: string,
    @Args('headline', { type: () => String, nullable: true }) headline: string | undefined | null,
    @Args('note', { type: () => String, nullable: true }) note: string | undefined | null,
    @Context() context: Context_,
  ): Promise<StoryResult> {
    return this.run(
      {
        type: 'AnnotateStoryItem',
        id: this.reads.storyId(storyId, 'storyId'),
        statementId,
        // absent (or null) keeps the current words; "" removes them
        ...(headline === undefined || headline === null ? {} : { headline }),
        ...(note === undefined || note === null ? {} : { note }),
      },
      context,
    );
  }

  @Mutation(() => StoryResultType)
  removeStoryItem(
    @Args('storyId', { type: () => ID }) storyId: string,
    @Args('statementId', { type: () => ID }) statementId: string,
    @Context() context: Context_,
  ): Promise<StoryResult> {
    return this.run(
      { type: 'RemoveStoryItem', id: this.reads.storyId(storyId, 'storyId'), statementId },
      context,
    );
  }

  @Mutation(() => StoryResultType)
  retitleStory(
    @Args('storyId', { type: () => ID }) storyId: string,
    @Args('title') title: string,
    @Context() context: Context_,
  ): Promise<StoryResult> {
    return this.run({ type: 'RetitleStory', id: this.reads.storyId(storyId, 'storyId'), title }, context);
  }

  @Mutation(() => StoryResultType, {
    description:
      "Publishes the working copy: readers see it from now on, each statement as it stands at this event's position.",
  })
  publishStory(
    @Args('storyId', { type: () => ID }) storyId: string,
    @Context() context: Context_,
  ): Promise<StoryResult> {
    return this.run({ type: 'PublishStory', id: this.reads.storyId(storyId, 'storyId') }, context);
  }

  /** Runs the command through the core, then answers with the story as projected (read-your-writes). */
  private async run(command: StoryCommand, context: Context_): Promise<StoryResult> {
    const result = await this.core.execute(command, {
      principal: context.principal,
      correlationId: context.requestId,
    });
    await this.projections.catchUp();
    const view = this.readModel.story(result.id);
    if (view === undefined)
      throw new Error(`story ${result.id} is missing from the read model after its command`);
    return { story: toStoryNode(view), position: result.position };
  }
}

/** The fields of a story's statement: its wording as published, as it is now, and what happened since. */
@Resolver(() => StoryItemType)
export class StoryItemResolver {
  constructor(
    private readonly reads: StoryReads,
    private readonly readModel: ReadModel,
  ) {}

  @ResolveField(() => StatementType, {
    nullable: true,
    description: 'The statement as it stood when the story was published (null in a draft: use `current`).',
  })
  published(@Parent() item: StoryItemNode): StatementNode | undefined {
    if (item.publishedPosition === undefined) return undefined;
    const view = this.readModel.statement(item.statementId, item.publishedPosition);
    return view && { ...view, asOf: item.publishedPosition };
  }

  @ResolveField(() => StatementType, { nullable: true, description: 'The statement as it is now.' })
  current(@Parent() item: StoryItemNode): StatementNode | undefined {
    return this.readModel.statement(item.statementId);
  }

  @ResolveField(() => [StoryItemChangeType], {
    description:
      'What happened to the statement since the story was published, oldest first (empty in a draft): at most ' +
      `\`first\` (default ${LIST_CAPS['StoryItem.changes'].default}, at most ${LIST_CAPS['StoryItem.changes'].max}).`,
  })
  async changes(
    @Parent() item: StoryItemNode,
    @Args('first', { type: () => Int, defaultValue: LIST_CAPS['StoryItem.changes'].default }) first: number,
  ): Promise<StoryItemChange[]> {
    if (!Number.isInteger(first) || first < 0) throw badUserInput('first', 'must be a non-negative integer');
    const changes = await this.reads.changesSince(item.statementId, item.publishedPosition);
    return changes.slice(0, Math.min(first, LIST_CAPS['StoryItem.changes'].max));
  }
}
