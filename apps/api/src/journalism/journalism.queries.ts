import { Injectable } from '@nestjs/common';
import { isPartialDate, LIMITS } from '#domain';
import { ReadModel, type ActivityBucket, type CountryRelation, type TimelineFilter } from '#read-model';
import { badUserInput } from '../graphql/errors.js';
import type { StatementConnectionType } from '../graphql/statement.types.js';
import { MAX_PAGE_SIZE, StatementQueries } from '../statements/statement-queries.js';

/** The timeline a dashboard or an export is about: exactly one of a country or a topic. */
export type TimelineSubject = { timeline: 'country'; key: string } | { timeline: 'topic'; key: string };

/** Search, dashboards and exports: argument checks, then read-model queries. */
@Injectable()
export class JournalismQueries {
  constructor(
    private readonly readModel: ReadModel,
    private readonly statements: StatementQueries,
  ) {}

  /** Exactly one of `country` and `topic`, resolved (alpha-2 / slug), or BAD_USER_INPUT naming them. */
  subject(country: string | undefined, topic: string | undefined): TimelineSubject {
    const hasCountry = country !== undefined && country !== '';
    const hasTopic = topic !== undefined && topic !== '';
    if (hasCountry === hasTopic)
      throw badUserInput(hasCountry ? 'topic' : 'country', 'give exactly one of country and topic');
    if (hasCountry) return { timeline: 'country', key: this.statements.country(country, 'country') };
    return { timeline: 'topic', key: this.topic(topic ?? '', 'topic') };
  }

  topic(input: string, field: string): string {
    const slug = input.trim().toLowerCase();
    if (slug === '') throw badUserInput(field, 'must not be empty');
    if (slug.length > LIMITS.topic) throw badUserInput(field, `longer than ${LIMITS.topic} characters`);
    // a topic that no statement can have (topics are slugs) is a mistake, not an empty timeline
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug))
      throw badUserInput(
        field,
        'not a topic slug: lower-case letters and digits in words joined by single hyphens (e.g. counter-terrorism)',
      );
    return slug;
  }

  search(
    query: string,
    filter: TimelineFilter | undefined,
    first: number,
    after?: string,
  ): StatementConnectionType {
    if (!Number.isInteger(first) || first < 0) throw badUserInput('first', 'must be a non-negative integer');
    const page = this.readModel.search({
      query,
      filter: filter && this.filter(filter),
      first: Math.min(first, MAX_PAGE_SIZE),
      after,
    });
    return {
      edges: page.edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
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

  private filter(filter: TimelineFilter): TimelineFilter {
    return {
      ...filter,
      topics: filter.topics?.map((topic, i) => this.topic(topic, `filter.topics.${i}`)),
      counterpart: filter.counterpart && this.statements.country(filter.counterpart, 'filter.counterpart'),
    };
  }
}
