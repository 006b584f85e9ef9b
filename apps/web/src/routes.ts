/**
 * The explorer's views live in the URL's fragment (`#/search?q=Xinjiang&country=TR`), so links can be shared,
 * Back works, and the service needs no catch-all route. Pure functions, unit-tested.
 */
export type Route =
  | { view: 'search'; params: SearchParams }
  | { view: 'statement'; id: string }
  | { view: 'country'; country: string; interval: 'MONTH' | 'YEAR' }
  | { view: 'record' }
  | { view: 'correct'; id: string }
  | { view: 'stories' }
  | { view: 'story'; id: string }
  | { view: 'key' };

export interface SearchParams {
  q: string;
  country: string;
  counterpart: string;
  topic: string;
  kind: string;
  role: string;
  from: string;
  to: string;
  /** the cursor of the page shown (after it), '' for the first page */
  after: string;
  /** the cursor before which the page ends (paging backwards), '' when paging forwards */
  before: string;
  /** the number of the page shown, for its heading and the numbers of its results; '' for 1 */
  page: string;
}

export const SEARCH_KEYS = [
  'q',
  'country',
  'counterpart',
  'topic',
  'kind',
  'role',
  'from',
  'to',
  'after',
  'before',
  'page',
] as const;

export const emptySearch = (): SearchParams => ({
  q: '',
  country: '',
  counterpart: '',
  topic: '',
  kind: '',
  role: '',
  from: '',
  to: '',
  after: '',
  before: '',
  page: '',
});

export function parseRoute(hash: string): Route {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  const [path = '', query = ''] = text.split('?', 2);
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map(safeDecode);
  const params = new URLSearchParams(query);
  const [head, id] = parts;
  if (head === 'statement' && id) return { view: 'statement', id };
  if (head === 'country' && id) {
    return {
      view: 'country',
      country: id.toUpperCase(),
      interval: params.get('interval') === 'YEAR' ? 'YEAR' : 'MONTH',
    };
  }
  if (head === 'record') return { view: 'record' };
  if (head === 'correct' && id) return { view: 'correct', id };
  if (head === 'stories' && id) return { view: 'story', id };
  if (head === 'stories') return { view: 'stories' };
  if (head === 'key') return { view: 'key' };
  const search = emptySearch();
  for (const key of SEARCH_KEYS) search[key] = params.get(key) ?? '';
  return { view: 'search', params: search };
}

export function formatRoute(route: Route): string {
  switch (route.view) {
    case 'search': {
      const params = new URLSearchParams();
      for (const key of SEARCH_KEYS) if (route.params[key] !== '') params.set(key, route.params[key]);
      const query = params.toString();
      return query === '' ? '#/search' : `#/search?${query}`;
    }
    case 'statement':
      return `#/statement/${encodeURIComponent(route.id)}`;
    case 'country':
      return `#/country/${encodeURIComponent(route.country)}${route.interval === 'YEAR' ? '?interval=YEAR' : ''}`;
    case 'record':
      return '#/record';
    case 'correct':
      return `#/correct/${encodeURIComponent(route.id)}`;
    case 'stories':
      return '#/stories';
    case 'story':
      return `#/stories/${encodeURIComponent(route.id)}`;
    case 'key':
      return '#/key';
  }
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
