import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { STORY_LIMITS, STORY_STATUSES, type StoryStatus } from '#domain';
import { DateTimeScalar, PositionScalar } from '../graphql/scalars.js';
import { PageInfo } from '../graphql/statement.types.js';

export const StoryStatusEnum = Object.fromEntries(STORY_STATUSES.map((s) => [s, s])) as {
  [K in StoryStatus]: K;
};
registerEnumType(StoryStatusEnum, {
  name: 'StoryStatus',
  description: 'DRAFT: seen by editors only; PUBLISHED: its published snapshot is seen by readers.',
});

/** What happened to a statement of a published story since the story was published. */
export const STORY_ITEM_CHANGE_KINDS = [
  'CORRECTED',
  'RETRACTED',
  'RESTORED',
  'SOURCE_ADDED',
  'TOPICS_TAGGED',
  'TOPICS_UNTAGGED',
  'RESPONSE_LINKED',
] as const;
export type StoryItemChangeKind = (typeof STORY_ITEM_CHANGE_KINDS)[number];
export const StoryItemChangeKindEnum = Object.fromEntries(STORY_ITEM_CHANGE_KINDS.map((k) => [k, k])) as {
  [K in StoryItemChangeKind]: K;
};
registerEnumType(StoryItemChangeKindEnum, { name: 'StoryItemChangeKind' });

@ObjectType('StoryItemChange', {
  description: 'One event of a statement recorded after the story was published: the correction notice.',
})
export class StoryItemChangeType {
  @Field(() => StoryItemChangeKindEnum) kind!: StoryItemChangeKind;
  @Field(() => PositionScalar) position!: bigint;
  @Field(() => DateTimeScalar) recordedAt!: string;
  @Field(() => String, {
    nullable: true,
    description:
      'the reason given with a correction, retraction or restoration (editors and above; readers see the kind, fields and time)',
  })
  reason?: string;
  @Field(() => [String], { description: 'the statement fields a correction changed' })
  fields!: string[];
  @Field(() => String, { nullable: true, description: 'the url of a source added' })
  sourceUrl?: string;
}

@ObjectType('StoryItem', { description: "A statement in a story, with the author's own words." })
export class StoryItemType {
  @Field(() => ID) statementId!: string;
  @Field(() => String, { nullable: true }) headline?: string;
  @Field(() => String, { nullable: true }) note?: string;
}

@ObjectType('StoryDraft', {
  description: 'The working copy of a story (editors): what the next publish makes public.',
})
export class StoryDraftType {
  @Field() title!: string;
  @Field(() => String, { nullable: true }) summary?: string;
  @Field(() => [StoryItemType]) items!: StoryItemType[];
  @Field({
    description: 'whether the working copy differs from the published snapshot (always true for a draft)',
  })
  hasUnpublishedChanges!: boolean;
}

@ObjectType('Story', {
  description:
    "A journalist's own timeline. For a published story, `title`, `summary` and `items` are the published " +
    'snapshot, each statement shown as it stood at `publishedPosition` beside what happened to it since; for a ' +
    'draft they are the working copy.',
})
export class StoryType {
  @Field(() => ID) id!: string;
  @Field() title!: string;
  @Field(() => String, { nullable: true }) summary?: string;
  @Field(() => StoryStatusEnum) status!: StoryStatus;
  @Field(() => Int, { description: 'events in the story stream' }) version!: number;
  @Field(() => PositionScalar, { nullable: true }) publishedPosition?: bigint;
  @Field(() => DateTimeScalar, { nullable: true }) publishedAt?: string;
  @Field(() => DateTimeScalar) createdAt!: string;
  @Field(() => DateTimeScalar) updatedAt!: string;
}

@ObjectType('StoryEdge')
export class StoryEdgeType {
  @Field() cursor!: string;
  @Field(() => StoryType) node!: StoryType;
}

@ObjectType('StoryConnection', { description: 'Stories, newest first.' })
export class StoryConnectionType {
  @Field(() => [StoryEdgeType]) edges!: StoryEdgeType[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@ObjectType('StoryResult')
export class StoryResultType {
  @Field(() => StoryType) story!: StoryType;
  @Field(() => PositionScalar, { description: "position of the story stream's last event" })
  position!: bigint;
}

@InputType()
export class CreateStoryInput {
  @Field() @IsString() @MaxLength(STORY_LIMITS.title * 2) title!: string;
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(STORY_LIMITS.summary * 2)
  summary?: string | null;
}
