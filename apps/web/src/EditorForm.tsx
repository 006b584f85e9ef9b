import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, useQuery } from 'urql';
import { cameoCodebook, cameoEntries } from '#reference';
import { CountriesField, CountryField, ErrorNotice } from './common.js';
import { ATTRIBUTIONS, CORRECT, KINDS, RECORD, STATEMENT, words } from './graphql.js';
import { changesOf, draftOf, emptyDraft, inputOf, type Draft } from './drafts.js';
import { formatRoute } from './routes.js';

export function RecordView({ navigate }: { navigate: (hash: string) => void }) {
  const [result, record] = useMutation(RECORD);
  const submit = async (draft: Draft) => {
    const done = await record({ input: inputOf(draft) });
    const id = done.data?.recordStatement.statement.id;
    if (id) navigate(formatRoute({ view: 'statement', id }));
  };
  return (
    <section aria-labelledby="editor-heading">
      <h1 id="editor-heading">Record a statement</h1>
      <p className="hint">Needs an editor's key.</p>
      <ErrorNotice error={result.error} />
      <StatementForm
        initial={emptyDraft()}
        onSubmit={submit}
        busy={result.fetching}
        submitLabel="Record statement"
      />
    </section>
  );
}

export function CorrectView({ id, navigate }: { id: string; navigate: (hash: string) => void }) {
  const [{ data, error, fetching }] = useQuery({
    query: STATEMENT,
    variables: { id },
    requestPolicy: 'network-only',
  });
  const [result, correct] = useMutation(CORRECT);
  const [reason, setReason] = useState('');
  const [nothing, setNothing] = useState(false);
  const statement = data?.statement;
  if (!statement) {
    return (
      <section aria-labelledby="editor-heading">
        <h1 id="editor-heading">{fetching ? 'Loading…' : 'Statement not found'}</h1>
        <ErrorNotice error={error} />
      </section>
    );
  }
  const initial = draftOf(statement);
  const submit = async (draft: Draft) => {
    const changes = changesOf(initial, draft);
    if (Object.keys(changes).length === 0) {
      setNothing(true);
      return;
    }
    setNothing(false);
    const done = await correct({ id, expectedVersion: statement.version, input: { ...changes, reason } });
    if (done.data) navigate(formatRoute({ view: 'statement', id }));
  };
  return (
    <section aria-labelledby="editor-heading">
      <h1 id="editor-heading">Correct a statement</h1>
      <p className="hint">
        Version {statement.version}. A correction is a new event: the old wording stays in the history, and
        stories that published it show a notice.
      </p>
      <ErrorNotice error={result.error} />
      {nothing && (
        <p role="alert" className="error">
          Nothing changed: a correction must change a field.
        </p>
      )}
      <StatementForm
        key={`${statement.id}-${statement.version}`}
        initial={initial}
        onSubmit={submit}
        busy={result.fetching}
        submitLabel="Save correction"
        correcting
        extra={
          <div className="field wide">
            <label htmlFor="reason">Reason for the correction (required)</label>
            <input id="reason" required value={reason} onChange={(e) => setReason(e.target.value)} />
          </div>
        }
      />
    </section>
  );
}

function StatementForm({
  initial,
  onSubmit,
  busy,
  submitLabel,
  correcting = false,
  extra,
}: {
  initial: Draft;
  onSubmit: (draft: Draft) => void;
  busy: boolean;
  submitLabel: string;
  correcting?: boolean;
  extra?: ReactNode;
}) {
  const [d, setD] = useState<Draft>(initial);
  const id = useId();
  const set =
    <K extends keyof Draft>(key: K) =>
    (value: Draft[K]) =>
      setD((old) => ({ ...old, [key]: value }));
  const cameo = d.cameoCode.trim() ? cameoCodebook.lookup(d.cameoCode.trim()) : undefined;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit(d);
  };
  return (
    <form onSubmit={submit} className="editor" aria-describedby={`${id}-help`}>
      <p id={`${id}-help`} className="sr-only">
        Fields marked required must be filled. Countries accept a code or an English name.
      </p>
      <div className="field">
        <label htmlFor={`${id}-date`}>Said on (required)</label>
        <input
          id={`${id}-date`}
          required
          placeholder="YYYY, YYYY-MM or YYYY-MM-DD"
          value={d.occurredOn}
          onChange={(e) => set('occurredOn')(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-speaker`}>Speaker (required)</label>
        <input
          id={`${id}-speaker`}
          required
          value={d.speakerName}
          onChange={(e) => set('speakerName')(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-role`}>Speaker's role</label>
        <input id={`${id}-role`} value={d.speakerRole} onChange={(e) => set('speakerRole')(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-org`}>Organization</label>
        <input
          id={`${id}-org`}
          value={d.speakerOrganization}
          onChange={(e) => set('speakerOrganization')(e.target.value)}
        />
      </div>
      <CountryField label="Speaker's country" value={d.speakerCountry} onChange={set('speakerCountry')} />
      <CountriesField label="Addressed to" value={d.targets} onChange={set('targets')} />
      <CountriesField label="Mentions" value={d.mentions} onChange={set('mentions')} />
      <div className="field">
        <label htmlFor={`${id}-cameo`}>CAMEO code</label>
        <input
          id={`${id}-cameo`}
          list="cameo-options"
          value={d.cameoCode}
          inputMode="numeric"
          aria-describedby={`${id}-cameo-hint`}
          aria-invalid={d.cameoCode.trim() !== '' && cameo === undefined}
          onChange={(e) => set('cameoCode')(e.target.value.replace(/\s.*$/, ''))}
        />
        <datalist id="cameo-options">
          {cameoEntries.map((c) => (
            <option key={c.code} value={c.code}>{`${c.name} (Goldstein ${c.goldstein})`}</option>
          ))}
        </datalist>
        <small
          id={`${id}-cameo-hint`}
          className={d.cameoCode.trim() !== '' && cameo === undefined ? 'invalid' : 'hint'}
        >
          {d.cameoCode.trim() === ''
            ? 'optional; it sets the kind'
            : cameo
              ? `${cameo.name} · Goldstein ${cameo.goldstein}`
              : 'not in the CAMEO codebook'}
        </small>
      </div>
      <div className="field">
        <label htmlFor={`${id}-kind`}>Kind{d.cameoCode.trim() ? ' (from the CAMEO code)' : ''}</label>
        <select
          id={`${id}-kind`}
          value={d.kind}
          disabled={d.cameoCode.trim() !== ''}
          onChange={(e) => set('kind')(e.target.value)}
        >
          <option value="">statement (default)</option>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {words(k)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-attribution`}>Attribution</label>
        <select
          id={`${id}-attribution`}
          value={d.attribution}
          onChange={(e) => set('attribution')(e.target.value)}
        >
          {ATTRIBUTIONS.map((a) => (
            <option key={a} value={a}>
              {words(a)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-topics`}>Topics (comma-separated slugs)</label>
        <input id={`${id}-topics`} value={d.topics} onChange={(e) => set('topics')(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-language`}>Language (BCP-47)</label>
        <input id={`${id}-language`} value={d.language} onChange={(e) => set('language')(e.target.value)} />
      </div>
      <div className="field wide">
        <label htmlFor={`${id}-text`}>Text: the quote or paraphrase (required)</label>
        <textarea
          id={`${id}-text`}
          required
          rows={5}
          value={d.text}
          onChange={(e) => set('text')(e.target.value)}
        />
      </div>
      {!correcting && (
        <fieldset className="wide">
          <legend>Sources (at least one URL)</legend>
          {d.sources.map((source, i) => (
            <div key={i} className="source-row">
              <label htmlFor={`${id}-url-${i}`}>URL {i + 1}</label>
              <input
                id={`${id}-url-${i}`}
                type="url"
                required={i === 0}
                value={source.url}
                onChange={(e) =>
                  set('sources')(d.sources.map((x, j) => (j === i ? { ...x, url: e.target.value } : x)))
                }
              />
              <label htmlFor={`${id}-outlet-${i}`}>Outlet {i + 1}</label>
              <input
                id={`${id}-outlet-${i}`}
                value={source.outlet}
                onChange={(e) =>
                  set('sources')(d.sources.map((x, j) => (j === i ? { ...x, outlet: e.target.value } : x)))
                }
              />
              {d.sources.length > 1 && (
                <button type="button" onClick={() => set('sources')(d.sources.filter((_, j) => j !== i))}>
                  Remove source {i + 1}
                </button>
              )}
            </div>
          ))}
          <button type="button" onClick={() => set('sources')([...d.sources, { url: '', outlet: '' }])}>
            Add a source
          </button>
        </fieldset>
      )}
      {extra}
      <div className="buttons wide">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
      </div>
    </form>
  );
}
