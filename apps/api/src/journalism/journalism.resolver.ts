import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { ActivityBucket, CountryRelation, IntervalEnum, type Interval } from '../graphql/dashboard.types.js';
import { CountryCodeScalar, PartialDateScalar } from '../graphql/scalars.js';
import { TimelineFilter } from '../graphql/statement.inputs.js';
import { StatementConnectionType } from '../graphql/statement.types.js';
import { JournalismQueries } from './journalism.queries.js';

const partialDate = { type: () => PartialDateScalar, nullable: true } as const;

/** searchStatements, activity and relations: maps arguments to JournalismQueries. */
@Resolver()
export class JournalismResolver {
  constructor(private readonly queries: JournalismQueries) {}

  @Query(() => StatementConnectionType, {
    description:
      'Statements whose text, speaker (name, role, organization) or sources (outlet, url) match the query, ' +
      'best match first: the 1,000 most recently recorded matches ranked by relevance (bm25, the text weighing ' +
      'most), then every older match, newest first. Words must all match; "an exact phrase" and prefix* words ' +
      'are understood.',
  })
  searchStatements(
    @Args('query') query: string,
    @Args('filter', { type: () => TimelineFilter, nullable: true }) filter: TimelineFilter | undefined,
    @Args('first', {
      type: () => Int,
      nullable: true,
      description:
        'Relay: the first results after `after` (50 when neither `first` nor `last` is given; at most 100)',
    })
    first: number | undefined,
    @Args('after', { type: () => String, nullable: true }) after: string | undefined,
    @Args('last', {
      type: () => Int,
      nullable: true,
      description: 'Relay: the last results before `before`, or of the whole list (not with `first`)',
    })
    last: number | undefined,
    @Args('before', { type: () => String, nullable: true }) before: string | undefined,
  ): StatementConnectionType {
    return this.queries.search(query, filter ?? undefined, {
      first: first ?? undefined,
      after: after ?? undefined,
      last: last ?? undefined,
      before: before ?? undefined,
    });
  }

  @Query(() => [ActivityBucket], {
    description: 'Active statements of a country or a topic (exactly one) per month or year.',
  })
  activity(
    @Args('country', { type: () => CountryCodeScalar, nullable: true }) country: string | undefined,
    @Args('topic', { type: () => String, nullable: true }) topic: string | undefined,
    @Args('from', partialDate) from: string | undefined,
    @Args('to', partialDate) to: string | undefined,
    @Args('interval', { type: () => IntervalEnum, defaultValue: 'MONTH' }) interval: Interval,
  ): ActivityBucket[] {
    const subject = this.queries.subject(country ?? undefined, topic ?? undefined);
    return this.queries.activity(subject, from ?? undefined, to ?? undefined, interval);
  }

  @Query(() => [CountryRelation], {
    description: 'Every country this one spoke to or about, or was spoken to or about by; busiest first.',
  })
  relations(
    @Args('country', { type: () => CountryCodeScalar }) country: string,
    @Args('from', partialDate) from: string | undefined,
    @Args('to', partialDate) to: string | undefined,
  ): CountryRelation[] {
    return this.queries.relations(country, from ?? undefined, to ?? undefined);
  }
}
