import { buildSchema } from 'graphql';
import {
  AnswerCache,
  MAX_IF_NONE_MATCH_TAGS,
  PersistedQueries,
  PolicyMemo,
  cacheControlFor,
  documentPolicy,
  entityTag,
  ifNoneMatchNames,
  sha256Hex,
  type CachedAnswer,
} from './answer-cache.js';

const answer = (generation: number, body: string): CachedAnswer => ({
  generation,
  body: Buffer.from(body),
  etag: entityTag('reader', 'application/json', body),
  cacheControl: 'private, no-cache',
  contentType: 'application/json; charset=utf-8',
});

describe('AnswerCache', () => {
  it('serves an answer only at the generation it was computed at', () => {
    const cache = new AnswerCache(1_000_000);
    cache.set('k', answer(3, '{"data":{}}'), 3);
    expect(cache.get('k', 3)?.body.toString()).toBe('{"data":{}}');
    expect(cache.get('k', 4)).toBeUndefined();
    // the stale one was dropped, not kept for a later look-up at 3
    expect(cache.get('k', 3)).toBeUndefined();
    expect(cache.heldBytes).toBe(0);
  });

  it('stays within its bytes, dropping stale generations first, then the least recently used', () => {
    const body = 'x'.repeat(1000);
    const one = body.length + 2 * (1 + answer(1, body).etag.length) + 200;
    const cache = new AnswerCache(3 * one);
    cache.set('a', answer(1, body), 2);
    cache.set('b', answer(2, body), 2);
    cache.set('c', answer(2, body), 2);
    cache.get('b', 2); // b is now the most recently used
    cache.set('d', answer(2, body), 2); // room: the stale `a` goes first
    expect(cache.size).toBe(3);
    expect(cache.get('c', 2)).toBeDefined();
    cache.set('e', answer(2, body), 2); // no stale left: the least recently used (b) goes
    expect(cache.get('b', 2)).toBeUndefined();
    expect(cache.heldBytes).toBeLessThanOrEqual(3 * one);
    // an answer larger than the whole cache is not kept
    cache.set('huge', answer(2, 'y'.repeat(10 * one)), 2);
    expect(cache.get('huge', 2)).toBeUndefined();
  });

  it('refuses a size that is not a non-negative integer', () => {
    expect(() => new AnswerCache(-1)).toThrow(/answer cache size/);
    expect(() => new AnswerCache(1.5)).toThrow(/answer cache size/);
  });
});

describe('entity tags and If-None-Match', () => {
  const body = '{"data":{"topics":[]}}';

  it('gives the same bytes different tags for different roles and media types', () => {
    const reader = entityTag('reader', 'application/json', body);
    expect(reader).toMatch(/^"[\w-]{32}"$/);
    expect(entityTag('reader', 'application/json', body)).toBe(reader);
    expect(entityTag('auditor', 'application/json', body)).not.toBe(reader);
    expect(entityTag('reader', 'application/graphql-response+json', body)).not.toBe(reader);
    expect(entityTag('reader', 'application/json', `${body} `)).not.toBe(reader);
  });

  it('matches a listed tag, weak or strong, and *; nothing else', () => {
    const tag = entityTag('anonymous', 'application/json', body);
    expect(ifNoneMatchNames(tag, tag)).toBe(true);
    expect(ifNoneMatchNames(`"a", W/${tag}`, tag)).toBe(true);
    expect(ifNoneMatchNames('*', tag)).toBe(true);
    expect(ifNoneMatchNames(undefined, tag)).toBe(false);
    expect(ifNoneMatchNames('', tag)).toBe(false);
    expect(ifNoneMatchNames(tag.slice(1, -1), tag)).toBe(false); // unquoted is another tag
    expect(ifNoneMatchNames('"forged"', tag)).toBe(false);
  });

  it('ignores an over-long header or one with too many tags (the whole answer is sent)', () => {
    const tag = entityTag('anonymous', 'application/json', body);
    expect(ifNoneMatchNames(`${'"x",'.repeat(MAX_IF_NONE_MATCH_TAGS)}${tag}`, tag)).toBe(false);
    expect(ifNoneMatchNames(`${' '.repeat(5000)}${tag}`, tag)).toBe(false);
  });

  it('says public for callers without a key and private for keyed ones', () => {
    expect(cacheControlFor(false, 0)).toBe('public, max-age=0, must-revalidate');
    expect(cacheControlFor(false, 30)).toBe('public, max-age=30, must-revalidate');
    expect(cacheControlFor(true, 30)).toBe('private, no-cache');
  });
});

describe('documentPolicy', () => {
  const schema = buildSchema(`
    type Query {
      countryTimeline(country: String, asOf: String, asOfPosition: String): StatementConnection
      events: Int
      projections: Int
      undecided: Int
    }
    type Mutation { recordStatement: Int }
    type StatementConnection { totalCount: Int, edges: [StatementEdge] }
    type StatementEdge { node: Statement }
    type Statement { id: ID, text: String, history: [StatementEvent] }
    type StatementEvent { type: String, recordedBy: String }
  `);
  const policy = (source: string, operationName?: string) =>
    documentPolicy(schema, source, operationName, 1000);

  it('shares read-model queries, also at a fixed position', () => {
    expect(policy('{ countryTimeline(country: "CN") { totalCount edges { node { id text } } } }')).toEqual({
      operation: 'query',
      kind: 'shared',
    });
    expect(policy('{ countryTimeline(asOfPosition: "4") { totalCount } }')?.kind).toBe('shared');
    expect(policy('{ countryTimeline(asOf: null) { totalCount } }')?.kind).toBe('shared');
  });

  it('never shares auditor fields or fields the matrix does not know (fail closed)', () => {
    expect(policy('{ countryTimeline { edges { node { history { recordedBy } } } } }')).toMatchObject({
      kind: 'restricted',
      reason: 'restricted field StatementEvent.recordedBy',
    });
    expect(policy('{ events }')?.kind).toBe('restricted');
    expect(policy('{ undecided }')?.kind).toBe('restricted');
    // behind a fragment or an alias too
    expect(
      policy(
        '{ t: countryTimeline { ...F } } fragment F on StatementConnection { edges { node { history { recordedBy } } } }',
      )?.kind,
    ).toBe('restricted');
  });

  it('does not cache what reads the log: history, projections, asOf', () => {
    expect(policy('{ countryTimeline { edges { node { history { type } } } } }')?.kind).toBe('volatile');
    expect(policy('{ projections }')?.kind).toBe('volatile');
    expect(policy('query($t: String) { countryTimeline(asOf: $t) { totalCount } }')?.kind).toBe('volatile');
  });

  it('leaves mutations alone, and documents GraphQL will refuse', () => {
    expect(policy('mutation { recordStatement }')).toMatchObject({ operation: 'mutation', kind: 'other' });
    expect(policy('{ countryTimeline {')).toBeUndefined();
    expect(policy('query A { events } query B { projections }')).toBeUndefined();
    // a document is judged by every operation and fragment it holds, not only the one run: never less strict
    expect(policy('query A { events } query B { projections }', 'B')?.kind).toBe('restricted');
    expect(policy('query A { projections } query B { countryTimeline { totalCount } }', 'B')?.kind).toBe(
      'volatile',
    );
  });

  it('is remembered per document, within its bound', () => {
    const memo = new PolicyMemo(100);
    const source = '{ projections }';
    expect(memo.get(schema, source, undefined, 1000)?.kind).toBe('volatile');
    expect(memo.get(schema, source, undefined, 1000)?.kind).toBe('volatile');
    const long = `{ projections ${' '.repeat(200)}}`;
    expect(memo.get(schema, long, undefined, 1000)?.kind).toBe('volatile');
  });
});

describe('PersistedQueries', () => {
  it('keeps documents by their sha256, within its characters', () => {
    const store = new PersistedQueries(40);
    store.register('{ a }');
    expect(store.get(sha256Hex('{ a }'))).toBe('{ a }');
    expect(store.get(sha256Hex('{ b }'))).toBeUndefined();
    store.register('x'.repeat(41)); // larger than the store: not kept
    expect(store.size).toBe(1);
    store.register('y'.repeat(38)); // makes room by dropping the oldest
    expect(store.get(sha256Hex('{ a }'))).toBeUndefined();
    expect(store.get(sha256Hex('y'.repeat(38)))).toBe('y'.repeat(38));
  });
});
