import { useId, useState, type ReactNode } from 'react';
import type { CombinedError } from 'urql';
import { countryList, countryName, resolveCountry } from '#reference';
import { formatRoute } from './routes.js';
import { words, type StatementSummary } from './graphql.js';

export const COUNTRIES = countryList();

export const nameOf = (code: string | null | undefined): string =>
  code ? `${countryName(code) ?? code} (${code})` : '';

/** "Wang Yi (CN) → TR: disapprove" — who, to whom, what kind; the raw actor label stays in the detail. */
export function headlineOf(s: StatementSummary): string {
  const who = s.speaker.name + (s.speakerCountry ? ` (${s.speakerCountry})` : '');
  const to = s.targets.length > 0 ? ` → ${s.targets.join(', ')}` : '';
  return `${who}${to}: ${words(s.kind)}`;
}

export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  return (
    <a href={to} className={className}>
      {children}
    </a>
  );
}

/** An error from the service, with the field and reason it names (BAD_USER_INPUT, CONFLICT, FORBIDDEN…). */
export function ErrorNotice({ error }: { error: CombinedError | undefined }) {
  if (!error) return null;
  const lines = error.graphQLErrors.map((e) => {
    const code = typeof e.extensions?.code === 'string' ? e.extensions.code : 'ERROR';
    const field = typeof e.extensions?.field === 'string' ? ` (field ${e.extensions.field})` : '';
    return `${code}${field}: ${e.message}`;
  });
  if (error.networkError) lines.push(`network: ${error.networkError.message}`);
  return (
    <div role="alert" className="error">
      {lines.map((line, i) => (
        <p key={i}>{line}</p>
      ))}
      {lines.some((l) => l.startsWith('UNAUTHENTICATED') || l.startsWith('FORBIDDEN')) && (
        <p>
          <a href={formatRoute({ view: 'key' })}>Paste an API key</a> with the role this needs.
        </p>
      )}
    </div>
  );
}

/** The datalist of every country, once per page. */
export function CountryOptions() {
  return (
    <datalist id="country-options">
      {COUNTRIES.map((c) => (
        <option key={c.code} value={c.code}>
          {c.name}
        </option>
      ))}
    </datalist>
  );
}

/**
 * One country: type a code, an alpha-3 code or a name (the reference data resolves it). Shows what it resolved
 * to, or why not.
 */
export function CountryField({
  label,
  value,
  onChange,
  required = false,
}: {
  label: string;
  value: string;
  onChange: (code: string) => void;
  required?: boolean;
}) {
  const id = useId();
  const [text, setText] = useState(value);
  const resolved = text.trim() === '' ? '' : resolveCountry(text);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        list="country-options"
        value={text}
        required={required}
        autoComplete="off"
        aria-describedby={`${id}-hint`}
        aria-invalid={resolved === undefined}
        onChange={(e) => {
          setText(e.target.value);
          const code = e.target.value.trim() === '' ? '' : resolveCountry(e.target.value);
          if (code !== undefined) onChange(code);
        }}
      />
      <small id={`${id}-hint`} className={resolved === undefined ? 'invalid' : 'hint'}>
        {resolved === undefined ? `not a known country: "${text}"` : resolved ? nameOf(resolved) : 'any'}
      </small>
    </div>
  );
}

/** Several countries (targets, mentions): added one at a time, each removable. */
export function CountriesField({
  label,
  value,
  onChange,
}: {
  label: string;
  value: string[];
  onChange: (codes: string[]) => void;
}) {
  const id = useId();
  const [text, setText] = useState('');
  const resolved = text.trim() === '' ? '' : resolveCountry(text);
  const add = () => {
    if (resolved && !value.includes(resolved)) onChange([...value, resolved]);
    if (resolved) setText('');
  };
  return (
    <fieldset className="field">
      <legend>{label}</legend>
      <ul className="chips" aria-label={`${label} chosen`}>
        {value.map((code) => (
          <li key={code}>
            {nameOf(code)}{' '}
            <button
              type="button"
              aria-label={`Remove ${nameOf(code)}`}
              onClick={() => onChange(value.filter((c) => c !== code))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <label htmlFor={id} className="sr-only">
        Add to {label}
      </label>
      <input
        id={id}
        list="country-options"
        value={text}
        autoComplete="off"
        placeholder="code or name"
        aria-invalid={resolved === undefined}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            add();
          }
        }}
      />
      <button type="button" onClick={add} disabled={!resolved}>
        Add
      </button>
      {resolved === undefined && <small className="invalid">not a known country: "{text}"</small>}
    </fieldset>
  );
}

/** A list of statements, each with a link to its page and whatever actions the caller adds. */
export function StatementList({
  statements,
  actions,
  start = 1,
}: {
  statements: StatementSummary[];
  actions?: (s: StatementSummary) => ReactNode;
  start?: number;
}) {
  if (statements.length === 0) return <p>No statements.</p>;
  return (
    <ol className="statements" start={start}>
      {statements.map((s) => (
        <li key={s.id} className={s.status === 'RETRACTED' ? 'retracted' : undefined}>
          <article aria-labelledby={`h-${s.id}`}>
            <h3 id={`h-${s.id}`}>
              <a href={formatRoute({ view: 'statement', id: s.id })}>{headlineOf(s)}</a>
            </h3>
            <p className="meta">
              <time>{s.occurredOn}</time> · {words(s.attribution)}
              {s.goldstein !== null && <> · Goldstein {s.goldstein}</>}
              {s.topics.length > 0 && <> · {s.topics.join(', ')}</>}
              {s.status === 'RETRACTED' && (
                <>
                  {' '}
                  · <strong>retracted</strong>
                </>
              )}
            </p>
            <blockquote>{s.text}</blockquote>
            {actions && <div className="actions">{actions(s)}</div>}
          </article>
        </li>
      ))}
    </ol>
  );
}
