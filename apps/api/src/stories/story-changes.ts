import { Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Args, Resolver, Subscription, Context, ID } from '@nestjs/graphql';
import type { FastifyInstance } from 'fastify';
import type { PubSub } from 'mercurius';
import { statementIdOf } from '#domain';
import type { RecordedEvent } from '#event-store';
import { ProjectionRunner } from '#projections';
import { ReadModel } from '#read-model';
import { StoryReads, storyItemChangeOf, type StoryItemChange, type StoryItemNode } from './story-reads.js';
import { StoryItemType } from './story.types.js';

export const STORY_STATEMENT_CHANGED = 'STORY_STATEMENT_CHANGED';

/** One change to one statement of one published story: the story's item, and the change that happened. */
export interface StoryStatementChange {
  storyId: string;
  statementId: string;
  position: bigint;
  change: StoryItemChange;
  /** the statement's item in the published snapshot (its fields resolve as in `story { items }`) */
  item: StoryItemNode;
}

/**
 * Publishes `storyStatementChanged`: after each applied batch, one message per (published story, change to
 * one of its statements after it was published). Installed at the first subscription, like
 * `StatementChanges`; per process (Mercurius's in-memory emitter).
 */
@Injectable()
export class StoryChanges {
  private readonly logger = new Logger('StoryChanges');
  private listening = false;

  constructor(
    private readonly projections: ProjectionRunner,
    private readonly readModel: ReadModel,
    private readonly http: HttpAdapterHost,
  ) {}

  ensureListening(): void {
    if (this.listening) return;
    this.listening = true;
    this.projections.onApplied((events) => this.publish(events));
  }

  changesOf(events: readonly RecordedEvent[]): StoryStatementChange[] {
    const out: StoryStatementChange[] = [];
    for (const event of events) {
      const statementId = statementIdOf(event.stream);
      if (statementId === undefined) continue;
      const storyIds = this.readModel.storiesWithStatement(statementId);
      if (storyIds.length === 0) continue;
      const change = storyItemChangeOf(event);
      if (change === undefined) continue;
      for (const storyId of storyIds) {
        const story = this.readModel.story(storyId);
        const published = story?.published?.items.find((i) => i.statementId === statementId);
        const at = story?.publishedPosition;
        if (published === undefined || at === undefined || event.position <= at) continue;
        out.push({
          storyId,
          statementId,
          position: event.position,
          change,
          item: { ...published, publishedPosition: at },
        });
      }
    }
    return out;
  }

  private publish(events: readonly RecordedEvent[]): void {
    const fastify = this.http.httpAdapter.getInstance<FastifyInstance>();
    for (const change of this.changesOf(events)) {
      try {
        fastify.graphql.pubsub.publish(
          { topic: STORY_STATEMENT_CHANGED, payload: { storyStatementChanged: change } },
          () => undefined,
        );
      } catch (error) {
        this.logger.error(`storyStatementChanged not published: ${String(error)}`);
      }
    }
  }
}

@Resolver()
export class StoryChangesResolver {
  constructor(
    private readonly changes: StoryChanges,
    private readonly reads: StoryReads,
  ) {}

  @Subscription(() => StoryItemType, {
    description:
      'For the author (editors): a statement of this published story was corrected, retracted, restored, ' +
      "sourced, tagged or linked after the story was published. The payload is the story's item: its " +
      '`published` wording, `current` wording and `changes` since publication.',
    filter(
      this: StoryChangesResolver,
      payload: { storyStatementChanged: StoryStatementChange },
      variables: { storyId: string },
    ) {
      return payload.storyStatementChanged.storyId === variables.storyId.toLowerCase();
    },
    resolve: (payload: { storyStatementChanged: StoryStatementChange }): StoryItemNode =>
      payload.storyStatementChanged.item,
  })
  storyStatementChanged(
    @Args('storyId', { type: () => ID }) storyId: string,
    @Context('pubsub') pubsub: PubSub,
  ) {
    try {
      this.reads.storyId(storyId, 'storyId');
    } catch (error) {
      // Mercurius iterates what this returns: a stream that fails at once ends the subscription with the error
      return failing(error);
    }
    this.changes.ensureListening();
    return pubsub.subscribe(STORY_STATEMENT_CHANGED);
  }
}

// eslint-disable-next-line require-yield
async function* failing(error: unknown): AsyncGenerator<never> {
  throw error;
}
