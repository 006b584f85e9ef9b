import { useState, type FormEvent } from 'react';
import { storedKey, storeKey } from './key.js';

/** Paste an API key (reader, editor, auditor: docs/SECURITY.md); kept for this tab only. */
export function KeyView({ onChange }: { onChange: () => void }) {
  const [key, setKey] = useState(storedKey() ?? '');
  const [saved, setSaved] = useState<string | undefined>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    storeKey(key);
    setSaved(key.trim() ? 'Key kept for this tab; every request now sends it.' : 'Key removed.');
    onChange();
  };
  return (
    <section aria-labelledby="key-heading">
      <h1 id="key-heading">API key</h1>
      <p>
        Reading may need a reader's key, recording and correcting an editor's, history details an auditor's.
        The key stays in this tab (sessionStorage) and is sent as <code>Authorization: Bearer …</code> to this
        service only.
      </p>
      <form onSubmit={submit} className="filters">
        <div className="field wide">
          <label htmlFor="api-key">Key</label>
          <input
            id="api-key"
            type="password"
            autoComplete="off"
            value={key}
            onChange={(e) => setKey(e.target.value)}
          />
        </div>
        <div className="buttons">
          <button type="submit">Use this key</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setKey('');
              storeKey(undefined);
              setSaved('Key removed.');
              onChange();
            }}
          >
            Forget the key
          </button>
        </div>
      </form>
      <p role="status">{saved}</p>
    </section>
  );
}
