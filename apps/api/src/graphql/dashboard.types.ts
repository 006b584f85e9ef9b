import { Field, Float, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { StatementKind } from '#domain';
import { StatementKindEnum } from './enums.js';
import { CountryCodeScalar } from './scalars.js';

export const IntervalEnum = { MONTH: 'MONTH', YEAR: 'YEAR' } as const;
export type Interval = keyof typeof IntervalEnum;
registerEnumType(IntervalEnum, { name: 'Interval', description: 'The width of an activity bucket.' });

@ObjectType()
export class KindCount {
  @Field(() => StatementKindEnum) kind!: StatementKind;
  @Field(() => Int) count!: number;
}

@ObjectType({ description: 'Active statements in one period.' })
export class ActivityBucket {
  @Field({
    description:
      '"2019-05" or "2019"; in a MONTH series, "2019" holds the statements dated only to the year 2019',
  })
  period!: string;
  @Field(() => Int) count!: number;
  @Field(() => [KindCount], { description: 'most frequent kind first' }) byKind!: KindCount[];
  @Field(() => Float, { nullable: true, description: 'over the statements that have a Goldstein score' })
  meanGoldstein!: number | null;
}

@ObjectType({ description: 'What a country and one counterpart said to or about each other.' })
export class CountryRelation {
  @Field(() => CountryCodeScalar) counterpart!: string;
  @Field(() => Int, { description: 'the country spoke, the counterpart was a target or mentioned' })
  outgoing!: number;
  @Field(() => Int, { description: 'the counterpart spoke, the country was a target or mentioned' })
  incoming!: number;
  @Field(() => [KindCount]) byKind!: KindCount[];
  @Field(() => Float, { nullable: true }) meanGoldstein!: number | null;
}
