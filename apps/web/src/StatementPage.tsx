import type { ReactNode } from 'react';
import { useQuery } from 'urql';
import { cameoCodebook } from '#reference';
import { ErrorNotice, headlineOf, nameOf } from './common.js';
import { STATEMENT, words, type StatementSummary } from './graphql.js';
import { formatRoute } from './routes.js';

/** One statement: what it says now, its sources, what it answers and what answers it, and its history. */
export function StatementPage({ id, actions }: { id: string; actions?: (s: StatementSummary) => ReactNode }) {
  const [{ data, error, fetching }] = useQuery({
    query: STATEMENT,
    variables: { id },
    requestPolicy: 'cache-and-network',
  });
  const s = data?.statement;
  if (!s) {
    return (
      <section aria-labelledby="statement-heading">
        <h1 id="statement-heading">{fetching ? 'Loading statement…' : 'Statement not found'}</h1>
        <ErrorNotice error={error} />
      </section>
    );
  }
  const cameo = s.cameoCode ? cameoCodebook.lookup(s.cameoCode) : undefined;
  return (
    <article aria-labelledby="statement-heading" className="statement-page">
      <h1 id="statement-heading">{headlineOf(s)}</h1>
      <ErrorNotice error={error} />
      {s.status === 'RETRACTED' && (
        <p className="notice">This statement was retracted; it stays here with its history.</p>
      )}
      <blockquote className="big">{s.text}</blockquote>
      <dl className="facts">
        <dt>Said on</dt>
        <dd>{s.occurredOn}</dd>
        <dt>Speaker</dt>
        <dd>
          {s.speaker.name}
          {s.speaker.role && `, ${s.speaker.role}`}
          {s.speaker.organization && ` (${s.speaker.organization})`}
          {s.speaker.country && ` · ${nameOf(s.speaker.country)}`}
        </dd>
        <dt>For</dt>
        <dd>{nameOf(s.speakerCountry) || '—'}</dd>
        <dt>Addressed to</dt>
        <dd>{s.targets.map(nameOf).join(', ') || '—'}</dd>
        <dt>Mentions</dt>
        <dd>{s.mentions.map(nameOf).join(', ') || '—'}</dd>
        <dt>Kind</dt>
        <dd>
          {words(s.kind)}
          {s.cameoCode && ` · CAMEO ${s.cameoCode}${cameo ? ` (${cameo.name})` : ''}`}
          {s.goldstein !== null && ` · Goldstein ${s.goldstein}`}
        </dd>
        <dt>Attribution</dt>
        <dd>{words(s.attribution)}</dd>
        <dt>Topics</dt>
        <dd>{s.topics.join(', ') || '—'}</dd>
        <dt>Version</dt>
        <dd>
          {s.version} · recorded {s.recordedAt} · last changed {s.updatedAt}
        </dd>
      </dl>
      <div className="actions">
        <a className="button" href={formatRoute({ view: 'correct', id: s.id })}>
          Correct this statement
        </a>
        {actions?.(s)}
      </div>
      <section aria-labelledby="sources-heading">
        <h2 id="sources-heading">Sources</h2>
        <ul>
          {s.allSources.map((source) => (
            <li key={source.url}>
              <a href={source.url} rel="noopener noreferrer nofollow" target="_blank">
                {source.outlet ?? source.url}
              </a>
              {source.outlet && <small> {source.url}</small>}
              {source.publishedAt && <small> · published {source.publishedAt}</small>}
              {source.via && <small> · via {source.via}</small>}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="responses-heading">
        <h2 id="responses-heading">Responses</h2>
        <Linked title="Responds to" items={s.respondsTo} />
        <Linked title="Answered by" items={s.responses} />
      </section>
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        <div className="table-scroll">
          <table>
            <caption className="sr-only">Every event of this statement, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Event</th>
                <th scope="col">Recorded</th>
                <th scope="col">Log position</th>
                <th scope="col">Hash</th>
              </tr>
            </thead>
            <tbody>
              {s.history.map((event) => (
                <tr key={event.revision}>
                  <td>{event.revision + 1}</td>
                  <td>{event.type.replace(/^Statement/, '')}</td>
                  <td>{event.recordedAt}</td>
                  <td>{event.position}</td>
                  <td>
                    <code title={event.hash}>{event.hash.slice(0, 12)}…</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </article>
  );
}

function Linked({
  title,
  items,
}: {
  title: string;
  items: { id: string; occurredOn: string; speaker: { name: string }; text: string }[];
}) {
  return (
    <>
      <h3>{title}</h3>
      {items.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul>
          {items.map((item) => (
            <li key={item.id}>
              <a href={formatRoute({ view: 'statement', id: item.id })}>
                {item.occurredOn} · {item.speaker.name}
              </a>
              : {item.text.length > 160 ? `${item.text.slice(0, 160)}…` : item.text}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
