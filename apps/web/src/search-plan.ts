import type { TimelineFilterInput } from './graphql.js';
import type { SearchParams } from './routes.js';

/** The query a set of search parameters asks: words (search), else a country's or a topic's timeline. */
export function plan(
  p: SearchParams,
):
  | { kind: 'search'; query: string; filter: TimelineFilterInput }
  | { kind: 'country'; country: string; filter: TimelineFilterInput }
  | { kind: 'topic'; topic: string; filter: TimelineFilterInput }
  | { kind: 'none'; reason: string } {
  const filter: TimelineFilterInput = {};
  if (p.from) filter.from = p.from;
  if (p.to) filter.to = p.to;
  if (p.kind) filter.kinds = [p.kind];
  if (p.role) filter.roles = [p.role];
  if (p.q.trim() !== '') {
    if (p.topic) filter.topics = [p.topic];
    if (p.country && p.counterpart)
      return {
        kind: 'none',
        reason: 'A word search filters by one country: choose the country or the counterpart.',
      };
    const country = p.country || p.counterpart;
    if (country) filter.counterpart = country;
    if (p.role && !country) return { kind: 'none', reason: 'A role applies to a country: choose one.' };
    return { kind: 'search', query: p.q.trim(), filter };
  }
  if (p.country) {
    if (p.topic) filter.topics = [p.topic];
    if (p.counterpart) filter.counterpart = p.counterpart;
    return { kind: 'country', country: p.country, filter };
  }
  if (p.topic) {
    if (p.counterpart) filter.counterpart = p.counterpart;
    return { kind: 'topic', topic: p.topic, filter };
  }
  return { kind: 'none', reason: 'Type words to search, or choose a country or a topic.' };
}
