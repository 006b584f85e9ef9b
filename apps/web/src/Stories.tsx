import { useEffect, useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { ErrorNotice, headlineOf } from './common.js';
import { STATEMENT_SUMMARY, words, type StatementSummary } from './graphql.js';
import { emptySearch, formatRoute } from './routes.js';
import {
  ADD_STORY_ITEM,
  ANNOTATE_STORY_ITEM,
  CREATE_STORY,
  PUBLISH_STORY,
  REMOVE_STORY_ITEM,
  RETITLE_STORY,
  STORIES,
  STORY,
  type Story,
  type StoryItem,
} from './stories-api.js';

const CURRENT = 'communique.story';

export interface CurrentStory {
  current: { id: string; title: string } | undefined;
  choose: (story: { id: string; title: string } | undefined) => void;
}

/** The story that "Add to story" buttons add to, kept for this tab. */
export function useCurrentStory(): CurrentStory {
  const [current, setCurrent] = useState<{ id: string; title: string } | undefined>(() => {
    try {
      const stored = sessionStorage.getItem(CURRENT);
      const parsed: unknown = stored ? JSON.parse(stored) : undefined;
      if (parsed && typeof parsed === 'object' && 'id' in parsed && 'title' in parsed) {
        const { id, title } = parsed as { id: unknown; title: unknown };
        if (typeof id === 'string' && typeof title === 'string') return { id, title };
      }
    } catch {
      // nothing usable stored
    }
    return undefined;
  });
  const choose = (story: { id: string; title: string } | undefined) => {
    setCurrent(story);
    if (story) sessionStorage.setItem(CURRENT, JSON.stringify(story));
    else sessionStorage.removeItem(CURRENT);
  };
  return { current, choose };
}

/** "Add to story" beside any statement of any list: with the author's own headline and note. */
export function AddToStory({ story, statement }: { story: CurrentStory; statement: StatementSummary }) {
  const [open, setOpen] = useState(false);
  const [headline, setHeadline] = useState('');
  const [note, setNote] = useState('');
  const [result, add] = useMutation(ADD_STORY_ITEM);
  const [added, setAdded] = useState(false);
  const id = useId();
  const current = story.current;
  if (!current) {
    return (
      <a href={formatRoute({ view: 'stories' })} className="hint">
        Choose a story to add to
      </a>
    );
  }
  if (added) return <span role="status">Added to “{current.title}”.</span>;
  if (!open) {
    return (
      <button
        type="button"
        className="secondary"
        onClick={() => setOpen(true)}
        aria-label={`Add to story “${current.title}”: ${headlineOf(statement)}`}
      >
        Add to story
      </button>
    );
  }
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const done = await add({
      storyId: current.id,
      statementId: statement.id,
      headline: headline.trim() || null,
      note: note.trim() || null,
    });
    if (done.data) setAdded(true);
  };
  return (
    <form onSubmit={submit} className="add-to-story" aria-label={`Add to “${current.title}”`}>
      <div className="field">
        <label htmlFor={`${id}-headline`}>Your headline (optional)</label>
        <input id={`${id}-headline`} value={headline} onChange={(e) => setHeadline(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-note`}>Your note (optional)</label>
        <textarea id={`${id}-note`} rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
      </div>
      <div className="buttons">
        <button type="submit" disabled={result.fetching}>
          Add to “{current.title}”
        </button>
        <button type="button" className="secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      <ErrorNotice error={result.error} />
    </form>
  );
}

export function StoriesView({ story, navigate }: { story: CurrentStory; navigate: (hash: string) => void }) {
  const [{ data, error, fetching }] = useQuery({ query: STORIES, variables: { first: 50 } });
  const [created, create] = useMutation(CREATE_STORY);
  const [title, setTitle] = useState('');
  const [summary, setSummary] = useState('');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const done = await create({ title: title.trim(), summary: summary.trim() || null });
    const made = done.data?.createStory.story;
    if (made) {
      story.choose({ id: made.id, title: made.title });
      navigate(formatRoute({ view: 'story', id: made.id }));
    }
  };
  return (
    <section aria-labelledby="stories-heading">
      <h1 id="stories-heading">Stories</h1>
      <p>
        A story is your own timeline: statements you choose, with your headline and note for each. Publishing
        pins them as they stand; if a statement is corrected later, the published story says so.
      </p>
      <form onSubmit={submit} className="filters" aria-labelledby="new-story-heading">
        <h2 id="new-story-heading" className="wide">
          New story
        </h2>
        <div className="field wide">
          <label htmlFor="story-title">Title (required)</label>
          <input id="story-title" required value={title} onChange={(e) => setTitle(e.target.value)} />
        </div>
        <div className="field wide">
          <label htmlFor="story-summary">Summary</label>
          <textarea
            id="story-summary"
            rows={2}
            value={summary}
            onChange={(e) => setSummary(e.target.value)}
          />
        </div>
        <div className="buttons">
          <button type="submit" disabled={created.fetching}>
            Create story
          </button>
        </div>
      </form>
      <ErrorNotice error={created.error} />
      <h2>Your stories</h2>
      <ErrorNotice error={error} />
      {fetching && !data && <p>Loading…</p>}
      {data && data.stories.edges.length === 0 && <p>No stories yet.</p>}
      {data && data.stories.edges.length > 0 && (
        <ul className="story-list">
          {data.stories.edges.map(({ node }) => (
            <li key={node.id}>
              <a href={formatRoute({ view: 'story', id: node.id })}>{node.title}</a> · {words(node.status)}
              {node.publishedAt && ` · published ${node.publishedAt}`}
              {story.current?.id === node.id ? (
                ' · collecting here'
              ) : (
                <>
                  {' '}
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => story.choose({ id: node.id, title: node.title })}
                  >
                    Collect here
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

type Order = 'date' | 'added';

/** Sorts working-copy items by the date their statement was said (partial dates first in their period). */
export function byDateSaid<T extends { statementId: string }>(items: T[], dates: Map<string, string>): T[] {
  return [...items].sort((a, b) =>
    (dates.get(a.statementId) ?? '').localeCompare(dates.get(b.statementId) ?? ''),
  );
}

export function StoryEditor({
  id,
  story,
  navigate,
}: {
  id: string;
  story: CurrentStory;
  navigate: (hash: string) => void;
}) {
  const [{ data, error, fetching }, refetch] = useQuery({
    query: STORY,
    variables: { id },
    requestPolicy: 'cache-and-network',
  });
  const [published, publish] = useMutation(PUBLISH_STORY);
  const [retitled, retitle] = useMutation(RETITLE_STORY);
  const [title, setTitle] = useState('');
  const [order, setOrder] = useState<Order>('date');
  const [dates, setDates] = useState(new Map<string, string>());
  const s: Story | null | undefined = data?.story;
  useEffect(() => setTitle(s?.draft?.title ?? s?.title ?? ''), [s?.draft?.title, s?.title]);
  if (!s) {
    return (
      <section aria-labelledby="story-heading">
        <h1 id="story-heading">{fetching ? 'Loading story…' : 'Story not found'}</h1>
        <ErrorNotice error={error} />
        <a href={formatRoute({ view: 'stories' })}>All stories</a>
      </section>
    );
  }
  const working = s.draft?.items ?? s.items;
  const shown = order === 'date' ? byDateSaid(working, dates) : working;
  const noteDate = (statementId: string, occurredOn: string) =>
    setDates((old) =>
      old.get(statementId) === occurredOn ? old : new Map(old).set(statementId, occurredOn),
    );
  const unpublished = s.status === 'DRAFT' || (s.draft?.hasUnpublishedChanges ?? false);
  return (
    <article aria-labelledby="story-heading" className="story-editor">
      <h1 id="story-heading">{s.draft?.title ?? s.title}</h1>
      <p className="meta">
        {words(s.status)} · version {s.version}
        {s.publishedAt && ` · published ${s.publishedAt} (log position ${s.publishedPosition})`}
      </p>
      <div className="actions">
        {story.current?.id === s.id ? (
          <span>Statements you add from any list go here.</span>
        ) : (
          <button
            type="button"
            className="secondary"
            onClick={() => story.choose({ id: s.id, title: s.draft?.title ?? s.title })}
          >
            Collect statements here
          </button>
        )}
        <a
          href={formatRoute({
            view: 'search',
            params: emptySearch(),
          })}
        >
          Find statements
        </a>
        {s.status === 'PUBLISHED' && (
          <a href={`/stories/${encodeURIComponent(s.id)}`} target="_blank" rel="noopener">
            Public page
          </a>
        )}
      </div>
      <form
        className="filters"
        onSubmit={async (e) => {
          e.preventDefault();
          await retitle({ storyId: s.id, title: title.trim() });
          if (story.current?.id === s.id) story.choose({ id: s.id, title: title.trim() });
        }}
      >
        <div className="field wide">
          <label htmlFor="retitle">Title</label>
          <input id="retitle" required value={title} onChange={(e) => setTitle(e.target.value)} />
        </div>
        <div className="buttons">
          <button
            type="submit"
            className="secondary"
            disabled={retitled.fetching || title.trim() === (s.draft?.title ?? s.title)}
          >
            Retitle
          </button>
        </div>
      </form>
      <ErrorNotice error={retitled.error} />

      <section aria-labelledby="working-heading">
        <h2 id="working-heading">Working copy ({working.length} statements)</h2>
        <div className="field inline">
          <label htmlFor="order">Order</label>
          <select
            id="order"
            value={order}
            onChange={(e) => setOrder(e.target.value === 'added' ? 'added' : 'date')}
          >
            <option value="date">by date said</option>
            <option value="added">as added</option>
          </select>
        </div>
        {working.length === 0 && (
          <p>No statements yet: add some from a search, a timeline or a statement page.</p>
        )}
        <ol className="story-items">
          {shown.map((item) => (
            <WorkingItem key={item.statementId} storyId={s.id} item={item} onDate={noteDate} />
          ))}
        </ol>
        <div className="buttons">
          <button
            type="button"
            disabled={published.fetching || working.length === 0 || !unpublished}
            onClick={async () => {
              const done = await publish({ storyId: s.id });
              if (done.data) refetch({ requestPolicy: 'network-only' });
            }}
          >
            {s.status === 'PUBLISHED' ? 'Publish the changes' : 'Publish'}
          </button>
          {!unpublished && <span className="hint">Published; nothing new to publish.</span>}
        </div>
        <ErrorNotice error={published.error} />
      </section>

      {s.status === 'PUBLISHED' && (
        <section aria-labelledby="published-heading">
          <h2 id="published-heading">As published</h2>
          <PublishedItems items={s.items} />
          {s.embedHtml && (
            <>
              <h3>
                <label htmlFor="embed">Embed it on your site</label>
              </h3>
              <textarea id="embed" readOnly rows={3} value={s.embedHtml} onFocus={(e) => e.target.select()} />
            </>
          )}
        </section>
      )}
      <p>
        <a href={formatRoute({ view: 'stories' })} onClick={() => navigate(formatRoute({ view: 'stories' }))}>
          All stories
        </a>
      </p>
    </article>
  );
}

function WorkingItem({
  storyId,
  item,
  onDate,
}: {
  storyId: string;
  item: { statementId: string; headline: string | null; note: string | null };
  onDate: (statementId: string, occurredOn: string) => void;
}) {
  const [{ data }] = useQuery({ query: STATEMENT_SUMMARY, variables: { id: item.statementId } });
  const [annotated, annotate] = useMutation(ANNOTATE_STORY_ITEM);
  const [removed, remove] = useMutation(REMOVE_STORY_ITEM);
  const [headline, setHeadline] = useState(item.headline ?? '');
  const [note, setNote] = useState(item.note ?? '');
  const id = useId();
  const statement = data?.statement;
  useEffect(() => {
    if (statement) onDate(item.statementId, statement.occurredOn);
  }, [statement, item.statementId, onDate]);
  const changed = headline !== (item.headline ?? '') || note !== (item.note ?? '');
  return (
    <li>
      <article aria-labelledby={`${id}-h`}>
        <h3 id={`${id}-h`}>{item.headline ?? (statement ? headlineOf(statement) : item.statementId)}</h3>
        {statement && (
          <>
            <p className="meta">
              <time>{statement.occurredOn}</time> ·{' '}
              <a href={formatRoute({ view: 'statement', id: statement.id })}>{headlineOf(statement)}</a>
            </p>
            <blockquote>{statement.text}</blockquote>
          </>
        )}
        {item.note && <p className="note">Note: {item.note}</p>}
        <details>
          <summary>Headline, note, remove</summary>
          <form
            className="annotate"
            onSubmit={async (e) => {
              e.preventDefault();
              // an empty string removes the words, as the API defines it (an absent one would keep them)
              await annotate({
                storyId,
                statementId: item.statementId,
                headline: headline.trim(),
                note: note.trim(),
              });
            }}
          >
            <div className="field">
              <label htmlFor={`${id}-headline`}>Headline</label>
              <input id={`${id}-headline`} value={headline} onChange={(e) => setHeadline(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor={`${id}-note`}>Note</label>
              <textarea id={`${id}-note`} rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
            </div>
            <div className="buttons">
              <button type="submit" className="secondary" disabled={!changed || annotated.fetching}>
                Save headline and note
              </button>
              <button
                type="button"
                className="secondary"
                disabled={removed.fetching}
                onClick={() => remove({ storyId, statementId: item.statementId })}
              >
                Remove from story
              </button>
            </div>
          </form>
        </details>
        <ErrorNotice error={annotated.error ?? removed.error} />
      </article>
    </li>
  );
}

const CHANGE_WORDS: Record<string, string> = {
  CORRECTED: 'corrected',
  RETRACTED: 'retracted',
  RESTORED: 'restored',
  SOURCE_ADDED: 'given a new source',
  TOPICS_TAGGED: 'tagged',
  TOPICS_UNTAGGED: 'untagged',
  RESPONSE_LINKED: 'linked to a response',
};

/** The published snapshot, each statement as it stood, with the notice readers are owed beside it. */
export function PublishedItems({ items }: { items: StoryItem[] }) {
  return (
    <ol className="story-items">
      {items.map((item) => {
        const shown = item.published ?? item.current;
        return (
          <li key={item.statementId}>
            <article>
              <h3>{item.headline ?? (shown ? headlineOf(shown) : item.statementId)}</h3>
              {shown && (
                <>
                  <p className="meta">
                    <time>{shown.occurredOn}</time> · {shown.speaker.name}
                  </p>
                  <blockquote>{shown.text}</blockquote>
                </>
              )}
              {item.note && <p className="note">{item.note}</p>}
              {item.changes.length > 0 && (
                <div className="changes" role="note" aria-label="Correction notice">
                  <p>
                    <strong>Since publication</strong> this statement was{' '}
                    {[...new Set(item.changes.map((c) => CHANGE_WORDS[c.kind] ?? words(c.kind)))].join(', ')}:
                  </p>
                  <ul>
                    {item.changes.map((c) => (
                      <li key={c.position}>
                        {c.recordedAt}: {CHANGE_WORDS[c.kind] ?? words(c.kind)}
                        {c.fields.length > 0 && ` (${c.fields.join(', ')})`}
                        {c.reason && ` — ${c.reason}`}
                        {c.sourceUrl && ` — ${c.sourceUrl}`}
                      </li>
                    ))}
                  </ul>
                  {item.current && item.current.text !== shown?.text && (
                    <blockquote className="current">Now: {item.current.text}</blockquote>
                  )}
                  <a href={formatRoute({ view: 'statement', id: item.statementId })}>The current version</a>
                </div>
              )}
            </article>
          </li>
        );
      })}
    </ol>
  );
}
