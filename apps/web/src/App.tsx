import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Provider } from 'urql';
import { makeClient, startingClient } from './client.js';
import { CountryOptions } from './common.js';
import { CountryPage } from './CountryPage.js';
import { CorrectView, RecordView } from './EditorForm.js';
import type { StatementSummary } from './graphql.js';
import { storedKey } from './key.js';
import { KeyView } from './KeyView.js';
import { parseRoute, type Route } from './routes.js';
import { SearchView } from './Search.js';
import { StatementPage } from './StatementPage.js';
import { AddToStory, StoriesView, StoryEditor, useCurrentStory } from './Stories.js';

function useRoute(): [Route, (hash: string) => void] {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const route = useMemo(() => parseRoute(hash), [hash]);
  const navigate = useCallback((next: string) => {
    if (next === window.location.hash) return;
    window.location.hash = next;
  }, []);
  return [route, navigate];
}

export function App() {
  const [route, navigate] = useRoute();
  // a new client when the key changes, so that nothing cached under the old key is shown under the new one
  const [keyVersion, setKeyVersion] = useState(0);
  const client = useMemo(() => (keyVersion === 0 ? startingClient() : makeClient()), [keyVersion]);
  const story = useCurrentStory();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    // move focus to the new view's content, as a page load would (not on the first load)
    if (first.current) {
      first.current = false;
      return;
    }
    const heading = main.current?.querySelector<HTMLElement>('h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  }, [route.view, route.view === 'statement' || route.view === 'story' ? route.id : '']);

  const actions = (s: StatementSummary): ReactNode => <AddToStory story={story} statement={s} />;
  let view: ReactNode;
  switch (route.view) {
    case 'search':
      view = <SearchView params={route.params} navigate={navigate} actions={actions} />;
      break;
    case 'statement':
      view = <StatementPage id={route.id} actions={actions} />;
      break;
    case 'country':
      view = <CountryPage country={route.country} interval={route.interval} navigate={navigate} />;
      break;
    case 'record':
      view = <RecordView navigate={navigate} />;
      break;
    case 'correct':
      view = <CorrectView id={route.id} navigate={navigate} />;
      break;
    case 'stories':
      view = <StoriesView story={story} navigate={navigate} />;
      break;
    case 'story':
      view = <StoryEditor id={route.id} story={story} navigate={navigate} />;
      break;
    case 'key':
      view = <KeyView onChange={() => setKeyVersion((v) => v + 1)} />;
      break;
  }
  const current = (view: Route['view']) => (route.view === view ? 'page' : undefined);
  return (
    <Provider value={client}>
      <a className="skip" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header className="top">
        <p className="brand">
          <a href="#/search">Communiqué</a>
        </p>
        <nav aria-label="Main">
          <ul>
            <li>
              <a href="#/search" aria-current={current('search')}>
                Search
              </a>
            </li>
            <li>
              <a href="#/stories" aria-current={current('stories') ?? current('story')}>
                Stories{story.current ? ` (${story.current.title})` : ''}
              </a>
            </li>
            <li>
              <a href="#/record" aria-current={current('record')}>
                Record
              </a>
            </li>
            <li>
              <a href="#/key" aria-current={current('key')}>
                {storedKey() ? 'Key ✓' : 'API key'}
              </a>
            </li>
            <li>
              <a href="/graphiql">GraphiQL</a>
            </li>
          </ul>
        </nav>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {view}
      </main>
      <CountryOptions />
    </Provider>
  );
}
