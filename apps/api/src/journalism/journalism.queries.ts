import { Inject, Injectable } from '@nestjs/common';
import { isPartialDate, type ReferenceData } from '#domain';
import {
  ReadModel,
  relayWindow,
  timelineFilterOf,
  topicArgument,
  type ActivityBucket,
  type CountryRelation,
  type TimelineFilter,
} from '#read-model';
import { badUserInput } from '../graphql/errors.js';
import type { StatementConnectionType } from '../graphql/statement.types.js';
import { REFERENCE_DATA } from '../infrastructure/tokens.js';
import { StatementQueries } from '../statements/statement-queries.js';

/** The timeline a dashboard or an export is about: exactly one of a country or a topic. */
export type TimelineSubject = { timeline: 'country'; key: string } | { timeline: 'topic'; key: string };

/** Search, dashboards and exports: argument checks, then read-model queries. */
@Injectable()
export class JournalismQueries {
  constructor(
    private readonly readModel: ReadModel,
    private readonly statements: StatementQueries,
    @Inject(REFERENCE_DATA) private readonly reference: ReferenceData,
  ) {}

  /** Exactly one of `country` and `topic`, resolved (alpha-2 / slug), or BAD_USER_INPUT naming them. */
  subject(country: string | undefined, topic: string | undefined): TimelineSubject {
    const hasCountry = country !== undefined && country !== '';
    const hasTopic = topic !== undefined && topic !== '';
    if (hasCountry === hasTopic)
      throw badUserInput(hasCountry ? 'topic' : 'country', 'give exactly one of country and topic');
    if (hasCountry) return { timeline: 'country', key: this.statements.country(country, 'country') };
    return { timeline: 'topic', key: topicArgument(topic ?? '', 'topic') };
  }

  search(
    query: string,
    filter: TimelineFilter | undefined,
    page_: { first?: number; after?: string; last?: number; before?: string },
  ): StatementConnectionType {
    const page = this.readModel.search({
      query,
      filter: timelineFilterOf(filter, this.reference.countries),
      ...relayWindow(page_.first, page_.last),
      after: page_.after,
      before: page_.before,
    });
    return {
      edges: page.edges,
      pageInfo: {
        hasNextPage: page.hasNextPage,
        endCursor: page.endCursor,
        hasPreviousPage: page.hasPreviousPage,
        startCursor: page.startCursor,
      },
      // a getter: the read model counts only when the client selects the field
      get totalCount() {
        return page.totalCount;
      },
    };
  }

  activity(
    subject: TimelineSubject,
    from: string | undefined,
    to: string | undefined,
    interval: 'MONTH' | 'YEAR',
  ): ActivityBucket[] {
    return this.readModel.activity({ ...subject, ...this.dates(from, to), interval });
  }

  relations(country: string, from: string | undefined, to: string | undefined): CountryRelation[] {
    return this.readModel.relations({
      country: this.statements.country(country, 'country'),
      ...this.dates(from, to),
    });
  }

  /** `from` / `to` checked as partial dates (real calendar dates), naming the argument when they are not. */
  dates(from: string | undefined, to: string | undefined): { from?: string; to?: string } {
    for (const [field, value] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (value !== undefined && !isPartialDate(value)) {
        throw badUserInput(field, `not a partial date (YYYY, YYYY-MM or YYYY-MM-DD): ${value}`);
      }
    }
    return { from, to };
  }
}
