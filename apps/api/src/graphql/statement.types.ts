import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import type { Attribution, CountryRole, StatementKind, StatementStatus } from '#domain';
import { AttributionEnum, CountryRoleEnum, StatementKindEnum, StatementStatusEnum } from './enums.js';
import {
  CountryCodeScalar,
  DateTimeScalar,
  JsonScalar,
  PartialDateScalar,
  PositionScalar,
} from './scalars.js';

@ObjectType({ description: 'Who spoke.' })
export class Actor {
  @Field() name!: string;
  @Field(() => String, { nullable: true }) role?: string;
  @Field(() => CountryCodeScalar, { nullable: true }) country?: string;
  @Field(() => String, { nullable: true }) organization?: string;
}

@ObjectType({ description: 'Where a statement was made.' })
export class Place {
  @Field(() => String, { nullable: true }) city?: string;
  @Field(() => CountryCodeScalar, { nullable: true }) country?: string;
}

@ObjectType({ description: 'Where the statement is reported.' })
export class Source {
  @Field() url!: string;
  @Field(() => String, { nullable: true }) outlet?: string;
  @Field(() => DateTimeScalar, { nullable: true }) publishedAt?: string;
  @Field(() => String, {
    nullable: true,
    description: 'the channel it came through, e.g. a ministry statement',
  })
  via?: string;
}

@ObjectType('StatementEvent', {
  description: 'One stored event of a statement, with its place in the hash chain.',
})
export class StatementEventType {
  @Field(() => PositionScalar) position!: bigint;
  @Field(() => Int) revision!: number;
  @Field() type!: string;
  @Field(() => DateTimeScalar) recordedAt!: string;
  @Field(() => String, {
    nullable: true,
    description: 'the name of the key that recorded the event; null with a FORBIDDEN error below auditor',
  })
  recordedBy?: string;
  @Field(() => JsonScalar, {
    nullable: true,
    description:
      'the event data; null with a FORBIDDEN error below auditor (docs/SECURITY.md, access matrix)',
  })
  data!: unknown;
  @Field() hash!: string;
  @Field(() => String, { nullable: true }) prevHash?: string | null;
  @Field({ description: 'the stream the event belongs to (`statement-<id>` for statements)' })
  stream!: string;
  @Field(() => ID, { description: 'the event id' }) id!: string;
  @Field(() => Int, {
    nullable: true,
    description: 'the schema version the event is stored in (`data` is always served in the current shape)',
  })
  schemaVersion?: number;
}

@ObjectType('Statement', { description: 'A diplomatic statement as it stands now (or at `asOf`).' })
export class StatementType {
  @Field(() => ID) id!: string;
  @Field(() => PartialDateScalar) occurredOn!: string;
  @Field(() => Actor) speaker!: Actor;
  @Field(() => CountryCodeScalar, { nullable: true }) speakerCountry?: string;
  @Field(() => [CountryCodeScalar]) targets!: string[];
  @Field(() => [CountryCodeScalar]) mentions!: string[];
  @Field(() => [String]) topics!: string[];
  @Field(() => StatementKindEnum) kind!: StatementKind;
  @Field(() => String, { nullable: true }) cameoCode?: string;
  @Field(() => Float, { nullable: true }) goldstein?: number;
  @Field() text!: string;
  @Field(() => AttributionEnum) attribution!: Attribution;
  @Field(() => String, { nullable: true }) language?: string;
  @Field(() => Place, { nullable: true }) location?: Place;
  sources!: Source[]; // resolved by a field resolver (its `first`)
  @Field(() => StatementStatusEnum) status!: StatementStatus;
  @Field(() => Int) version!: number;
  @Field(() => DateTimeScalar) recordedAt!: string;
  @Field(() => DateTimeScalar) updatedAt!: string;
  // sources, respondsTo, responses and history are resolved by field resolvers
}

@ObjectType('StatementResult')
export class StatementResultType {
  @Field(() => StatementType) statement!: StatementType;
  @Field(() => Int) version!: number;
  @Field(() => PositionScalar) position!: bigint;
}

@ObjectType('StatementEdge')
export class StatementEdgeType {
  @Field() cursor!: string;
  @Field(() => StatementType) node!: StatementType;
  @Field(() => [CountryRoleEnum]) roles!: CountryRole[];
}

@ObjectType()
export class PageInfo {
  @Field() hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
  @Field({ description: 'whether items come before this page (Relay: `last`/`before` walks back to them)' })
  hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true, description: 'the cursor of the first item of the page' })
  startCursor!: string | null;
}

@ObjectType('StatementConnection')
export class StatementConnectionType {
  @Field(() => [StatementEdgeType]) edges!: StatementEdgeType[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@ObjectType()
export class TopicCount {
  @Field() topic!: string;
  @Field(() => Int) count!: number;
}

@ObjectType()
export class ProjectionStatus {
  @Field() name!: string;
  @Field(() => PositionScalar, { nullable: true }) checkpoint!: bigint | null;
  @Field(() => PositionScalar, { nullable: true }) head!: bigint | null;
  @Field(() => Int, {
    description:
      'events in the log not yet applied, counted by the event store up to a limit (see lagCapped); ' +
      'never a difference of positions',
  })
  lag!: number;
  @Field({
    description: 'true when more events than `lag` wait: the count stopped at its limit and `lag` is a floor',
  })
  lagCapped!: boolean;
  @Field({ description: 'whether the projection follows the log live' }) live!: boolean;
  @Field(() => String, {
    nullable: true,
    description: 'the last error of the live loop, if it has not recovered',
  })
  lastError!: string | null;
}
