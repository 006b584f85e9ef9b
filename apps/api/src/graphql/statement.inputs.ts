import { Field, InputType, OmitType, PartialType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import {
  ATTRIBUTIONS,
  LIMITS,
  COUNTRY_ROLES,
  STATEMENT_KINDS,
  type Attribution,
  type CountryRole,
  type StatementKind,
} from '#domain';
import { AttributionEnum, CountryRoleEnum, StatementKindEnum } from './enums.js';
import { CountryCodeScalar, DateTimeScalar, PartialDateScalar } from './scalars.js';

/**
 * GraphQL inputs. class-validator bounds their shape (lengths, list sizes, formats) before a command is
 * built; the domain then checks meaning (real dates, known countries, CAMEO codes) and normalises.
 */

const LIST_MAX = Math.max(LIMITS.countries, LIMITS.topics, LIMITS.sources);
const NAME_MAX = LIMITS.name;
const TEXT_MAX = LIMITS.text;
const URL_MAX = LIMITS.url;
const TOPIC_MAX = LIMITS.topic;

@InputType()
export class ActorInput {
  @Field() @IsString() @MinLength(1) @MaxLength(NAME_MAX) name!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(NAME_MAX) role?:
    string | null;
  @Field(() => CountryCodeScalar, { nullable: true }) @IsOptional() @IsString() country?: string | null;
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(NAME_MAX)
  organization?: string | null;
}

@InputType()
export class PlaceInput {
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(NAME_MAX) city?:
    string | null;
  @Field(() => CountryCodeScalar, { nullable: true }) @IsOptional() @IsString() country?: string | null;
}

@InputType()
export class SourceInput {
  @Field() @IsString() @MaxLength(URL_MAX) url!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(NAME_MAX) outlet?:
    string | null;
  @Field(() => DateTimeScalar, { nullable: true }) @IsOptional() @IsString() publishedAt?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(NAME_MAX) via?: string | null;
}

@InputType({ description: 'A statement to record (DESIGN §4).' })
export class RecordStatementInput {
  @Field(() => String, { nullable: true, description: 'a UUID; giving one makes the call idempotent' })
  @IsOptional()
  @IsUUID()
  id?: string;

  @Field(() => PartialDateScalar) @IsString() occurredOn!: string;

  @Field(() => ActorInput) @ValidateNested() @Type(() => ActorInput) speaker!: ActorInput;

  @Field(() => CountryCodeScalar, { nullable: true }) @IsOptional() @IsString() speakerCountry?:
    string | null;

  @Field(() => [CountryCodeScalar], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  targets?: string[] | null;

  @Field(() => [CountryCodeScalar], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  mentions?: string[] | null;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @MaxLength(TOPIC_MAX, { each: true })
  topics?: string[] | null;

  @Field(() => StatementKindEnum, { nullable: true })
  @IsOptional()
  @IsIn(STATEMENT_KINDS)
  kind?: StatementKind | null;

  @Field(() => String, { nullable: true, description: 'full CAMEO code, e.g. "022"; it determines `kind`' })
  @IsOptional()
  @Matches(/^[0-9]{2,4}$/, { message: 'cameoCode must be 2 to 4 digits' })
  cameoCode?: string | null;

  @Field() @IsString() @MinLength(1) @MaxLength(TEXT_MAX) text!: string;

  @Field(() => AttributionEnum) @IsIn(ATTRIBUTIONS) attribution!: Attribution;

  @Field(() => String, { nullable: true, description: 'BCP-47 language tag' })
  @IsOptional()
  @IsString()
  @MaxLength(35)
  language?: string | null;

  @Field(() => PlaceInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => PlaceInput)
  location?: PlaceInput | null;

  @Field(() => [SourceInput])
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIST_MAX)
  @ValidateNested({ each: true })
  @Type(() => SourceInput)
  sources!: SourceInput[];
}

@InputType({ description: 'The fields to change (at least one) and why.' })
export class CorrectStatementInput extends PartialType(OmitType(RecordStatementInput, ['id'] as const)) {
  @Field({ description: 'why the statement is corrected' })
  @IsString()
  @MinLength(1)
  @MaxLength(LIMITS.reason)
  reason!: string;
}

@InputType()
export class TimelineFilter {
  @Field(() => PartialDateScalar, { nullable: true }) @IsOptional() @IsString() from?: string;
  @Field(() => PartialDateScalar, { nullable: true }) @IsOptional() @IsString() to?: string;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @MaxLength(TOPIC_MAX, { each: true })
  topics?: string[];

  @Field(() => [StatementKindEnum], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(STATEMENT_KINDS.length)
  @IsIn(STATEMENT_KINDS, { each: true })
  kinds?: StatementKind[];

  @Field(() => [CountryRoleEnum], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(COUNTRY_ROLES.length)
  @IsIn(COUNTRY_ROLES, { each: true })
  roles?: CountryRole[];

  @Field(() => CountryCodeScalar, { nullable: true }) @IsOptional() @IsString() counterpart?: string;
  @Field(() => Boolean, { nullable: true }) @IsOptional() @IsBoolean() includeRetracted?: boolean;
  @Field(() => Boolean, {
    nullable: true,
    description:
      'true: only statements that involve another country (on a country timeline, a country other than its ' +
      'own; elsewhere, at least two countries among speaker country, targets and mentions); false: only the ' +
      'others',
  })
  @IsOptional()
  @IsBoolean()
  involvesOtherCountry?: boolean;
}
