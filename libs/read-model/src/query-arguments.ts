import { LIMITS, ValidationError, parseCountry, parseTopic, type CountryResolver } from '#domain';
import { InvalidArgumentError } from './errors.js';
import { MAX_PAGE_SIZE } from './query-args.js';
import type { TimelineFilter } from './types.js';

/**
 * The arguments of the read queries as a client gives them, turned into what the read model asks for: one
 * place for the page caps, the topic and country rules and the timeline filter, used by every door (GraphQL
 * queries, search, dashboards, REST exports and the timeline page). Errors are `InvalidArgumentError`s that
 * name the argument; the API answers them as BAD_USER_INPUT.
 */

/** Page size of a Relay connection when the client gives neither `first` nor `last` (DESIGN §8). */
export const DEFAULT_PAGE_SIZE = 50;

/**
 * Relay's `first`/`last` as the read model takes them: not both (BAD_USER_INPUT naming `last`), each checked
 * and capped like `first` (`pageSize`), `first: DEFAULT_PAGE_SIZE` when neither is given.
 */
export function relayWindow(
  first: number | undefined,
  last: number | undefined,
  max = MAX_PAGE_SIZE,
): { first?: number; last?: number } {
  if (first !== undefined && last !== undefined) {
    throw new InvalidArgumentError('last', 'give first or last, not both');
  }
  if (last !== undefined) return { last: pageSize(last, max, 'last') };
  return { first: pageSize(first ?? DEFAULT_PAGE_SIZE, max) };
}

/**
 * `first`, capped: a larger page is answered with `max` items (and `hasNextPage`), as DESIGN §8 says;
 * a negative or fractional one is refused.
 */
export function pageSize(first: number, max = MAX_PAGE_SIZE, field = 'first'): number {
  if (!Number.isInteger(first) || first < 0)
    throw new InvalidArgumentError(field, 'must be a non-negative integer');
  return Math.min(first, max);
}

/** A topic as the domain writes it (`parseTopic`: trimmed, lower-cased, a kebab slug), so a query finds it. */
export function topicArgument(value: string, field: string): string {
  return asArgument(() => parseTopic(value, field));
}

/**
 * The start of a topic slug (`counter-` finds `counter-terrorism`): trimmed and lower-cased like a topic, of
 * the characters a slug has; empty means every topic.
 */
export function topicPrefixArgument(value: string, field: string): string {
  const prefix = value.trim().toLowerCase();
  if (prefix.length > LIMITS.topic) {
    throw new InvalidArgumentError(field, `must be at most ${LIMITS.topic} characters`);
  }
  if (!/^[a-z0-9-]*$/.test(prefix)) {
    throw new InvalidArgumentError(
      field,
      `"${value.trim()}" is not the start of a topic slug (lower-case letters, digits, hyphens)`,
    );
  }
  return prefix;
}

/** alpha-2 for any accepted spelling of a country (the domain's `parseCountry`). */
export function countryArgument(value: string, field: string, countries: CountryResolver): string {
  return asArgument(() => parseCountry(value, field, countries));
}

/** The domain's parse, its `ValidationError` as the read side's `InvalidArgumentError` (same field, same reason). */
function asArgument<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ValidationError) throw new InvalidArgumentError(error.field, error.reason);
    throw error;
  }
}

/**
 * A timeline filter as a client wrote it (GraphQL `TimelineFilter`, whose topics and counterpart are raw) as the
 * read model takes it: topics as slugs, the counterpart as alpha-2; the other members as given.
 */
export function timelineFilterOf(
  filter: TimelineFilter | null | undefined,
  countries: CountryResolver,
  field = 'filter',
): TimelineFilter | undefined {
  if (filter === null || filter === undefined) return undefined;
  const { topics, counterpart } = filter;
  return {
    ...filter,
    topics: topics?.map((topic, i) => topicArgument(topic, `${field}.topics.${i}`)),
    counterpart: counterpart && countryArgument(counterpart, `${field}.counterpart`, countries),
  };
}
