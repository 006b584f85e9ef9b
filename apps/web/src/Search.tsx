import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { useQuery } from 'urql';
import { resolveCountry } from '#reference';
import { CountryField, ErrorNotice, StatementList } from './common.js';
import {
  COUNTRY_TIMELINE,
  KINDS,
  ROLES,
  SEARCH,
  TOPICS,
  TOPIC_TIMELINE,
  words,
  type Connection,
  type StatementSummary,
} from './graphql.js';
import { emptySearch, formatRoute, type SearchParams } from './routes.js';
import { PAGE_SIZE, pageVariables } from './results-request.js';
import { plan } from './search-plan.js';

export function SearchView({
  params,
  navigate,
  actions,
}: {
  params: SearchParams;
  navigate: (hash: string) => void;
  actions?: (s: StatementSummary) => ReactNode;
}) {
  const [draft, setDraft] = useState<SearchParams>(params);
  useEffect(() => setDraft(params), [params]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate(formatRoute({ view: 'search', params: { ...draft, after: '', before: '', page: '' } }));
  };
  const set = (key: keyof SearchParams) => (value: string) => setDraft((d) => ({ ...d, [key]: value }));

  const wanted = plan(params);
  // the page's number says where the list is; the cursors alone say what it shows (a shared link pages both ways)
  const page = Math.max(1, Number.parseInt(params.page, 10) || 1);
  const turn = (to: Pick<SearchParams, 'after' | 'before' | 'page'>) =>
    navigate(formatRoute({ view: 'search', params: { ...params, ...to } }));
  return (
    <section aria-labelledby="search-heading">
      <h1 id="search-heading">Search statements</h1>
      <form role="search" onSubmit={submit} className="filters">
        <div className="field wide">
          <label htmlFor="q">Words</label>
          <input
            id="q"
            type="search"
            value={draft.q}
            onChange={(e) => set('q')(e.target.value)}
            placeholder="e.g. Xinjiang"
          />
        </div>
        <CountryField
          key={`c-${params.country}`}
          label="Country"
          value={draft.country}
          onChange={set('country')}
        />
        <CountryField
          key={`cp-${params.counterpart}`}
          label="Counterpart"
          value={draft.counterpart}
          onChange={set('counterpart')}
        />
        <TopicField value={draft.topic} onChange={set('topic')} />
        <div className="field">
          <label htmlFor="kind">Kind</label>
          <select id="kind" value={draft.kind} onChange={(e) => set('kind')(e.target.value)}>
            <option value="">any</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {words(k)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="role">Country's role</label>
          <select id="role" value={draft.role} onChange={(e) => set('role')(e.target.value)}>
            <option value="">any</option>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {words(r)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="from">From</label>
          <input
            id="from"
            value={draft.from}
            placeholder="YYYY[-MM[-DD]]"
            onChange={(e) => set('from')(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="to">To</label>
          <input
            id="to"
            value={draft.to}
            placeholder="YYYY[-MM[-DD]]"
            onChange={(e) => set('to')(e.target.value)}
          />
        </div>
        <div className="buttons">
          <button type="submit">Search</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft(emptySearch());
              navigate(formatRoute({ view: 'search', params: emptySearch() }));
            }}
          >
            Clear
          </button>
        </div>
      </form>
      {wanted.kind === 'none' ? (
        <p className="hint">{wanted.reason}</p>
      ) : (
        <Results
          plan={wanted}
          after={params.after}
          before={params.before}
          page={page}
          onNext={(cursor) => turn({ after: cursor, before: '', page: String(page + 1) })}
          onPrevious={(cursor) => turn({ after: '', before: cursor, page: page > 2 ? String(page - 1) : '' })}
          actions={actions}
          country={params.country ? resolveCountry(params.country) : undefined}
        />
      )}
    </section>
  );
}

function TopicField({ value, onChange }: { value: string; onChange: (topic: string) => void }) {
  // the suggestions are asked when the field is first used, not with the page: the results come first
  const [wanted, setWanted] = useState(false);
  const [{ data }] = useQuery({
    query: TOPICS,
    variables: {},
    requestPolicy: 'cache-first',
    pause: !wanted,
  });
  return (
    <div className="field">
      <label htmlFor="topic">Topic</label>
      <input
        id="topic"
        list="topic-options"
        value={value}
        autoComplete="off"
        onFocus={() => setWanted(true)}
        onChange={(e) => {
          setWanted(true);
          onChange(e.target.value);
        }}
      />
      <datalist id="topic-options">
        {(data?.topics ?? []).map((t) => (
          <option key={t.topic} value={t.topic}>{`${t.topic} (${t.count})`}</option>
        ))}
      </datalist>
    </div>
  );
}

function Results({
  plan: wanted,
  after,
  before,
  page,
  onNext,
  onPrevious,
  actions,
  country,
}: {
  plan: Exclude<ReturnType<typeof plan>, { kind: 'none' }>;
  after: string;
  before: string;
  page: number;
  onNext: (cursor: string) => void;
  onPrevious: (cursor: string) => void;
  actions?: (s: StatementSummary) => ReactNode;
  country: string | undefined;
}) {
  const common = pageVariables(wanted, after, before);
  const [search] = useQuery({
    query: SEARCH,
    variables: { query: wanted.kind === 'search' ? wanted.query : '', ...common },
    pause: wanted.kind !== 'search',
  });
  const [byCountry] = useQuery({
    query: COUNTRY_TIMELINE,
    variables: { country: wanted.kind === 'country' ? wanted.country : '', ...common },
    pause: wanted.kind !== 'country',
  });
  const [byTopic] = useQuery({
    query: TOPIC_TIMELINE,
    variables: { topic: wanted.kind === 'topic' ? wanted.topic : '', ...common },
    pause: wanted.kind !== 'topic',
  });
  // while a page loads, the one before it may still be shown: its number and its cursors are not this page's
  const result = wanted.kind === 'search' ? search : wanted.kind === 'country' ? byCountry : byTopic;
  const list: Connection | undefined =
    wanted.kind === 'search'
      ? search.data?.searchStatements
      : wanted.kind === 'country'
        ? byCountry.data?.countryTimeline
        : byTopic.data?.topicTimeline;
  return (
    <section aria-labelledby="results-heading" aria-busy={result.fetching}>
      <h2 id="results-heading">
        {list ? `${list.totalCount} statement${list.totalCount === 1 ? '' : 's'}` : 'Loading…'}
        {list && list.totalCount > 0 && !result.fetching && <span className="page"> · page {page}</span>}
      </h2>
      {country && (
        <p>
          <a href={formatRoute({ view: 'country', country, interval: 'MONTH' })}>
            Activity and relations of {country}
          </a>
        </p>
      )}
      <ErrorNotice error={result.error} />
      {list && (
        <>
          <StatementList
            statements={list.edges.map((e) => e.node)}
            actions={actions}
            start={(page - 1) * PAGE_SIZE + 1}
          />
          <nav aria-label="Result pages" className="pager">
            <button
              type="button"
              onClick={() => list.pageInfo.startCursor && onPrevious(list.pageInfo.startCursor)}
              disabled={result.fetching || !list.pageInfo.hasPreviousPage}
            >
              ← Previous page
            </button>
            <button
              type="button"
              onClick={() => list.pageInfo.endCursor && onNext(list.pageInfo.endCursor)}
              disabled={result.fetching || !list.pageInfo.hasNextPage}
            >
              Next page →
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
