import type { CountryResolver } from '#domain';
import { InvalidArgumentError } from './errors.js';
import {
  countryArgument,
  pageSize,
  timelineFilterOf,
  topicArgument,
  topicPrefixArgument,
} from './query-arguments.js';
import { MAX_PAGE_SIZE, MAX_TOPICS } from './query-args.js';

const countries: CountryResolver = {
  resolve: (input) =>
    ({ tr: 'TR', tur: 'TR', turkey: 'TR', cn: 'CN', china: 'CN' })[input.trim().toLowerCase()],
};

/** The error `run` throws, which must be an InvalidArgumentError. */
function refusal(run: () => unknown): InvalidArgumentError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('expected a refusal');
}

describe('the arguments of the read queries', () => {
  it('caps a page at 100 timeline entries or 1000 topics, and refuses a negative or fractional one', () => {
    expect(pageSize(20)).toBe(20);
    expect(pageSize(0)).toBe(0);
    expect(pageSize(5000)).toBe(MAX_PAGE_SIZE);
    expect(pageSize(5000, MAX_TOPICS)).toBe(1000);
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(refusal(() => pageSize(bad))).toMatchObject({
        field: 'first',
        reason: 'must be a non-negative integer',
      });
    }
  });

  it('reads a topic by the domain slug rule, naming the argument when it breaks it', () => {
    expect(topicArgument('  Counter-Terrorism ', 'topic')).toBe('counter-terrorism');
    expect(refusal(() => topicArgument('human rights', 'filter.topics.2'))).toMatchObject({
      field: 'filter.topics.2',
      reason: expect.stringContaining('is not a topic slug'),
    });
    expect(refusal(() => topicArgument(' ', 'topic')).reason).toBe('must not be empty');
    expect(refusal(() => topicArgument('a'.repeat(65), 'topic')).reason).toMatch(/at most 64 characters/);
  });

  it('reads a topic prefix as the start of a slug; empty means every topic', () => {
    expect(topicPrefixArgument(' Counter-', 'prefix')).toBe('counter-');
    expect(topicPrefixArgument('', 'prefix')).toBe('');
    expect(refusal(() => topicPrefixArgument('x%', 'prefix')).field).toBe('prefix');
    expect(refusal(() => topicPrefixArgument('a'.repeat(65), 'prefix')).field).toBe('prefix');
  });

  it('reads any accepted spelling of a country as alpha-2, and refuses an unknown one by name', () => {
    expect(countryArgument('Turkey', 'country', countries)).toBe('TR');
    expect(refusal(() => countryArgument('Atlantis', 'filter.counterpart', countries))).toMatchObject({
      field: 'filter.counterpart',
      reason: expect.stringContaining('unknown country "Atlantis"'),
    });
  });

  it('maps a GraphQL timeline filter to the read model: topics as slugs, the counterpart as alpha-2, the rest as given', () => {
    expect(timelineFilterOf(undefined, countries)).toBeUndefined();
    expect(timelineFilterOf(null, countries)).toBeUndefined();
    expect(
      timelineFilterOf(
        {
          from: '2019',
          to: '2020-06',
          topics: ['Xinjiang'],
          counterpart: 'china',
          kinds: ['APPEAL'],
          roles: ['SPEAKER'],
          includeRetracted: true,
        },
        countries,
      ),
    ).toEqual({
      from: '2019',
      to: '2020-06',
      topics: ['xinjiang'],
      counterpart: 'CN',
      kinds: ['APPEAL'],
      roles: ['SPEAKER'],
      includeRetracted: true,
    });
    expect(refusal(() => timelineFilterOf({ topics: ['ok', 'not ok'] }, countries)).field).toBe(
      'filter.topics.1',
    );
  });
});
